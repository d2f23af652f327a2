//! Spawns the real router over an in-memory SQLite store, an in-process
//! cache and a temporary local bucket.

use feature_service::{router, ActiveVersion, AppState};
use shared::cache::MemoryCache;
use shared::graph::sqlite::SqliteGraphStore;
use shared::graph::GraphStore;
use shared::schema::FeatureDocument;
use shared::storage::{ObjectReader, StorageConfig};
use shared::testing::{sample_document, spawn, TestServer};
use std::sync::Arc;
use std::time::Duration;

pub const VERSION: &str = "det@1+emb@1";
pub const TOKEN: &str = "s3cret-token";

pub struct TestApp {
    pub server: TestServer,
    pub graph: Arc<SqliteGraphStore>,
    pub cache: Arc<MemoryCache>,
    pub bucket: tempfile::TempDir,
}

pub async fn spawn_app() -> TestApp {
    let graph = Arc::new(SqliteGraphStore::in_memory().unwrap());
    graph.ensure_schema().await.unwrap();
    let bucket = tempfile::tempdir().unwrap();
    let cache = Arc::new(MemoryCache::new(1000));
    let state = AppState {
        graph: graph.clone(),
        cache: cache.clone(),
        cache_ttl: Duration::from_secs(60),
        active: Arc::new(ActiveVersion::new(Default::default(), Duration::from_millis(0))),
        images: Arc::new(ObjectReader::new(StorageConfig {
            local_bucket_root: Some(bucket.path().into()),
            gcs_base_url: None,
        })),
        admin_token: Some(TOKEN.to_owned().into()),
    };
    TestApp { server: spawn(router(state)).await, graph, cache, bucket }
}

impl TestApp {
    /// Writes a sample document for `bytes` at `gs://raw/<name>#1` and stores the bytes in the local bucket.
    pub async fn ingest(&self, bytes: &[u8], name: &str, version: &str) -> FeatureDocument {
        let doc = sample_document(bytes, &format!("gs://raw/{name}#1"), version);
        std::fs::create_dir_all(self.bucket.path().join("raw")).unwrap();
        std::fs::write(self.bucket.path().join("raw").join(name), bytes).unwrap();
        self.graph.write_features(&Default::default(), &doc).await.unwrap();
        doc
    }

    pub async fn get(&self, path: &str) -> (u16, serde_json::Value) {
        let r = self.server.client.get(self.server.url(path)).send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(serde_json::Value::Null))
    }

    pub async fn post(&self, path: &str, body: serde_json::Value, token: Option<&str>) -> (u16, serde_json::Value) {
        let mut r = self.server.client.post(self.server.url(path)).json(&body);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        let r = r.send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(serde_json::Value::Null))
    }
}
