//! Redis stopped mid-test: lookups fall back to the graph without a 5xx, the
//! error counter rises, and the cache comes back by itself.

use std::time::{Duration, Instant};

use crate::helpers::{spawn_app, Neo4jAddr, OwnService};

#[tokio::test]
async fn with_redis_down_lookups_come_from_the_graph_and_hits_return_when_redis_does() {
    // Arrange: an own Redis (the shared one stays up), the shared Neo4j.
    let redis = OwnService::start("redis.sh", "sgtest-fail");
    let app = spawn_app(&Neo4jAddr::shared(), &redis.get("REDIS_URL"), Duration::from_secs(5)).await;
    let doc = app.ingest().await;
    let (a, b) = (doc.objects[0].id.to_string(), doc.objects[1].id.to_string());
    assert_eq!(app.object(&a).await, (200, "graph".into()), "first lookup misses");
    assert_eq!(app.object(&a).await, (200, "cache".into()), "second lookup hits Redis");
    let errors_before = app.metric_sum("sightgraph_cache_errors_total").await;

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

    // Act: Redis returns on the same port; the service is not restarted.
    redis.restart();

    // Assert: hits come back by themselves.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (status, source) = app.object(&b).await;
        assert_eq!(status, 200);
        if source == "cache" {
            break;
        }
        assert!(Instant::now() < deadline, "no cache hit within 15 s of Redis returning");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
