//! `RedisCache` against real servers: the test services' Redis
//! (`REDIS_URL`) and 3-master cluster (`REDIS_CLUSTER_URLS`), plus an own
//! instance that is stopped mid-test. Start them with
//! `scripts/services/all.sh up` and load `services.env`, or run `just test`.

use bytes::Bytes;
use shared::cache::redis::{RedisCache, RedisTarget};
use shared::cache::{CacheKey, FeatureCache};
use shared::domain::{ModelVersion, ObjectId};
use shared::Error;
use std::collections::BTreeSet;
use std::hash::{BuildHasher, Hasher};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_millis(200);

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set: start the test services with `scripts/services/all.sh up` and load \
             $HOME/.cache/sightgraph/run/services.env (set -a; . …; set +a), or run `just test`"
        )
    })
}

fn random_u64() -> u64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos());
    h.finish()
}

/// `n` keys under a version of this test's own, and a distinct value for each.
fn entries(n: usize) -> Vec<(CacheKey, Bytes)> {
    let version = ModelVersion::parse(&format!("cachetest@{:016x}", random_u64())).unwrap();
    (0..n)
        .map(|i| {
            let id = ObjectId::parse(&format!("{:016x}{i:016x}", random_u64())).unwrap();
            (CacheKey::object(&version, &id), Bytes::from(format!("{{\"i\":{i},\"pad\":\"{}\"}}", "x".repeat(i))))
        })
        .collect()
}

fn single() -> RedisCache {
    RedisCache::new(RedisTarget::Single(env("REDIS_URL")), None, TIMEOUT)
}

fn cluster() -> RedisCache {
    let urls = env("REDIS_CLUSTER_URLS").split(',').map(str::to_owned).collect::<Vec<_>>();
    assert_eq!(urls.len(), 3, "REDIS_CLUSTER_URLS names the 3 masters of the test cluster");
    RedisCache::new(RedisTarget::Cluster(urls), None, TIMEOUT)
}

async fn ttl_of(url: &str, key: &CacheKey) -> i64 {
    let client = redis::Client::open(url).unwrap();
    let mut c = client.get_multiplexed_async_connection().await.unwrap();
    redis::cmd("TTL").arg(key.as_str()).query_async(&mut c).await.unwrap()
}

async fn check_round_trip_in_key_order_with_ttl(cache: &RedisCache) {
    let stored = entries(40);
    let absent = entries(1).remove(0).0;
    cache.put_many(&stored, Duration::from_secs(60)).await.expect("put_many");

    let mut keys: Vec<CacheKey> = stored.iter().rev().map(|(k, _)| k.clone()).collect();
    keys.insert(7, absent.clone());
    let got = cache.get_many(&keys).await.expect("get_many");

    let mut expected: Vec<Option<Bytes>> = stored.iter().rev().map(|(_, v)| Some(v.clone())).collect();
    expected.insert(7, None);
    assert_eq!(got, expected, "get_many answers in key order, None where absent");
    assert_eq!(cache.get(&stored[3].0).await.unwrap(), Some(stored[3].1.clone()));
    assert_eq!(cache.get(&absent).await.unwrap(), None);
    assert!(cache.get_many(&[]).await.unwrap().is_empty());
    cache.put_many(&[], Duration::from_secs(1)).await.expect("an empty put is a no-op");
}

async fn check_entries_expire(cache: &RedisCache) {
    let stored = entries(3);
    cache.put_many(&stored, Duration::from_secs(1)).await.unwrap();
    assert!(cache.get(&stored[0].0).await.unwrap().is_some());
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let got = cache.get_many(&stored.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>()).await.unwrap();
    assert_eq!(got, vec![None, None, None], "entries are gone after their TTL");
}

#[tokio::test]
async fn a_single_node_round_trips_batches_in_key_order() {
    check_round_trip_in_key_order_with_ttl(&single()).await;
}

#[tokio::test]
async fn a_single_node_sets_the_ttl_and_entries_expire() {
    let cache = single();
    let stored = entries(2);
    cache.put_many(&stored, Duration::from_secs(60)).await.unwrap();
    let ttl = ttl_of(&env("REDIS_URL"), &stored[1].0).await;
    assert!((1..=60).contains(&ttl), "SETEX with the given TTL, got TTL {ttl}");
    check_entries_expire(&cache).await;
}

#[tokio::test]
async fn a_cluster_round_trips_batches_in_key_order() {
    assert_eq!(cluster().backend(), "redis-cluster");
    check_round_trip_in_key_order_with_ttl(&cluster()).await;
}

