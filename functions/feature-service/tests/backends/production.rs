//! The production configuration end to end: `feature-ingestor` writes a real
//! cv-processor document into Neo4j and through to Redis, `feature-service`
//! serves it, `cache-warmer` refills Redis from Neo4j on a ping. All three
//! are built by their `Application::build` from settings.

use secrecy::SecretString;
use shared::cache::CacheKey;
use shared::config::{CacheConfig, GraphSettings, ServerSettings, Settings};
use shared::domain::{FeatureSetName, LocationPolicy};
use shared::schema::FeatureDocument;
use shared::storage::StorageConfig;
use shared::testing::{fixture, json_of, TestServer};
use std::net::SocketAddr;

use crate::helpers::{env, random_u64, redis_config, Neo4jAddr};

fn common(set: &FeatureSetName, graph: &GraphSettings, cache: &CacheConfig) -> Settings {
    let server =
        ServerSettings { port: 0, host: "127.0.0.1".into(), log_format: Default::default(), feature_set: set.clone() };
    Settings { server, graph: graph.clone(), cache: cache.clone() }
}

fn serve(port: u16, run: impl std::future::Future<Output = std::io::Result<()>> + Send + 'static) -> TestServer {
    tokio::spawn(run);
    TestServer { addr: SocketAddr::from(([127, 0, 0, 1], port)), client: reqwest::Client::new() }
}

async fn delete(keys: &[CacheKey]) {
    let client = redis::Client::open(env("REDIS_URL")).unwrap();
    let mut c = client.get_multiplexed_async_connection().await.unwrap();
    let mut del = redis::cmd("DEL");
    keys.iter().for_each(|k| {
        del.arg(k.as_str());
    });
    let _: i64 = del.query_async(&mut c).await.unwrap();
}

#[tokio::test]
async fn a_real_document_flows_from_the_ingestor_through_neo4j_and_redis_to_lookups_and_the_warmer() {
    // Arrange: the three functions over the shared Neo4j and Redis, with a feature set of this test.
    let set = FeatureSetName::parse(&format!("e2e-{:016x}", random_u64())).unwrap();
    let (graph, cache) = (Neo4jAddr::shared().settings(), redis_config(&env("REDIS_URL")));
    let ingestor = feature_ingestor::build(&feature_ingestor::Settings {
        common: common(&set, &graph, &cache),
        pubsub: Default::default(),
        push_auth: shared::auth::PushAuthSettings {
            audience: None,
            service_account: None,
            jwks_url: shared::auth::GOOGLE_JWKS_URL.into(),
            disabled: true,
        },
        locations: LocationPolicy::buckets(["sightgraph-raw"]).unwrap(),
    })
    .await
    .expect("feature-ingestor builds");
    let ingestor = serve(ingestor.port(), ingestor.run_until_stopped());
    let service = feature_service::build(&feature_service::Settings {
        common: common(&set, &graph, &cache),
        admins: feature_service::AdminTokens::from_settings(Some(&SecretString::from("unused-token-0123456789")), None)
            .unwrap(),
        active_version_ttl_seconds: 5,
        storage: StorageConfig::default(),
        locations: LocationPolicy::buckets(["sightgraph-raw"]).unwrap(),
        ui_dist: None,
        backfill: Default::default(),
        min_coverage: 0.95,
        kubernetes: false,
        similar_max_scan: 20_000,
        near_cache_bytes: feature_service::DEFAULT_NEAR_CACHE_BYTES,
        near_cache_ttl: std::time::Duration::from_secs(feature_service::DEFAULT_NEAR_CACHE_TTL_SECONDS),
    })
    .await
    .expect("feature-service builds");
    let service = serve(service.port(), service.run_until_stopped());
    let warmer = cache_warmer::build(&cache_warmer::Settings { common: common(&set, &graph, &cache), limit: 10_000 })
        .await
        .expect("cache-warmer builds");
    let warmer = serve(warmer.port(), warmer.run_until_stopped());

    let event = fixture("features-extracted.dog.valid.json");
    let doc: FeatureDocument = serde_json::from_value(event.body.clone()).expect("the fixture is a feature document");
    let keys: Vec<CacheKey> = doc.objects.iter().map(|o| CacheKey::object(&doc.model.version, &o.id)).collect();
    let redis = shared::config::connect_cache(&cache).unwrap();
    delete(&keys).await;

    // Act: ingest the document.
    let resp = ingestor.send(&event).await;

    // Assert: written to the graph and through to Redis.
    assert_eq!(resp.status(), 200);
    let outcome: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(outcome["cached"], doc.objects.len(), "{outcome}");
    let cached = redis.get_many(&keys).await.unwrap();
    assert!(cached.iter().all(Option::is_some), "every object is in Redis after the write-through");

    // Act + Assert: lookups: objects from the cache, the image from the graph.
    let object = &doc.objects[0];
    let body = json_of(service.client.get(service.url(&format!("/features/object/{}", object.id)))).await;
    assert_eq!(body["source"], "cache", "{body}");
    assert_eq!(body["model_version"], doc.model.version.as_str());
    assert_eq!(body["object"]["embedding"].as_array().map(Vec::len), Some(1280), "the model's 1280-d vector");
    let image = service.client.get(service.url(&format!("/features/image?id={}", doc.image.id))).send().await.unwrap();
    assert_eq!(image.status(), 200);
    let image: serde_json::Value = image.json().await.unwrap();
    assert_eq!(image["source"], "graph");
    assert_eq!(image["objects"].as_array().map(Vec::len), Some(doc.objects.len()), "{image}");

    // Act: Redis loses the entries; a PingSource ping arrives.
    delete(&keys).await;
    let resp = warmer.send(&fixture("ping.binary.valid.json")).await;

    // Assert: the warmer refilled them from Neo4j.
    assert_eq!(resp.status(), 200);
    let warmed: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(warmed["model_version"], doc.model.version.as_str(), "{warmed}");
    assert!(warmed["warmed"].as_u64().unwrap_or(0) >= doc.objects.len() as u64, "{warmed}");
    let cached = redis.get_many(&keys).await.unwrap();
    assert!(cached.iter().all(Option::is_some), "the ping put every object of the document back: {warmed}");
}
