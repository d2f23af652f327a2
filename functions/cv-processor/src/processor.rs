//! The library entry point: [`Processor::new`] loads and checks the models once;
//! [`Processor::process`] turns one image URI into a validated feature document.

use chrono::Utc;
use shared::domain::{ModelVersion, ObjectUri};
use shared::schema::{FeatureDocument, Lineage, ModelInfo, ModelRef, Timings, SCHEMA_V1};
use std::time::Instant;
use tracing::instrument;

use crate::config::Config;
use crate::decode::decode;
use crate::document::{image_info, object};
use crate::manifest::Manifest;
use crate::models::{l2_normalise, Detector, Embedder};
use crate::onnx::{OnnxDetector, OnnxEmbedder, OnnxRuntime};
use crate::preprocess::{detector_input, embedder_input, Rect};
use crate::source::{Fetched, ObjectSource};
use crate::{color, nms, relations, Error, Result};

/// The models a processor runs, with their provenance.
pub struct Models {
    /// Combined version; part of every object id.
    pub version: ModelVersion,
    /// Detector provenance.
    pub detector_ref: ModelRef,
    /// Embedder provenance.
    pub embedder_ref: ModelRef,
    /// The detector.
    pub detector: Box<dyn Detector>,
    /// The embedder.
    pub embedder: Box<dyn Embedder>,
}

impl Models {
    /// The models named by `<model_dir>/manifest.json`, on ONNX Runtime.
    pub fn from_config(config: &Config) -> Result<Self> {
        let manifest = Manifest::load(config.model_dir()?)?;
        let runtime = OnnxRuntime::load(config.ort_dylib()?, config.intra_threads, config.cpu_only)?;
        let detector = OnnxDetector::open(&runtime, &manifest.detector_path)?;
        let embedder = OnnxEmbedder::open(&runtime, &manifest.embedder_path)?;
        Ok(Self {
            version: manifest.version,
            detector_ref: manifest.detector.to_ref(),
            embedder_ref: manifest.embedder.to_ref(),
            detector: Box::new(detector),
            embedder: Box::new(embedder),
        })
    }

    /// Lineage's execution provider: one name, or `detector/embedder` when they differ.
    pub fn execution_provider(&self) -> String {
        let (d, e) = (self.detector.execution_provider(), self.embedder.execution_provider());
        if d == e {
            d.to_owned()
        } else {
            format!("{d}/{e}")
        }
    }
}

/// Processes images with one set of models and settings.
pub struct Processor {
    /// Settings, validated.
    config: Config,
    /// Object storage access.
    source: ObjectSource,
    /// Detector and embedder.
    models: Models,
}

impl Processor {
    /// Validates the config and loads the models named by the manifest.
    pub fn new(config: Config) -> Result<Self> {
        config.validate()?;
        let models = Models::from_config(&config)?;
        Ok(Self::with_models(config, models))
    }

    /// A processor around models built elsewhere (tests, other backends).
    pub fn with_models(config: Config, models: Models) -> Self {
        tracing::info!(
            model_version = %models.version,
            execution_provider = %models.execution_provider(),
            "cv-processor ready"
        );
        Self { source: ObjectSource::new(config.storage.clone()), config, models }
    }

    /// The models in use.
    pub fn models(&self) -> &Models {
        &self.models
    }

    /// Reads, decodes and analyses one image (`gs://bucket/name#generation` or a local path).
    /// NB: inference runs on the calling thread; async callers may want `spawn_blocking` around it.
    pub async fn process(&self, uri: &str) -> Result<FeatureDocument> {
        let parsed = ObjectUri::parse(uri).map_err(|e| Error::bad_input(uri, e))?;
        self.process_uri(&parsed).await
    }

