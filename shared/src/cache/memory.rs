//! In-process cache for the embedded stack and tests: a bounded map with TTLs.

use async_trait::async_trait;
use bytes::Bytes;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::{CacheKey, FeatureCache};
use crate::Result;

/// The backend name of [`MemoryCache`].
const BACKEND: &str = "memory";

/// A bounded in-memory cache; when full, expired entries go first, then arbitrary ones.
pub struct MemoryCache {
    entries: Mutex<HashMap<CacheKey, (Instant, Bytes)>>,
    capacity: usize,
}

impl MemoryCache {
    /// A cache holding at most `capacity` entries.
    pub fn new(capacity: usize) -> Self {
        Self { entries: Mutex::new(HashMap::new()), capacity: capacity.max(1) }
    }

    /// Number of live entries.
    pub fn len(&self) -> usize {
        let now = Instant::now();
        self.lock().values().filter(|(exp, _)| *exp > now).count()
    }

    /// Whether no live entry exists.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<CacheKey, (Instant, Bytes)>> {
        // NB: a poisoned lock only means another thread panicked mid-insert; the map is still usable.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait]
impl FeatureCache for MemoryCache {
    fn backend(&self) -> &'static str {
        BACKEND
    }

    fn in_process(&self) -> bool {
        true
    }

    async fn get(&self, key: &CacheKey) -> Result<Option<Bytes>> {
        let now = Instant::now();
        Ok(self.lock().get(key).filter(|(exp, _)| *exp > now).map(|(_, v)| v.clone()))
    }

    async fn get_many(&self, keys: &[CacheKey]) -> Result<Vec<Option<Bytes>>> {
        let now = Instant::now();
        let map = self.lock();
        Ok(keys.iter().map(|k| map.get(k).filter(|(exp, _)| *exp > now).map(|(_, v)| v.clone())).collect())
    }

    async fn put_many(&self, entries: &[(CacheKey, Bytes)], ttl: Duration) -> Result<()> {
        let now = Instant::now();
        let mut map = self.lock();
        if map.len() + entries.len() > self.capacity {
            map.retain(|_, (exp, _)| *exp > now);
        }
        for (k, v) in entries {
            if map.len() >= self.capacity && !map.contains_key(k) {
                let Some(victim) = map.keys().next().cloned() else { break };
                map.remove(&victim);
            }
            map.insert(k.clone(), (now + ttl, v.clone()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ModelVersion, ObjectId};

    fn key(i: u8) -> CacheKey {
        CacheKey::object(&ModelVersion::parse("v1").unwrap(), &ObjectId::parse(&format!("{i:032x}")).unwrap())
    }

    #[tokio::test]
    async fn capacity_is_never_exceeded_and_batch_reads_keep_key_order() {
        let cache = MemoryCache::new(3);
        let entries: Vec<_> = (0..5).map(|i| (key(i), Bytes::from(vec![i]))).collect();
        cache.put_many(&entries, Duration::from_secs(60)).await.unwrap();
        assert_eq!(cache.len(), 3);
        let got = cache.get_many(&[key(4), key(200)]).await.unwrap();
        assert_eq!(got, vec![Some(Bytes::from(vec![4])), None]);
    }
}
