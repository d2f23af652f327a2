//! `/metrics` after real lookups: lookups by source, hits, misses, cache
//! errors and the latency histogram.

use std::time::Duration;

use crate::helpers::{env, metric_sum, spawn_app, Neo4jAddr};

#[tokio::test]
async fn metrics_expose_lookups_by_source_hits_misses_errors_and_latency() {
    // Arrange
    let app = spawn_app(&Neo4jAddr::shared(), &env("REDIS_URL"), Duration::from_secs(5)).await;
    let doc = app.ingest().await;
    let id = doc.objects[0].id.to_string();
    let before = app.metrics().await;
    // A second app whose Redis port has nothing listening, for the error counter.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let broken = spawn_app(&Neo4jAddr::shared(), &format!("redis://127.0.0.1:{port}"), Duration::from_secs(5)).await;

    // Act: a miss, two hits, one lookup with the cache broken.
    assert_eq!(app.object(&id).await, (200, "graph".into()));
    assert_eq!(app.object(&id).await, (200, "cache".into()));
    assert_eq!(app.object(&id).await, (200, "cache".into()));
    broken.graph.write_features(&broken.set, &doc).await.unwrap();
    assert_eq!(broken.object(&id).await.0, 200);
    let after = app.metrics().await;

    // Assert (deltas: other tests in this process count too)
    let delta = |name: &str| metric_sum(&after, name) - metric_sum(&before, name);
    let cases = [
        (r#"sightgraph_lookups_total{route="object",source="cache"}"#, 2.0),
        (r#"sightgraph_lookups_total{route="object",source="graph"}"#, 2.0),
        ("sightgraph_cache_hits_total", 2.0),
        ("sightgraph_cache_misses_total", 1.0),
        ("sightgraph_cache_errors_total", 1.0),
        (r#"sightgraph_lookup_duration_seconds_count{route="object",source="cache"}"#, 2.0),
    ];
    for (series, at_least) in cases {
        assert!(delta(series) >= at_least, "{series} rose by {} (want ≥ {at_least})\n{after}", delta(series));
    }
    assert!(
        after.contains(r#"sightgraph_lookup_duration_seconds_bucket{route="object",source="cache",le="0.001"}"#),
        "the latency histogram has sub-millisecond buckets:\n{after}"
    );
}
