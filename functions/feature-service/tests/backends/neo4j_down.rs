//! Neo4j hung (SIGSTOP) and then stopped mid-test: cache hits are still
//! served, misses get a 503 with a clear body within the lookup bound (and at
//! once when the breaker is open), and everything works again when Neo4j returns.

use std::time::{Duration, Instant};

use crate::helpers::{env, spawn_app, Neo4jAddr, OwnService, TestApp, BREAKER_FAILURES, LOOKUP_TIMEOUT_MS};

const OPENED: &str = r#"sightgraph_breaker_transitions_total{backend="neo4j",to="open"}"#;

/// Waits until `id` is answered from the graph (Neo4j up, breaker closed).
async fn until_served_from_graph(app: &TestApp, id: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (status, body) = app.get(&format!("/features/object/{id}")).await;
        if status == 200 {
            assert_eq!(body["source"], "graph");
            return;
        }
        assert_eq!(status, 503, "only 503 while Neo4j comes back: {body}");
        eprintln!("{id}: 503 while waiting for Neo4j");
        assert!(Instant::now() < deadline, "the service did not recover within 60 s of Neo4j returning");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// A miss with the breaker open: a 503 at once that says why.
async fn assert_fast_503(app: &TestApp, id: &str) {
    let started = Instant::now();
    let (status, body) = app.get(&format!("/features/object/{id}")).await;
    let took = started.elapsed();
    assert_eq!((status, &body["error"]), (503, &serde_json::json!("unavailable")), "{body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(message.contains("neo4j") && message.contains("circuit breaker open"), "a clear body: {message}");
    assert!(took < Duration::from_millis(100), "an open breaker answers a miss at once: {took:?}");
}

#[tokio::test]
async fn with_neo4j_hung_or_down_hits_are_served_misses_get_a_prompt_503_and_it_recovers() {
    // Arrange: an own Neo4j (the shared one stays up), the shared Redis.
    let neo4j = OwnService::start("neo4j.sh", "sgfail");
    let addr = Neo4jAddr { uri: neo4j.get("NEO4J_URI"), password: neo4j.get("NEO4J_PASSWORD") };
    // NB: a short active-version TTL so lookups during the outage ask the graph and fall back to the last known version.
    let app = spawn_app(&addr, &env("REDIS_URL"), Duration::from_millis(200)).await;
    let doc = app.ingest().await;
    let other = app.ingest_version(doc.model.version.as_str()).await;
    let (warm, cold) = (doc.objects[0].id.to_string(), doc.objects[1].id.to_string());
    // NB: the first queries of a fresh Neo4j can exceed the lookup bound (cold JIT and pool): wait them out.
    until_served_from_graph(&app, &warm).await;
    assert_eq!(app.object(&warm).await, (200, "cache".into()));
    let opened_before = app.metric_sum(OPENED).await;

    // Act: Neo4j hangs (the process is frozen; connections stay open, nothing answers).
    let frozen = neo4j.freeze();
    tokio::time::sleep(Duration::from_millis(300)).await; // past the active-version TTL

    // Assert: hits are served; misses get a 503 within the lookup bound, then at once.
    // NB: slack for a loaded 2-core machine running a debug build.
    let bound = Duration::from_millis(LOOKUP_TIMEOUT_MS + 400);
    for _ in 0..BREAKER_FAILURES {
        let started = Instant::now();
        assert_eq!(app.object(&warm).await, (200, "cache".into()), "a cached object with Neo4j hung");
        let hit = started.elapsed();
        let started = Instant::now();
        let (status, body) = app.get(&format!("/features/object/{cold}")).await;
        let miss = started.elapsed();
        eprintln!("with Neo4j hung: hit {hit:?}, miss {miss:?}");
        assert_eq!(status, 503, "{body}");
        for took in [hit, miss] {
            assert!(took < bound, "a hung Neo4j costs a lookup at most the {LOOKUP_TIMEOUT_MS} ms bound: {took:?}");
        }
        if app.metric_sum(OPENED).await > opened_before {
            break;
        }
    }
    assert!(app.metric_sum(OPENED).await > opened_before, "the neo4j breaker opened");
    assert_fast_503(&app, &cold).await;
    assert_eq!(app.object(&warm).await, (200, "cache".into()), "hits keep flowing with the breaker open");

    // Act + Assert: Neo4j thaws; misses are answered again without a restart of the service.
    drop(frozen);
    until_served_from_graph(&app, &cold).await;
    let cold = other.objects[0].id.to_string();

    // Act: Neo4j goes away.
    neo4j.stop();
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Assert: hits still come from the cache; a miss gets a clear 503, at once once the breaker is open.
    for _ in 0..3 {
        let started = Instant::now();
        assert_eq!(app.object(&warm).await, (200, "cache".into()), "a cached object with Neo4j down");
        eprintln!("hit with Neo4j down: {:?}", started.elapsed());
    }
    let (status, body) = app.get(&format!("/features/object/{cold}")).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"], "unavailable", "{body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(message.contains("neo4j"), "the body names the backend: {message}");
    for _ in 0..BREAKER_FAILURES {
        app.get(&format!("/features/object/{cold}")).await;
    }
    assert_fast_503(&app, &cold).await;
    // Assert: a batch answers per id.
    let (status, body) = app.post("/features/batch", serde_json::json!({ "ids": [warm, cold] })).await;
    assert_eq!(status, 200, "{body}");
    let statuses: Vec<&str> =
        body["results"].as_array().unwrap().iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["ok", "unavailable"], "{body}");
    assert_eq!(app.get(&format!("/features/image?id={}", doc.image.id)).await.0, 503);
    assert_eq!(app.get("/healthz").await.0, 200, "the process is alive");

    // Act: Neo4j returns on the same port; the service is not restarted.
    neo4j.restart();

    // Assert: misses are answered from the graph again.
    until_served_from_graph(&app, &cold).await;
    assert_eq!(app.object(&cold).await, (200, "cache".into()));
}
