//! Shared test set-up: the models from the environment, one processor, fixture paths.

use cv_processor::{Config, Processor};
use serde_json::Value;
use shared::schema::{BBox, DetectedObject, FeatureDocument};
use std::path::PathBuf;
use std::sync::OnceLock;

/// Model settings from the environment; a missing one fails the test with the fix.
pub fn config() -> Config {
    let var = |name: &str| {
        std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from).unwrap_or_else(|| {
            panic!(
                "{name} is not set: these tests need the models; run `just models` and `source scripts/models/env.sh`"
            )
        })
    };
    let mut config = Config::new(Some(var("SIGHTGRAPH_MODEL_DIR")), Some(var("ORT_DYLIB_PATH")));
    config.intra_threads = 1;
    config.cpu_only = true;
    config.job_id = Some("test-job".into());
    config
}

/// One processor for the whole test binary (loading the models takes a moment).
pub fn processor() -> &'static Processor {
    static PROCESSOR: OnceLock<Processor> = OnceLock::new();
    PROCESSOR.get_or_init(|| Processor::new(config()).unwrap_or_else(|e| panic!("cannot start the processor: {e}")))
}

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// A fixture photo's path.
pub fn photo(name: &str) -> PathBuf {
    root().join("fixtures/gcs/sightgraph-raw/photos").join(name)
}

/// Processes a fixture photo from the local disk.
pub async fn process(name: &str) -> FeatureDocument {
    let path = photo(name);
    processor().process(path.to_str().unwrap()).await.unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// `fixtures/reference/detections.json`.
pub fn reference_detections() -> Value {
    serde_json::from_str(include_str!("../../../../fixtures/reference/detections.json")).unwrap()
}

/// The objects of one label, best first.
pub fn with_label<'a>(doc: &'a FeatureDocument, label: &str) -> Vec<&'a DetectedObject> {
    doc.objects.iter().filter(|o| o.label.as_str() == label).collect()
}

/// A reference box as a [`BBox`].
pub fn bbox(v: &Value) -> BBox {
    let f = |k: &str| v[k].as_f64().unwrap() as f32;
    BBox { x_min: f("x_min"), y_min: f("y_min"), x_max: f("x_max"), y_max: f("y_max") }
}

/// Largest corner difference between two boxes.
pub fn box_diff(a: &BBox, b: &BBox) -> f32 {
    a.as_array().iter().zip(b.as_array()).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

/// The built `cv-processor` binary, without settings a developer's shell (or `just test`'s
/// services) may export that would change what a test asks for.
pub fn binary() -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_cv-processor"));
    for var in
        ["IMAGE_URI", "CV_OUT", "K_SINK", "CV_SINK_MODE", "JOB_ID", "LOCAL_BUCKET_ROOT", "GCS_BASE_URL", "LOG_FORMAT"]
    {
        command.env_remove(var);
    }
    command
}
