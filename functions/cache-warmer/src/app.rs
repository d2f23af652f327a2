//! Settings, state, router and the testable application builder.

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use shared::cache::SharedCache;
use shared::cloudevent::CloudEvent;
use shared::config::{connect_cache, connect_graph, load, CacheConfig, GraphSettings, ServerSettings};
use shared::domain::FeatureSetName;
use shared::graph::SharedGraph;
use shared::http::{with_ops, ApiError, Application};
use std::time::Duration;

use crate::handler::{handle, parse_ping, Outcome};

#[derive(Debug, Clone, Deserialize)]
struct WarmVars {
    #[serde(default = "default_limit")]
    limit: usize,
}

fn default_limit() -> usize {
    10_000
}

/// Everything the binary reads from the environment, loaded once.
#[derive(Debug, Clone)]
pub struct Settings {
    /// PORT, LOG_FORMAT, FEATURE_SET.
    pub server: ServerSettings,
    /// NEO4J_* / SQLITE_*.
    pub graph: GraphSettings,
    /// REDIS_* / CACHE_*.
    pub cache: CacheConfig,
    /// WARM_LIMIT: objects loaded per ping.
    pub limit: usize,
}

impl Settings {
    /// Loads and validates every group.
    pub fn from_env() -> shared::Result<Self> {
        let warm: WarmVars = load("WARM_")?;
        if warm.limit == 0 {
            return Err(shared::Error::invalid("WARM_LIMIT must be at least 1"));
        }
        Ok(Self {
            server: ServerSettings::from_env()?,
            graph: GraphSettings::from_env()?,
            cache: CacheConfig::from_env()?,
            limit: warm.limit,
        })
    }
}

/// Dependencies shared by requests.
#[derive(Clone)]
pub struct AppState {
    /// Where the newest objects come from.
    pub graph: SharedGraph,
    /// What gets warmed.
    pub cache: SharedCache,
    /// TTL of warmed entries.
    pub cache_ttl: Duration,
    /// Feature set whose active version is warmed.
    pub feature_set: FeatureSetName,
    /// Most objects loaded per ping.
    pub limit: usize,
}

async fn ping(State(state): State<AppState>, CloudEvent(event): CloudEvent) -> Result<Json<Outcome>, ApiError> {
    let p = parse_ping(&event)?;
    Ok(Json(handle(&p, &state).await?))
}

/// The function's routes plus the ops routes.
pub fn router(state: AppState) -> Router {
    with_ops(Router::new().route("/", post(ping)).with_state(state))
}

/// Connects the backends and binds the port (0 picks a free one).
pub async fn build(settings: &Settings) -> anyhow::Result<Application> {
    let state = AppState {
        graph: connect_graph(&settings.graph).await?,
        cache: connect_cache(&settings.cache)?,
        cache_ttl: settings.cache.cache.ttl(),
        feature_set: settings.server.feature_set.clone(),
        limit: settings.limit,
    };
    Ok(Application::bind(&settings.server.host, settings.server.port, router(state)).await?)
}
