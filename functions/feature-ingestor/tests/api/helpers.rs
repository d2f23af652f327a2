//! Spawns the real router with an in-memory SQLite store and cache.

use base64::Engine;
use feature_ingestor::{routes, AppState};
use shared::auth::PushAuth;
use shared::cache::SharedCache;
use shared::cache::{CacheKey, FeatureCache, MemoryCache};
use shared::domain::LocationPolicy;
use shared::graph::sqlite::SqliteGraphStore;
use shared::graph::SharedGraph;
use shared::pubsub::{event_attributes, Publisher, PublisherConfig, TopicName};
use shared::schema::{FeatureDocument, EXTRACTED_EVENT_TYPE};
use shared::testing::{memory_backends, spawn, TestServer};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

pub struct TestApp {
    pub server: TestServer,
    pub graph: Arc<SqliteGraphStore>,
    pub cache: Arc<MemoryCache>,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(None, false).await
}

/// The app with a dead-letter topic on the emulator at `dead_letter_host`, serving only
/// the push route when `push_only`.
pub async fn spawn_app_with(dead_letter_host: Option<&str>, push_only: bool) -> TestApp {
    spawn_app_verifying(dead_letter_host, push_only, PushAuth::disabled_for_development()).await
}

/// [`spawn_app_with`] whose push route accepts only tokens `push_auth` verifies.
pub async fn spawn_app_verifying(dead_letter_host: Option<&str>, push_only: bool, push_auth: PushAuth) -> TestApp {
    let (graph, cache) = memory_backends(1000).await;
    let dead_letter = dead_letter_host.map(|host| {
        let config = PublisherConfig {
            emulator_host: Some(host.to_owned()),
            attempts: 2,
            backoff: Duration::from_millis(5),
            ..Default::default()
        };
        Publisher::new(TopicName::parse(DEAD_LETTER_TOPIC).unwrap(), config).unwrap()
    });
    let state = AppState { dead_letter, push_auth, ..state(graph.clone(), cache.clone()) };
    TestApp { server: spawn(routes(state, push_only)).await, graph, cache }
}

/// Development state over `graph` and `cache`: no dead-letter topic, push verification off.
pub fn state(graph: SharedGraph, cache: SharedCache) -> AppState {
    AppState {
        backends: shared::testing::backends(graph, cache),
        feature_set: Default::default(),
        dead_letter: None,
        push_auth: PushAuth::disabled_for_development(),
        locations: Arc::new(policy()),
    }
}

/// The dead-letter topic of [`spawn_app_with`].
pub const DEAD_LETTER_TOPIC: &str = "projects/sightgraph-test/topics/features-dead-letter";

/// A push envelope as Pub/Sub sends it (both spellings of id and time).
pub fn envelope(data: &[u8], attributes: &BTreeMap<String, String>, message_id: &str) -> serde_json::Value {
    serde_json::json!({
        "message": {
            "data": base64::engine::general_purpose::STANDARD.encode(data),
            "attributes": attributes, "messageId": message_id, "message_id": message_id,
            "publishTime": "2026-01-01T00:00:00Z", "publish_time": "2026-01-01T00:00:00Z"
        },
        "subscription": "projects/sightgraph-test/subscriptions/features-push",
        "deliveryAttempt": 1
    })
}

/// The `ce-*` attributes cv-processor publishes a document with.
pub fn extracted_attributes(doc: &FeatureDocument) -> BTreeMap<String, String> {
    event_attributes(
        &format!("{}:{}", doc.lineage.job_id, doc.image.id),
        "/sightgraph/cv-processor",
        EXTRACTED_EVENT_TYPE,
        Some(&doc.image.uri),
        Some(doc.lineage.finished_at),
    )
}

/// The cluster's policy for the buckets the test documents and fixtures use.
pub fn policy() -> LocationPolicy {
    LocationPolicy::buckets(["raw-images", "sightgraph-raw"]).unwrap()
}

impl TestApp {
    /// Posts a document as a structured-mode CloudEvent.
    pub async fn post_document(&self, doc: &serde_json::Value) -> reqwest::Response {
        self.post_event(EXTRACTED_EVENT_TYPE, doc.clone()).await
    }

    pub async fn post_event(&self, ty: &str, data: serde_json::Value) -> reqwest::Response {
        let event = serde_json::json!({
            "specversion": "1.0", "id": "job-1:img", "source": "/sightgraph/cv-processor",
            "type": ty, "datacontenttype": "application/json", "data": data
        });
        self.server
            .client
            .post(self.server.url("/"))
            .header("content-type", "application/cloudevents+json")
            .body(event.to_string())
            .send()
            .await
            .unwrap()
    }

    /// Posts a Pub/Sub push envelope.
    pub async fn push(&self, envelope: &serde_json::Value) -> reqwest::Response {
        self.push_as(envelope, None).await
    }

    /// Posts a Pub/Sub push envelope with this `Authorization` header, if any.
    pub async fn push_as(&self, envelope: &serde_json::Value, authorization: Option<&str>) -> reqwest::Response {
        let mut request = self.server.client.post(self.server.url("/pubsub/push")).json(envelope);
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        request.send().await.unwrap()
    }

    pub async fn cached(&self, doc: &FeatureDocument, i: usize) -> Option<bytes::Bytes> {
        self.cache.get(&CacheKey::object(&doc.model.version, &doc.objects[i].id)).await.unwrap()
    }
}
