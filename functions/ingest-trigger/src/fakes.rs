//! Test doubles shared by the unit tests and `tests/api` (included there by path):
//! a launcher that records requests and a small valid feature document.
#![allow(dead_code)]

use async_trait::async_trait;
use shared::domain::{ColorName, FeatureId, ImageId, Label, ModelVersion, ObjectId};
use shared::launcher::{JobLauncher, JobRequest, LaunchOutcome};
use shared::schema::{
    BBox, ColorAttr, DetectedObject, FeatureDocument, ImageInfo, Lineage, ModelInfo, ModelRef, Timings,
};
use std::sync::{Arc, Mutex};

/// A [`JobLauncher`] that remembers what it was asked; a repeated name is `AlreadyExists`,
/// or `FailedBefore` once marked failed.
#[derive(Default)]
pub struct RecordingLauncher {
    launched: Mutex<Vec<JobRequest>>,
    failed: Mutex<Vec<(String, String)>>,
    unavailable: bool,
}

impl RecordingLauncher {
    /// A launcher that accepts everything.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// A launcher whose backend is down.
    pub fn unavailable() -> Arc<Self> {
        Arc::new(Self { unavailable: true, ..Self::default() })
    }

    /// Marks the run `name` as failed for good with `reason`.
    pub fn fail(&self, name: &str, reason: &str) {
        self.failed.lock().unwrap().push((name.to_owned(), reason.to_owned()));
    }

    /// Every request that created a run, in order.
    pub fn launched(&self) -> Vec<JobRequest> {
        self.launched.lock().unwrap().clone()
    }
}

#[async_trait]
impl JobLauncher for RecordingLauncher {
    fn kind(&self) -> &'static str {
        "recording"
    }

    async fn launch(&self, request: &JobRequest) -> shared::Result<LaunchOutcome> {
        if self.unavailable {
            return Err(shared::Error::unavailable("kubernetes", "connection refused"));
        }
        let mut launched = self.launched.lock().unwrap();
        if let Some((_, reason)) = self.failed.lock().unwrap().iter().find(|(n, _)| n == request.name.as_str()) {
            return Ok(LaunchOutcome::FailedBefore { reason: reason.clone() });
        }
        if launched.iter().any(|r| r.name == request.name) {
            return Ok(LaunchOutcome::AlreadyExists);
        }
        launched.push(request.clone());
        Ok(LaunchOutcome::Created)
    }
}

/// The model version the sample documents claim.
pub fn model_version() -> ModelVersion {
    ModelVersion::parse("det@1+emb@1").unwrap()
}

/// A valid one-object document for `gs://bucket/name#generation` with the given MD5.
pub fn feature_document(bytes: &[u8], md5_hash: &str, bucket: &str, name: &str, generation: i64) -> FeatureDocument {
    let image = ImageId::of_bytes(bytes);
    let version = model_version();
    let box_norm = BBox { x_min: 0.1, y_min: 0.2, x_max: 0.5, y_max: 0.9 };
    let id = ObjectId::derive(&image, &version, 18, box_norm.as_array());
    let model = |n: &str| ModelRef {
        name: n.into(),
        package: "test".into(),
        package_version: "1".into(),
        sha256: "0".repeat(64),
    };
    let now = chrono::Utc::now();
    FeatureDocument {
        schema: shared::schema::SCHEMA_V1.into(),
        image: ImageInfo {
            id: image,
            uri: format!("gs://{bucket}/{name}#{generation}"),
            bucket: Some(bucket.into()),
            name: name.into(),
            generation: Some(generation),
            width: 100,
            height: 100,
            content_type: "image/jpeg".into(),
            size_bytes: bytes.len() as u64,
            md5_hash: md5_hash.into(),
        },
        model: ModelInfo {
            version: version.clone(),
            detector: model("det"),
            embedder: model("emb"),
            score_threshold: 0.5,
            nms_iou: 0.5,
            near_threshold: 0.1,
        },
        objects: vec![DetectedObject {
            feature_id: FeatureId::derive(&id, &version),
            id,
            label: Label::parse("dog").unwrap(),
            category_id: 18,
            score: 0.9,
            box_px: BBox { x_min: 10.0, y_min: 20.0, x_max: 50.0, y_max: 90.0 },
            box_norm,
            color: ColorAttr { name: ColorName::Brown, fraction: 0.6 },
            embedding: vec![0.6, 0.8],
        }],
        relations: vec![],
        timings: Timings::default(),
        lineage: Lineage {
            job_id: "cv-test".into(),
            host: "test".into(),
            processor: "cv-processor@test".into(),
            execution_provider: "cpu".into(),
            started_at: now,
            finished_at: now,
        },
    }
}
