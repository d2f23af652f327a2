//! Spawns the real router over a fresh graph store, an in-process cache and a
//! temporary local bucket. The store is in-memory SQLite, or with
//! `SIGHTGRAPH_TEST_GRAPH=spanner` a database of its own on the test services' Spanner
//! emulator, chosen by `connect_graph` (`just test` runs this suite both ways).

use feature_service::{router, ActiveVersion, AdminTokens, AppState, Backfills};
use shared::backfill::BackfillStore;
use shared::cache::MemoryCache;
use shared::config::{connect_graph, GraphSettings};
use shared::domain::LocationPolicy;
use shared::graph::SharedGraph;
use shared::schema::FeatureDocument;
use shared::storage::{ObjectReader, StorageConfig};
use shared::testing::{sample_document, spawn, TestServer};
use std::sync::Arc;
use std::time::Duration;

pub const VERSION: &str = "det@1+emb@1";
/// The token of the admin named `alice`.
pub const TOKEN: &str = "s3cret-token-of-alice";
/// The token of the admin named `bob`.
pub const BOB_TOKEN: &str = "s3cret-token-of-bob";

pub struct TestApp {
    pub server: TestServer,
    pub graph: SharedGraph,
    pub cache: Arc<MemoryCache>,
    pub bucket: tempfile::TempDir,
    /// The backfill root (a local folder).
    pub backfills: BackfillStore,
}

async fn graph() -> SharedGraph {
    let mut settings = GraphSettings::sqlite(":memory:");
    if std::env::var("SIGHTGRAPH_TEST_GRAPH").as_deref() == Ok("spanner") {
        settings.spanner = shared::testing::spanner_settings("api")
            .await
            .expect("SIGHTGRAPH_TEST_GRAPH=spanner needs the Spanner emulator of the test services");
    }
    connect_graph(&settings).await.expect("the graph store starts")
}

/// An app whose activations need no coverage (tests of switching itself).
pub async fn spawn_app() -> TestApp {
    spawn_app_with(1000, 0.0).await
}

/// The app with `/similar`'s exact scan bounded at `similar_max_scan` vectors.
pub async fn spawn_app_scanning_at_most(similar_max_scan: usize) -> TestApp {
    spawn_app_with(similar_max_scan, 0.0).await
}

/// An app whose activations need `min_coverage` of the set's images.
pub async fn spawn_app_with_min_coverage(min_coverage: f64) -> TestApp {
    spawn_app_with(1000, min_coverage).await
}

async fn spawn_app_with(similar_max_scan: usize, min_coverage: f64) -> TestApp {
    let graph = graph().await;
    let bucket = tempfile::tempdir().unwrap();
    let cache = Arc::new(MemoryCache::new(1000));
    let backfills = BackfillStore::open(bucket.path().join("backfills").to_str().unwrap(), None).unwrap();
    let state = AppState {
        backends: shared::testing::backends(graph.clone(), cache.clone()),
        active: Arc::new(ActiveVersion::new(Default::default(), Duration::from_millis(0))),
        images: Arc::new(ObjectReader::new(StorageConfig {
            local_bucket_root: Some(bucket.path().into()),
            ..StorageConfig::default()
        })),
        admins: AdminTokens::from_settings(None, Some(&format!("alice:{TOKEN},bob:{BOB_TOKEN}").into())).unwrap(),
        locations: Arc::new(LocationPolicy::from_settings(Some("raw"), Some(bucket.path())).unwrap()),
        similar_max_scan,
        backfills: Arc::new(Backfills::local(backfills.clone(), min_coverage)),
    };
    TestApp { server: spawn(router(state)).await, graph, cache, bucket, backfills }
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

    /// `get` with a bearer token.
    pub async fn get_as(&self, path: &str, token: Option<&str>) -> (u16, serde_json::Value) {
        let mut r = self.server.client.get(self.server.url(path));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        let r = r.send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(serde_json::Value::Null))
    }

    pub async fn post(&self, path: &str, body: serde_json::Value, token: Option<&str>) -> (u16, serde_json::Value) {
        self.post_with(path, body, token, &[]).await
    }

    /// `post` with extra request headers.
    pub async fn post_with(
        &self,
        path: &str,
        body: serde_json::Value,
        token: Option<&str>,
        headers: &[(&str, &str)],
    ) -> (u16, serde_json::Value) {
        let mut r = self.server.client.post(self.server.url(path)).json(&body);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        let r = r.send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(serde_json::Value::Null))
    }
}
