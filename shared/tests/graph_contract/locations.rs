//! Removing a location (a GCS object generation deleted): the location goes, objects,
//! features and lineage stay, an image with no location left is marked `deleted_at`,
//! redeliveries change nothing, and a delete that overtakes the document still wins.

use shared::graph::{GraphStore, ImageSelector, Location};

use crate::helpers::*;
use crate::stores::sqlite;

fn location(uri: &str) -> Location {
    let (rest, generation) = uri.split_once('#').unwrap();
    let (bucket, name) = rest.trim_start_matches("gs://").split_once('/').unwrap();
    Location { uri: uri.into(), bucket: Some(bucket.into()), name: name.into(), generation: generation.parse().ok() }
}

async fn check_removing_one_of_two_locations_keeps_the_image_alive_at_the_other(store: &dyn GraphStore) {
    // Arrange: the same bytes at two places.
    let scene = Scene::new();
    let doc = scene.street();
    store.write_features(&scene.set, &doc).await.unwrap();
    let copy = random_uri();
    store.add_location(&doc.image.id, &location(&copy)).await.unwrap();

    // Act: the first location is deleted.
    let removal = store.remove_location(&doc.image.uri).await.unwrap();

    // Assert
    assert_eq!(removal.image_id.as_ref(), Some(&doc.image.id));
    assert!(removal.removed);
    assert_eq!((removal.remaining, removal.deleted_at), (1, None));
    let image = store.image(&doc.image.id).await.unwrap().unwrap();
    assert_eq!(image.locations, vec![copy.clone()], "the deleted location is no longer listed");
    assert_eq!(image.deleted_at, None);
    assert_eq!(image.uri, doc.image.uri, "the first-processed location stays as lineage");
    let by_copy = store.image_features(&ImageSelector::Uri(copy), &scene.version).await.unwrap().unwrap();
    assert_same_objects(&by_copy.objects, &expected_objects(&doc), "features stay");
}

async fn check_removing_the_last_location_marks_the_image_deleted_and_keeps_its_features(store: &dyn GraphStore) {
    // Arrange
    let scene = Scene::new();
    let doc = scene.street();
    store.write_features(&scene.set, &doc).await.unwrap();
    let started = chrono::Utc::now() - chrono::Duration::seconds(1);

    // Act
    let removal = store.remove_location(&doc.image.uri).await.unwrap();

    // Assert
    assert_eq!(removal.remaining, 0);
    let deleted_at = removal.deleted_at.expect("no location left: marked deleted");
    assert!(deleted_at >= started, "{deleted_at} is the removal time");
    let image = store.image(&doc.image.id).await.unwrap().unwrap();
    assert_eq!((image.locations.len(), image.deleted_at), (0, Some(deleted_at)));
    let found = store.image_features(&ImageSelector::Uri(doc.image.uri.clone()), &scene.version).await.unwrap();
    let found = found.expect("a lookup by its last location still answers, marked deleted");
    assert_eq!(found.image.deleted_at, Some(deleted_at));
    assert_same_objects(&found.objects, &expected_objects(&doc), "features of a deleted image");
    let object = store.object(&doc.objects[0].id).await.unwrap();
    assert!(object.is_some(), "objects stay: lineage is immutable");
}

async fn check_a_redelivered_delete_changes_nothing(store: &dyn GraphStore) {
    let scene = Scene::new();
    let doc = scene.street();
    store.write_features(&scene.set, &doc).await.unwrap();
    let first = store.remove_location(&doc.image.uri).await.unwrap();

    let again = store.remove_location(&doc.image.uri).await.unwrap();

    assert!(!again.removed, "already removed");
    assert_eq!((again.image_id, again.remaining, again.deleted_at), (first.image_id, 0, first.deleted_at));
}

