//! A near cache: a bounded in-process tier in front of a shared cache (Redis),
//! so a hot object is answered without a network round trip.
//!
//! Coherence needs no invalidation because a value never changes under its key
//! (the key carries the model version and the content-derived object id, and
//! objects are never deleted, see [`super::key`]). A lookup served here is
//! therefore byte-identical to one served by Redis; the only difference is that
//! an entry read from Redis can outlive its Redis TTL by up to the near TTL (an
//! entry written through here keeps the shorter of the two).
//!
//! Bounded by bytes (keys plus values), with a TTL checked on read; eviction
//! is quick_cache's CLOCK-Pro, so a scan of cold objects does not flush the
//! hot set. quick_cache rather than moka: a read costs a shard's read lock and
//! a hash probe, where moka's bookkeeping took ~6% of the service's CPU per
//! lookup under load.

use async_trait::async_trait;
use bytes::Bytes;
use metrics::Counter;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use super::{CacheKey, FeatureCache, SharedCache};
use crate::Result;

/// Bookkeeping bytes counted per entry on top of key and value (the cache's slot, the `Bytes` header).
const ENTRY_OVERHEAD: u64 = 128;
/// A typical entry (a 1280-d object), to size the cache's table for `max_bytes`.
const TYPICAL_ENTRY: u64 = 6 * 1024;

/// A value and when it stops being served from here.
#[derive(Clone)]
struct Entry {
    expires: Instant,
    value: Bytes,
}

/// Weighs an entry by the bytes it holds.
#[derive(Clone)]
struct ByBytes;

impl quick_cache::Weighter<CacheKey, Entry> for ByBytes {
    fn weight(&self, key: &CacheKey, entry: &Entry) -> u64 {
        key.as_str().len() as u64 + entry.value.len() as u64 + ENTRY_OVERHEAD
    }
}

/// An in-process tier over `inner`.
pub struct NearCache {
    inner: SharedCache,
    local: quick_cache::sync::Cache<CacheKey, Entry, ByBytes>,
    ttl: Duration,
}

impl NearCache {
    /// Keeps at most `max_bytes` of entries, each for at most `ttl`, in front of `inner`.
    pub fn new(inner: SharedCache, max_bytes: u64, ttl: Duration) -> Self {
        let items = usize::try_from((max_bytes / TYPICAL_ENTRY).max(16)).unwrap_or(usize::MAX);
        let local = quick_cache::sync::Cache::with_weighter(items, max_bytes, ByBytes);
        Self { inner, local, ttl }
    }

    /// `inner` with a near tier of `max_bytes`, or `inner` itself when `max_bytes` is 0 or
    /// `inner` is already in process (a second in-process copy would only double the memory).
    pub fn wrap(inner: SharedCache, max_bytes: u64, ttl: Duration) -> SharedCache {
        if max_bytes == 0 || inner.in_process() {
            return inner;
        }
        Arc::new(Self::new(inner, max_bytes, ttl))
    }

    /// Bytes held now (for tests and gauges).
    pub fn weighted_size(&self) -> u64 {
        self.local.weight()
    }

    /// A live local value; an expired one is dropped and reads as absent.
    fn local(&self, key: &CacheKey) -> Option<Bytes> {
        let entry = self.local.get(key)?;
        if entry.expires > Instant::now() {
            return Some(entry.value);
        }
        self.local.remove(key);
        None
    }

    /// Keeps `value` for the near TTL, or for `ttl` when that is shorter (a write's own TTL).
    fn keep(&self, key: &CacheKey, value: &Bytes, ttl: Option<Duration>) {
        let ttl = ttl.map_or(self.ttl, |t| t.min(self.ttl));
        self.local.insert(key.clone(), Entry { expires: Instant::now() + ttl, value: value.clone() });
    }

