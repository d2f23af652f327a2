//! Writes: the write summary, idempotence, and other locations of the same bytes.

use shared::domain::ImageId;
use shared::graph::{GraphStore, ImageSelector, Location, WriteSummary};
use shared::Error;

use crate::helpers::*;
use crate::stores::*;

async fn check_a_write_reports_what_it_created(store: &dyn GraphStore) {
    // Arrange
    let scene = Scene::new();
    let doc = scene.street();

    // Act
    let first = store.write_features(&scene.set, &doc).await.unwrap();
    let second = store.write_features(&scene.set, &doc).await.unwrap();

    // Assert
    let created = WriteSummary { image_created: true, objects_created: 3, objects_total: 3, activated: true };
    assert_eq!(first, created, "the first write creates everything and bootstraps the version");
    let nothing = WriteSummary { image_created: false, objects_created: 0, objects_total: 3, activated: false };
    assert_eq!(second, nothing, "a redelivered document creates nothing");
}

async fn check_the_same_document_twice_changes_nothing(store: &dyn GraphStore) {
    // Arrange
    let scene = Scene::new();
    let doc = scene.street();
    store.write_features(&scene.set, &doc).await.unwrap();
    let selector = ImageSelector::Id(doc.image.id.clone());
    let before = store.image_features(&selector, &scene.version).await.unwrap();
    let mut reprocessed = doc.clone();
    reprocessed.lineage.job_id = "contract-job-again".into();

    // Act
    // NB: the Neo4j database is shared with concurrent tests, so a change in
    // the global counts is only a failure when it repeats on every attempt.
    let mut unchanged = false;
    for _ in 0..10 {
        let counts = store.counts().await.unwrap();
        let a = store.write_features(&scene.set, &doc).await.unwrap();
        let b = store.write_features(&scene.set, &reprocessed).await.unwrap();
        assert!(!a.image_created && a.objects_created == 0, "redelivery: {a:?}");
        assert!(!b.image_created && b.objects_created == 0, "reprocessing: {b:?}");
        if store.counts().await.unwrap() == counts {
            unchanged = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    // Assert
    assert!(unchanged, "writing the same document again must leave the node counts as they were");
    let after = store.image_features(&selector, &scene.version).await.unwrap();
    assert_eq!(after, before, "a redelivered or reprocessed document must not change what is stored");
}

async fn check_the_same_bytes_under_a_second_uri_are_one_image_with_both_locations(store: &dyn GraphStore) {
    // Arrange
    let scene = Scene::new();
    let bytes = random_bytes();
    let (first_uri, second_uri) = (random_uri(), random_uri());
    let first = scene.street_at(&bytes, &first_uri);
    let second = scene.street_at(&bytes, &second_uri);
    store.write_features(&scene.set, &first).await.unwrap();

    // Act
    let summary = store.write_features(&scene.set, &second).await.unwrap();

    // Assert
    assert!(!summary.image_created && summary.objects_created == 0, "same bytes are the same image: {summary:?}");
    let expected = expected_image(&first, &[&first_uri, &second_uri]);
    for uri in [&first_uri, &second_uri] {
        let found = store.image_features(&ImageSelector::Uri(uri.clone()), &scene.version).await.unwrap();
        let found = found.unwrap_or_else(|| panic!("image_features by {uri} must find the image"));
        assert_eq!(found.image, expected, "lookup by {uri}");
        assert_eq!(found.objects.len(), 3, "lookup by {uri}");
    }
    assert_eq!(store.image(&first.image.id).await.unwrap(), Some(expected));
}

async fn check_add_location_records_new_places_only(store: &dyn GraphStore) {
    // Arrange
    let scene = Scene::new();
    let doc = scene.street();
    store.write_features(&scene.set, &doc).await.unwrap();
    let uri = random_uri();
    let (rest, _) = uri.split_once('#').unwrap();
    let extra = Location {
        uri: uri.clone(),
        bucket: Some("sightgraph-contract".into()),
        name: rest.into(),
        generation: Some(7),
    };
    let primary = Location { uri: doc.image.uri.clone(), ..extra.clone() };

    // Act
    let added = store.add_location(&doc.image.id, &extra).await.unwrap();
    let again = store.add_location(&doc.image.id, &extra).await.unwrap();
    let the_primary = store.add_location(&doc.image.id, &primary).await.unwrap();
    let unknown = store.add_location(&ImageId::of_bytes(&random_bytes()), &extra).await;

    // Assert
    assert!(added, "a new location is recorded");
    assert!(!again, "a known location is not recorded twice");
    assert!(!the_primary, "the first location is already known");
    assert!(matches!(unknown, Err(Error::NotFound(_))), "an unknown image is NotFound: {unknown:?}");
    let image = store.image(&doc.image.id).await.unwrap().expect("image");
    assert_eq!(image.locations, vec![doc.image.uri.clone(), uri], "locations, first one first");
}

async fn check_concurrent_writers_of_one_document_store_one_copy(store: &dyn GraphStore) {
    // Arrange
    let scene = Scene::new();
    let doc = scene.street();

    // Act: the same document delivered 16 times at once (at-least-once delivery, many pods).
    let writes = futures::future::join_all((0..16).map(|_| store.write_features(&scene.set, &doc))).await;

    // Assert
    let summaries: Vec<WriteSummary> =
        writes.into_iter().map(|w| w.expect("every concurrent writer succeeds (conflicts are retried)")).collect();
    assert_eq!(summaries.iter().filter(|s| s.image_created).count(), 1, "one writer created the image: {summaries:?}");
    assert_eq!(
        summaries.iter().map(|s| s.objects_created).sum::<usize>(),
        3,
        "each object created once: {summaries:?}"
    );
    assert_eq!(summaries.iter().filter(|s| s.activated).count(), 1, "the version bootstrapped once: {summaries:?}");
    let stored = store.image_features(&ImageSelector::Id(doc.image.id.clone()), &scene.version).await.unwrap();
    let stored = stored.expect("the image is stored");
    assert_eq!(stored.image, expected_image(&doc, &[&doc.image.uri]), "one image, one location");
    assert_same_objects(&stored.objects, &expected_objects(&doc), "one copy of each object");
    assert_eq!(stored.relations.len(), doc.relations.len(), "one copy of each relation");
    let sets = store.feature_sets().await.unwrap();
    let set = sets.iter().find(|s| s.name == scene.set.as_str()).expect("the feature set is listed");
    assert_eq!((set.versions.len(), set.history.len()), (1, 1), "one version, one bootstrap audit entry");
}

#[tokio::test]
async fn sqlite_a_write_reports_what_it_created() {
    check_a_write_reports_what_it_created(&sqlite().await).await
}
#[tokio::test]
async fn neo4j_a_write_reports_what_it_created() {
    check_a_write_reports_what_it_created(&neo4j!()).await
}
#[tokio::test]
async fn spanner_a_write_reports_what_it_created() {
    check_a_write_reports_what_it_created(&spanner!()).await
}

#[tokio::test]
async fn sqlite_the_same_document_twice_changes_nothing() {
    check_the_same_document_twice_changes_nothing(&sqlite().await).await
}
#[tokio::test]
async fn neo4j_the_same_document_twice_changes_nothing() {
    check_the_same_document_twice_changes_nothing(&neo4j!()).await
}
#[tokio::test]
async fn spanner_the_same_document_twice_changes_nothing() {
    check_the_same_document_twice_changes_nothing(&spanner!()).await
}

#[tokio::test]
async fn sqlite_the_same_bytes_under_a_second_uri_are_one_image_with_both_locations() {
    check_the_same_bytes_under_a_second_uri_are_one_image_with_both_locations(&sqlite().await).await
}
#[tokio::test]
async fn neo4j_the_same_bytes_under_a_second_uri_are_one_image_with_both_locations() {
    check_the_same_bytes_under_a_second_uri_are_one_image_with_both_locations(&neo4j!()).await
}
#[tokio::test]
async fn spanner_the_same_bytes_under_a_second_uri_are_one_image_with_both_locations() {
    check_the_same_bytes_under_a_second_uri_are_one_image_with_both_locations(&spanner!()).await
}

#[tokio::test]
async fn sqlite_add_location_records_new_places_only() {
    check_add_location_records_new_places_only(&sqlite().await).await
}
#[tokio::test]
async fn neo4j_add_location_records_new_places_only() {
    check_add_location_records_new_places_only(&neo4j!()).await
}
#[tokio::test]
async fn spanner_add_location_records_new_places_only() {
    check_add_location_records_new_places_only(&spanner!()).await
}

#[tokio::test]
async fn sqlite_concurrent_writers_of_one_document_store_one_copy() {
    check_concurrent_writers_of_one_document_store_one_copy(&sqlite().await).await
}
#[tokio::test]
async fn neo4j_concurrent_writers_of_one_document_store_one_copy() {
    check_concurrent_writers_of_one_document_store_one_copy(&neo4j!()).await
}
#[tokio::test]
async fn spanner_concurrent_writers_of_one_document_store_one_copy() {
    check_concurrent_writers_of_one_document_store_one_copy(&spanner!()).await
}