async fn check_a_delete_that_overtakes_the_document_leaves_the_image_without_that_location(store: &dyn GraphStore) {
    // Arrange: the object is deleted while its run is still processing.
    let scene = Scene::new();
    let doc = scene.street();
    let early = store.remove_location(&doc.image.uri).await.unwrap();

    // Act: the document arrives afterwards.
    store.write_features(&scene.set, &doc).await.unwrap();

    // Assert
    assert_eq!((early.image_id, early.removed, early.remaining), (None, true, 0));
    let image = store.image(&doc.image.id).await.unwrap().unwrap();
    assert!(image.locations.is_empty(), "{:?}", image.locations);
    assert!(image.deleted_at.is_some(), "it never looks alive");
}

async fn check_a_new_location_brings_a_deleted_image_back(store: &dyn GraphStore) {
    let scene = Scene::new();
    let doc = scene.street();
    store.write_features(&scene.set, &doc).await.unwrap();
    store.remove_location(&doc.image.uri).await.unwrap();
    let upload = random_uri();

    store.add_location(&doc.image.id, &location(&upload)).await.unwrap();

    let image = store.image(&doc.image.id).await.unwrap().unwrap();
    assert_eq!((image.locations, image.deleted_at), (vec![upload], None));
}

#[tokio::test]
async fn sqlite_removing_one_of_two_locations_keeps_the_image_alive_at_the_other() {
    check_removing_one_of_two_locations_keeps_the_image_alive_at_the_other(&sqlite().await).await
}
#[tokio::test]
async fn neo4j_removing_one_of_two_locations_keeps_the_image_alive_at_the_other() {
    check_removing_one_of_two_locations_keeps_the_image_alive_at_the_other(&neo4j!()).await
}

#[tokio::test]
async fn spanner_removing_one_of_two_locations_keeps_the_image_alive_at_the_other() {
    check_removing_one_of_two_locations_keeps_the_image_alive_at_the_other(&spanner!()).await
}

#[tokio::test]
async fn sqlite_removing_the_last_location_marks_the_image_deleted_and_keeps_its_features() {
    check_removing_the_last_location_marks_the_image_deleted_and_keeps_its_features(&sqlite().await).await
}
#[tokio::test]
async fn neo4j_removing_the_last_location_marks_the_image_deleted_and_keeps_its_features() {
    check_removing_the_last_location_marks_the_image_deleted_and_keeps_its_features(&neo4j!()).await
}

#[tokio::test]
async fn spanner_removing_the_last_location_marks_the_image_deleted_and_keeps_its_features() {
    check_removing_the_last_location_marks_the_image_deleted_and_keeps_its_features(&spanner!()).await
}

#[tokio::test]
async fn sqlite_a_redelivered_delete_changes_nothing() {
    check_a_redelivered_delete_changes_nothing(&sqlite().await).await
}
#[tokio::test]
async fn neo4j_a_redelivered_delete_changes_nothing() {
    check_a_redelivered_delete_changes_nothing(&neo4j!()).await
}

#[tokio::test]
async fn spanner_a_redelivered_delete_changes_nothing() {
    check_a_redelivered_delete_changes_nothing(&spanner!()).await
}

#[tokio::test]
async fn sqlite_a_delete_that_overtakes_the_document_leaves_the_image_without_that_location() {
    check_a_delete_that_overtakes_the_document_leaves_the_image_without_that_location(&sqlite().await).await
}
#[tokio::test]
async fn neo4j_a_delete_that_overtakes_the_document_leaves_the_image_without_that_location() {
    check_a_delete_that_overtakes_the_document_leaves_the_image_without_that_location(&neo4j!()).await
}

#[tokio::test]
async fn spanner_a_delete_that_overtakes_the_document_leaves_the_image_without_that_location() {
    check_a_delete_that_overtakes_the_document_leaves_the_image_without_that_location(&spanner!()).await
}

#[tokio::test]
async fn sqlite_a_new_location_brings_a_deleted_image_back() {
    check_a_new_location_brings_a_deleted_image_back(&sqlite().await).await
}
#[tokio::test]
async fn neo4j_a_new_location_brings_a_deleted_image_back() {
    check_a_new_location_brings_a_deleted_image_back(&neo4j!()).await
}

#[tokio::test]
async fn spanner_a_new_location_brings_a_deleted_image_back() {
    check_a_new_location_brings_a_deleted_image_back(&spanner!()).await
}
