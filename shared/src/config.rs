//! Typed settings groups read with `envy`, one prefix per group, and the one
//! place that turns them into concrete backends.

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::breaker::{Breaker, BreakerSettings};
use crate::cache::redis::{RedisCache, RedisTarget};
use crate::cache::{BreakerCache, FeatureCache, MemoryCache, SharedCache};
use crate::domain::{FeatureSetName, LocationPolicy};
use crate::graph::spanner::{DatabaseName, Endpoint, SpannerTarget, VectorSearch};
use crate::graph::sqlite::SqliteGraphStore;
use crate::graph::{BreakerGraph, SharedGraph};
use crate::telemetry::LogFormat;
use crate::{Error, Result};

mod backends;

pub use backends::{Backends, Settings};

/// Reads one prefixed group, naming the offending variable on failure.
pub fn load<T: serde::de::DeserializeOwned>(prefix: &str) -> Result<T> {
    envy::prefixed(prefix).from_env::<T>().map_err(|e| match e {
        envy::Error::MissingValue(v) => Error::invalid(format!("{prefix}{} is required", v.to_uppercase())),
        envy::Error::Custom(m) => Error::invalid(format!("invalid {prefix}* setting: {m}")),
    })
}

fn default_port() -> u16 {
    8080
}

/// Settings every HTTP function shares (no prefix: `PORT`, `LOG_FORMAT`, `FEATURE_SET`).
#[derive(Debug, Clone, Deserialize)]
pub struct ServerSettings {
    /// Port to listen on (Knative sets `PORT`).
    #[serde(default = "default_port")]
    pub port: u16,
    /// Interface to bind.
    #[serde(default = "default_host")]
    pub host: String,
    /// `json` in the cluster, `pretty` locally.
    #[serde(default)]
    pub log_format: LogFormat,
    /// The feature set lookups and dedup refer to.
    #[serde(default)]
    pub feature_set: FeatureSetName,
}

fn default_host() -> String {
    "0.0.0.0".into()
}

impl ServerSettings {
    /// Loads from the environment.
    pub fn from_env() -> Result<Self> {
        load("")
    }
}

/// `ALLOWED_BUCKETS` and `LOCAL_BUCKET_ROOT`: which stored locations a function accepts.
/// `LOCAL_BUCKET_ROOT` set is what makes a process a development one.
#[derive(Debug, Clone, Deserialize)]
pub struct LocationSettings {
    /// Comma-separated buckets whose objects may be processed and served; required outside development.
    pub allowed_buckets: Option<String>,
    /// Development: the folder standing in for buckets (`<root>/<bucket>/<name>`).
    pub local_bucket_root: Option<PathBuf>,
}

impl LocationSettings {
    /// Loads from the environment.
    pub fn from_env() -> Result<Self> {
        load("")
    }

    /// The validated policy; errors name `ALLOWED_BUCKETS`.
    pub fn policy(&self) -> Result<LocationPolicy> {
        LocationPolicy::from_settings(self.allowed_buckets.as_deref(), self.local_bucket_root.as_deref())
    }
}

/// `NEO4J_*`: the production graph; when `NEO4J_URI` is unset the embedded store is used.
#[derive(Debug, Clone, Deserialize)]
pub struct Neo4jSettings {
    /// `bolt://host:7687` or `neo4j://…`.
    pub uri: Option<String>,
    /// User name.
    #[serde(default = "default_neo4j_user")]
    pub user: String,
    /// Password (from a Secret).
    pub password: Option<SecretString>,
    /// Database name (Community has `neo4j` only).
    pub database: Option<String>,
    /// Connection pool size.
    #[serde(default = "default_pool")]
    pub max_connections: usize,
    /// Consecutive unavailable answers (or timeouts) that open the circuit breaker.
    #[serde(default = "default_breaker_failures")]
    pub breaker_failures: u32,
    /// How long the breaker stays open before one probe, in milliseconds.
    #[serde(default = "default_neo4j_breaker_open_ms")]
    pub breaker_open_ms: u64,
    /// Bound on an online lookup (object, objects, active version), in milliseconds.
    #[serde(default = "default_lookup_timeout_ms")]
    pub lookup_timeout_ms: u64,
}

