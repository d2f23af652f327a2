//! Spawns the real router with an in-memory SQLite store and cache.

use feature_ingestor::{router, AppState};
use shared::cache::{CacheKey, FeatureCache, MemoryCache};
use shared::domain::LocationPolicy;
use shared::graph::sqlite::SqliteGraphStore;
use shared::graph::GraphStore;
use shared::schema::{FeatureDocument, EXTRACTED_EVENT_TYPE};
use shared::testing::{spawn, TestServer};
use std::sync::Arc;
use std::time::Duration;

pub struct TestApp {
    pub server: TestServer,
    pub graph: Arc<SqliteGraphStore>,
    pub cache: Arc<MemoryCache>,
}

pub async fn spawn_app() -> TestApp {
    let graph = Arc::new(SqliteGraphStore::in_memory().unwrap());
    graph.ensure_schema().await.unwrap();
    let cache = Arc::new(MemoryCache::new(1000));
    let state = AppState {
        graph: graph.clone(),
        cache: cache.clone(),
        cache_ttl: Duration::from_secs(60),
        feature_set: Default::default(),
        locations: Arc::new(policy()),
    };
    TestApp { server: spawn(router(state)).await, graph, cache }
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

    pub async fn cached(&self, doc: &FeatureDocument, i: usize) -> Option<bytes::Bytes> {
        self.cache.get(&CacheKey::object(&doc.model.version, &doc.objects[i].id)).await.unwrap()
    }
}
