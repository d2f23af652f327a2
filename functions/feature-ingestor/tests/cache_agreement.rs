//! Cache and graph agree: a document re-ingested with other floats (a re-run
//! on other hardware) leaves the first writer's values in the graph, and the
//! ingestor caches those, not the incoming ones.

use feature_ingestor::{handle, AppState};
use shared::cache::entry::encode;
use shared::cache::{CacheKey, CachedObject, FeatureCache};
use shared::graph::{GraphStore, ObjectFeatures};
use shared::testing::{memory_backends, sample_document};
use std::sync::Arc;

#[tokio::test]
async fn a_reingested_document_with_other_floats_leaves_the_first_values_in_the_cache() {
    // Arrange
    let (graph, cache) = memory_backends(100).await;
    let state = AppState {
        backends: shared::testing::backends(graph.clone(), cache.clone()),
        feature_set: Default::default(),
        dead_letter: None,
        push_auth: shared::auth::PushAuth::disabled_for_development(),
        locations: Arc::new(shared::domain::LocationPolicy::buckets(["raw"]).unwrap()),
    };
    let first = sample_document(b"agreement", "gs://raw/agreement.jpg#1", "det@1+emb@1");
    let mut again = first.clone();
    for o in &mut again.objects {
        o.score -= 0.05;
        o.embedding.iter_mut().for_each(|v| *v += 1e-3);
    }

    // Act
    handle(&first, &state).await.expect("first ingest");
    let outcome = handle(&again, &state).await.expect("re-ingest");

    // Assert
    assert_eq!(outcome.write.objects_created, 0, "the re-ingest created nothing");
    assert_eq!(outcome.cached, first.objects.len(), "every object was written through");
    for o in &first.objects {
        let bytes = cache.get(&CacheKey::object(&first.model.version, &o.id)).await.unwrap().expect("cached");
        let cached = CachedObject::parse(bytes.clone()).expect("a cache entry");
        let stored: ObjectFeatures = graph.object(&o.id).await.unwrap().expect("in the graph");
        assert_eq!(bytes, encode(&stored), "the cache holds what the graph holds");
        assert_eq!(
            cached.floats().collect::<Vec<_>>(),
            o.embedding,
            "the first writer's vector, not the re-ingested one"
        );
        let meta: serde_json::Value = serde_json::from_slice(cached.meta_json()).unwrap();
        assert_eq!(meta["score"].as_f64().unwrap() as f32, o.score, "the first writer's score");
    }
}
