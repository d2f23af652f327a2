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
use crate::domain::FeatureSetName;
use crate::graph::sqlite::SqliteGraphStore;
use crate::graph::{BreakerGraph, SharedGraph};
use crate::telemetry::LogFormat;
use crate::{Error, Result};

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

/// Graph backend settings.
#[derive(Debug, Clone)]
pub struct GraphSettings {
    /// Neo4j group.
    pub neo4j: Neo4jSettings,
    /// SQLite group.
    pub sqlite: SqliteSettings,
}

impl GraphSettings {
    /// Loads both groups.
    pub fn from_env() -> Result<Self> {
        let neo4j: Neo4jSettings = load("NEO4J_")?;
        if neo4j.uri.is_some() && neo4j.password.is_none() {
            return Err(Error::invalid("NEO4J_PASSWORD is required when NEO4J_URI is set"));
        }
        neo4j.breaker()?;
        neo4j.lookup_timeout()?;
        Ok(Self { neo4j, sqlite: load("SQLITE_")? })
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
        Duration::from_secs(self.ttl_seconds.max(1))
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
        let redis: RedisSettings = load("REDIS_")?;
        redis.breaker()?;
        Ok(Self { redis, cache: load("CACHE_")? })
    }
}

/// The only place a concrete graph backend is chosen: Neo4j (behind its
/// circuit breaker) when `NEO4J_URI` is set, else SQLite.
pub async fn connect_graph(settings: &GraphSettings) -> Result<SharedGraph> {
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
    let timeout = Duration::from_millis(r.timeout_ms.max(1));
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
