//! The settings every feature-serving function shares, and the backends they name,
//! connected once (feature-service, feature-ingestor, cache-warmer).

use std::time::Duration;

use super::{connect_cache, connect_graph, CacheConfig, GraphSettings, ServerSettings};
use crate::cache::SharedCache;
use crate::graph::SharedGraph;
use crate::Result;

/// `PORT`, `LOG_FORMAT`, `FEATURE_SET`; `NEO4J_*`, `SQLITE_*`, `SPANNER_*`; `REDIS_*`, `CACHE_*`.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Port, interface, log format and feature set.
    pub server: ServerSettings,
    /// Which graph store, and how to reach it.
    pub graph: GraphSettings,
    /// Which cache, and its TTL.
    pub cache: CacheConfig,
}

impl Settings {
    /// Loads and validates the three groups.
    pub fn from_env() -> Result<Self> {
        Ok(Self {
            server: ServerSettings::from_env()?,
            graph: GraphSettings::from_env()?,
            cache: CacheConfig::from_env()?,
        })
    }
}

/// The graph store and the cache, each picked from its settings in one place.
#[derive(Clone)]
pub struct Backends {
    /// The source of truth.
    pub graph: SharedGraph,
    /// The hot tier.
    pub cache: SharedCache,
    /// TTL of the entries written to the cache.
    pub cache_ttl: Duration,
}

impl Backends {
    /// Connects the graph store (creating its schema) and the cache.
    pub async fn connect(settings: &Settings) -> Result<Self> {
        Ok(Self {
            graph: connect_graph(&settings.graph).await?,
            cache: connect_cache(&settings.cache)?,
            cache_ttl: settings.cache.cache.ttl(),
        })
    }
}
