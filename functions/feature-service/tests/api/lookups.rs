//! `/features/*`: cache-aside lookups.

use crate::helpers::{spawn_app, VERSION};

#[tokio::test]
async fn an_object_is_read_from_the_graph_first_then_from_the_cache() {
    let app = spawn_app().await;
    let doc = app.ingest(b"photo-a", "a.jpg", VERSION).await;
    let id = doc.objects[0].id.as_str();

    let (s1, first) = app.get(&format!("/features/object/{id}")).await;
    let (s2, second) = app.get(&format!("/features/object/{id}")).await;

    assert_eq!((s1, s2), (200, 200));
    assert_eq!(first["source"], "graph");
    assert_eq!(second["source"], "cache");
    assert_eq!(first["object"], second["object"], "both tiers return the same record");
    assert_eq!(second["model_version"], VERSION);
    assert_eq!(second["object"]["embedding"].as_array().unwrap().len(), 8);
}

#[tokio::test]
async fn unknown_ids_get_404_and_malformed_ids_400() {
    let app = spawn_app().await;
    app.ingest(b"photo-b", "b.jpg", VERSION).await;
    let cases = [
        (format!("/features/object/{}", "a".repeat(32)), 404),
        ("/features/object/not-hex".to_owned(), 400),
        (format!("/features/object/{}?version=a%20b", "a".repeat(32)), 400),
        (format!("/features/object/{}?colour=red", "a".repeat(32)), 400),
    ];
    for (path, expected) in cases {
        let (status, body) = app.get(&path).await;
        assert_eq!(status, expected, "{path}: {body}");
        assert!(body["message"].is_string(), "{path} carries a message");
    }
}

