//! Images whose objects were deleted from GCS: the deleted location is gone from the
//! answers, and an image with no location left says so (`deleted_at`) while its features
//! are still served.

use shared::graph::Location;

use crate::helpers::{spawn_app, VERSION};

#[tokio::test]
async fn an_image_whose_only_location_was_deleted_is_answered_marked_deleted_with_its_features() {
    // Arrange
    let app = spawn_app().await;
    let doc = app.ingest(b"deleted bytes", "gone.jpg", VERSION).await;
    app.graph.remove_location(&doc.image.uri).await.unwrap();

    // Act
    let (status, by_uri) = app.get("/features/image?uri=gs://raw/gone.jpg%231").await;
    let (_, node) = app.get(&format!("/graph/node/{}", doc.image.id)).await;
    let (bytes_status, _) = app.get(&format!("/images/{}", doc.image.id)).await;

    // Assert
    assert_eq!(status, 200, "{by_uri}");
    assert!(by_uri["image"]["deleted_at"].is_string(), "{by_uri}");
    assert_eq!(by_uri["image"]["locations"], serde_json::json!([]));
    assert_eq!(by_uri["objects"].as_array().unwrap().len(), 2, "features stay");
    assert!(node["node"]["properties"]["deleted_at"].is_string(), "{node}");
    assert_eq!(bytes_status, 404, "the bytes are stored nowhere");
}

#[tokio::test]
async fn an_image_with_a_location_left_lists_only_that_one_and_is_not_deleted() {
    let app = spawn_app().await;
    // NB: PNG magic, as the image route serves only bytes it recognises as an image.
    let bytes = b"\x89PNG\r\n\x1a\ncopied bytes";
    let doc = app.ingest(bytes, "first.jpg", VERSION).await;
    let copy = Location {
        uri: "gs://raw/copy.jpg#1".into(),
        bucket: Some("raw".into()),
        name: "copy.jpg".into(),
        generation: Some(1),
    };
    app.graph.add_location(&doc.image.id, &copy).await.unwrap();
    std::fs::write(app.bucket.path().join("raw/copy.jpg"), bytes).unwrap();
    app.graph.remove_location(&doc.image.uri).await.unwrap();

    let (_, answer) = app.get(&format!("/features/image?id={}", doc.image.id)).await;
    let (bytes_status, _) = app.get(&format!("/images/{}", doc.image.id)).await;

    assert_eq!(answer["image"]["locations"], serde_json::json!(["gs://raw/copy.jpg#1"]), "{answer}");
    assert!(answer["image"]["deleted_at"].is_null(), "{answer}");
    assert_eq!(bytes_status, 200, "served from the remaining location");
}
