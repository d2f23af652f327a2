//! Test helpers (feature `testing`): spawn a router on a free port, load
//! fixture requests from `fixtures/events/`, and the contract every function
//! must honour.
//!
//! A fixture file is an HTTP request as JSON:
//! `{"method": "POST", "path": "/", "headers": {…}, "body": <JSON value or string>}`.
//! Its name ends in `.valid.json`, `.ignored.json` or `.invalid.json`, so the
//! expected outcome shows; `just invoke` sends the same files.

mod documents;

pub use documents::{md5_of, near_row, random_document, random_u64, random_unit, sample_document, splitmix64};

use axum::Router;

use crate::http::Application;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;

/// A running server for one test.
pub struct TestServer {
    /// Where it listens.
    pub addr: SocketAddr,
    /// A client for it.
    pub client: reqwest::Client,
}

impl TestServer {
    /// `http://127.0.0.1:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Sends a fixture request.
    pub async fn send(&self, fixture: &FixtureRequest) -> reqwest::Response {
        send(&self.client, &self.url(""), fixture, None).await
    }
}

/// Sends `fixture` to the server at `base` (`http://127.0.0.1:<port>`), with
/// `Authorization: <authorization>` when given.
pub async fn send(
    client: &reqwest::Client,
    base: &str,
    fixture: &FixtureRequest,
    authorization: Option<&str>,
) -> reqwest::Response {
    let mut req = client.request(fixture.method.parse().expect("fixture method"), format!("{base}{}", fixture.path));
    for (k, v) in &fixture.headers {
        req = req.header(k, v);
    }
    if let Some(value) = authorization {
        req = req.header("authorization", value);
    }
    req.body(fixture.body_bytes()).send().await.expect("request reaches the test server")
}

/// Sends `request` and reads the answer's JSON body, whatever its status.
pub async fn json_of(request: reqwest::RequestBuilder) -> serde_json::Value {
    let response = request.send().await.expect("request reaches the server");
    response.json().await.expect("the answer is JSON")
}

/// Serves `app` as the real [`Application`] does (its listener, its graceful
/// shutdown) on 127.0.0.1 and a free port until the test ends.
pub async fn spawn(app: Router) -> TestServer {
    let application = Application::bind("127.0.0.1", 0, app).await.expect("bind a free port");
    let addr = SocketAddr::from(([127, 0, 0, 1], application.port()));
    tokio::spawn(application.run_until_stopped());
    TestServer { addr, client: reqwest::Client::new() }
}

/// One fixture request.
#[derive(Debug, Clone, Deserialize)]
pub struct FixtureRequest {
    /// HTTP method.
    #[serde(default = "post")]
    pub method: String,
    /// Path on the function.
    #[serde(default = "root")]
    pub path: String,
    /// Headers (binary-mode CloudEvents carry `ce-*` here).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Body: JSON values are sent serialised, strings as they are.
    #[serde(default)]
    pub body: serde_json::Value,
}

fn post() -> String {
    "POST".into()
}

fn root() -> String {
    "/".into()
}

impl FixtureRequest {
    /// The body as bytes.
    pub fn body_bytes(&self) -> Vec<u8> {
        match &self.body {
            serde_json::Value::Null => Vec::new(),
            serde_json::Value::String(s) => s.clone().into_bytes(),
            v => serde_json::to_vec(v).expect("JSON serialises"),
        }
    }
}

/// The repository's `fixtures/` folder.
pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

/// Loads `fixtures/events/<name>`.
pub fn fixture(name: &str) -> FixtureRequest {
    let path = fixtures_dir().join("events").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
}

/// Every fixture file name under `fixtures/events/` whose name starts with `prefix`; never
/// empty, so a test driven by the list cannot pass by checking nothing.
pub fn fixtures_with_prefix(prefix: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(fixtures_dir().join("events"))
        .expect("fixtures/events exists")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with(prefix) && n.ends_with(".json"))
        .collect();
    names.sort();
    assert!(!names.is_empty(), "fixtures/events has no {prefix}*.json: a fixture-driven test would check nothing");
    names
}

