//! The feature document `cv-processor` emits, version `sightgraph.features/v1`.
//!
//! One document per processed image: image identity, detected objects with
//! their boxes, colour and embedding, relations between objects, the model
//! version, per-stage timings and lineage. The ingestor validates it before
//! anything is written; `docs/feature-schema.md` describes it for humans.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{ColorName, FeatureId, ImageId, Label, LocationPolicy, ModelVersion, ObjectId, ObjectUri};
use crate::{Error, Result};

/// The schema identifier every document carries.
pub const SCHEMA_V1: &str = "sightgraph.features/v1";
/// Most objects one document may carry (`cv-processor` keeps the best-scoring ones); it bounds
/// the document's size, and with it the ingestor's body limit.
pub const MAX_OBJECTS: usize = 100;
/// CloudEvent type under which documents travel.
pub const EXTRACTED_EVENT_TYPE: &str = "dev.sightgraph.features.extracted";

/// A box as corner coordinates (pixels or 0..1 fractions).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BBox {
    /// Left edge.
    pub x_min: f32,
    /// Top edge.
    pub y_min: f32,
    /// Right edge.
    pub x_max: f32,
    /// Bottom edge.
    pub y_max: f32,
}

impl BBox {
    /// Area, zero for degenerate boxes.
    pub fn area(&self) -> f32 {
        (self.x_max - self.x_min).max(0.0) * (self.y_max - self.y_min).max(0.0)
    }

    /// Intersection over union.
    pub fn iou(&self, other: &BBox) -> f32 {
        let ix = (self.x_max.min(other.x_max) - self.x_min.max(other.x_min)).max(0.0);
        let iy = (self.y_max.min(other.y_max) - self.y_min.max(other.y_min)).max(0.0);
        let inter = ix * iy;
        let union = self.area() + other.area() - inter;
        if union <= 0.0 {
            0.0
        } else {
            inter / union
        }
    }

    /// Smallest gap between the two boxes (0 when they touch or overlap).
    pub fn gap(&self, other: &BBox) -> f32 {
        let dx = (other.x_min - self.x_max).max(self.x_min - other.x_max).max(0.0);
        let dy = (other.y_min - self.y_max).max(self.y_min - other.y_max).max(0.0);
        (dx * dx + dy * dy).sqrt()
    }

    /// The corners as an array `[x_min, y_min, x_max, y_max]`.
    pub fn as_array(&self) -> [f32; 4] {
        [self.x_min, self.y_min, self.x_max, self.y_max]
    }
}

/// The dominant colour of an object's crop.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ColorAttr {
    /// Palette name.
    pub name: ColorName,
    /// Share of the crop's pixels that fell in that palette bin (0..1).
    pub fraction: f32,
}

/// Identity and size of the processed image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageInfo {
    /// sha256 of the bytes.
    pub id: ImageId,
    /// Where it was read from (`gs://bucket/name#generation` or `file://…`).
    pub uri: String,
    /// Bucket, when read from GCS.
    pub bucket: Option<String>,
    /// Object name or file path.
    pub name: String,
    /// GCS generation, when known.
    pub generation: Option<i64>,
    /// Width after EXIF orientation.
    pub width: u32,
    /// Height after EXIF orientation.
    pub height: u32,
    /// Sniffed MIME type, e.g. `image/jpeg`.
    pub content_type: String,
    /// Size of the object in bytes.
    pub size_bytes: u64,
    /// MD5 of the bytes, base64, as GCS's `md5Hash`.
    pub md5_hash: String,
}

/// One model with its provenance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelRef {
    /// Model name, e.g. `ssd_mobilenet_v2_coco`.
    pub name: String,
    /// Registry package the weights came from.
    pub package: String,
    /// That package's version.
    pub package_version: String,
    /// sha256 of the ONNX file that ran.
    pub sha256: String,
}

/// The models and the thresholds that produced a document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// Combined version of both models.
    pub version: ModelVersion,
    /// The object detector.
    pub detector: ModelRef,
    /// The crop embedder.
    pub embedder: ModelRef,
    /// Detections below this score were dropped.
    pub score_threshold: f32,
    /// IoU above which NMS suppressed a same-class box.
    pub nms_iou: f32,
    /// Normalised gap under which two objects are NEAR.
    pub near_threshold: f32,
}

/// One detected object with its features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetectedObject {
    /// Deterministic id (see [`ObjectId::derive`]).
    pub id: ObjectId,
    /// Id of this object's feature under the model version.
    pub feature_id: FeatureId,
    /// COCO class label.
    pub label: Label,
    /// COCO category id (1..=90).
    pub category_id: u32,
    /// Detector confidence (0..1).
    pub score: f32,
    /// Box in pixels of the oriented image.
    #[serde(rename = "box")]
    pub box_px: BBox,
    /// Box as fractions of width and height.
    pub box_norm: BBox,
    /// Dominant colour.
    pub color: ColorAttr,
    /// L2-normalised embedding of the crop.
    pub embedding: Vec<f32>,
}

/// Kind of relation between two objects of one image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum RelationKind {
    /// Boxes closer than the NEAR threshold.
    Near,
    /// Boxes that intersect.
    Overlaps,
}

impl RelationKind {
    /// The relationship type in the graph.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Near => "NEAR",
            Self::Overlaps => "OVERLAPS",
        }
    }
}

/// A relation between two objects; `from` sorts before `to`, so each pair appears once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Relation {
    /// NEAR or OVERLAPS.
    #[serde(rename = "type")]
    pub kind: RelationKind,
    /// First object.
    pub from: ObjectId,
    /// Second object.
    pub to: ObjectId,
    /// Normalised gap between the boxes (NEAR).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distance: Option<f32>,
    /// Intersection over union (OVERLAPS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iou: Option<f32>,
}

