//! Real backends for the tests: the shared test services read from the
//! environment, own Redis/Neo4j instances started and stopped through
//! `scripts/services/`, and the service spawned over them on port 0.

use feature_service::{router, ActiveVersion, AppState};
use secrecy::SecretString;
use shared::config::{
    connect_cache, connect_graph, CacheConfig, CacheSettings, GraphSettings, Neo4jSettings, RedisSettings,
    SqliteSettings,
};
use shared::domain::{FeatureSetName, LocationPolicy};
use shared::graph::SharedGraph;
use shared::schema::FeatureDocument;
use shared::storage::{ObjectReader, StorageConfig};
use shared::testing::{sample_document, spawn, TestServer};
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

/// Per-operation Redis timeout of the apps under test.
pub const REDIS_TIMEOUT_MS: u64 = 100;
/// Consecutive failures that open a breaker in the apps under test.
pub const BREAKER_FAILURES: u32 = 3;
/// How long the breakers stay open before a probe.
pub const BREAKER_OPEN_MS: u64 = 300;
/// Bound on a Neo4j lookup in the apps under test. NB: well above a cold query on a loaded
/// 2-core machine (500 ms was not), so only a hung or dead Neo4j reaches it.
pub const LOOKUP_TIMEOUT_MS: u64 = 2000;

/// A variable of the test services' `services.env`; fails the test when unset.
pub fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set: start the test services with `scripts/services/all.sh up` and load \
             $HOME/.cache/sightgraph/run/services.env (set -a; . …; set +a), or run `just test`"
        )
    })
}

pub use shared::testing::random_u64;

/// Where a Neo4j listens.
#[derive(Clone)]
pub struct Neo4jAddr {
    pub uri: String,
    pub password: String,
}

impl Neo4jAddr {
    /// The test services' shared Neo4j.
    pub fn shared() -> Self {
        Self { uri: env("NEO4J_URI"), password: env("NEO4J_PASSWORD") }
    }

    pub fn settings(&self) -> GraphSettings {
        GraphSettings {
            neo4j: Neo4jSettings {
                uri: Some(self.uri.clone()),
                user: "neo4j".into(),
                password: Some(SecretString::from(self.password.clone())),
                database: None,
                max_connections: 4,
                breaker_failures: BREAKER_FAILURES,
                breaker_open_ms: BREAKER_OPEN_MS,
                lookup_timeout_ms: LOOKUP_TIMEOUT_MS,
            },
            sqlite: SqliteSettings { path: ":memory:".into() },
            spanner: Default::default(),
        }
    }
}

/// The production cache configuration for a Redis URL.
pub fn redis_config(url: &str) -> CacheConfig {
    CacheConfig {
        redis: RedisSettings {
            url: Some(url.into()),
            cluster_urls: None,
            password: None,
            timeout_ms: REDIS_TIMEOUT_MS,
            ca_certs: None,
            breaker_failures: BREAKER_FAILURES,
            breaker_open_ms: BREAKER_OPEN_MS,
        },
        cache: CacheSettings { ttl_seconds: 300, memory_capacity: 16 },
    }
}

fn script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/services").join(name)
}

/// Runs `scripts/services/<script> <cmd> <name>` and returns its `KEY=value` lines.
fn service(script_name: &str, cmd: &str, name: &str) -> Vec<(String, String)> {
    let out = Command::new(script(script_name)).args([cmd, name]).output().expect("run a scripts/services script");
    assert!(out.status.success(), "{script_name} {cmd} {name} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())))
        .collect()
}

fn value(vars: &[(String, String)], key: &str) -> String {
    vars.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()).unwrap_or_else(|| panic!("script printed no {key}"))
}

/// A server of this test's own (`redis.sh`/`neo4j.sh` NAME), stopped when dropped.
pub struct OwnService {
    script: &'static str,
    name: &'static str,
    pub vars: Vec<(String, String)>,
}

impl OwnService {
    pub fn start(script: &'static str, name: &'static str) -> Self {
        env("SIGHTGRAPH_SERVICES");
        let vars = service(script, "start", name);
        Self { script, name, vars }
    }

    pub fn get(&self, key: &str) -> String {
        value(&self.vars, key)
    }

    pub fn stop(&self) {
        service(self.script, "stop", self.name);
    }

    /// Starts again; the scripts keep the port.
    pub fn restart(&self) {
        let vars = service(self.script, "start", self.name);
        let key = if self.script == "redis.sh" { "REDIS_URL" } else { "NEO4J_URI" };
        assert_eq!(value(&vars, key), self.get(key), "{} came back on the same address", self.name);
    }
}

