//! Everything a [`crate::Processor`] needs to know, built once by the CLI (or a caller) and validated.

use std::path::PathBuf;

use crate::{Error, Result};

/// Detection and relation thresholds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// Detections scoring at or below this are dropped.
    pub score: f32,
    /// NMS drops a same-class box whose IoU with a kept one is above this.
    pub nms_iou: f32,
    /// Objects whose normalised box gap is below this are NEAR.
    pub near: f32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self { score: 0.4, nms_iou: 0.5, near: 0.05 }
    }
}

/// Limits that reject oversized images before they cost memory, and bound the work per image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest object read, in bytes.
    pub max_bytes: u64,
    /// Largest width × height decoded.
    pub max_pixels: u64,
    /// Most objects kept per image (the best-scoring ones); relations join only these.
    pub max_detections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_bytes: 50 * 1024 * 1024, max_pixels: 40_000_000, max_detections: MAX_OBJECTS }
    }
}

use shared::schema::MAX_OBJECTS;

pub use shared::storage::StorageConfig;

/// The processor's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Folder holding `manifest.json`, `detector.onnx` and `embedder.onnx`.
    pub model_dir: Option<PathBuf>,
    /// The ONNX Runtime shared library to load.
    pub ort_dylib: Option<PathBuf>,
    /// ONNX Runtime intra-op threads per session; 0 lets ONNX Runtime choose.
    pub intra_threads: usize,
    /// Never try CUDA (benchmarks compare CPU numbers).
    pub cpu_only: bool,
    /// Detection and relation thresholds.
    pub thresholds: Thresholds,
    /// Size limits.
    pub limits: Limits,
    /// Object storage.
    pub storage: StorageConfig,
    /// Job id for lineage; a random one when unset.
    pub job_id: Option<String>,
    /// Host name for lineage.
    pub host: String,
}

impl Config {
    /// Defaults with the given model folder and ONNX Runtime library.
    pub fn new(model_dir: Option<PathBuf>, ort_dylib: Option<PathBuf>) -> Self {
        Self {
            model_dir,
            ort_dylib,
            intra_threads: 0,
            cpu_only: false,
            thresholds: Thresholds::default(),
            limits: Limits::default(),
            // NB: the processor reads the image it is told to; the trigger only ever names `gs://` objects.
            storage: StorageConfig { local_files: shared::storage::LocalFiles::Anywhere, ..StorageConfig::default() },
            job_id: None,
            host: "localhost".into(),
        }
    }

    /// Checks the numbers; names the offending option on failure.
    pub fn validate(&self) -> Result<()> {
        let unit = |v: f32| v.is_finite() && (0.0..=1.0).contains(&v);
        let t = &self.thresholds;
        for (name, v) in [("--score-threshold", t.score), ("--nms-iou", t.nms_iou), ("--near-threshold", t.near)] {
            if !unit(v) {
                return Err(Error::config(format!("{name} must lie in 0..=1, got {v}")));
            }
        }
        if self.limits.max_bytes == 0 || self.limits.max_pixels == 0 {
            return Err(Error::config("--max-bytes and --max-pixels must be positive"));
        }
        if !(1..=MAX_OBJECTS).contains(&self.limits.max_detections) {
            return Err(Error::config(format!(
                "--max-detections (CV_MAX_DETECTIONS) must lie in 1..={MAX_OBJECTS}, got {}",
                self.limits.max_detections
            )));
        }
        Ok(())
    }

    /// The model folder, or a CONFIG error telling how to build it.
    pub fn model_dir(&self) -> Result<&PathBuf> {
        self.model_dir.as_ref().ok_or_else(|| {
            Error::config("SIGHTGRAPH_MODEL_DIR is not set: run `just models` and `source scripts/models/env.sh`")
        })
    }

    /// The ONNX Runtime library, or a CONFIG error telling how to get it.
    pub fn ort_dylib(&self) -> Result<&PathBuf> {
        self.ort_dylib.as_ref().ok_or_else(|| {
            Error::config("ORT_DYLIB_PATH is not set: run `just models` and `source scripts/models/env.sh`")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_outside_the_unit_interval_are_rejected_by_option_name() {
        let mut config = Config::new(None, None);
        config.thresholds.nms_iou = 1.5;
        let err = config.validate().unwrap_err().to_string();
        assert!(err.contains("--nms-iou"), "{err}");
    }

    #[test]
    fn a_detection_cap_outside_one_to_the_document_maximum_is_rejected_by_name() {
        for cap in [0, MAX_OBJECTS + 1] {
            let mut config = Config::new(None, None);
            config.limits.max_detections = cap;
            let err = config.validate().unwrap_err().to_string();
            assert!(err.contains("CV_MAX_DETECTIONS") && err.contains(&format!("got {cap}")), "{err}");
        }
    }

    #[test]
    fn missing_model_settings_say_how_to_build_the_models() {
        let config = Config::new(None, None);
        assert!(config.model_dir().unwrap_err().to_string().contains("just models"));
        assert!(config.ort_dylib().unwrap_err().to_string().contains("just models"));
    }
}
