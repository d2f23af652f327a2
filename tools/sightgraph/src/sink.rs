//! A feature-ingestor run by this command on a loopback port: local shards post their
//! documents to it, and it writes them to the graph (and cache) like the deployed one.

use feature_ingestor::AppState;
use shared::config::{connect_cache, Backends, CacheConfig, LocationSettings};
use shared::domain::FeatureSetName;
use shared::graph::SharedGraph;
use shared::http::Application;

/// Starts the ingestor for `set`; returns its URL and the serving task.
pub async fn embedded_ingestor(
    graph: SharedGraph,
    set: FeatureSetName,
) -> anyhow::Result<(String, tokio::task::JoinHandle<std::io::Result<()>>)> {
    let cache_config = CacheConfig::from_env()?;
    let state = AppState {
        backends: Backends { graph, cache: connect_cache(&cache_config)?, cache_ttl: cache_config.cache.ttl() },
        feature_set: set,
        // NB: only this command's shards post here, as CloudEvents on loopback: no Pub/Sub route.
        dead_letter: None,
        push_auth: shared::auth::PushAuth::disabled_for_development(),
        // ALLOWED_BUCKETS / LOCAL_BUCKET_ROOT, as the deployed ingestor checks documents.
        locations: std::sync::Arc::new(LocationSettings::from_env()?.policy()?),
    };
    let app = Application::bind("127.0.0.1", 0, feature_ingestor::cloudevent_routes(state)).await?;
    let url = format!("http://127.0.0.1:{}/", app.port());
    Ok((url, tokio::spawn(app.run_until_stopped())))
}
