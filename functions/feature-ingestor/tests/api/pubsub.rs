//! `POST /pubsub/push`: committed before the 200, idempotent on redelivery, and messages
//! that can never succeed answered 200 at once, dead-lettered or dropped, never retried.

use shared::graph::GraphStore;
use shared::pubsub::fake::FakePubSub;
use shared::testing::sample_document;
use std::collections::BTreeMap;

use crate::helpers::{envelope, extracted_attributes, spawn_app, spawn_app_with, DEAD_LETTER_TOPIC};

const VERSION: &str = "det@1+emb@1";

fn pushed(bytes: &[u8], uri: &str) -> (shared::schema::FeatureDocument, serde_json::Value) {
    let doc = sample_document(bytes, uri, VERSION);
    let body = envelope(&serde_json::to_vec(&doc).unwrap(), &extracted_attributes(&doc), "m-1");
    (doc, body)
}

#[tokio::test]
async fn a_pushed_document_is_in_the_graph_when_the_push_is_answered_200() {
    let app = spawn_app().await;
    let (doc, body) = pushed(b"pushed one", "gs://raw-images/p1.jpg#1");

    let resp = app.push(&body).await;

    assert_eq!(resp.status(), 200);
    let answer: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(answer["outcome"], "ingested");
    assert_eq!(answer["image_id"], doc.image.id.as_str());
    assert_eq!(answer["write"]["objects_created"], 2);
    let counts = app.graph.counts().await.unwrap();
    assert_eq!((counts.images, counts.objects, counts.features), (1, 2, 2));
    assert!(app.cached(&doc, 0).await.is_some(), "written through to the cache");
}

#[tokio::test]
async fn a_redelivered_message_changes_nothing() {
    let app = spawn_app().await;
    let (_, body) = pushed(b"pushed twice", "gs://raw-images/p2.jpg#1");
    assert_eq!(app.push(&body).await.status(), 200);
    let before = app.graph.counts().await.unwrap();

    let again = app.push(&body).await;

    assert_eq!(again.status(), 200);
    let answer: serde_json::Value = again.json().await.unwrap();
    assert_eq!(answer["write"]["objects_created"], 0);
    assert_eq!(app.graph.counts().await.unwrap(), before);
}

/// Messages that can never be ingested, each with what the reason must mention.
fn poison() -> Vec<(&'static str, serde_json::Value)> {
    let (doc, _) = pushed(b"poison", "gs://raw-images/p3.jpg#1");
    let data = serde_json::to_vec(&doc).unwrap();
    let attrs = extracted_attributes(&doc);
    let mut tampered = serde_json::to_value(&doc).unwrap();
    tampered["objects"][0]["id"] = serde_json::json!("0".repeat(32));
    let mut wrong_type = attrs.clone();
    wrong_type.insert("ce-type".into(), "google.cloud.storage.object.v1.finalized".into());
    let mut no_id = attrs.clone();
    no_id.remove("ce-id");
    let mut bad_base64 = envelope(&data, &attrs, "m-5");
    bad_base64["message"]["data"] = serde_json::json!("%%% not base64 %%%");
    vec![
        ("does not derive", envelope(&serde_json::to_vec(&tampered).unwrap(), &attrs, "m-1")),
        ("unsupported event type", envelope(&data, &wrong_type, "m-2")),
        ("ce-id", envelope(&data, &no_id, "m-3")),
        ("not a feature document", envelope(b"{\"hello\":1}", &attrs, "m-4")),
        ("base64", bad_base64),
        ("lacks the ce-id", envelope(&data, &BTreeMap::new(), "m-6")),
    ]
}

