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
        push_auth: shared::auth::PushAuth::disabled_for_development(),
        push_only: false,
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
async fn a_redelivery_whose_run_failed_is_reported_as_failed_before_with_the_reason() {
    let launcher = RecordingLauncher::new();
    let state = state(launcher.clone()).await;
    let event = finalized("photos/corrupt.jpg", Some("image/jpeg"), None);
    handle(event.clone(), &state).await.unwrap();
    let job = JobName::for_object("sightgraph-raw", "photos/corrupt.jpg", Some(1)).to_string();
    launcher.fail(&job, "PodFailurePolicy: exit code 65");

    let second = handle(event, &state).await.unwrap();

    assert_eq!(second, Outcome::FailedBefore { job, reason: "PodFailurePolicy: exit code 65".into() });
    assert_eq!(second.kind(), "failed_before");
    assert_eq!(launcher.launched().len(), 1, "nothing relaunched");
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
        (finalized("photos/iphone.heic", Some("image/heic"), None), "does not read"),
        (finalized("photos/logo.svg", None, None), ".svg"),
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

fn deleted(name: &str, generation: i64) -> GcsNotice {
    let GcsNotice::Finalized(mut object) = finalized(name, Some("image/jpeg"), None) else { unreachable!() };
    object.generation = Some(generation);
    GcsNotice::Deleted(object)
}

#[tokio::test]
async fn a_deleted_copy_removes_that_location_and_the_image_lives_on_at_the_other() {
    let state = state(RecordingLauncher::new()).await;
    let doc = feature_document(b"dog bytes", DOG_MD5, "sightgraph-raw", "photos/dog.jpg", 1);
    state.graph.write_features(&state.feature_set, &doc).await.unwrap();
    handle(finalized("copies/dog.jpg", Some("image/jpeg"), Some(DOG_MD5)), &state).await.unwrap();

    let outcome = handle(deleted("photos/dog.jpg", 1), &state).await.unwrap();

    assert_eq!(
        outcome,
        Outcome::LocationRemoved {
            location: "gs://sightgraph-raw/photos/dog.jpg#1".into(),
            image_id: Some(doc.image.id.to_string()),
            removed: true,
            remaining: 1,
            image_deleted: false,
        }
    );
    let image = state.graph.image(&doc.image.id).await.unwrap().unwrap();
    assert_eq!(image.locations, vec!["gs://sightgraph-raw/copies/dog.jpg#1".to_string()]);
    assert_eq!(state.graph.counts().await.unwrap().objects, 1, "features stay");
}

#[tokio::test]
async fn deleting_the_last_location_marks_the_image_deleted_and_a_redelivery_changes_nothing() {
    let state = state(RecordingLauncher::new()).await;
    let doc = feature_document(b"cat bytes", DOG_MD5, "sightgraph-raw", "photos/cat.jpg", 5);
    state.graph.write_features(&state.feature_set, &doc).await.unwrap();

    let first = handle(deleted("photos/cat.jpg", 5), &state).await.unwrap();
    let again = handle(deleted("photos/cat.jpg", 5), &state).await.unwrap();

    let Outcome::LocationRemoved { image_deleted, removed, .. } = first else { panic!("{first:?}") };
    assert!(image_deleted && removed);
    let Outcome::LocationRemoved { image_deleted, removed, .. } = again else { panic!("{again:?}") };
    assert!(image_deleted && !removed, "a redelivered delete is recognised");
    assert!(state.graph.image(&doc.image.id).await.unwrap().unwrap().deleted_at.is_some());
}

#[tokio::test]
async fn a_delete_for_a_bucket_outside_the_allow_list_touches_nothing() {
    // A foreign bucket's delete must not remove a location that happens to share its name.
    let state = state(RecordingLauncher::new()).await;
    let doc = feature_document(b"dog bytes", DOG_MD5, "sightgraph-raw", "photos/dog.jpg", 1);
    state.graph.write_features(&state.feature_set, &doc).await.unwrap();
    let GcsNotice::Deleted(mut object) = deleted("photos/dog.jpg", 1) else { unreachable!() };
    object.bucket = "someone-elses-bucket".into();

    let outcome = handle(GcsNotice::Deleted(object), &state).await.unwrap();

    let Outcome::Ignored { reason } = outcome else { panic!("{outcome:?} must be ignored") };
    assert!(reason.contains("not in ALLOWED_BUCKETS"), "{reason}");
    let image = state.graph.image(&doc.image.id).await.unwrap().unwrap();
    assert_eq!(image.locations.len(), 1);
    assert!(image.deleted_at.is_none());
}

#[tokio::test]
async fn a_deleted_non_image_is_ignored() {
    let state = state(RecordingLauncher::new()).await;
    let GcsNotice::Finalized(object) = finalized("notes/readme.txt", Some("text/plain"), None) else { unreachable!() };

    let outcome = handle(GcsNotice::Deleted(object), &state).await.unwrap();

    assert!(matches!(outcome, Outcome::Ignored { .. }), "{outcome:?}");
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

    assert!(err.is_transient(), "{err:?}");
}
