//! HTTP tests of `cache-warmer`.

use cache_warmer::{router, AppState};
use shared::cache::{CacheKey, FeatureCache, MemoryCache};
use shared::graph::sqlite::SqliteGraphStore;
use shared::graph::GraphStore;
use shared::testing::{
    check_function_contract, fixture, fixtures_with_prefix, memory_backends, sample_document, spawn,
};
use std::sync::Arc;

async fn state(limit: usize) -> (AppState, Arc<MemoryCache>, Arc<SqliteGraphStore>) {
    let (graph, cache) = memory_backends(1000).await;
    let s = AppState {
        backends: shared::testing::backends(graph.clone(), cache.clone()),
        feature_set: Default::default(),
        limit,
    };
    (s, cache, graph)
}

#[tokio::test]
async fn a_ping_loads_the_newest_objects_of_the_active_version_up_to_the_limit() {
    let (s, cache, graph) = state(3).await;
    let mut docs = Vec::new();
    for i in 0..3u8 {
        let doc = sample_document(&[i, 1, 2], &format!("gs://raw/{i}.jpg#1"), "det@1+emb@1");
        graph.write_features(&Default::default(), &doc).await.unwrap();
        docs.push(doc);
    }
    let server = spawn(router(s)).await;

    let resp = server.send(&fixture("ping.binary.valid.json")).await;

    assert_eq!(resp.status(), 200);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["warmed"], 3, "WARM_LIMIT caps the ping's own limit");
    let newest = &docs[2];
    for o in &newest.objects {
        assert!(
            cache.get(&CacheKey::object(&newest.model.version, &o.id)).await.unwrap().is_some(),
            "newest image is warm"
        );
    }
    assert_eq!(cache.len(), 3);
}

#[tokio::test]
async fn a_ping_before_any_ingestion_warms_nothing_and_succeeds() {
    let (s, cache, _) = state(10).await;
    let server = spawn(router(s)).await;
    let resp = server.send(&fixture("ping.no-data.valid.json")).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.json::<serde_json::Value>().await.unwrap()["warmed"], 0);
    assert!(cache.is_empty());
}

#[tokio::test]
async fn every_ping_fixture_gets_its_expected_outcome() {
    for name in fixtures_with_prefix("ping.") {
        let (s, _, _) = state(10).await;
        let server = spawn(router(s)).await;
        let status = server.send(&fixture(&name)).await.status().as_u16();
        let expected = if name.contains(".invalid.") { 400 } else { 200 };
        assert_eq!(status, expected, "{name}");
    }
}

#[tokio::test]
async fn the_function_contract_holds() {
    let (s, _, _) = state(10).await;
    check_function_contract(router(s), &fixture("ping.binary.valid.json")).await;
}