#[tokio::test]
async fn a_cluster_spreads_a_batch_over_all_three_masters() {
    let cache = cluster();
    let stored = entries(60);
    cache.put_many(&stored, Duration::from_secs(60)).await.unwrap();

    let url = env("REDIS_CLUSTER_URLS").split(',').next().unwrap().to_owned();
    let mut c = redis::Client::open(url.as_str()).unwrap().get_multiplexed_async_connection().await.unwrap();
    let ranges: Vec<redis::Value> = redis::cmd("CLUSTER").arg("SLOTS").query_async(&mut c).await.unwrap();
    let ranges: Vec<(i64, i64)> = ranges
        .into_iter()
        .map(|r| match r {
            redis::Value::Array(items) => {
                (redis::from_redis_value_ref(&items[0]).unwrap(), redis::from_redis_value_ref(&items[1]).unwrap())
            }
            other => panic!("unexpected CLUSTER SLOTS entry {other:?}"),
        })
        .collect();
    let mut used = BTreeSet::new();
    for (k, _) in &stored {
        let slot: i64 = redis::cmd("CLUSTER").arg("KEYSLOT").arg(k.as_str()).query_async(&mut c).await.unwrap();
        used.insert(ranges.iter().position(|(a, b)| (*a..=*b).contains(&slot)).expect("every slot is served"));
    }
    assert_eq!(used.len(), 3, "60 random keys land on all 3 masters ({ranges:?})");

    let got = cache.get_many(&stored.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>()).await.unwrap();
    assert_eq!(got, stored.iter().map(|(_, v)| Some(v.clone())).collect::<Vec<_>>(), "cross-slot reads keep key order");
    let ttl = ttl_of_cluster(&stored[0].0).await;
    assert!((1..=60).contains(&ttl), "cluster entries carry the TTL, got {ttl}");
}

/// TTL asked of each master in turn; the one owning the slot answers, the others redirect (an error).
async fn ttl_of_cluster(key: &CacheKey) -> i64 {
    for url in env("REDIS_CLUSTER_URLS").split(',') {
        let mut c = redis::Client::open(url).unwrap().get_multiplexed_async_connection().await.unwrap();
        if let Ok(ttl) = redis::cmd("TTL").arg(key.as_str()).query_async::<i64>(&mut c).await {
            return ttl;
        }
    }
    panic!("no master answered TTL for {key}");
}

#[tokio::test]
async fn a_cluster_entry_expires_after_its_ttl() {
    check_entries_expire(&cluster()).await;
}

/// `scripts/services/redis.sh CMD NAME`, returning the `REDIS_URL` it prints.
#[tokio::test]
async fn a_cached_1280_d_object_takes_at_most_8_kb_of_redis_memory() {
    // Arrange: a 1280-d object in the production format, next to its old JSON form.
    use shared::domain::{ColorName, FeatureId, ImageId, Label};
    use shared::schema::{BBox, ColorAttr};
    let version =
        ModelVersion::parse(&format!("ssd_mobilenet_v2_coco@1.0.6+mobilenet_v2@{:016x}", random_u64())).unwrap();
    let id = ObjectId::parse(&format!("{:032x}", random_u64())).unwrap();
    let object = shared::graph::ObjectFeatures {
        feature_id: FeatureId::derive(&id, &version),
        id,
        image_id: ImageId::of_bytes(b"memory"),
        label: Label::parse("person").unwrap(),
        category_id: 1,
        score: 0.9312,
        box_px: BBox { x_min: 12.5, y_min: 40.25, x_max: 311.0, y_max: 470.75 },
        box_norm: BBox { x_min: 0.0195, y_min: 0.0839, x_max: 0.4859, y_max: 0.9807 },
        color: ColorAttr { name: ColorName::Gray, fraction: 0.4172 },
        model_version: version,
        embedding: (0..1280).map(|i| ((i as f32) * 0.37).sin() / 25.0).collect(),
    };
    let (key, value) = shared::cache::object_entry(&object);
    let old_key = format!("{key}:format1");
    let cache = single();
    let client = redis::Client::open(env("REDIS_URL")).unwrap();
    let mut c = client.get_multiplexed_async_connection().await.unwrap();

    // Act
    cache.put_many(&[(key.clone(), value.clone())], Duration::from_secs(60)).await.unwrap();
    let _: () = redis::cmd("SET")
        .arg(&old_key)
        .arg(serde_json::to_vec(&object).unwrap())
        .arg("EX")
        .arg(60)
        .query_async(&mut c)
        .await
        .unwrap();
    let usage = |k: String| redis::cmd("MEMORY").arg("USAGE").arg(k).arg("SAMPLES").arg(0).clone();
    let new: u64 = usage(key.to_string()).query_async(&mut c).await.unwrap();
    let old: u64 = usage(old_key).query_async(&mut c).await.unwrap();

    // Assert
    assert!(new <= 8 * 1024, "format 2 takes {new} bytes (format 1: {old})");
    assert!(old > 2 * new, "the JSON text form took {old} bytes, format 2 {new}");
    let back = cache.get(&key).await.unwrap().expect("stored");
    assert_eq!(back, value, "Redis returns the value byte for byte");
    assert!(shared::cache::CachedObject::parse(back).is_some());
}

