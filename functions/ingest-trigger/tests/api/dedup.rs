//! Bytes the active model version already processed are not processed again.

use crate::helpers::{feature_document, json, spawn_app};
use shared::graph::ImageSelector;
use shared::testing::fixture;

const DOG_MD5: &str = "Dv4rj6BgnPZ9M62e2BEuZg==";

#[tokio::test]
async fn an_upload_of_known_bytes_records_a_location_and_launches_nothing() {
    // Arrange: the same bytes were processed from another object.
    let app = spawn_app().await;
    let doc = feature_document(b"dog", DOG_MD5, "sightgraph-raw", "archive/dog-2019.jpg", 1);
    app.graph.write_features(&app.state.feature_set, &doc).await.unwrap();

    // Act
    let (status, body) = json(app.send(&fixture("gcs-finalized.binary.valid.json")).await).await;

    // Assert
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["outcome"], "deduplicated", "{body}");
    assert_eq!(body["image_id"], doc.image.id.as_str());
    assert!(app.launcher.launched().is_empty(), "known bytes launch no job");
    let image = app.graph.image(&doc.image.id).await.unwrap().unwrap();
    let new_uri = "gs://sightgraph-raw/photos/dog.jpg#1768471200123456";
    assert!(image.locations.iter().any(|l| l == new_uri), "{:?}", image.locations);
    let found = app.graph.image_features(&ImageSelector::Uri(new_uri.into()), &doc.model.version).await.unwrap();
    assert!(found.is_some(), "the image is found under its new location");
}

#[tokio::test]
async fn the_same_duplicate_twice_records_its_location_once() {
    let app = spawn_app().await;
    let doc = feature_document(b"dog", DOG_MD5, "sightgraph-raw", "archive/dog-2019.jpg", 1);
    app.graph.write_features(&app.state.feature_set, &doc).await.unwrap();
    let event = fixture("gcs-finalized.binary.valid.json");

    json(app.send(&event).await).await;
    let (_, body) = json(app.send(&event).await).await;

    assert_eq!(body["outcome"], "deduplicated", "{body}");
    assert_eq!(body["location_added"], false, "{body}");
    let image = app.graph.image(&doc.image.id).await.unwrap().unwrap();
    assert_eq!(image.locations.len(), 2, "{:?}", image.locations);
}

#[tokio::test]
async fn other_bytes_are_still_processed() {
    let app = spawn_app().await;
    let doc = feature_document(b"dog", DOG_MD5, "sightgraph-raw", "archive/dog-2019.jpg", 1);
    app.graph.write_features(&app.state.feature_set, &doc).await.unwrap();

    let (status, body) = json(app.send(&fixture("gcs-finalized.person.valid.json")).await).await;

    assert_eq!((status, body["outcome"].as_str()), (202, Some("launched")), "{body}");
}