impl Neo4jSettings {
    /// The validated breaker settings (`NEO4J_BREAKER_*`).
    pub fn breaker(&self) -> Result<BreakerSettings> {
        BreakerSettings::validated(self.breaker_failures, self.breaker_open_ms, "NEO4J_")
    }

    /// Refuses a missing password and out-of-range values by variable name.
    pub fn validate(&self) -> Result<()> {
        if self.uri.is_some() && self.password.is_none() {
            return Err(Error::invalid("NEO4J_PASSWORD is required when NEO4J_URI is set"));
        }
        self.breaker()?;
        self.lookup_timeout()?;
        in_range("NEO4J_MAX_CONNECTIONS", self.max_connections as u64, 1, 1024)
    }

    /// The validated lookup bound (`NEO4J_LOOKUP_TIMEOUT_MS`).
    pub fn lookup_timeout(&self) -> Result<Duration> {
        match self.lookup_timeout_ms {
            10..=60_000 => Ok(Duration::from_millis(self.lookup_timeout_ms)),
            v => Err(Error::invalid(format!("NEO4J_LOOKUP_TIMEOUT_MS must be 10..=60000, got {v}"))),
        }
    }
}

fn default_breaker_failures() -> u32 {
    5
}

fn default_neo4j_breaker_open_ms() -> u64 {
    2000
}

fn default_lookup_timeout_ms() -> u64 {
    1000
}

fn default_neo4j_user() -> String {
    "neo4j".into()
}

fn default_pool() -> usize {
    16
}

/// `SQLITE_*`: the embedded graph store.
#[derive(Debug, Clone, Deserialize)]
pub struct SqliteSettings {
    /// Database file; `:memory:` for a throwaway store.
    #[serde(default = "default_sqlite_path")]
    pub path: PathBuf,
}

fn default_sqlite_path() -> PathBuf {
    "sightgraph.db".into()
}

/// `SPANNER_*`: Cloud Spanner. When `SPANNER_DATABASE` is set it is the graph store,
/// whatever the Neo4j and SQLite settings say.
#[derive(Debug, Clone, Deserialize)]
pub struct SpannerSettings {
    /// `projects/P/instances/I/databases/D`.
    pub database: Option<String>,
    /// `exact` (`COSINE_DISTANCE`) or `approx` (the vector index: real Spanner only).
    #[serde(default)]
    pub vector_search: VectorSearch,
    /// `host:port` of the Cloud Spanner emulator; unset: Cloud Spanner with Google credentials.
    pub emulator_host: Option<String>,
    /// Session pool bound (1..=400).
    #[serde(default = "default_spanner_sessions")]
    pub max_sessions: usize,
}

fn default_spanner_sessions() -> usize {
    100
}

impl Default for SpannerSettings {
    fn default() -> Self {
        Self { database: None, vector_search: VectorSearch::Exact, emulator_host: None, max_sessions: 100 }
    }
}

impl SpannerSettings {
    /// The database to use, checked; `None` when `SPANNER_DATABASE` is unset.
    pub fn target(&self) -> Result<Option<SpannerTarget>> {
        let Some(database) = &self.database else { return Ok(None) };
        if !(1..=400).contains(&self.max_sessions) {
            return Err(Error::invalid(format!("SPANNER_MAX_SESSIONS must be 1..=400, got {}", self.max_sessions)));
        }
        let endpoint = match self.emulator_host.as_deref().map(str::trim).filter(|h| !h.is_empty()) {
            Some(host) => Endpoint::Emulator(host.to_owned()),
            None => Endpoint::Cloud,
        };
        if self.vector_search == VectorSearch::Approx && matches!(endpoint, Endpoint::Emulator(_)) {
            return Err(Error::invalid(
                "SPANNER_VECTOR_SEARCH=approx needs real Spanner's vector index; with SPANNER_EMULATOR_HOST use exact",
            ));
        }
        Ok(Some(SpannerTarget {
            database: DatabaseName::parse(database)?,
            endpoint,
            vector_search: self.vector_search,
            max_sessions: self.max_sessions,
        }))
    }
}

