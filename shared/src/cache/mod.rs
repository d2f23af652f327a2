//! The hot tier: serialised object features under keys that carry the model
//! version, so a value never changes under its key.

mod key;
mod memory;
pub mod redis;

use async_trait::async_trait;
use bytes::Bytes;
use std::sync::Arc;
use std::time::Duration;

pub use key::CacheKey;
pub use memory::MemoryCache;

use crate::Result;

/// A cache shared between handlers.
pub type SharedCache = Arc<dyn FeatureCache>;

/// Byte values under string keys, with a TTL; batch calls are one round trip.
#[async_trait]
pub trait FeatureCache: Send + Sync {
    /// Backend name for logs and metrics (`memory`, `redis`, `redis-cluster`).
    fn backend(&self) -> &'static str;

    /// One value.
    async fn get(&self, key: &CacheKey) -> Result<Option<Bytes>>;

    /// Many values in one round trip, in key order.
    async fn get_many(&self, keys: &[CacheKey]) -> Result<Vec<Option<Bytes>>>;

    /// Stores values with a TTL in one round trip.
    async fn put_many(&self, entries: &[(CacheKey, Bytes)], ttl: Duration) -> Result<()>;
}