    /// [`Processor::process`] for an already parsed URI.
    #[instrument(skip_all, fields(uri = %uri))]
    pub async fn process_uri(&self, uri: &ObjectUri) -> Result<FeatureDocument> {
        let started = Instant::now();
        let uri = match uri {
            ObjectUri::Local(path) => ObjectUri::Local(
                std::fs::canonicalize(path).or_else(|_| std::path::absolute(path)).unwrap_or_else(|_| path.clone()),
            ),
            gcs => gcs.clone(),
        };
        let fetched = self.source.fetch(&uri, self.config.limits.max_bytes).await?;
        let fetch_ms = ms(started);
        self.analyse(&uri, fetched, started, fetch_ms)
    }

    /// Everything after reading: decode, detect, embed, colours, relations, document.
    /// `started` is when the work began (for the total), `fetch_ms` how long reading took.
    pub fn analyse(
        &self,
        uri: &ObjectUri,
        fetched: Fetched,
        started: Instant,
        fetch_ms: f64,
    ) -> Result<FeatureDocument> {
        let started_at = Utc::now() - chrono::Duration::from_std(started.elapsed()).unwrap_or_default();
        let mut timings = Timings { fetch_ms, ..Timings::default() };
        let t = &self.config.thresholds;
        let uri_text = uri.to_string();

        let clock = Instant::now();
        let decoded = decode(&uri_text, &fetched.bytes, &self.config.limits)?;
        let image = &decoded.rgb;
        timings.decode_ms = ms(clock);

        let clock = Instant::now();
        let input = detector_input(image);
        timings.preprocess_ms = ms(clock);

        let clock = Instant::now();
        let raw = self.models.detector.detect(&input)?;
        let detections = nms::keep_best(nms::select(&raw, t.score, t.nms_iou), self.config.limits.max_detections);
        timings.detect_ms = ms(clock);

        let clock = Instant::now();
        let rects: Vec<Rect> =
            detections.iter().map(|d| Rect::from_norm(&d.box_norm, image.width(), image.height())).collect();
        let mut embeddings = self.models.embedder.embed(&embedder_input(image, &rects))?;
        if embeddings.len() != rects.len() {
            return Err(Error::runtime("embedder", format!("{} vectors for {} crops", embeddings.len(), rects.len())));
        }
        embeddings.iter_mut().for_each(|v| l2_normalise(v));
        timings.embed_ms = ms(clock);

        let clock = Instant::now();
        let colors: Vec<_> = rects.iter().map(|r| color::dominant(image, color::core(*r))).collect();
        timings.attributes_ms = ms(clock);

        let info = image_info(uri, &fetched, image.width(), image.height(), decoded.content_type);
        let version = &self.models.version;
        let objects: Vec<_> =
            detections.iter().zip(colors).zip(embeddings).map(|((d, c), e)| object(&info, version, d, c, e)).collect();

        let clock = Instant::now();
        let pairs: Vec<_> = objects.iter().map(|o| (o.id.clone(), o.box_norm)).collect();
        let relations = relations::relate(&pairs, t.near);
        timings.relations_ms = ms(clock);
        timings.total_ms = ms(started);

        let document = FeatureDocument {
            schema: SCHEMA_V1.to_owned(),
            image: info,
            model: ModelInfo {
                version: version.clone(),
                detector: self.models.detector_ref.clone(),
                embedder: self.models.embedder_ref.clone(),
                score_threshold: t.score,
                nms_iou: t.nms_iou,
                near_threshold: t.near,
            },
            objects,
            relations,
            timings,
            lineage: Lineage {
                job_id: self.config.job_id.clone().unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
                host: self.config.host.clone(),
                processor: format!("cv-processor@{}", env!("CARGO_PKG_VERSION")),
                execution_provider: self.models.execution_provider(),
                started_at,
                finished_at: Utc::now(),
            },
        };
        // NB: where the image lives is the receiver's check (`validate` with its policy).
        document.validate_content().map_err(|e| Error::Document(e.to_string()))?;
        tracing::info!(
            image = %document.image.id,
            objects = document.objects.len(),
            relations = document.relations.len(),
            total_ms = document.timings.total_ms,
            "image processed"
        );
        Ok(document)
    }
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1e3
}

#[cfg(test)]
#[path = "processor_tests.rs"]
mod tests;
