//! What every `FeatureCache` guarantees.

use bytes::Bytes;
use shared::cache::{CacheKey, FeatureCache};
use shared::testing::cache_entries;
use shared::Error;
use std::time::{Duration, Instant};

use crate::backends::TIMEOUT;

async fn check_round_trips_a_batch_in_key_order_with_gaps(cache: &dyn FeatureCache) {
    let stored = cache_entries(40);
    let absent = cache_entries(1).remove(0).0;
    cache.put_many(&stored, Duration::from_secs(60)).await.expect("put_many");

    let mut keys: Vec<CacheKey> = stored.iter().rev().map(|(k, _)| k.clone()).collect();
    keys.insert(7, absent.clone());
    let got = cache.get_many(&keys).await.expect("get_many");

    let mut expected: Vec<Option<Bytes>> = stored.iter().rev().map(|(_, v)| Some(v.clone())).collect();
    expected.insert(7, None);
    assert_eq!(got, expected, "get_many answers in key order, None where absent");
    assert_eq!(cache.get(&stored[3].0).await.unwrap(), Some(stored[3].1.clone()));
}
contract!(check_round_trips_a_batch_in_key_order_with_gaps => round_trips_a_batch_in_key_order_with_gaps: memory, redis, redis_cluster, near_redis, near_redis_cluster);

async fn check_missing_keys_and_empty_batches_are_answered_not_refused(cache: &dyn FeatureCache) {
    let absent: Vec<CacheKey> = cache_entries(3).into_iter().map(|(k, _)| k).collect();
    assert_eq!(cache.get(&absent[0]).await.unwrap(), None);
    assert_eq!(cache.get_many(&absent).await.unwrap(), vec![None, None, None]);
    assert!(cache.get_many(&[]).await.unwrap().is_empty());
    cache.put_many(&[], Duration::from_secs(1)).await.expect("an empty put is a no-op");
}
contract!(check_missing_keys_and_empty_batches_are_answered_not_refused => missing_keys_and_empty_batches_are_answered_not_refused: memory, redis, redis_cluster, near_redis, near_redis_cluster);

async fn check_entries_expire_after_their_ttl(cache: &dyn FeatureCache) {
    let stored = cache_entries(3);
    cache.put_many(&stored, Duration::from_secs(1)).await.unwrap();
    assert!(cache.get(&stored[0].0).await.unwrap().is_some());
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let got = cache.get_many(&stored.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>()).await.unwrap();
    assert_eq!(got, vec![None, None, None], "entries are gone after their TTL");
}
contract!(check_entries_expire_after_their_ttl => entries_expire_after_their_ttl: memory, redis, redis_cluster, near_redis, near_redis_cluster);

async fn check_a_rewrite_replaces_the_value(cache: &dyn FeatureCache) {
    let (key, first) = cache_entries(1).remove(0);
    cache.put_many(&[(key.clone(), first)], Duration::from_secs(60)).await.unwrap();
    let second = Bytes::from_static(b"second value");
    cache.put_many(&[(key.clone(), second.clone())], Duration::from_secs(60)).await.unwrap();
    assert_eq!(cache.get(&key).await.unwrap(), Some(second));
}
contract!(check_a_rewrite_replaces_the_value => a_rewrite_replaces_the_value: memory, redis, redis_cluster, near_redis, near_redis_cluster);

async fn check_a_large_batch_spanning_many_slots_keeps_key_order(cache: &dyn FeatureCache) {
    // NB: 500 random keys hash to slots on every cluster master; the answer must still be in key order.
    let stored = cache_entries(500);
    cache.put_many(&stored, Duration::from_secs(60)).await.unwrap();
    let keys: Vec<CacheKey> = stored.iter().map(|(k, _)| k.clone()).collect();
    let got = cache.get_many(&keys).await.unwrap();
    assert_eq!(got, stored.into_iter().map(|(_, v)| Some(v)).collect::<Vec<_>>());
}
contract!(check_a_large_batch_spanning_many_slots_keeps_key_order => a_large_batch_spanning_many_slots_keeps_key_order: memory, redis, redis_cluster, near_redis, near_redis_cluster);

async fn check_a_dead_server_answers_unavailable_within_the_timeout(cache: &dyn FeatureCache) {
    let stored = cache_entries(2);
    let keys: Vec<CacheKey> = stored.iter().map(|(k, _)| k.clone()).collect();
    for attempt in 0..2 {
        let t = Instant::now();
        let results = [
            cache.get(&keys[0]).await.map(|_| ()),
            cache.get_many(&keys).await.map(|_| ()),
            cache.put_many(&stored, Duration::from_secs(60)).await,
        ];
        for r in results {
            assert!(matches!(r, Err(Error::Unavailable { .. })), "attempt {attempt}: expected Unavailable, got {r:?}");
        }
        // NB: three calls, each bounded by the timeout, plus slack on a busy 2-core machine.
        assert!(t.elapsed() < TIMEOUT * 9, "attempt {attempt}: a dead server cost {:?}", t.elapsed());
    }
}
contract!(check_a_dead_server_answers_unavailable_within_the_timeout => a_dead_server_answers_unavailable_within_the_timeout: dead_redis, dead_redis_cluster);

/// The near cache over a dead Redis: a key it does not hold answers Unavailable within the
/// timeout like Redis itself, and a value written through it is still served from process.
#[tokio::test]
async fn a_near_cache_over_a_dead_server_serves_what_it_holds_and_refuses_the_rest() {
    let cache = crate::backends::dead_near_redis();
    let stored = cache_entries(2);
    let t = Instant::now();
    let miss = cache.get(&stored[0].0).await;
    assert!(matches!(miss, Err(Error::Unavailable { .. })), "expected Unavailable, got {miss:?}");
    let put = cache.put_many(&stored[..1], Duration::from_secs(60)).await;
    assert!(matches!(put, Err(Error::Unavailable { .. })), "the failed write is still reported: {put:?}");
    assert!(t.elapsed() < TIMEOUT * 6, "a dead server cost {:?}", t.elapsed());
    assert_eq!(cache.get(&stored[0].0).await.unwrap(), Some(stored[0].1.clone()));
    let both = cache.get_many(&[stored[0].0.clone(), stored[1].0.clone()]).await;
    assert!(matches!(both, Err(Error::Unavailable { .. })), "a batch with an unheld key asks Redis: {both:?}");
}
