//! The caches under contract, built the way the functions build them.

use shared::cache::redis::{RedisCache, RedisTarget};
use shared::cache::{MemoryCache, NearCache};
use std::sync::Arc;
use std::time::Duration;

/// The per-operation bound the Redis caches are built with.
pub const TIMEOUT: Duration = Duration::from_millis(200);

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set: start the test services with `scripts/services/all.sh up` and load \
             their services.env (set -a; . …; set +a), or run `just test`"
        )
    })
}

pub fn memory() -> MemoryCache {
    MemoryCache::new(10_000)
}

pub fn redis() -> RedisCache {
    RedisCache::new(RedisTarget::Single(env("REDIS_URL")), None, TIMEOUT)
}

pub fn redis_cluster() -> RedisCache {
    let urls = env("REDIS_CLUSTER_URLS").split(',').map(str::to_owned).collect::<Vec<_>>();
    assert_eq!(urls.len(), 3, "REDIS_CLUSTER_URLS names the 3 masters of the test cluster");
    RedisCache::new(RedisTarget::Cluster(urls), None, TIMEOUT)
}

/// The feature service's cache: a near cache in front of Redis.
pub fn near_redis() -> NearCache {
    NearCache::new(Arc::new(redis()), 1 << 20, Duration::from_secs(60))
}

/// The same in front of a Redis Cluster.
pub fn near_redis_cluster() -> NearCache {
    NearCache::new(Arc::new(redis_cluster()), 1 << 20, Duration::from_secs(60))
}

/// A loopback port nothing listens on.
fn dead_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub fn dead_redis() -> RedisCache {
    RedisCache::new(RedisTarget::Single(format!("redis://127.0.0.1:{}", dead_port())), None, TIMEOUT)
}

pub fn dead_near_redis() -> NearCache {
    NearCache::new(Arc::new(dead_redis()), 1 << 20, Duration::from_secs(60))
}

pub fn dead_redis_cluster() -> RedisCache {
    let urls = (0..3).map(|_| format!("redis://127.0.0.1:{}", dead_port())).collect();
    RedisCache::new(RedisTarget::Cluster(urls), None, TIMEOUT)
}

/// One `#[tokio::test]` per backend for a check, in a module named for it:
/// `contract!(check_x => x: memory, redis)` gives the tests `x::memory` and `x::redis`.
macro_rules! contract {
    ($check:ident => $name:ident: $($backend:ident),+) => {
        mod $name {
            $(
                #[tokio::test]
                async fn $backend() {
                    super::$check(&crate::backends::$backend()).await
                }
            )+
        }
    };
}