impl OwnService {
    /// The server's process id, from its pidfile in the run folder.
    pub fn pid(&self) -> u32 {
        let run = std::env::var("SIGHTGRAPH_RUN").unwrap_or_else(|_| {
            let cache = std::env::var("SIGHTGRAPH_CACHE").unwrap_or_else(|_| env("HOME") + "/.cache/sightgraph");
            cache + "/run"
        });
        let kind = self.script.trim_end_matches(".sh");
        let file = PathBuf::from(run).join(format!("{kind}-{}", self.name)).join(format!("{kind}.pid"));
        let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("reading {}: {e}", file.display()));
        text.trim().parse().unwrap_or_else(|e| panic!("{}: {e}", file.display()))
    }

    /// Freezes the server (SIGSTOP): it keeps its sockets but answers nothing, like a hung
    /// host. It thaws (SIGCONT) when the guard is dropped.
    pub fn freeze(&self) -> Frozen {
        let pid = self.pid();
        signal("STOP", pid);
        Frozen(pid)
    }
}

fn signal(name: &str, pid: u32) {
    let ok = Command::new("kill").args([format!("-{name}"), pid.to_string()]).status().is_ok_and(|s| s.success());
    assert!(ok, "kill -{name} {pid} failed");
}

/// A frozen server; thawed on drop.
pub struct Frozen(u32);

impl Drop for Frozen {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-CONT".to_owned(), self.0.to_string()]).status();
    }
}

impl Drop for OwnService {
    fn drop(&mut self) {
        let _ = Command::new(script(self.script)).args(["stop", self.name]).output();
    }
}

/// The service over real backends, and what the test wrote.
pub struct TestApp {
    pub server: TestServer,
    pub graph: SharedGraph,
    pub set: FeatureSetName,
}

/// The router built exactly as `Application::build` does, over `graph` and `redis_url`
/// (with the default near cache in front of Redis).
pub async fn spawn_app(neo4j: &Neo4jAddr, redis_url: &str, active_ttl: Duration) -> TestApp {
    spawn_app_near(neo4j, redis_url, active_ttl, feature_service::DEFAULT_NEAR_CACHE_BYTES).await
}

/// [`spawn_app`] with a near cache of `near_bytes` (0: every hit is a Redis GET).
pub async fn spawn_app_near(neo4j: &Neo4jAddr, redis_url: &str, active_ttl: Duration, near_bytes: u64) -> TestApp {
    let graph = connect_graph(&neo4j.settings()).await.expect("connect to Neo4j");
    let config = redis_config(redis_url);
    let cache = connect_cache(&config).expect("cache settings");
    let near_ttl = Duration::from_secs(feature_service::DEFAULT_NEAR_CACHE_TTL_SECONDS);
    let cache = shared::cache::NearCache::wrap(cache, near_bytes, near_ttl);
    let set = FeatureSetName::parse(&format!("backends-{:016x}", random_u64())).unwrap();
    let state = AppState {
        backends: shared::config::Backends { graph: graph.clone(), cache, cache_ttl: config.cache.ttl() },
        active: Arc::new(ActiveVersion::new(set.clone(), active_ttl)),
        images: Arc::new(ObjectReader::new(StorageConfig {
            local_bucket_root: Some(std::env::temp_dir()),
            ..StorageConfig::default()
        })),
        admins: Default::default(),
        backfills: std::sync::Arc::new(feature_service::Backfills::disabled(0.95)),
        locations: Arc::new(LocationPolicy::development(std::env::temp_dir())),
        similar_max_scan: 1000,
    };
    TestApp { server: spawn(router(state)).await, graph, set }
}

impl TestApp {
    /// Writes a small document (2 objects, NEAR) of a version of its own into this app's feature set.
    pub async fn ingest(&self) -> FeatureDocument {
        self.ingest_version(&format!("det@1+emb@{:016x}", random_u64())).await
    }

    /// Writes another small document of `version` into this app's feature set.
    pub async fn ingest_version(&self, version: &str) -> FeatureDocument {
        let tag = random_u64();
        let doc = sample_document(&tag.to_le_bytes(), &format!("gs://sightgraph-backends/{tag:016x}.jpg#1"), version);
        self.graph.write_features(&self.set, &doc).await.expect("write to Neo4j");
        doc
    }

    pub async fn get(&self, path: &str) -> (u16, serde_json::Value) {
        let r = self.server.client.get(self.server.url(path)).send().await.expect("the service answers");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(serde_json::Value::Null))
    }

    pub async fn post(&self, path: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
        let r = self.server.client.post(self.server.url(path)).json(&body).send().await.expect("the service answers");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// `(status, source)` of an object lookup.
    pub async fn object(&self, id: &str) -> (u16, String) {
        let (status, body) = self.get(&format!("/features/object/{id}")).await;
        (status, body["source"].as_str().unwrap_or("-").to_owned())
    }

    pub async fn metrics(&self) -> String {
        self.server.client.get(self.server.url("/metrics")).send().await.unwrap().text().await.unwrap()
    }

    /// The sum of every series of `name` (all label sets) on `/metrics`.
    pub async fn metric_sum(&self, name: &str) -> f64 {
        metric_sum(&self.metrics().await, name)
    }
}

pub fn metric_sum(text: &str, name: &str) -> f64 {
    text.lines()
        .filter(|l| l.strip_prefix(name).is_some_and(|rest| rest.starts_with('{') || rest.starts_with(' ')))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}
