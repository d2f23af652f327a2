//! Redis stopped mid-test: lookups fall back to the graph without a 5xx, the
//! breaker opens after a few failures so lookups stop waiting on the dead
//! Redis, and cache hits come back by themselves soon after Redis does.

use std::time::{Duration, Instant};

use crate::helpers::{spawn_app, spawn_app_near, Neo4jAddr, OwnService, BREAKER_FAILURES, REDIS_TIMEOUT_MS};

const OPENED: &str = r#"sightgraph_breaker_transitions_total{backend="redis",to="open"}"#;
const CLOSED: &str = r#"sightgraph_breaker_transitions_total{backend="redis",to="closed"}"#;
const OPEN_NOW: &str = r#"sightgraph_breaker_state{backend="redis",state="open"}"#;

#[tokio::test]
async fn with_redis_down_lookups_come_from_the_graph_without_waiting_and_hits_return_when_redis_does() {
    // Arrange: an own Redis (the shared one stays up), the shared Neo4j; no near cache, so
    // every hit is a Redis GET (the near cache's own outage behaviour is the next test).
    let redis = OwnService::start("redis.sh", "sgtest-fail");
    let app = spawn_app_near(&Neo4jAddr::shared(), &redis.get("REDIS_URL"), Duration::from_secs(5), 0).await;
    let doc = app.ingest().await;
    let (a, b) = (doc.objects[0].id.to_string(), doc.objects[1].id.to_string());
    assert_eq!(app.object(&a).await, (200, "graph".into()), "first lookup misses");
    assert_eq!(app.object(&a).await, (200, "cache".into()), "second lookup hits Redis");
    let errors_before = app.metric_sum("sightgraph_cache_errors_total").await;
    let (opened_before, closed_before) = (app.metric_sum(OPENED).await, app.metric_sum(CLOSED).await);

    // Act: Redis goes away.
    redis.stop();

    // Assert: every answer still comes, from the graph, quickly.
    for id in [&a, &b, &a] {
        let started = Instant::now();
        assert_eq!(app.object(id).await, (200, "graph".into()), "object {id} with Redis down");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "a dead Redis must not stall lookups: {:?}",
            started.elapsed()
        );
    }
    let (status, body) = app.post("/features/batch", serde_json::json!({ "ids": [a, b] })).await;
    assert_eq!(status, 200, "{body}");
    let sources: Vec<&str> =
        body["results"].as_array().unwrap().iter().map(|r| r["source"].as_str().unwrap()).collect();
    assert_eq!(sources, ["graph", "graph"]);
    assert_eq!(app.get("/healthz").await.0, 200, "the process is alive");
    let errors_after = app.metric_sum("sightgraph_cache_errors_total").await;
    assert!(errors_after > errors_before, "sightgraph_cache_errors_total rises ({errors_before} -> {errors_after})");

    // Assert: the breaker has opened, and lookups no longer wait for the Redis timeout.
    for _ in 0..BREAKER_FAILURES * 3 {
        if app.metric_sum(OPENED).await > opened_before {
            break;
        }
        assert_eq!(app.object(&a).await.0, 200);
    }
    assert!(app.metric_sum(OPENED).await > opened_before, "the redis breaker opened after consecutive failures");
    assert!(app.metric_sum(OPEN_NOW).await >= 1.0, "the state set shows it open:\n{}", app.metrics().await);
    let mut took = Vec::new();
    for id in [&a, &b, &a, &b, &a, &b, &a] {
        let started = Instant::now();
        assert_eq!(app.object(id).await, (200, "graph".into()), "object {id} with the breaker open");
        took.push(started.elapsed());
    }
    took.sort();
    let median = took[took.len() / 2];
    eprintln!("lookups with the breaker open: {took:?}");
    assert!(
        median < Duration::from_millis(REDIS_TIMEOUT_MS / 2),
        "with the breaker open a lookup goes straight to the graph, not through the {REDIS_TIMEOUT_MS} ms Redis timeout: {took:?}"
    );

    // Act: Redis returns (empty) on the same port; the service is not restarted.
    redis.restart();
    let back = Instant::now();

    // Assert: hits come back by themselves, within 5 s.
    loop {
        let (status, source) = app.object(&b).await;
        assert_eq!(status, 200);
        if source == "cache" {
            break;
        }
        assert!(back.elapsed() < Duration::from_secs(5), "no cache hit within 5 s of Redis returning");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eprintln!("first cache hit {:?} after Redis returned", back.elapsed());
    assert!(app.metric_sum(CLOSED).await > closed_before, "the breaker closed after a successful probe");
}

#[tokio::test]
async fn with_redis_down_the_near_cache_still_answers_what_it_holds() {
    // Arrange: the default near cache in front of an own Redis; one object looked up twice.
    let redis = OwnService::start("redis.sh", "sgtest-near");
    let app = spawn_app(&Neo4jAddr::shared(), &redis.get("REDIS_URL"), Duration::from_secs(5)).await;
    let doc = app.ingest().await;
    let (a, b) = (doc.objects[0].id.to_string(), doc.objects[1].id.to_string());
    assert_eq!(app.object(&a).await, (200, "graph".into()), "first lookup misses");
    assert_eq!(app.object(&a).await, (200, "cache".into()), "second lookup hits");

    // Act: Redis goes away.
    redis.stop();

    // Assert: the held object is still a hit, without waiting on Redis; the other comes from the graph.
    let started = Instant::now();
    assert_eq!(app.object(&a).await, (200, "cache".into()), "held in process");
    assert!(started.elapsed() < Duration::from_millis(REDIS_TIMEOUT_MS), "no Redis wait: {:?}", started.elapsed());
    assert_eq!(app.object(&b).await, (200, "graph".into()), "not held: the graph answers");
    assert_eq!(app.object(&b).await, (200, "cache".into()), "and the graph's answer is now held in process");
}
