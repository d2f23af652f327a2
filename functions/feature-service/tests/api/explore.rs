//! Exploration routes and image bytes.

use crate::helpers::{spawn_app, VERSION};
use serde_json::json;

#[tokio::test]
async fn pattern_search_finds_a_person_near_a_blue_car_and_nothing_for_a_red_one() {
    let app = spawn_app().await;
    let doc = app.ingest(b"street", "street.jpg", VERSION).await;
    let q = |color: &str| json!({"subject": {"label": "person"}, "relation": {"type": "NEAR", "max_distance": 0.1}, "object": {"label": "car", "color": color}});

    let (status, body) = app.post("/query/pattern", q("blue"), None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["matches"].as_array().unwrap().len(), 1);
    assert_eq!(body["matches"][0]["image"]["id"], doc.image.id.as_str());
    assert_eq!(body["matches"][0]["subject"]["label"], "person");
    assert_eq!(body["truncated"], false);

    let (_, none) = app.post("/query/pattern", q("red"), None).await;
    assert_eq!(none["matches"].as_array().unwrap().len(), 0);
    let (status, _) = app
        .post("/query/pattern", json!({"relation": {"type": "NEAR"}, "cypher": "MATCH (n) DETACH DELETE n"}), None)
        .await;
    assert_eq!(status, 400, "free-form query text is refused");
    let (status, _) =
        app.post("/query/pattern", json!({"relation": {"type": "NEAR"}, "subject": {"color": "teal"}}), None).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn nodes_and_neighbourhoods_are_typed_and_bounded() {
    let app = spawn_app().await;
    let doc = app.ingest(b"graph", "g.jpg", VERSION).await;

    let (status, img) = app.get(&format!("/graph/node/{}", doc.image.id)).await;
    assert_eq!(status, 200);
    assert_eq!(img["node"]["kind"], "Image");
    let (_, obj) = app.get(&format!("/graph/node/{}", doc.objects[0].id)).await;
    assert_eq!(obj["node"]["kind"], "Object");
    assert_eq!(obj["node"]["properties"]["model_version"], VERSION);
    let (_, feat) = app.get(&format!("/graph/node/{}", doc.objects[0].feature_id)).await;
    assert_eq!(feat["node"]["kind"], "Feature");
    assert_eq!(feat["node"]["properties"]["lineage"]["job_id"], "test-job");

    let (_, one) = app.get(&format!("/graph/neighbourhood/{}?depth=1", doc.image.id)).await;
    assert_eq!(one["nodes"].as_array().unwrap().len(), 3, "image and its two objects");
    let (_, two) = app.get(&format!("/graph/neighbourhood/{}?depth=2", doc.image.id)).await;
    assert_eq!(two["nodes"].as_array().unwrap().len(), 5, "plus two features");
    let (_, cut) = app.get(&format!("/graph/neighbourhood/{}?depth=2&limit=2", doc.image.id)).await;
    assert_eq!(cut["nodes"].as_array().unwrap().len(), 2);
    assert_eq!(cut["truncated"], true);
    for bad in ["depth=3", "limit=0", "depth=x"] {
        let (status, _) = app.get(&format!("/graph/neighbourhood/{}?{bad}", doc.image.id)).await;
        assert_eq!(status, 400, "{bad}");
    }
    let (status, _) = app.get(&format!("/graph/node/{}", "c".repeat(32))).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn similar_objects_come_best_first_without_the_object_itself() {
    let app = spawn_app().await;
    let a = app.ingest(b"one", "1.jpg", VERSION).await;
    app.ingest(b"two", "2.jpg", VERSION).await;

    let (status, body) = app.get(&format!("/similar/{}?k=3", a.objects[0].id)).await;

    assert_eq!(status, 200, "{body}");
    let results = body["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    let scores: Vec<f64> = results.iter().map(|r| r["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    assert!(results.iter().all(|r| r["object"]["id"] != a.objects[0].id.as_str()));
    let (status, _) = app.get(&format!("/similar/{}?k=0", a.objects[0].id)).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn image_bytes_are_served_with_their_content_type() {
    let app = spawn_app().await;
    let png = b"\x89PNG\r\n\x1a\nfake-but-typed";
    let doc = app.ingest(png, "p.png", VERSION).await;

    let r = app.server.client.get(app.server.url(&format!("/images/{}", doc.image.id))).send().await.unwrap();

    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.bytes().await.unwrap().as_ref(), png);
    let (status, _) = app.get(&format!("/images/{}", "0".repeat(64))).await;
    assert_eq!(status, 404);
    let (status, _) = app.get("/images/..%2F..%2Fetc%2Fpasswd").await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn similar_objects_past_the_exact_scan_bound_get_503_with_the_reason() {
    let app = crate::helpers::spawn_app_scanning_at_most(2).await;
    let a = app.ingest(b"scan-a", "scan-a.jpg", VERSION).await;
    app.ingest(b"scan-b", "scan-b.jpg", VERSION).await;

    let (status, body) = app.get(&format!("/similar/{}?k=3", a.objects[0].id)).await;

    assert_eq!(status, 503, "3 other vectors, bound 2: {body}");
    assert!(body["message"].as_str().unwrap().contains("SIMILAR_MAX_SCAN"), "{body}");
}

#[tokio::test]
async fn pattern_pages_follow_the_next_cursor_and_return_every_match_once() {
    let app = spawn_app().await;
    for i in 0..3 {
        app.ingest(format!("street-{i}").as_bytes(), &format!("street-{i}.jpg"), VERSION).await;
    }
    let query =
        |limit: u32, cursor: serde_json::Value| json!({"relation": {"type": "NEAR"}, "limit": limit, "cursor": cursor});
    let (_, everything) = app.post("/query/pattern", query(100, serde_json::Value::Null), None).await;
    let everything = everything["matches"].as_array().unwrap().clone();

    let mut paged = Vec::new();
    let mut cursor = serde_json::Value::Null;
    for _ in 0..10 {
        let (status, page) = app.post("/query/pattern", query(2, cursor), None).await;
        assert_eq!(status, 200, "{page}");
        paged.extend(page["matches"].as_array().unwrap().iter().cloned());
        assert_eq!(page["truncated"], !page["next_cursor"].is_null(), "{page}");
        cursor = page["next_cursor"].clone();
        if cursor.is_null() {
            break;
        }
    }

    assert_eq!(everything.len(), 6, "person~car both ways in three images");
    assert_eq!(paged, everything, "the pages, in order, are every match once");
    let (status, body) = app.post("/query/pattern", query(2, json!("not-a-cursor")), None).await;
    assert_eq!(status, 400, "{body}");
}
