//! `spawn_app()`: the real application on port 0 with an SQLite graph in a
//! temp dir and a launcher that records instead of running.

#[path = "../../src/fakes.rs"]
mod fakes;

pub use fakes::{feature_document, RecordingLauncher};

use ingest_trigger::AppState;
use shared::auth::PushAuth;
use shared::config::ServerSettings;
use shared::domain::{FeatureSetName, LocationPolicy};
use shared::graph::sqlite::SqliteGraphStore;
use shared::graph::{GraphStore, SharedGraph};
use shared::testing::{send, FixtureRequest};
use std::sync::Arc;

/// A running app and handles on its fakes.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    /// The graph it writes to.
    pub graph: SharedGraph,
    /// The launcher it launches with.
    pub launcher: Arc<RecordingLauncher>,
    /// The state the app was built from (for the contract check).
    pub state: AppState,
    client: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl TestApp {
    /// Sends a fixture request to whichever route it names (`/` or `/pubsub/push`).
    pub async fn send(&self, fixture: &FixtureRequest) -> reqwest::Response {
        send(&self.client, &self.address, fixture, None).await
    }

    /// `POST /pubsub/push` with a raw body.
    pub async fn post_pubsub_raw(&self, body: &'static str) -> reqwest::Response {
        let url = format!("{}/pubsub/push", self.address);
        self.client.post(url).header("content-type", "application/json").body(body).send().await.unwrap()
    }

    /// Sends a fixture request with `Authorization: <authorization>` when given.
    pub async fn send_as(&self, fixture: &FixtureRequest, authorization: Option<&str>) -> reqwest::Response {
        send(&self.client, &self.address, fixture, authorization).await
    }
}

/// The app with a launcher that accepts everything (push verification off, as in development).
pub async fn spawn_app() -> TestApp {
    spawn_app_with(RecordingLauncher::new()).await
}

/// The app with the given launcher.
pub async fn spawn_app_with(launcher: Arc<RecordingLauncher>) -> TestApp {
    spawn_app_verifying(launcher, PushAuth::disabled_for_development()).await
}

/// The app with the given launcher and push verification.
pub async fn spawn_app_verifying(launcher: Arc<RecordingLauncher>, push_auth: PushAuth) -> TestApp {
    spawn(launcher, push_auth, false).await
}

/// The app as the pubsub-push component deploys it: `/pubsub/push` only, with verification.
pub async fn spawn_push_only(push_auth: PushAuth) -> TestApp {
    spawn(RecordingLauncher::new(), push_auth, true).await
}

async fn spawn(launcher: Arc<RecordingLauncher>, push_auth: PushAuth, push_only: bool) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteGraphStore::open(&dir.path().join("graph.db")).unwrap();
    store.ensure_schema().await.unwrap();
    let graph: SharedGraph = Arc::new(store);
    let state = AppState {
        graph: graph.clone(),
        launcher: launcher.clone(),
        feature_set: FeatureSetName::default(),
        push_auth,
        push_only,
        locations: Arc::new(LocationPolicy::buckets(["sightgraph-raw"]).unwrap()),
    };
    let server = ServerSettings {
        port: 0,
        host: "127.0.0.1".into(),
        log_format: Default::default(),
        feature_set: FeatureSetName::default(),
    };
    let app = ingest_trigger::bind(&server, state.clone()).await.expect("the app binds");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    TestApp { address, graph, launcher, state, client: reqwest::Client::new(), _dir: dir }
}

/// The JSON body of a response, with its status.
pub async fn json(response: reqwest::Response) -> (u16, serde_json::Value) {
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or_else(|e| panic!("body is not JSON ({e}): {text}"));
    (status, body)
}
