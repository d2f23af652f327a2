//! At-least-once delivery: the same object version must become one job.

use crate::helpers::{json, spawn_app, spawn_app_with, RecordingLauncher};
use shared::testing::fixture;

#[tokio::test]
async fn the_same_event_delivered_twice_launches_one_job() {
    let app = spawn_app().await;
    let event = fixture("gcs-finalized.binary.valid.json");

    let (first, _) = json(app.send(&event).await).await;
    let (second, body) = json(app.send(&event).await).await;

    assert_eq!((first, second), (202, 200));
    assert_eq!(body["outcome"], "already_launched", "{body}");
    assert_eq!(app.launcher.launched().len(), 1);
}

#[tokio::test]
async fn one_object_version_in_binary_structured_and_legacy_form_launches_one_job() {
    let app = spawn_app().await;

    for name in [
        "gcs-finalized.binary.valid.json",
        "gcs-finalized.structured.valid.json",
        "gcs-finalized.legacy-type.valid.json",
    ] {
        let (status, body) = json(app.send(&fixture(name)).await).await;
        assert!((200..300).contains(&status), "{name}: {body}");
    }

    assert_eq!(app.launcher.launched().len(), 1, "the job identity is bucket, object and generation");
}

#[tokio::test]
async fn a_launcher_outage_answers_503_so_the_broker_retries() {
    let app = spawn_app_with(RecordingLauncher::unavailable()).await;

    let (status, body) = json(app.send(&fixture("gcs-finalized.binary.valid.json")).await).await;

    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"], "unavailable", "{body}");
}
