//! Neo4j stopped mid-test: cache hits are still served, misses get a 503
//! with a clear body, and everything works again when Neo4j returns.

use std::time::{Duration, Instant};

use crate::helpers::{env, spawn_app, Neo4jAddr, OwnService};

#[tokio::test]
async fn with_neo4j_down_hits_are_served_misses_get_503_and_it_recovers() {
    // Arrange: an own Neo4j (the shared one stays up), the shared Redis.
    let neo4j = OwnService::start("neo4j.sh", "sgfail");
    let addr = Neo4jAddr { uri: neo4j.get("NEO4J_URI"), password: neo4j.get("NEO4J_PASSWORD") };
    // NB: a short active-version TTL so lookups during the outage ask the graph and fall back to the last known version.
    let app = spawn_app(&addr, &env("REDIS_URL"), Duration::from_millis(200)).await;
    let doc = app.ingest().await;
    let (warm, cold) = (doc.objects[0].id.to_string(), doc.objects[1].id.to_string());
    assert_eq!(app.object(&warm).await, (200, "graph".into()));
    assert_eq!(app.object(&warm).await, (200, "cache".into()));

    // Act: Neo4j goes away.
    neo4j.stop();
    tokio::time::sleep(Duration::from_millis(300)).await; // past the active-version TTL

    // Assert: hits still come from the cache.
    for _ in 0..3 {
        let started = Instant::now();
        assert_eq!(app.object(&warm).await, (200, "cache".into()), "a cached object with Neo4j down");
        eprintln!("hit with Neo4j down: {:?}", started.elapsed());
    }
    // Assert: a miss gets a clear 503.
    let started = Instant::now();
    let (status, body) = app.get(&format!("/features/object/{cold}")).await;
    eprintln!("miss with Neo4j down: {:?}", started.elapsed());
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"], "unavailable", "{body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(message.contains("neo4j"), "the body names the backend: {message}");
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
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (status, source) = app.object(&cold).await;
        if status == 200 {
            assert_eq!(source, "graph");
            break;
        }
        assert_eq!(status, 503, "only 503 while Neo4j comes back");
        assert!(Instant::now() < deadline, "the service did not recover within 60 s of Neo4j returning");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(app.object(&cold).await, (200, "cache".into()));
}