/// Graph backend settings.
#[derive(Debug, Clone)]
pub struct GraphSettings {
    /// Neo4j group.
    pub neo4j: Neo4jSettings,
    /// SQLite group.
    pub sqlite: SqliteSettings,
    /// Spanner group.
    pub spanner: SpannerSettings,
}

impl GraphSettings {
    /// SQLite at `path` and no other backend configured (the demo, tests).
    pub fn sqlite(path: impl Into<PathBuf>) -> Self {
        Self {
            neo4j: Neo4jSettings {
                uri: None,
                user: default_neo4j_user(),
                password: None,
                database: None,
                max_connections: default_pool(),
                breaker_failures: default_breaker_failures(),
                breaker_open_ms: default_neo4j_breaker_open_ms(),
                lookup_timeout_ms: default_lookup_timeout_ms(),
            },
            sqlite: SqliteSettings { path: path.into() },
            spanner: SpannerSettings::default(),
        }
    }

    /// Whether a server backend (Spanner or Neo4j) is configured, rather than the embedded store.
    pub fn uses_server(&self) -> bool {
        self.spanner.database.is_some() || self.neo4j.uri.is_some()
    }

    /// Loads the groups.
    pub fn from_env() -> Result<Self> {
        let neo4j: Neo4jSettings = load("NEO4J_")?;
        neo4j.validate()?;
        let spanner: SpannerSettings = load("SPANNER_")?;
        spanner.target()?;
        Ok(Self { neo4j, sqlite: load("SQLITE_")?, spanner })
    }
}

/// `REDIS_*`: the production cache; without a URL the in-process cache is used.
#[derive(Debug, Clone, Deserialize)]
pub struct RedisSettings {
    /// `redis://host:port`.
    pub url: Option<String>,
    /// Comma-separated cluster seed URLs; takes precedence over `url`.
    pub cluster_urls: Option<String>,
    /// AUTH password (from a Secret).
    pub password: Option<SecretString>,
    /// Per-operation timeout in milliseconds.
    #[serde(default = "default_redis_timeout")]
    pub timeout_ms: u64,
    /// PEM CA bundle trusted for `rediss://` (Memorystore's server CA); the system roots otherwise.
    pub ca_certs: Option<String>,
    /// Consecutive failures (errors or timeouts) that open the circuit breaker.
    #[serde(default = "default_breaker_failures")]
    pub breaker_failures: u32,
    /// How long the breaker stays open before one probe, in milliseconds.
    #[serde(default = "default_redis_breaker_open_ms")]
    pub breaker_open_ms: u64,
}

impl RedisSettings {
    /// The validated breaker settings (`REDIS_BREAKER_*`).
    pub fn breaker(&self) -> Result<BreakerSettings> {
        BreakerSettings::validated(self.breaker_failures, self.breaker_open_ms, "REDIS_")
    }
}

fn default_redis_breaker_open_ms() -> u64 {
    1000
}

fn default_redis_timeout() -> u64 {
    250
}

/// `CACHE_*`: cache behaviour independent of the backend.
#[derive(Debug, Clone, Deserialize)]
pub struct CacheSettings {
    /// TTL of filled entries.
    #[serde(default = "default_ttl")]
    pub ttl_seconds: u64,
    /// Entry bound of the in-process cache.
    #[serde(default = "default_capacity")]
    pub memory_capacity: usize,
}

fn default_ttl() -> u64 {
    3600
}

fn default_capacity() -> usize {
    100_000
}

impl CacheSettings {
    /// The TTL as a duration.
    pub fn ttl(&self) -> Duration {
        Duration::from_secs(self.ttl_seconds)
    }
}

/// Cache backend settings.
#[derive(Debug, Clone)]
pub struct CacheConfig {
    /// Redis group.
    pub redis: RedisSettings,
    /// Behaviour.
    pub cache: CacheSettings,
}