    fn counted(&self, hits: usize, misses: usize) {
        // NB: handles registered once (on the first lookup, after the service installed its
        // recorder): finding the counter by name and label on every hit cost about 1% of it.
        static COUNTERS: OnceLock<[Counter; 2]> = OnceLock::new();
        let [hit, miss] = COUNTERS.get_or_init(|| {
            ["hit", "miss"].map(|result| metrics::counter!("sightgraph_near_cache_total", "result" => result))
        });
        if hits > 0 {
            hit.increment(hits as u64);
        }
        if misses > 0 {
            miss.increment(misses as u64);
        }
    }
}

#[async_trait]
impl FeatureCache for NearCache {
    fn backend(&self) -> &'static str {
        self.inner.backend()
    }

    fn in_process(&self) -> bool {
        true
    }

    async fn get(&self, key: &CacheKey) -> Result<Option<Bytes>> {
        if let Some(v) = self.local(key) {
            self.counted(1, 0);
            return Ok(Some(v));
        }
        self.counted(0, 1);
        let found = self.inner.get(key).await?;
        if let Some(v) = &found {
            self.keep(key, v, None);
        }
        Ok(found)
    }

    async fn get_many(&self, keys: &[CacheKey]) -> Result<Vec<Option<Bytes>>> {
        let mut out: Vec<Option<Bytes>> = keys.iter().map(|k| self.local(k)).collect();
        let missing: Vec<usize> = (0..keys.len()).filter(|&i| out[i].is_none()).collect();
        self.counted(keys.len() - missing.len(), missing.len());
        if missing.is_empty() {
            return Ok(out);
        }
        let wanted: Vec<CacheKey> = missing.iter().map(|&i| keys[i].clone()).collect();
        let found = self.inner.get_many(&wanted).await?;
        for (i, v) in missing.into_iter().zip(found) {
            if let Some(v) = &v {
                self.keep(&keys[i], v, None);
            }
            out[i] = v;
        }
        Ok(out)
    }

    async fn put_many(&self, entries: &[(CacheKey, Bytes)], ttl: Duration) -> Result<()> {
        // NB: filled locally even when the shared tier is down: the values came from the source of
        // truth and never change under their keys, so they stay correct to serve.
        for (k, v) in entries {
            self.keep(k, v, Some(ttl));
        }
        self.inner.put_many(entries, ttl).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::MemoryCache;
    use crate::domain::{ModelVersion, ObjectId};
    use crate::Error;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    fn key(i: u32) -> CacheKey {
        CacheKey::object(&ModelVersion::parse("v1").unwrap(), &ObjectId::parse(&format!("{i:032x}")).unwrap())
    }

    /// A shared tier that counts the reads reaching it and can be switched off.
    struct Counting {
        inner: MemoryCache,
        reads: AtomicUsize,
        down: AtomicBool,
    }

    impl Counting {
        fn new() -> Arc<Self> {
            Arc::new(Self { inner: MemoryCache::new(1000), reads: AtomicUsize::new(0), down: AtomicBool::new(false) })
        }

        fn check(&self) -> Result<()> {
            if self.down.load(Ordering::SeqCst) {
                return Err(Error::unavailable("test", "down"));
            }
            Ok(())
        }
    }

    #[async_trait]
    impl FeatureCache for Counting {
        fn backend(&self) -> &'static str {
            "counting"
        }
        async fn get(&self, key: &CacheKey) -> Result<Option<Bytes>> {
            self.check()?;
            self.reads.fetch_add(1, Ordering::SeqCst);
            self.inner.get(key).await
        }
        async fn get_many(&self, keys: &[CacheKey]) -> Result<Vec<Option<Bytes>>> {
            self.check()?;
            self.reads.fetch_add(keys.len(), Ordering::SeqCst);
            self.inner.get_many(keys).await
        }
        async fn put_many(&self, entries: &[(CacheKey, Bytes)], ttl: Duration) -> Result<()> {
            self.check()?;
            self.inner.put_many(entries, ttl).await
        }
    }

    #[tokio::test]
    async fn a_value_read_once_is_served_locally_after_and_batch_reads_only_ask_for_the_rest() {
        let shared = Counting::new();
        shared
            .inner
            .put_many(
                &[(key(1), Bytes::from_static(b"one")), (key(2), Bytes::from_static(b"two"))],
                Duration::from_secs(60),
            )
            .await
            .unwrap();
        let near = NearCache::new(shared.clone(), 1 << 20, Duration::from_secs(60));
        assert_eq!(near.get(&key(1)).await.unwrap().as_deref(), Some(&b"one"[..]));
        assert_eq!(near.get(&key(1)).await.unwrap().as_deref(), Some(&b"one"[..]));
        assert_eq!(shared.reads.load(Ordering::SeqCst), 1, "the second read stayed local");

        let got = near.get_many(&[key(2), key(1), key(3)]).await.unwrap();
        assert_eq!(got, vec![Some(Bytes::from_static(b"two")), Some(Bytes::from_static(b"one")), None]);
        assert_eq!(shared.reads.load(Ordering::SeqCst), 3, "only keys 2 and 3 went to the shared tier");
        assert!(near.get(&key(3)).await.unwrap().is_none(), "an absent key is not remembered as absent");
        assert_eq!(shared.reads.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn writes_fill_the_local_tier_even_while_the_shared_one_is_down() {
        let shared = Counting::new();
        let near = NearCache::new(shared.clone(), 1 << 20, Duration::from_secs(60));
        shared.down.store(true, Ordering::SeqCst);
        let err = near.put_many(&[(key(7), Bytes::from_static(b"seven"))], Duration::from_secs(60)).await;
        assert!(err.is_err(), "the shared tier's failure is still reported");
        assert_eq!(near.get(&key(7)).await.unwrap().as_deref(), Some(&b"seven"[..]));
        assert!(near.get(&key(8)).await.is_err(), "a local miss still reports the shared tier's failure");
    }

    #[tokio::test]
    async fn memory_stays_within_the_byte_bound() {
        let shared = Counting::new();
        let bound = 64 * 1024;
        let near = NearCache::new(shared.clone(), bound, Duration::from_secs(60));
        let value = Bytes::from(vec![7u8; 6000]);
        let entries: Vec<_> = (0..100).map(|i| (key(i), value.clone())).collect();
        near.put_many(&entries, Duration::from_secs(60)).await.unwrap();
        let held = near.weighted_size();
        assert!(held <= bound, "{held} bytes held against a bound of {bound}");
        assert!(held >= 6000, "something is kept: {held}");
    }

    #[tokio::test]
    async fn entries_expire_after_the_near_ttl() {
        let shared = Counting::new();
        shared.inner.put_many(&[(key(1), Bytes::from_static(b"one"))], Duration::from_secs(60)).await.unwrap();
        let near = NearCache::new(shared.clone(), 1 << 20, Duration::from_millis(50));
        near.get(&key(1)).await.unwrap();
        tokio::time::sleep(Duration::from_millis(120)).await;
        near.get(&key(1)).await.unwrap();
        assert_eq!(shared.reads.load(Ordering::SeqCst), 2, "the expired entry was read again from the shared tier");
    }

    #[test]
    fn a_zero_bound_leaves_the_cache_as_it_was() {
        let shared: SharedCache = Counting::new();
        let same = NearCache::wrap(shared.clone(), 0, Duration::from_secs(1));
        assert!(Arc::ptr_eq(&shared, &same));
    }

    #[test]
    fn an_in_process_cache_is_not_wrapped_again() {
        let memory: SharedCache = Arc::new(crate::cache::MemoryCache::new(16));
        let same = NearCache::wrap(memory.clone(), 1 << 20, Duration::from_secs(1));
        assert!(Arc::ptr_eq(&memory, &same), "the in-process backend needs no near tier");
        let near = NearCache::wrap(Counting::new(), 1 << 20, Duration::from_secs(1));
        let twice = NearCache::wrap(near.clone(), 1 << 20, Duration::from_secs(1));
        assert!(Arc::ptr_eq(&near, &twice), "a near cache is not put in front of another");
    }
}
