//! Settings, state, router and the testable application builder.

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use shared::cache::SharedCache;
use shared::cloudevent::CloudEvent;
use shared::config::{connect_cache, connect_graph, CacheConfig, GraphSettings, ServerSettings};
use shared::domain::FeatureSetName;
use shared::graph::SharedGraph;
use shared::http::{with_ops, ApiError, Application};
use std::time::Duration;

use crate::handler::{handle, parse_document, Outcome};

/// Everything the binary reads from the environment, loaded once.
#[derive(Debug, Clone)]
pub struct Settings {
    /// PORT, LOG_FORMAT, FEATURE_SET.
    pub server: ServerSettings,
    /// NEO4J_* / SQLITE_*.
    pub graph: GraphSettings,
    /// REDIS_* / CACHE_*.
    pub cache: CacheConfig,
}

impl Settings {
    /// Loads and validates every group.
    pub fn from_env() -> shared::Result<Self> {
        Ok(Self {
            server: ServerSettings::from_env()?,
            graph: GraphSettings::from_env()?,
            cache: CacheConfig::from_env()?,
        })
    }
}

/// Dependencies shared by requests.
#[derive(Clone)]
pub struct AppState {
    /// The source of truth.
    pub graph: SharedGraph,
    /// The hot tier, written through.
    pub cache: SharedCache,
    /// TTL of written-through entries.
    pub cache_ttl: Duration,
    /// Feature set the documents belong to.
    pub feature_set: FeatureSetName,
}

/// `POST /`: one CloudEvent per document.
async fn ingest(State(state): State<AppState>, CloudEvent(event): CloudEvent) -> Result<Json<Outcome>, ApiError> {
    let doc = parse_document(&event)?;
    Ok(Json(handle(&doc, &state).await?))
}

/// The function's routes plus the ops routes.
pub fn router(state: AppState) -> Router {
    with_ops(Router::new().route("/", post(ingest)).with_state(state))
}

/// Connects the backends and binds the port (0 picks a free one).
pub async fn build(settings: &Settings) -> anyhow::Result<Application> {
    let state = AppState {
        graph: connect_graph(&settings.graph).await?,
        cache: connect_cache(&settings.cache)?,
        cache_ttl: settings.cache.cache.ttl(),
        feature_set: settings.server.feature_set.clone(),
    };
    Ok(Application::bind(&settings.server.host, settings.server.port, router(state)).await?)
}
