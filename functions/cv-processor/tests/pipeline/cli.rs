//! The binary's contract: help, usage and configuration exit codes, output file.

use shared::launcher::exit_codes;
use shared::schema::FeatureDocument;

use crate::helpers::{binary, photo};

#[test]
fn help_explains_every_option_and_environment_variable() {
    let out = binary().arg("--help").output().unwrap();
    assert_eq!(out.status.code(), Some(exit_codes::OK));
    let help = String::from_utf8_lossy(&out.stdout);
    let expected = [
        "--image-uri",
        "--out",
        "--sink",
        "--publish",
        "--job-id",
        "--score-threshold",
        "--nms-iou",
        "--near-threshold",
        "--max-bytes",
        "--max-pixels",
        "ORT_DYLIB_PATH",
        "SIGHTGRAPH_MODEL_DIR",
        "LOCAL_BUCKET_ROOT",
        "GCS_BASE_URL",
        "K_SINK",
        "CV_PUBSUB_TOPIC",
        "PUBSUB_EMULATOR_HOST",
        "JOB_ID",
        "RUST_LOG",
        "LOG_FORMAT",
        "bench",
    ];
    for word in expected {
        assert!(help.contains(word), "--help does not mention {word}:\n{help}");
    }
}

#[test]
fn a_missing_image_uri_is_a_usage_error() {
    let out = binary().output().unwrap();
    assert_eq!(out.status.code(), Some(exit_codes::USAGE), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn missing_models_are_a_config_error_that_says_to_run_just_models() {
    let dir = tempfile::tempdir().unwrap();
    let out = binary()
        .env("SIGHTGRAPH_MODEL_DIR", dir.path())
        .args(["--image-uri", photo("dog.jpg").to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(exit_codes::CONFIG), "{stderr}");
    assert!(stderr.contains("just models"), "{stderr}");
}

#[test]
fn the_document_is_written_to_the_out_file_and_validates() {
    crate::helpers::config();
    let dir = tempfile::tempdir().unwrap();
    let out_file = dir.path().join("doc.json");
    let out = binary()
        .args(["--image-uri", photo("coffee.png").to_str().unwrap(), "--cpu-only", "--job-id", "job-7"])
        .arg("--out")
        .arg(&out_file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: FeatureDocument = serde_json::from_slice(&std::fs::read(&out_file).unwrap()).unwrap();
    doc.validate_content().unwrap();
    assert_eq!(doc.lineage.job_id, "job-7");
    assert!(doc.objects.iter().any(|o| o.label.as_str() == "cup"));
}
