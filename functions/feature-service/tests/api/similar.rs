//! `POST /similar`: the stored objects closest to a fresh vector.

use base64::Engine;
use serde_json::json;

use crate::helpers::{spawn_app, VERSION};

fn base64_of(v: &[f32]) -> String {
    base64::engine::general_purpose::STANDARD.encode(v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>())
}

#[tokio::test]
async fn a_stored_objects_own_vector_finds_it_first_with_score_one() {
    let app = spawn_app().await;
    let doc = app.ingest(b"photo-s1", "s1.jpg", VERSION).await;
    app.ingest(b"photo-s2", "s2.jpg", VERSION).await;
    let target = &doc.objects[0];

    let (status, body) = app.post("/similar", json!({"vector": target.embedding, "k": 3}), None).await;

    assert_eq!(status, 200, "{body}");
    assert_eq!(body["model_version"], VERSION);
    let results = body["results"].as_array().unwrap();
    assert_eq!(results.len(), 3, "k bounds the answer");
    assert_eq!(results[0]["object"]["id"], target.id.as_str());
    assert!((results[0]["score"].as_f64().unwrap() - 1.0).abs() < 1e-5);
    let scores: Vec<f64> = results.iter().map(|r| r["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "best first: {scores:?}");
    for field in ["label", "box", "image_id", "score"] {
        assert!(results[0]["object"].get(field).is_some(), "results carry {field}");
    }
    assert!(results[0]["object"].get("embedding").is_none(), "results leave the vector out");
}

#[tokio::test]
async fn a_base64_vector_and_filters_give_the_same_answer_as_floats() {
    let app = spawn_app().await;
    let doc = app.ingest(b"photo-s3", "s3.jpg", VERSION).await;
    let v = &doc.objects[0].embedding;
    let label = doc.objects[1].label.as_str();

    let (s1, floats) = app.post("/similar", json!({"vector": v, "label": label, "min_score": -1.0}), None).await;
    let (s2, encoded) = app
        .post("/similar", json!({"vector": base64_of(v), "label": label, "version": VERSION, "min_score": -1.0}), None)
        .await;

    assert_eq!((s1, s2), (200, 200), "{floats} {encoded}");
    assert_eq!(floats, encoded);
    let results = floats["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["object"]["label"], label, "only objects with the label");
}

#[tokio::test]
async fn bad_requests_get_400_naming_the_field() {
    let app = spawn_app().await;
    app.ingest(b"photo-s4", "s4.jpg", VERSION).await;
    let ok = vec![0.35f32; 8];
    let cases = [
        (json!({"vector": vec![0.5f32; 5]}), "vector has 5 values"),
        (json!({"vector": [0.1, 1e39, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]}), "vector[1]"),
        (json!({"vector": [0.1, "x"]}), "vector[1]"),
        (json!({"vector": vec![0.0f32; 8]}), "vector is all zeros"),
        (json!({"vector": "not base64!"}), "vector is not f32le-base64"),
        (json!({"vector": base64::engine::general_purpose::STANDARD.encode([1u8, 2, 3])}), "whole number of floats"),
        (json!({"vector": base64_of(&[f32::NAN; 8])}), "vector[0]"),
        (json!({"vector": {"x": 1}}), "vector must be"),
        (json!({"vector": ok, "k": 0}), "k must be 1..=100"),
        (json!({"vector": ok, "k": 101}), "k must be 1..=100"),
        (json!({"vector": ok, "k": -3}), "k must be a whole number"),
        (json!({"vector": ok, "min_score": 1.5}), "min_score"),
        (json!({"vector": ok, "min_score": "high"}), "min_score"),
        (json!({"vector": ok, "label": "Not A Label!"}), "label"),
        (json!({"vector": ok, "version": "a b"}), "version"),
        (json!({"vector": ok, "colour": "red"}), "colour"),
        (json!({"k": 3}), "vector"),
    ];
    for (body, expected) in cases {
        let (status, answer) = app.post("/similar", body.clone(), None).await;
        assert_eq!(status, 400, "{body} → {answer}");
        let message = answer["message"].as_str().unwrap_or_default();
        assert!(message.contains(expected), "{body}: {message:?} should name {expected:?}");
    }
}

#[tokio::test]
async fn without_any_version_the_answer_is_empty() {
    let app = spawn_app().await;
    let (status, body) = app.post("/similar", json!({"vector": [0.5, 0.5]}), None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({"model_version": null, "results": []}));
}