impl CacheConfig {
    /// Loads both groups.
    pub fn from_env() -> Result<Self> {
        let config = Self { redis: load("REDIS_")?, cache: load("CACHE_")? };
        config.validate()?;
        Ok(config)
    }

    /// Refuses out-of-range values by variable name rather than bending them.
    pub fn validate(&self) -> Result<()> {
        self.redis.breaker()?;
        in_range("REDIS_TIMEOUT_MS", self.redis.timeout_ms, 1, 60_000)?;
        in_range("CACHE_TTL_SECONDS", self.cache.ttl_seconds, 1, 30 * 24 * 3600)?;
        in_range("CACHE_MEMORY_CAPACITY", self.cache.memory_capacity as u64, 1, 100_000_000)?;
        Ok(())
    }
}

/// Refuses `value` outside `min..=max`, naming `variable`.
pub fn in_range(variable: &str, value: u64, min: u64, max: u64) -> Result<()> {
    if (min..=max).contains(&value) {
        return Ok(());
    }
    Err(Error::invalid(format!("{variable} must be {min}..={max}, got {value}")))
}

/// The only place a concrete graph backend is chosen: Spanner when `SPANNER_DATABASE` is
/// set, else Neo4j (behind its circuit breaker) when `NEO4J_URI` is set, else SQLite.
pub async fn connect_graph(settings: &GraphSettings) -> Result<SharedGraph> {
    if let Some(target) = settings.spanner.target()? {
        if settings.neo4j.uri.is_some() {
            tracing::info!("SPANNER_DATABASE is set: the graph store is Spanner and NEO4J_URI is not used");
        }
        let store = crate::graph::spanner::connect(&target).await?;
        store.ensure_schema().await?;
        tracing::info!(backend = store.backend(), database = %target.database, "graph store ready");
        return Ok(store);
    }
    let store: SharedGraph = match &settings.neo4j.uri {
        Some(uri) => {
            let n = &settings.neo4j;
            let (breaker, lookup_timeout) = (n.breaker()?, n.lookup_timeout()?);
            let password = n.password.as_ref().map(|p| p.expose_secret().to_owned()).unwrap_or_default();
            let neo4j =
                crate::graph::neo4j::connect(uri, &n.user, &password, n.database.as_deref(), n.max_connections).await?;
            Arc::new(BreakerGraph::new(neo4j, Breaker::new("neo4j", breaker), lookup_timeout))
        }
        None => Arc::new(SqliteGraphStore::open(&settings.sqlite.path)?),
    };
    store.ensure_schema().await?;
    tracing::info!(backend = store.backend(), "graph store ready");
    Ok(store)
}

/// The only place a concrete cache backend is chosen: Redis Cluster, Redis
/// (either behind its circuit breaker), else in-process.
pub fn connect_cache(config: &CacheConfig) -> Result<SharedCache> {
    let r = &config.redis;
    let password = r.password.as_ref().map(|p| p.expose_secret().to_owned());
    let timeout = Duration::from_millis(r.timeout_ms);
    let ca = r.ca_certs.as_ref().map(|pem| pem.as_bytes().to_vec());
    let redis = match (&r.cluster_urls, &r.url) {
        (Some(urls), _) => {
            let urls: Vec<String> =
                urls.split(',').map(str::trim).filter(|u| !u.is_empty()).map(String::from).collect();
            if urls.is_empty() {
                return Err(Error::invalid("REDIS_CLUSTER_URLS lists no URL"));
            }
            Some(RedisCache::new(RedisTarget::Cluster(urls), password, timeout).with_ca(ca))
        }
        (None, Some(url)) => Some(RedisCache::new(RedisTarget::Single(url.clone()), password, timeout).with_ca(ca)),
        (None, None) => None,
    };
    let cache: SharedCache = match redis {
        Some(redis) => {
            let breaker = Breaker::new(FeatureCache::backend(&redis), r.breaker()?);
            Arc::new(BreakerCache::new(Arc::new(redis), breaker))
        }
        None => Arc::new(MemoryCache::new(config.cache.memory_capacity)),
    };
    tracing::info!(backend = cache.backend(), "feature cache ready");
    Ok(cache)
}