#[tokio::test]
async fn an_explicit_version_other_than_the_objects_gets_404() {
    let app = spawn_app().await;
    let doc = app.ingest(b"photo-c", "c.jpg", VERSION).await;
    let (status, _) = app.get(&format!("/features/object/{}?version=other@2", doc.objects[0].id)).await;
    assert_eq!(status, 404);
    let (status, _) =
        app.get(&format!("/features/object/{}?version={}", doc.objects[0].id, VERSION.replace('+', "%2B"))).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn an_image_is_found_by_id_by_uri_and_by_a_second_location() {
    let app = spawn_app().await;
    let doc = app.ingest(b"photo-d", "d.jpg", VERSION).await;
    let second = shared::graph::Location {
        uri: "gs://raw/copy.jpg#9".into(),
        bucket: Some("raw".into()),
        name: "copy.jpg".into(),
        generation: Some(9),
    };
    shared::graph::GraphStore::add_location(app.graph.as_ref(), &doc.image.id, &second).await.unwrap();

    for query in [format!("id={}", doc.image.id), "uri=gs://raw/d.jpg%231".into(), "uri=gs://raw/copy.jpg%239".into()] {
        let (status, body) = app.get(&format!("/features/image?{query}&embeddings=false")).await;
        assert_eq!(status, 200, "{query}: {body}");
        assert_eq!(body["image"]["id"], doc.image.id.as_str());
        assert_eq!(body["objects"].as_array().unwrap().len(), 2);
        assert_eq!(body["relations"][0]["type"], "NEAR");
        assert!(body["objects"][0].get("embedding").is_none(), "embeddings=false leaves vectors out");
        assert_eq!(body["image"]["locations"].as_array().unwrap().len(), 2);
    }
    let (status, _) = app.get("/features/image?uri=gs://raw/none.jpg").await;
    assert_eq!(status, 404);
    let (status, _) = app.get("/features/image").await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn an_object_name_with_a_hash_is_stored_found_and_served_under_its_escaped_location() {
    let app = spawn_app().await;
    let bytes = b"\x89PNG\r\n\x1a\nhash in the name";
    let uri = shared::domain::ObjectUri::gcs("raw", "photo#1.jpg", Some(7)).unwrap().to_string();
    let doc = shared::testing::sample_document(bytes, &uri, VERSION);
    std::fs::create_dir_all(app.bucket.path().join("raw")).unwrap();
    std::fs::write(app.bucket.path().join("raw/photo#1.jpg"), bytes).unwrap();
    shared::graph::GraphStore::write_features(app.graph.as_ref(), &Default::default(), &doc).await.unwrap();

    // `gs://raw/photo%231.jpg#7`, URL-encoded for the query string.
    let (status, body) = app.get("/features/image?uri=gs://raw/photo%25231.jpg%237").await;
    let served = app.server.client.get(app.server.url(&format!("/images/{}", doc.image.id))).send().await.unwrap();

    assert_eq!(uri, "gs://raw/photo%231.jpg#7");
    assert_eq!(status, 200, "{body}");
    assert_eq!((body["image"]["name"].as_str(), body["image"]["generation"].as_i64()), (Some("photo#1.jpg"), Some(7)));
    assert_eq!(body["image"]["locations"][0], uri.as_str());
    assert_eq!(served.status(), 200, "the reader finds raw/photo#1.jpg");
    assert_eq!(served.bytes().await.unwrap().as_ref(), bytes);
}

#[tokio::test]
async fn a_batch_answers_every_id_with_its_own_status_and_source() {
    let app = spawn_app().await;
    let doc = app.ingest(b"photo-e", "e.jpg", VERSION).await;
    let (a, b) = (doc.objects[0].id.to_string(), doc.objects[1].id.to_string());
    app.get(&format!("/features/object/{a}")).await; // warms a
    let unknown = "b".repeat(32);

    let (status, body) = app.post("/features/batch", serde_json::json!({"ids": [a, b, unknown, "bad id"]}), None).await;

    assert_eq!(status, 200, "{body}");
    let r = body["results"].as_array().unwrap();
    let summary: Vec<(&str, &str)> =
        r.iter().map(|x| (x["status"].as_str().unwrap(), x["source"].as_str().unwrap_or("-"))).collect();
    assert_eq!(summary, [("ok", "cache"), ("ok", "graph"), ("not_found", "-"), ("invalid", "-")]);
    assert_eq!(body["model_version"], VERSION);
    let too_many: Vec<String> = (0..1001).map(|i| format!("{i:032x}")).collect();
    let (status, _) =
        app.post("/features/batch", serde_json::json!({ "ids": too_many, "embeddings": false }), None).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn a_batch_can_leave_the_vectors_out_from_cache_and_graph_alike() {
    let app = spawn_app().await;
    let doc = app.ingest(b"photo-slim", "slim.jpg", VERSION).await;
    let (a, b) = (doc.objects[0].id.to_string(), doc.objects[1].id.to_string());
    app.get(&format!("/features/object/{a}")).await; // warms a

    let (status, body) =
        app.post("/features/batch", serde_json::json!({"ids": [a, b], "embeddings": false}), None).await;

    assert_eq!(status, 200, "{body}");
    let results = body["results"].as_array().unwrap();
    let sources: Vec<&str> = results.iter().map(|r| r["source"].as_str().unwrap()).collect();
    assert_eq!(sources, ["cache", "graph"]);
    for r in results {
        assert!(r["object"]["label"].is_string(), "{r}");
        assert!(r["object"].get("embedding").is_none(), "no vector: {r}");
    }
}

#[tokio::test]
async fn a_batch_with_vectors_is_bounded_more_tightly_than_one_without() {
    let app = spawn_app().await;
    let ids: Vec<String> = (0..257).map(|i| format!("{i:032x}")).collect();

    let (with, body) = app.post("/features/batch", serde_json::json!({ "ids": ids }), None).await;
    let (without, _) = app.post("/features/batch", serde_json::json!({ "ids": ids, "embeddings": false }), None).await;

    assert_eq!(with, 400, "257 vectors of 1280 floats is past the bound: {body}");
    assert!(body["message"].as_str().unwrap().contains("at most 256 ids per batch with embeddings"), "{body}");
    assert_eq!(without, 200, "without vectors 257 ids are fine");
}
