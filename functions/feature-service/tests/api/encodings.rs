//! Vector encodings of lookups: JSON floats (default), base64 in JSON, binary frames.

use base64::Engine;
use feature_service::frames;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp, VERSION};

async fn raw(app: &TestApp, req: reqwest::RequestBuilder) -> (u16, String, Vec<u8>) {
    let _ = app;
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let ctype = r.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    (status, ctype, r.bytes().await.unwrap().to_vec())
}

fn floats_of_base64(text: &str) -> Vec<f32> {
    let raw = base64::engine::general_purpose::STANDARD.decode(text).unwrap();
    raw.chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().unwrap())).collect()
}

fn floats_of_json(v: &Value) -> Vec<f32> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect()
}

#[tokio::test]
async fn every_encoding_carries_the_same_object_from_the_graph_and_from_the_cache() {
    let app = spawn_app().await;
    let doc = app.ingest(b"photo-enc", "enc.jpg", VERSION).await;
    let id = doc.objects[0].id.as_str();
    let url = app.server.url(&format!("/features/object/{id}"));
    let want = doc.objects[0].embedding.clone();

    for (round, first_source) in [(1, "graph"), (2, "cache")] {
        let (_, _, default) = raw(&app, app.server.client.get(&url)).await;
        let default: Value = serde_json::from_slice(&default).unwrap();
        let (s, ctype, b64) = raw(&app, app.server.client.get(format!("{url}?vector_encoding=f32le-base64"))).await;
        assert_eq!((s, ctype.as_str()), (200, "application/json"));
        let b64: Value = serde_json::from_slice(&b64).unwrap();
        let (s, ctype, bin) = raw(&app, app.server.client.get(&url).header("accept", "application/octet-stream")).await;
        assert_eq!((s, ctype.as_str()), (200, "application/octet-stream"));
        let frame = frames::read_all(&bin).expect("one well-formed frame").remove(0);

        assert_eq!(floats_of_json(&default["object"]["embedding"]), want, "{round}: floats");
        assert_eq!(floats_of_base64(b64["object"]["embedding"].as_str().unwrap()), want, "{round}: base64");
        assert_eq!(frame.vector, want, "{round}: frame vector");
        let mut without = default.clone();
        without["object"].as_object_mut().unwrap().remove("embedding");
        let mut frame_json = frame.json.clone();
        assert_eq!(default["source"], first_source, "round {round}");
        assert_eq!((b64["source"].as_str(), frame_json["source"].as_str()), (Some("cache"), Some("cache")));
        frame_json["source"] = default["source"].clone();
        assert_eq!(frame_json, without, "{round}: the frame's JSON is the answer without the vector");
    }
}

#[tokio::test]
async fn a_binary_batch_is_a_header_frame_then_one_frame_per_id_in_order() {
    let app = spawn_app().await;
    let doc = app.ingest(b"photo-encb", "encb.jpg", VERSION).await;
    let ids = json!([doc.objects[1].id, "not-an-id", "0".repeat(32), doc.objects[0].id]);

    let (status, ctype, body) = raw(
        &app,
        app.server
            .client
            .post(app.server.url("/features/batch"))
            .header("accept", "application/octet-stream")
            .json(&json!({"ids": ids})),
    )
    .await;
    let (_, json_answer) = app.post("/features/batch", json!({"ids": ids}), None).await;

    assert_eq!((status, ctype.as_str()), (200, "application/octet-stream"));
    let frames = frames::read_all(&body).expect("well-formed frames");
    assert_eq!(frames.len(), 5);
    assert_eq!(frames[0].json, json!({"model_version": VERSION, "count": 4}));
    let statuses: Vec<&str> = frames[1..].iter().map(|f| f.json["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["ok", "invalid", "not_found", "ok"]);
    assert_eq!(frames[1].vector, doc.objects[1].embedding);
    assert_eq!(frames[4].vector, doc.objects[0].embedding);
    assert!(frames[2].vector.is_empty() && frames[3].vector.is_empty());
    for (frame, item) in frames[1..].iter().zip(json_answer["results"].as_array().unwrap()) {
        let mut item = item.clone();
        if let Some(o) = item.get_mut("object") {
            o.as_object_mut().unwrap().remove("embedding");
        }
        assert_eq!(frame.json["id"], item["id"]);
        assert_eq!(frame.json["status"], item["status"]);
        assert_eq!(frame.json.get("object"), item.get("object"));
    }
}

#[tokio::test]
async fn a_base64_batch_answers_json_with_string_vectors() {
    let app = spawn_app().await;
    let doc = app.ingest(b"photo-encc", "encc.jpg", VERSION).await;
    let (status, body) =
        app.post("/features/batch?vector_encoding=f32le-base64", json!({"ids": [doc.objects[0].id]}), None).await;
    assert_eq!(status, 200, "{body}");
    let v = body["results"][0]["object"]["embedding"].as_str().expect("a base64 string");
    assert_eq!(floats_of_base64(v), doc.objects[0].embedding);
}

#[tokio::test]
async fn unknown_encodings_and_conflicting_asks_get_400() {
    let app = spawn_app().await;
    let doc = app.ingest(b"photo-encd", "encd.jpg", VERSION).await;
    let url = app.server.url(&format!("/features/object/{}", doc.objects[0].id));
    let cases = [
        app.server.client.get(format!("{url}?vector_encoding=f16")),
        app.server
            .client
            .get(format!("{url}?vector_encoding=f32le-base64"))
            .header("accept", "application/octet-stream"),
        app.server.client.post(app.server.url("/features/batch?vector_encoding=msgpack")).json(&json!({"ids": []})),
    ];
    for req in cases {
        let (status, _, body) = raw(&app, req).await;
        assert_eq!(status, 400, "{}", String::from_utf8_lossy(&body));
        assert!(String::from_utf8_lossy(&body).contains("vector_encoding"));
    }
}

#[tokio::test]
async fn a_value_of_another_format_under_the_key_reads_as_a_miss_and_is_replaced() {
    use shared::cache::{CacheKey, CachedObject, FeatureCache};
    let app = spawn_app().await;
    let doc = app.ingest(b"photo-old", "old.jpg", VERSION).await;
    let o = &doc.objects[0];
    let key = CacheKey::object(&doc.model.version, &o.id);
    assert!(key.as_str().starts_with("sg:v2:obj:"), "the key names the value format: {key}");
    // A format-1 value (plain JSON) with a wrong label, as an old deploy might have left it.
    let mut old = shared::graph::ObjectFeatures::from_detected(&doc.image.id, &doc.model.version, o);
    old.label = shared::domain::Label::parse("zebra").unwrap();
    let stale = bytes::Bytes::from(serde_json::to_vec(&old).unwrap());
    app.cache.put_many(&[(key.clone(), stale)], std::time::Duration::from_secs(60)).await.unwrap();

    let (_, first) = app.get(&format!("/features/object/{}", o.id)).await;
    let (_, second) = app.get(&format!("/features/object/{}", o.id)).await;

    assert_eq!(first["source"], "graph", "never served from a value it cannot read");
    assert_eq!(first["object"]["label"], o.label.as_str());
    assert_eq!(second["source"], "cache");
    let now = app.cache.get(&key).await.unwrap().expect("refilled");
    assert!(CachedObject::parse(now).is_some(), "the refill is in the current format");
}