fn redis_script(cmd: &str, name: &str) -> Option<String> {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/services/redis.sh");
    let out = Command::new(&script).args([cmd, name]).output().expect("run scripts/services/redis.sh");
    assert!(out.status.success(), "redis.sh {cmd} {name}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).lines().find_map(|l| l.strip_prefix("REDIS_URL=").map(str::to_owned))
}

async fn timed<T>(f: impl std::future::Future<Output = T>) -> (T, Duration) {
    let t = Instant::now();
    let v = f.await;
    (v, t.elapsed())
}

fn assert_unavailable<T: std::fmt::Debug>(r: shared::Result<T>, took: Duration, what: &str) {
    eprintln!("{what}: {took:?}");
    assert!(matches!(r, Err(Error::Unavailable { .. })), "{what}: expected Unavailable, got {r:?}");
    // NB: one timeout for the call, plus scheduling slack on a busy 2-core machine.
    assert!(took < TIMEOUT * 3, "{what}: a dead Redis cost {took:?}, more than 3× the {TIMEOUT:?} timeout");
}

#[tokio::test]
async fn a_stopped_redis_costs_at_most_the_timeout_and_the_cache_recovers_when_it_returns() {
    env("REDIS_URL");
    let name = "sgtest-cache-dead";
    let url = redis_script("start", name).expect("redis.sh start prints REDIS_URL");
    let cache = RedisCache::new(RedisTarget::Single(url.clone()), None, TIMEOUT);
    let stored = entries(5);
    cache.put_many(&stored, Duration::from_secs(60)).await.expect("the own instance is up");

    redis_script("stop", name);
    let (r, took) = timed(cache.get(&stored[0].0)).await;
    assert_unavailable(r, took, "get on a stopped Redis");
    let keys: Vec<CacheKey> = stored.iter().map(|(k, _)| k.clone()).collect();
    let (r, took) = timed(cache.get_many(&keys)).await;
    assert_unavailable(r, took, "get_many on a stopped Redis");
    let (r, took) = timed(cache.put_many(&stored, Duration::from_secs(60))).await;
    assert_unavailable(r, took, "put_many on a stopped Redis");

    assert_eq!(redis_script("start", name).as_deref(), Some(url.as_str()), "restarted on the same port");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match cache.put_many(&stored, Duration::from_secs(60)).await {
            Ok(()) => break,
            Err(e) if Instant::now() < deadline => {
                eprintln!("waiting for reconnect: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("the cache did not reconnect within 10 s: {e}"),
        }
    }
    assert_eq!(cache.get(&stored[4].0).await.unwrap(), Some(stored[4].1.clone()), "reads work again");
    redis_script("stop", name);
}

#[tokio::test]
async fn a_redis_that_accepts_but_never_answers_costs_at_most_the_timeout() {
    env("REDIS_URL");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    // NB: accept and hold connections without answering, like a hung server.
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming().flatten() {
            held.push(s);
        }
    });
    let cache = RedisCache::new(RedisTarget::Single(format!("redis://{addr}")), None, TIMEOUT);
    let key = entries(1).remove(0).0;

    let (r, took) = timed(cache.get(&key)).await;
    assert_unavailable(r, took, "get on a silent Redis");
    tokio::time::sleep(Duration::from_millis(600)).await; // past the reconnect backoff
    let (r, took) = timed(cache.get_many(std::slice::from_ref(&key))).await;
    assert_unavailable(r, took, "get_many on a silent Redis");
}

#[tokio::test]
async fn a_port_with_no_redis_answers_unavailable_at_once() {
    env("REDIS_URL");
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let cache = RedisCache::new(RedisTarget::Single(format!("redis://127.0.0.1:{port}")), None, TIMEOUT);
    let key = entries(1).remove(0).0;
    for _ in 0..3 {
        let (r, took) = timed(cache.get(&key)).await;
        assert_unavailable(r, took, "get with nothing listening");
    }
}
