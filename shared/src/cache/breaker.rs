//! A [`FeatureCache`] behind a circuit breaker: while the backend is known to
//! be down, reads and writes fail at once (a recognisable refusal, see
//! [`crate::breaker::is_rejection`]) instead of each waiting for the timeout,
//! so lookups go straight to the graph and writes are skipped.

use async_trait::async_trait;
use bytes::Bytes;
use std::sync::Arc;
use std::time::Duration;

use super::{CacheKey, FeatureCache};
use crate::breaker::Breaker;
use crate::Result;

/// Any cache, guarded by a breaker.
pub struct BreakerCache {
    inner: Arc<dyn FeatureCache>,
    breaker: Breaker,
}

impl BreakerCache {
    /// Guards `inner` with `breaker`.
    pub fn new(inner: Arc<dyn FeatureCache>, breaker: Breaker) -> Self {
        Self { inner, breaker }
    }

    /// The breaker (state, for tests and health output).
    pub fn breaker(&self) -> &Breaker {
        &self.breaker
    }
}

#[async_trait]
impl FeatureCache for BreakerCache {
    fn backend(&self) -> &'static str {
        self.inner.backend()
    }

    fn in_process(&self) -> bool {
        self.inner.in_process()
    }

    async fn get(&self, key: &CacheKey) -> Result<Option<Bytes>> {
        self.breaker.call(self.inner.get(key)).await
    }

    async fn get_many(&self, keys: &[CacheKey]) -> Result<Vec<Option<Bytes>>> {
        self.breaker.call(self.inner.get_many(keys)).await
    }

    async fn put_many(&self, entries: &[(CacheKey, Bytes)], ttl: Duration) -> Result<()> {
        self.breaker.call(self.inner.put_many(entries, ttl)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::breaker::{is_rejection, BreakerSettings, ManualClock, State};
    use crate::domain::{ModelVersion, ObjectId};
    use crate::Error;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    /// A cache that is up or down on command and counts the calls that reach it.
    #[derive(Default)]
    struct Flaky {
        down: AtomicBool,
        calls: AtomicUsize,
    }

    #[async_trait]
    impl FeatureCache for Flaky {
        fn backend(&self) -> &'static str {
            "flaky"
        }
        async fn get(&self, _: &CacheKey) -> Result<Option<Bytes>> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            if self.down.load(Ordering::SeqCst) {
                return Err(Error::unavailable("flaky", "no answer within 100ms"));
            }
            Ok(Some(Bytes::from_static(b"v")))
        }
        async fn get_many(&self, keys: &[CacheKey]) -> Result<Vec<Option<Bytes>>> {
            let mut out = Vec::new();
            for k in keys {
                out.push(self.get(k).await?);
            }
            Ok(out)
        }
        async fn put_many(&self, _: &[(CacheKey, Bytes)], _: Duration) -> Result<()> {
            self.get(&key()).await.map(|_| ())
        }
    }

    fn key() -> CacheKey {
        CacheKey::object(&ModelVersion::parse("v1").unwrap(), &ObjectId::parse(&"ab".repeat(16)).unwrap())
    }

    #[tokio::test]
    async fn while_open_gets_and_puts_are_refused_without_reaching_the_backend_until_a_probe_succeeds() {
        // Arrange
        let flaky = Arc::new(Flaky::default());
        let clock = Arc::new(ManualClock::new());
        let settings = BreakerSettings { failures: 2, open_for: Duration::from_secs(1) };
        let cache = BreakerCache::new(flaky.clone(), Breaker::with_clock("flaky", settings, clock.clone()));
        flaky.down.store(true, Ordering::SeqCst);

        // Act: two failures open it; then a get and a put while open.
        cache.get(&key()).await.unwrap_err();
        cache.get(&key()).await.unwrap_err();
        let calls_when_opened = flaky.calls.load(Ordering::SeqCst);
        let get = cache.get(&key()).await.unwrap_err();
        let put = cache.put_many(&[(key(), Bytes::from_static(b"v"))], Duration::from_secs(1)).await.unwrap_err();

        // Assert
        assert_eq!(cache.breaker().state(), State::Open);
        assert!(is_rejection(&get) && is_rejection(&put), "{get} / {put}");
        assert_eq!(flaky.calls.load(Ordering::SeqCst), calls_when_opened, "nothing reached the dead backend");

        // Act: the backend returns; after the cool-down one probe closes it.
        flaky.down.store(false, Ordering::SeqCst);
        clock.advance(Duration::from_secs(1));
        let probe = cache.get(&key()).await.unwrap();

        // Assert
        assert_eq!(probe.as_deref(), Some(&b"v"[..]));
        assert_eq!(cache.breaker().state(), State::Closed);
    }
}
