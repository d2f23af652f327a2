//! Every sample event under `fixtures/events/` this function accepts, by the outcome its name promises.

use crate::helpers::{json, spawn_app};
use shared::domain::ObjectUri;
use shared::testing::{fixture, fixtures_with_prefix};

fn fixtures(outcome: &str) -> Vec<String> {
    let names: Vec<String> = ["gcs-", "pubsub-", "not-a", "wrong-"]
        .into_iter()
        .flat_map(fixtures_with_prefix)
        .filter(|n| n.ends_with(&format!(".{outcome}.json")))
        .collect();
    assert!(!names.is_empty(), "fixtures/events has no *.{outcome}.json for ingest-trigger");
    names
}

#[test]
fn every_fixture_name_promises_one_outcome() {
    for name in ["gcs-", "pubsub-", "not-a", "wrong-"].into_iter().flat_map(fixtures_with_prefix) {
        let promised =
            [".valid.json", ".ignored.json", ".removed.json", ".invalid.json"].iter().any(|s| name.ends_with(s));
        assert!(promised, "{name} must end in .valid.json, .ignored.json, .removed.json or .invalid.json");
    }
}

#[tokio::test]
async fn every_valid_fixture_is_accepted_and_launches_one_job_for_its_object() {
    for name in fixtures("valid") {
        let app = spawn_app().await;

        let (status, body) = json(app.send(&fixture(&name)).await).await;

        let expected = if name.starts_with("pubsub") { 200 } else { 202 };
        assert_eq!(status, expected, "{name}: {body} (Pub/Sub push acks with 200, CloudEvents with 202)");
        assert_eq!(body["outcome"], "launched", "{name}: {body}");
        let launched = app.launcher.launched();
        assert_eq!(launched.len(), 1, "{name} must launch exactly one job");
        assert!(launched[0].image_uri.to_string().starts_with("gs://sightgraph-raw/photos/"), "{name}: {launched:?}");
        assert_eq!(body["job"], launched[0].name.as_str(), "{name}: the response names the job");
    }
}

#[tokio::test]
async fn every_ignored_fixture_gets_2xx_with_a_reason_and_launches_nothing() {
    for name in fixtures("ignored") {
        let app = spawn_app().await;

        let (status, body) = json(app.send(&fixture(&name)).await).await;

        assert_eq!(status, 200, "{name}: {body}");
        assert_eq!(body["outcome"], "ignored", "{name}: {body}");
        assert!(body["reason"].as_str().is_some_and(|r| !r.is_empty()), "{name} must say why: {body}");
        assert!(app.launcher.launched().is_empty(), "{name} must launch nothing");
    }
}

#[tokio::test]
async fn every_removed_fixture_removes_its_location_and_launches_nothing() {
    for name in fixtures("removed") {
        let app = spawn_app().await;

        let (status, body) = json(app.send(&fixture(&name)).await).await;

        assert_eq!(status, 200, "{name}: {body}");
        assert_eq!(body["outcome"], "location_removed", "{name}: {body}");
        assert!(
            body["location"].as_str().is_some_and(|l| l.starts_with("gs://sightgraph-raw/photos/")),
            "{name}: {body}"
        );
        assert!(app.launcher.launched().is_empty(), "{name} must launch nothing");
    }
}

#[tokio::test]
async fn every_invalid_fixture_gets_400_with_a_json_error_naming_the_problem() {
    for name in fixtures("invalid") {
        let app = spawn_app().await;

        let (status, body) = json(app.send(&fixture(&name)).await).await;

        assert_eq!(status, 400, "{name}: {body}");
        assert_eq!(body["error"], "invalid", "{name}: {body}");
        assert!(body["message"].as_str().is_some_and(|m| m.len() > 10), "{name}: {body}");
        assert!(app.launcher.launched().is_empty(), "{name} must launch nothing");
    }
}

#[tokio::test]
async fn invalid_fixtures_name_their_specific_problem() {
    let cases = [
        ("not-a-cloudevent.invalid.json", "not a CloudEvent"),
        ("wrong-type.invalid.json", "unsupported event type"),
        ("gcs-finalized.bad-generation.invalid.json", "expected an integer"),
        ("gcs-finalized.no-bucket.invalid.json", "no bucket"),
        ("pubsub-missing-object.invalid.json", "objectId"),
        ("pubsub-bad-base64.invalid.json", "base64"),
        ("gcs-finalized.raw-non-ascii-subject.invalid.json", "header ce-subject carries the raw byte 0xe8"),
    ];
    for (name, problem) in cases {
        let app = spawn_app().await;

        let (_, body) = json(app.send(&fixture(name)).await).await;

        let message = body["message"].as_str().unwrap_or_default();
        assert!(message.contains(problem), "{name}: expected {problem:?} in {message:?}");
    }
}

#[tokio::test]
async fn a_pubsub_push_that_is_not_json_gets_400() {
    let app = spawn_app().await;

    let (status, body) = json(app.post_pubsub_raw("not json").await).await;

    assert_eq!(status, 400, "{body}");
    assert!(body["message"].as_str().unwrap().contains("Pub/Sub push envelope"), "{body}");
}

#[tokio::test]
async fn an_object_named_only_by_a_percent_encoded_subject_launches_the_job_for_the_decoded_name() {
    let app = spawn_app().await;

    let (status, body) = json(app.send(&fixture("gcs-finalized.percent-encoded-subject.valid.json")).await).await;

    assert_eq!(status, 202, "{body}");
    let launched = app.launcher.launched();
    let expected = ObjectUri::gcs("sightgraph-raw", "photos/\u{8857} \u{666f}#1.jpg", Some(1768471203456789)).unwrap();
    assert_eq!(launched[0].image_uri, expected, "ce-subject objects/photos/%E8%A1%97%20%E6%99%AF%231.jpg");
    assert_eq!(body["image_uri"], "gs://sightgraph-raw/photos/\u{8857} \u{666f}%231.jpg#1768471203456789");
}

#[tokio::test]
async fn an_event_for_a_bucket_outside_the_allow_list_gets_2xx_ignored_with_the_reason() {
    let app = spawn_app().await;
    let mut foreign = fixture("gcs-finalized.binary.valid.json");
    let source = foreign.headers["ce-source"].replace("sightgraph-raw", "someone-elses-bucket");
    foreign.headers.insert("ce-source".into(), source);
    if let Some(data) = foreign.body.as_object_mut() {
        data.insert("bucket".into(), "someone-elses-bucket".into());
    }

    let (status, body) = json(app.send(&foreign).await).await;

    assert_eq!((status, body["outcome"].as_str()), (200, Some("ignored")), "{body}");
    assert!(body["reason"].as_str().unwrap().contains("not in ALLOWED_BUCKETS"), "{body}");
    assert!(app.launcher.launched().is_empty());
}