#[tokio::test]
async fn messages_that_can_never_succeed_go_to_the_dead_letter_topic_at_once_and_are_acknowledged() {
    let dlq = FakePubSub::start(&[]).await;
    let app = spawn_app_with(Some(&dlq.host), false).await;

    for (reason, body) in poison() {
        let resp = app.push(&body).await;

        assert_eq!(resp.status(), 200, "{reason}: acknowledged, so Pub/Sub does not redeliver it");
        let answer: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(answer["outcome"], "dead_lettered", "{reason}: {answer}");
        assert!(answer["reason"].as_str().unwrap().contains(reason), "{reason}: {answer}");
        let moved = dlq.stored().pop().expect("published to the dead-letter topic");
        assert_eq!(moved.topic, DEAD_LETTER_TOPIC);
        assert!(moved.attributes["sightgraph-dead-letter-reason"].contains(reason), "{reason}: {moved:?}");
        assert_eq!(moved.attributes["sightgraph-original-message-id"], body["message"]["messageId"].as_str().unwrap());
        assert_eq!(moved.attributes["sightgraph-subscription"], "projects/sightgraph-test/subscriptions/features-push");
        assert_eq!(moved.data, original_data(&body), "{reason}: the payload travels unchanged");
    }
    assert_eq!(dlq.stored().len(), poison().len(), "one dead letter per message, none twice");
    assert_eq!(app.graph.counts().await.unwrap().objects, 0, "nothing of them was written");
}

/// The payload a push carried: decoded, or the text itself where it is not base64.
fn original_data(body: &serde_json::Value) -> Vec<u8> {
    use base64::Engine;
    let text = body["message"]["data"].as_str().unwrap();
    base64::engine::general_purpose::STANDARD.decode(text).unwrap_or_else(|_| text.as_bytes().to_vec())
}

#[tokio::test]
async fn without_a_dead_letter_topic_such_messages_are_dropped_and_acknowledged() {
    let app = spawn_app().await;

    for (reason, body) in poison() {
        let resp = app.push(&body).await;

        assert_eq!(resp.status(), 200, "{reason}");
        let answer: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(answer["outcome"], "dropped", "{reason}: {answer}");
    }
}

#[tokio::test]
async fn when_the_dead_letter_topic_cannot_be_reached_the_push_is_refused_so_pubsub_redelivers() {
    let dlq = FakePubSub::start(&[503, 503, 503]).await;
    let app = spawn_app_with(Some(&dlq.host), false).await;
    let (_, body) = &poison()[0];

    let resp = app.push(body).await;

    assert_eq!(resp.status(), 503);
    assert!(dlq.stored().is_empty());
}

#[tokio::test]
async fn a_graph_failure_is_answered_with_an_error_so_pubsub_redelivers() {
    // Arrange: a store whose tables were never created fails every write.
    let app = spawn_app().await;
    let broken = shared::graph::sqlite::SqliteGraphStore::in_memory().unwrap();
    let state = crate::helpers::state(std::sync::Arc::new(broken), app.cache.clone());
    let server = shared::testing::spawn(feature_ingestor::router(state)).await;
    let (_, body) = pushed(b"graph down", "gs://raw-images/p4.jpg#1");

    let resp = server.client.post(server.url("/pubsub/push")).json(&body).send().await.unwrap();

    assert!(resp.status().is_server_error(), "{}", resp.status());
}

#[tokio::test]
async fn a_body_that_is_not_a_push_envelope_is_a_bad_request() {
    let app = spawn_app().await;

    let resp = app.push(&serde_json::json!({"hello": "world"})).await;

    assert_eq!(resp.status(), 400);
}

#[tokio::test]
async fn a_document_larger_than_the_default_body_limit_is_accepted_through_pubsub() {
    // Arrange: ~3 MB of base64 in the envelope, beyond the 2 MiB other functions take.
    let app = spawn_app().await;
    let mut doc = sample_document(b"big one", "gs://raw-images/big.jpg#1", VERSION);
    for o in &mut doc.objects {
        o.embedding = vec![0.5 / (100_000f32).sqrt(); 100_000];
    }
    let body = envelope(&serde_json::to_vec(&doc).unwrap(), &extracted_attributes(&doc), "m-big");
    assert!(body.to_string().len() > shared::http::MAX_BODY_BYTES);

    let resp = app.push(&body).await;

    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
}

#[tokio::test]
async fn push_only_serves_the_push_route_and_not_the_cloudevent_one() {
    let app = spawn_app_with(None, true).await;
    let (doc, body) = pushed(b"push only", "gs://raw-images/p5.jpg#1");

    let cloudevent = app.post_document(&serde_json::to_value(&doc).unwrap()).await;
    let push = app.push(&body).await;

    assert_eq!(cloudevent.status(), 404, "POST / is not served");
    assert_eq!(push.status(), 200);
}
