//! A feature-ingestor run by this command on a loopback port: local shards post their
//! documents to it, and it writes them to the graph (and cache) like the deployed one.

use feature_ingestor::AppState;
use shared::config::{connect_cache, CacheConfig};
use shared::domain::FeatureSetName;
use shared::graph::SharedGraph;
use shared::http::Application;

/// Starts the ingestor for `set`; returns its URL and the serving task.
pub async fn embedded_ingestor(
    graph: SharedGraph,
    set: FeatureSetName,
) -> anyhow::Result<(String, tokio::task::JoinHandle<std::io::Result<()>>)> {
    let cache_config = CacheConfig::from_env()?;
    let state =
        AppState { graph, cache: connect_cache(&cache_config)?, cache_ttl: cache_config.cache.ttl(), feature_set: set };
    let app = Application::bind("127.0.0.1", 0, feature_ingestor::router(state)).await?;
    let url = format!("http://127.0.0.1:{}/", app.port());
    Ok((url, tokio::spawn(app.run_until_stopped())))
}
