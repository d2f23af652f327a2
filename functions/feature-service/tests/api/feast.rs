//! `POST /get-online-features`: Feast's feature-server answer over the `objects` view
//! (Feast's own SDK reads it in tests/feast).

use serde_json::json;

use crate::helpers::{spawn_app, VERSION};

#[tokio::test]
async fn the_answer_is_one_column_per_name_with_the_entity_first_and_a_status_per_value() {
    let app = spawn_app().await;
    let doc = app.ingest(b"photo-feast", "feast.jpg", VERSION).await;
    let (a, b) = (doc.objects[0].id.as_str(), doc.objects[1].id.as_str());
    let unknown = "f".repeat(32);
    let body = json!({
        "features": ["objects:label", "objects:embedding", "objects:box"],
        "entities": {"object_id": [a, unknown, "not-an-id", b]},
        "full_feature_names": true,
    });

    let (status, answer) = app.post("/get-online-features", body, None).await;

    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer["metadata"]["feature_names"],
        json!(["object_id", "objects__label", "objects__embedding", "objects__box"])
    );
    let columns = answer["results"].as_array().unwrap();
    assert_eq!(columns[0]["values"], json!([a, unknown, "not-an-id", b]));
    assert_eq!(columns[1]["values"], json!([doc.objects[0].label, null, null, doc.objects[1].label]));
    assert_eq!(columns[1]["statuses"], json!(["PRESENT", "NOT_FOUND", "NOT_FOUND", "PRESENT"]));
    let embedding: Vec<f32> =
        columns[2]["values"][0].as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect();
    assert_eq!(embedding, doc.objects[0].embedding);
    let bx = doc.objects[1].box_px;
    assert_eq!(columns[3]["values"][3], json!([bx.x_min, bx.y_min, bx.x_max, bx.y_max]));
    assert!(columns.iter().all(|c| c["event_timestamps"].as_array().unwrap().len() == 4));
}

#[tokio::test]
async fn a_feature_service_names_its_features_and_unknown_names_are_refused() {
    let app = spawn_app().await;
    let doc = app.ingest(b"photo-feast2", "feast2.jpg", VERSION).await;
    let id = doc.objects[0].id.as_str();

    let (status, answer) = app
        .post(
            "/get-online-features",
            json!({"feature_service": "object_attributes", "entities": {"object_id": [id]}}),
            None,
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    let names = answer["metadata"]["feature_names"].as_array().unwrap();
    assert!(names.contains(&json!("score")) && !names.contains(&json!("embedding")), "{names:?}");

    let cases = [
        (json!({"features": ["trips:label"], "entities": {"object_id": [id]}}), 400, "trips"),
        (json!({"features": ["objects:speed"], "entities": {"object_id": [id]}}), 400, "speed"),
        (json!({"features": ["label"], "entities": {"object_id": [id]}}), 400, "view:feature"),
        (json!({"features": [], "entities": {"object_id": [id]}}), 400, "feature_service"),
        (json!({"feature_service": "nope", "entities": {"object_id": [id]}}), 404, "nope"),
        (json!({"features": ["objects:label"], "entities": {"driver_id": [1]}}), 400, "driver_id"),
        (json!({"features": ["objects:label"], "entities": {"object_id": [7]}}), 400, "object_id[0]"),
        (json!({"features": ["objects:label"], "entities": {"object_id": vec![id; 1001]}}), 400, "1000"),
    ];
    for (body, want, word) in cases {
        let (status, answer) = app.post("/get-online-features", body.clone(), None).await;
        assert_eq!(status, want, "{body} → {answer}");
        assert!(answer["message"].as_str().unwrap_or_default().contains(word), "{body}: {answer}");
    }
}
