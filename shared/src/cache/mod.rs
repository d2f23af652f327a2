//! The hot tier: serialised object features under keys that carry the model
//! version, so a value never changes under its key. Values are format 2
//! ([`entry`]): the object's JSON without its vector, then the raw f32 vector.

mod breaker;
pub mod entry;
mod key;
mod memory;
mod near;
pub mod redis;

use async_trait::async_trait;
use bytes::Bytes;
use std::sync::Arc;
use std::time::Duration;

pub use breaker::BreakerCache;
pub use entry::{object_entry, CachedObject, VectorForm};
pub use key::CacheKey;
pub use memory::MemoryCache;
pub use near::NearCache;

use crate::Result;

/// A cache shared between handlers.
pub type SharedCache = Arc<dyn FeatureCache>;

/// Byte values under string keys, with a TTL; batch calls are one round trip.
#[async_trait]
pub trait FeatureCache: Send + Sync {
    /// Backend name for logs and metrics (`memory`, `redis`, `redis-cluster`).
    fn backend(&self) -> &'static str;

    /// Whether values already live in this process, so a near tier in front would only
    /// hold a second copy of them.
    fn in_process(&self) -> bool {
        false
    }

    /// One value.
    async fn get(&self, key: &CacheKey) -> Result<Option<Bytes>>;

    /// Many values in one round trip, in key order.
    async fn get_many(&self, keys: &[CacheKey]) -> Result<Vec<Option<Bytes>>>;

    /// Stores values with a TTL in one round trip.
    async fn put_many(&self, entries: &[(CacheKey, Bytes)], ttl: Duration) -> Result<()>;
}

/// Writes entries, counting (not propagating) failures: the graph is the
/// source of truth, so a cache outage must never fail a write or a lookup.
/// A write an open breaker refused is skipped quietly (the breaker logged its opening once).
pub async fn put_best_effort(cache: &dyn FeatureCache, entries: &[(CacheKey, Bytes)], ttl: Duration) -> bool {
    match cache.put_many(entries, ttl).await {
        Ok(()) => true,
        Err(e) if crate::breaker::is_rejection(&e) => false,
        Err(e) => {
            metrics::counter!("sightgraph_cache_errors_total", "backend" => cache.backend(), "op" => "put")
                .increment(1);
            tracing::warn!(error = %crate::http::error_chain(&e), backend = cache.backend(), "cache write failed; continuing without it");
            false
        }
    }
}