#[cfg(test)]
mod spanner_settings_tests {
    use super::*;

    fn spanner(vars: &[(&str, &str)]) -> std::result::Result<SpannerSettings, envy::Error> {
        envy::prefixed("SPANNER_").from_iter(vars.iter().map(|(k, v)| (format!("SPANNER_{k}"), v.to_string())))
    }

    #[test]
    fn without_a_database_spanner_is_not_chosen() {
        assert!(spanner(&[]).unwrap().target().unwrap().is_none());
    }

    #[test]
    fn a_database_name_and_the_emulator_host_make_an_emulator_target() {
        let db = "projects/p-1/instances/graph/databases/features";
        let target = spanner(&[("DATABASE", db), ("EMULATOR_HOST", "127.0.0.1:9010")]).unwrap().target().unwrap();
        let target = target.expect("SPANNER_DATABASE selects Spanner");
        assert_eq!((target.database.as_str(), target.vector_search), (db, VectorSearch::Exact));
        assert_eq!(target.endpoint, Endpoint::Emulator("127.0.0.1:9010".into()));
        let cloud = spanner(&[("DATABASE", db), ("VECTOR_SEARCH", "approx")]).unwrap().target().unwrap().unwrap();
        assert_eq!((cloud.endpoint, cloud.vector_search), (Endpoint::Cloud, VectorSearch::Approx));
    }

    #[test]
    fn bad_values_are_refused_by_variable_name() {
        let db = ("DATABASE", "projects/p/instances/graph/databases/features");
        let cases: [(&[(&str, &str)], &str); 4] = [
            (&[("DATABASE", "features")], "SPANNER_DATABASE"),
            (&[db, ("MAX_SESSIONS", "0")], "SPANNER_MAX_SESSIONS"),
            (&[db, ("VECTOR_SEARCH", "approx"), ("EMULATOR_HOST", "127.0.0.1:9010")], "SPANNER_VECTOR_SEARCH"),
            (&[db, ("VECTOR_SEARCH", "fast")], "SPANNER_VECTOR_SEARCH"),
        ];
        for (vars, variable) in cases {
            let message = match spanner(vars) {
                Ok(s) => s.target().expect_err("must be refused").to_string(),
                Err(e) => e.to_string(),
            };
            assert!(message.contains(variable), "{vars:?}: {message:?} must name {variable}");
        }
    }
}

#[cfg(test)]
mod cache_settings_tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> CacheConfig {
        let env = |prefix: &'static str| -> Vec<(String, String)> {
            vars.iter().filter(|(k, _)| k.starts_with(prefix)).map(|(k, v)| (k.to_string(), v.to_string())).collect()
        };
        CacheConfig {
            redis: envy::prefixed("REDIS_").from_iter(env("REDIS_")).unwrap(),
            cache: envy::prefixed("CACHE_").from_iter(env("CACHE_")).unwrap(),
        }
    }

    #[test]
    fn an_out_of_range_neo4j_pool_is_refused_by_name_not_raised_to_one() {
        let neo4j = |value: &str| -> Neo4jSettings {
            envy::prefixed("NEO4J_").from_iter([("NEO4J_MAX_CONNECTIONS".to_string(), value.to_string())]).unwrap()
        };
        neo4j("16").validate().expect("the default size is valid");
        for value in ["0", "5000"] {
            let err = neo4j(value).validate().expect_err(value).to_string();
            assert!(err.contains("NEO4J_MAX_CONNECTIONS") && err.contains(value), "{err}");
        }
    }

    #[test]
    fn out_of_range_cache_settings_are_refused_by_name_not_clamped() {
        config(&[]).validate().expect("the defaults are valid");
        for (variable, value) in [
            ("REDIS_TIMEOUT_MS", "0"),
            ("CACHE_TTL_SECONDS", "0"),
            ("CACHE_MEMORY_CAPACITY", "0"),
            ("REDIS_TIMEOUT_MS", "600000"),
        ] {
            let err = config(&[(variable, value)]).validate().expect_err(variable).to_string();
            assert!(err.contains(variable) && err.contains(value), "{err}");
        }
    }
}