/// The function contract: `/healthz` answers 200, a POST that is not a
/// CloudEvent gets 400 with a JSON error, and `valid` gets a 2xx.
pub async fn check_function_contract(app: Router, valid: &FixtureRequest) {
    let server = spawn(app).await;
    let health = server.client.get(server.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200, "GET /healthz must answer 200");

    let not_an_event = server
        .client
        .post(server.url(&valid.path))
        .header("content-type", "application/json")
        .body(r#"{"hello":"world"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(not_an_event.status(), 400, "a POST that is not a CloudEvent must get 400");
    let body: serde_json::Value = not_an_event.json().await.expect("the 400 carries a JSON error");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "the error names the problem: {body}");

    let ok = server.send(valid).await;
    let status = ok.status();
    assert!(status.is_success(), "a valid fixture must get 2xx, got {status}: {}", ok.text().await.unwrap_or_default());
}

/// Settings for a fresh database on the test services' Spanner emulator
/// (`SPANNER_EMULATOR_HOST`, `SIGHTGRAPH_SPANNER_INSTANCE`), named `<prefix>-<random>`, so a
/// test sees only its own data. `None`, with the reason printed, where the emulator is not
/// installed (`scripts/services/all.sh` leaves `spanner` out of `SIGHTGRAPH_SERVICES`) or
/// with `SIGHTGRAPH_SKIP_SPANNER=1`; without the test services it panics with what to run.
pub async fn spanner_settings(prefix: &str) -> Option<crate::config::SpannerSettings> {
    use crate::graph::spanner::{create_scratch_database, Endpoint};
    let (Ok(host), Ok(instance)) =
        (std::env::var("SPANNER_EMULATOR_HOST"), std::env::var("SIGHTGRAPH_SPANNER_INSTANCE"))
    else {
        if std::env::var("SIGHTGRAPH_SERVICES").is_ok_and(|s| !s.split(',').any(|s| s == "spanner")) {
            eprintln!("note: the Cloud Spanner emulator is not installed here; skipping this Spanner test");
            return None;
        }
        if std::env::var("SIGHTGRAPH_SKIP_SPANNER").as_deref() == Ok("1") {
            eprintln!("note: SIGHTGRAPH_SKIP_SPANNER=1, skipping this Spanner test");
            return None;
        }
        panic!(
            "SPANNER_EMULATOR_HOST is not set: start the test services with `scripts/services/all.sh up` and load \
             $SIGHTGRAPH_RUN/services.env, or run `just test` (SIGHTGRAPH_SKIP_SPANNER=1 skips these tests)"
        );
    };
    let database = create_scratch_database(&Endpoint::Emulator(host.clone()), &instance, prefix)
        .await
        .unwrap_or_else(|e| panic!("creating a database on the Spanner emulator under {instance}: {e}"));
    Some(crate::config::SpannerSettings {
        database: Some(database.to_string()),
        emulator_host: Some(host),
        ..Default::default()
    })
}

/// The in-process backends with the graph's schema in place: an in-memory SQLite
/// graph and a memory cache of `capacity` entries.
pub async fn memory_backends(
    capacity: usize,
) -> (std::sync::Arc<crate::graph::sqlite::SqliteGraphStore>, std::sync::Arc<crate::cache::MemoryCache>) {
    use crate::graph::GraphStore;
    let graph = std::sync::Arc::new(crate::graph::sqlite::SqliteGraphStore::in_memory().expect("an in-memory SQLite"));
    graph.ensure_schema().await.expect("the schema is created");
    (graph, std::sync::Arc::new(crate::cache::MemoryCache::new(capacity)))
}

/// The wiring of a test's graph and cache, with a one-minute cache TTL.
pub fn backends(graph: crate::graph::SharedGraph, cache: crate::cache::SharedCache) -> crate::config::Backends {
    crate::config::Backends { graph, cache, cache_ttl: std::time::Duration::from_secs(60) }
}

/// `n` cache entries under a model version of their own (fresh keys on every call, so tests
/// sharing a Redis never see each other's), each with a distinct value of its own length.
pub fn cache_entries(n: usize) -> Vec<(crate::cache::CacheKey, bytes::Bytes)> {
    let version =
        crate::domain::ModelVersion::parse(&format!("cachetest@{:016x}", random_u64())).expect("a valid version");
    (0..n)
        .map(|i| {
            let id = crate::domain::ObjectId::parse(&format!("{:016x}{i:016x}", random_u64())).expect("32 hex digits");
            let value = bytes::Bytes::from(format!("{{\"i\":{i},\"pad\":\"{}\"}}", "x".repeat(i)));
            (crate::cache::CacheKey::object(&version, &id), value)
        })
        .collect()
}
