//! Ingestion: writes, idempotency, write-through, and rejection of bad documents.

use shared::graph::GraphStore;
use shared::testing::{check_function_contract, fixture, sample_document};

use crate::helpers::spawn_app;

const VERSION: &str = "det@1+emb@1";

#[tokio::test]
async fn a_document_is_written_to_the_graph_and_through_to_the_cache() {
    let app = spawn_app().await;
    let doc = sample_document(b"image one", "gs://raw-images/a.jpg#1", VERSION);

    let resp = app.post_document(&serde_json::to_value(&doc).unwrap()).await;

    assert_eq!(resp.status(), 200);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["write"]["objects_created"], 2);
    assert_eq!(body["cached"], 2);
    let counts = app.graph.counts().await.unwrap();
    assert_eq!((counts.images, counts.objects, counts.features, counts.relations), (1, 2, 2, 1));
    let cached = app.cached(&doc, 0).await.expect("vector written through");
    let cached = shared::cache::CachedObject::parse(cached).expect("the cache's compact format");
    let object: serde_json::Value = serde_json::from_slice(cached.meta_json()).unwrap();
    assert_eq!(object["id"], doc.objects[0].id.as_str());
    assert_eq!(cached.floats().collect::<Vec<_>>(), doc.objects[0].embedding);
}

#[tokio::test]
async fn the_same_document_twice_changes_nothing() {
    let app = spawn_app().await;
    let doc = serde_json::to_value(sample_document(b"image two", "gs://raw-images/b.jpg#1", VERSION)).unwrap();
    app.post_document(&doc).await;
    let before = app.graph.counts().await.unwrap();

    let resp = app.post_document(&doc).await;

    assert_eq!(resp.status(), 200);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["write"]["objects_created"], 0, "a redelivery creates nothing");
    assert_eq!(body["write"]["image_created"], false);
    assert_eq!(app.graph.counts().await.unwrap(), before);
}

#[tokio::test]
async fn bad_documents_get_400_naming_the_problem_and_write_nothing() {
    let app = spawn_app().await;
    let good = serde_json::to_value(sample_document(b"image three", "gs://raw-images/c.jpg#1", VERSION)).unwrap();
    let mut tampered_id = good.clone();
    tampered_id["objects"][0]["id"] = serde_json::json!("0".repeat(32));
    let mut wrong_schema = good.clone();
    wrong_schema["schema"] = serde_json::json!("sightgraph.features/v0");
    let mut nan_vector = good.clone();
    nan_vector["objects"][0]["embedding"][0] = serde_json::json!("NaN");
    let mut dangling = good.clone();
    dangling["relations"][0]["to"] = serde_json::json!("f".repeat(32));
    let cases = [
        (tampered_id, "does not derive"),
        (wrong_schema, "schema must be"),
        (nan_vector, "not a feature document"),
        (dangling, "two distinct objects"),
        (serde_json::json!({"hello": "world"}), "not a feature document"),
    ];

    for (doc, expected) in cases {
        let resp = app.post_document(&doc).await;
        assert_eq!(resp.status(), 400, "case {expected:?}");
        let body: serde_json::Value = resp.json().await.unwrap();
        assert!(body["message"].as_str().unwrap().contains(expected), "case {expected:?}: {body}");
    }
    let wrong_type = app.post_event("google.cloud.storage.object.v1.finalized", good).await;
    assert_eq!(wrong_type.status(), 400);
    assert_eq!(app.graph.counts().await.unwrap().objects, 0);
}

#[tokio::test]
async fn a_document_whose_image_lives_outside_the_allowed_locations_gets_400_and_writes_nothing() {
    let app = spawn_app().await;
    let cases = [
        ("gs://someone-elses-bucket/x.jpg#1", "not in ALLOWED_BUCKETS"),
        ("/etc/passwd", "only in development"),
        ("file:///etc/passwd", "only in development"),
    ];

    for (uri, why) in cases {
        let doc = sample_document(uri.as_bytes(), uri, VERSION);

        let resp = app.post_document(&serde_json::to_value(&doc).unwrap()).await;

        assert_eq!(resp.status(), 400, "{uri}");
        let body: serde_json::Value = resp.json().await.unwrap();
        assert!(body["message"].as_str().unwrap().contains(why), "{uri}: expected {why:?} in {body}");
    }
    assert_eq!(app.graph.counts().await.unwrap().images, 0);
}

#[tokio::test]
async fn a_document_whose_location_fields_disagree_with_its_uri_gets_400() {
    let app = spawn_app().await;
    let mut doc = serde_json::to_value(sample_document(b"disagree", "gs://raw-images/a.jpg#1", VERSION)).unwrap();
    doc["image"]["bucket"] = serde_json::json!("someone-elses-bucket");

    let resp = app.post_document(&doc).await;

    assert_eq!(resp.status(), 400);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().contains("must match image.uri"), "{body}");
}

#[tokio::test]
async fn every_features_fixture_gets_its_expected_outcome() {
    for name in shared::testing::fixtures_with_prefix("features-extracted") {
        let app = spawn_app().await;
        let resp = app.server.send(&fixture(&name)).await;
        let status = resp.status().as_u16();
        if name.contains(".invalid.") {
            assert_eq!(status, 400, "{name}");
        } else {
            assert_eq!(status, 200, "{name}: {}", resp.text().await.unwrap());
            assert!(app.graph.counts().await.unwrap().objects > 0, "{name} wrote objects");
        }
    }
}

#[tokio::test]
async fn the_function_contract_holds() {
    let app = spawn_app().await;
    // A fresh router over the same kind of state; the contract spawns its own server.
    let (graph, _) = shared::testing::memory_backends(1).await;
    let state_router = feature_ingestor::router(crate::helpers::state(graph, app.cache.clone()));
    check_function_contract(state_router, &fixture("features-extracted.dog.valid.json")).await;
}