/// Milliseconds spent in each stage.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Timings {
    /// Reading the object.
    pub fetch_ms: f64,
    /// Decoding and orienting.
    pub decode_ms: f64,
    /// Resizing and normalising for the detector.
    pub preprocess_ms: f64,
    /// Detector inference and NMS.
    pub detect_ms: f64,
    /// Cropping and embedding.
    pub embed_ms: f64,
    /// Colour attributes.
    pub attributes_ms: f64,
    /// Relations.
    pub relations_ms: f64,
    /// Everything.
    pub total_ms: f64,
}

/// Who produced the document, where and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lineage {
    /// Kubernetes Job name or local run id.
    pub job_id: String,
    /// Host name of the worker.
    pub host: String,
    /// `cv-processor@<crate version>`.
    pub processor: String,
    /// ONNX Runtime execution provider that ran the models (`cuda` or `cpu`).
    pub execution_provider: String,
    /// When processing started.
    pub started_at: DateTime<Utc>,
    /// When processing finished.
    pub finished_at: DateTime<Utc>,
}

/// The whole document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureDocument {
    /// Always [`SCHEMA_V1`].
    pub schema: String,
    /// The image.
    pub image: ImageInfo,
    /// Models and thresholds.
    pub model: ModelInfo,
    /// Detected objects, best score first.
    pub objects: Vec<DetectedObject>,
    /// Relations between the objects.
    pub relations: Vec<Relation>,
    /// Stage timings.
    pub timings: Timings,
    /// Provenance.
    pub lineage: Lineage,
}

impl FeatureDocument {
    /// Checks everything a receiver relies on: the image's location is one
    /// `policy` accepts and agrees with its bucket, name and generation, and
    /// the content passes [`FeatureDocument::validate_content`].
    pub fn validate(&self, policy: &LocationPolicy) -> Result<()> {
        self.validate_location(policy)?;
        self.validate_content()
    }

    /// The location half of [`FeatureDocument::validate`].
    pub fn validate_location(&self, policy: &LocationPolicy) -> Result<()> {
        let image = &self.image;
        let uri = ObjectUri::parse(&image.uri).map_err(|e| Error::invalid(format!("image.uri: {e}")))?;
        policy.check(&uri).map_err(|e| Error::invalid(format!("image.uri: {e}")))?;
        let agrees = match &uri {
            ObjectUri::Gcs { bucket, name, generation } => {
                image.bucket.as_deref() == Some(bucket) && &image.name == name && &image.generation == generation
            }
            ObjectUri::Local(_) => image.bucket.is_none(),
        };
        if !agrees {
            return Err(Error::invalid("image.bucket, image.name and image.generation must match image.uri"));
        }
        Ok(())
    }

    /// Everything but the location, for the producer's own check: schema, ids
    /// derived as documented, finite normalised embeddings of one dimension,
    /// boxes in range, relations between known objects.
    pub fn validate_content(&self) -> Result<()> {
        if self.schema != SCHEMA_V1 {
            return Err(Error::invalid(format!("schema must be {SCHEMA_V1:?}, got {:?}", self.schema)));
        }
        if self.objects.len() > MAX_OBJECTS {
            return Err(Error::invalid(format!(
                "a document carries at most {MAX_OBJECTS} objects, this one {}",
                self.objects.len()
            )));
        }
        let version = &self.model.version;
        let dim = self.objects.first().map(|o| o.embedding.len());
        for (i, o) in self.objects.iter().enumerate() {
            let at = format!("objects[{i}]");
            let expected = ObjectId::derive(&self.image.id, version, o.category_id, o.box_norm.as_array());
            if o.id != expected {
                return Err(Error::invalid(format!("{at}.id does not derive from image, model version and box")));
            }
            if o.feature_id != FeatureId::derive(&o.id, version) {
                return Err(Error::invalid(format!("{at}.feature_id does not derive from the object id")));
            }
            if !(0.0..=1.0).contains(&o.score) || !(0.0..=1.0).contains(&o.color.fraction) {
                return Err(Error::invalid(format!("{at}: score and colour fraction must lie in 0..1")));
            }
            let b = o.box_norm;
            let in_unit = [b.x_min, b.y_min, b.x_max, b.y_max].iter().all(|v| (-0.001..=1.001).contains(v));
            if !in_unit || b.x_min > b.x_max || b.y_min > b.y_max {
                return Err(Error::invalid(format!("{at}.box_norm is not a box inside the image")));
            }
            if Some(o.embedding.len()) != dim || o.embedding.is_empty() {
                return Err(Error::invalid(format!("{at}.embedding must be non-empty and of one dimension")));
            }
            if o.embedding.iter().any(|v| !v.is_finite()) {
                return Err(Error::invalid(format!("{at}.embedding has a non-finite value")));
            }
        }
        let known: std::collections::HashSet<&ObjectId> = self.objects.iter().map(|o| &o.id).collect();
        let mut seen = std::collections::HashSet::with_capacity(self.relations.len());
        for (i, r) in self.relations.iter().enumerate() {
            if !known.contains(&r.from) || !known.contains(&r.to) || r.from == r.to {
                return Err(Error::invalid(format!("relations[{i}] must join two distinct objects of the image")));
            }
            let (a, b) = if r.from < r.to { (&r.from, &r.to) } else { (&r.to, &r.from) };
            if !seen.insert((r.kind, a, b)) {
                return Err(Error::invalid(format!("relations[{i}] repeats a relation of the same pair and kind")));
            }
        }
        Ok(())
    }
}
