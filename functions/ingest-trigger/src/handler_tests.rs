use super::*;
use crate::fakes::{feature_document, RecordingLauncher};
use shared::domain::JobName;
use shared::domain::{FeatureSetName, LocationPolicy};
use shared::graph::sqlite::SqliteGraphStore;
use shared::graph::{GraphStore, ImageSelector};
use std::sync::Arc;

const DOG_MD5: &str = "Dv4rj6BgnPZ9M62e2BEuZg==";

async fn state(launcher: Arc<RecordingLauncher>) -> AppState {
    let graph = SqliteGraphStore::in_memory().unwrap();
    graph.ensure_schema().await.unwrap();
    AppState {
        graph: Arc::new(graph),
        launcher,
        feature_set: FeatureSetName::default(),
        locations: Arc::new(LocationPolicy::buckets(["sightgraph-raw"]).unwrap()),
    }
}

fn finalized(name: &str, content_type: Option<&str>, md5: Option<&str>) -> GcsNotice {
    GcsNotice::Finalized(ObjectFinalized {
        event_id: "evt-1".into(),
        bucket: "sightgraph-raw".into(),
        name: name.into(),
        generation: Some(1),
        content_type: content_type.map(String::from),
        size: Some(163_759),
        md5_hash: md5.map(String::from),
    })
}

#[tokio::test]
async fn a_new_image_launches_one_job_named_after_the_event_identity() {
    let launcher = RecordingLauncher::new();
    let state = state(launcher.clone()).await;

    let outcome = handle(finalized("photos/dog.jpg", Some("image/jpeg"), Some(DOG_MD5)), &state).await.unwrap();

    let launched = launcher.launched();
    assert_eq!(launched.len(), 1);
    assert_eq!(launched[0].image_uri.to_string(), "gs://sightgraph-raw/photos/dog.jpg#1");
    assert_eq!(launched[0].event_id, "evt-1");
    let expected_job = JobName::for_object("sightgraph-raw", "photos/dog.jpg", Some(1)).to_string();
    assert_eq!(
        outcome,
        Outcome::Launched { job: expected_job, image_uri: "gs://sightgraph-raw/photos/dog.jpg#1".into() }
    );
}

#[tokio::test]
async fn the_same_event_twice_launches_once() {
    let launcher = RecordingLauncher::new();
    let state = state(launcher.clone()).await;
    let event = finalized("photos/dog.jpg", Some("image/jpeg"), None);

    handle(event.clone(), &state).await.unwrap();
    let second = handle(event, &state).await.unwrap();

    assert!(matches!(second, Outcome::AlreadyLaunched { .. }), "{second:?}");
    assert_eq!(launcher.launched().len(), 1);
}

#[tokio::test]
async fn non_images_empty_objects_and_other_event_types_are_ignored_without_a_job() {
    let launcher = RecordingLauncher::new();
    let state = state(launcher.clone()).await;
    let mut empty = finalized("photos/blank.jpg", Some("image/jpeg"), None);
    if let GcsNotice::Finalized(o) = &mut empty {
        o.size = Some(0);
    }
    let cases = [
        (finalized("notes/readme.txt", Some("text/plain"), None), "not an image"),
        (finalized("data/table.csv", None, None), "not an image"),
        (empty, "empty"),
        (GcsNotice::Ignored { reason: "deleted".into() }, "deleted"),
    ];

    for (notice, why) in cases {
        let outcome = handle(notice.clone(), &state).await.unwrap();
        let Outcome::Ignored { reason } = outcome else { panic!("{notice:?} must be ignored") };
        assert!(reason.contains(why), "{notice:?}: expected {why:?} in {reason:?}");
    }
    assert!(launcher.launched().is_empty());
}

#[tokio::test]
async fn an_event_for_a_bucket_outside_the_allow_list_is_ignored_with_the_reason() {
    let launcher = RecordingLauncher::new();
    let state = state(launcher.clone()).await;
    let mut foreign = finalized("photos/dog.jpg", Some("image/jpeg"), Some(DOG_MD5));
    if let GcsNotice::Finalized(o) = &mut foreign {
        o.bucket = "someone-elses-bucket".into();
    }

    let outcome = handle(foreign, &state).await.unwrap();

    let Outcome::Ignored { reason } = outcome else { panic!("{outcome:?} must be ignored") };
    assert!(reason.contains("\"someone-elses-bucket\" is not in ALLOWED_BUCKETS (sightgraph-raw)"), "{reason}");
    assert!(launcher.launched().is_empty(), "no job for a foreign bucket");
}

#[tokio::test]
async fn bytes_processed_by_the_active_version_are_recorded_as_a_new_location_instead_of_launched() {
    let launcher = RecordingLauncher::new();
    let state = state(launcher.clone()).await;
    let doc = feature_document(b"dog bytes", DOG_MD5, "sightgraph-raw", "photos/dog.jpg", 1);
    state.graph.write_features(&state.feature_set, &doc).await.unwrap();

    let outcome = handle(finalized("copies/dog-again.jpg", Some("image/jpeg"), Some(DOG_MD5)), &state).await.unwrap();

    assert_eq!(
        outcome,
        Outcome::Deduplicated {
            image_id: doc.image.id.to_string(),
            location: "gs://sightgraph-raw/copies/dog-again.jpg#1".into(),
            location_added: true,
        }
    );
    assert!(launcher.launched().is_empty(), "no job for known bytes");
    let image = state.graph.image(&doc.image.id).await.unwrap().unwrap();
    assert!(image.locations.iter().any(|l| l.contains("copies/dog-again.jpg")), "{:?}", image.locations);
    let by_uri = ImageSelector::Uri("gs://sightgraph-raw/copies/dog-again.jpg#1".into());
    assert!(state.graph.image_features(&by_uri, &doc.model.version).await.unwrap().is_some());
}

#[tokio::test]
async fn a_matching_md5_without_an_active_version_still_launches() {
    let launcher = RecordingLauncher::new();
    let state = AppState { feature_set: FeatureSetName::parse("other").unwrap(), ..state(launcher.clone()).await };
    let doc = feature_document(b"dog bytes", DOG_MD5, "sightgraph-raw", "photos/dog.jpg", 1);
    state.graph.write_features(&FeatureSetName::default(), &doc).await.unwrap();

    let outcome = handle(finalized("copies/dog.jpg", Some("image/jpeg"), Some(DOG_MD5)), &state).await.unwrap();

    assert!(matches!(outcome, Outcome::Launched { .. }), "{outcome:?}");
}

#[tokio::test]
async fn an_unavailable_launcher_is_a_transient_error() {
    let state = state(RecordingLauncher::unavailable()).await;

    let err = handle(finalized("photos/dog.jpg", Some("image/jpeg"), None), &state).await.unwrap_err();

    assert!(matches!(err, crate::Error::Shared(ref e) if e.is_transient()), "{err:?}");
}
