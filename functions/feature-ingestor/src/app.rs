//! Settings, state, router and the testable application builder.

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use shared::auth::{PushAuth, PushAuthSettings};
use shared::cache::SharedCache;
use shared::cloudevent::CloudEvent;
use shared::config::{connect_cache, connect_graph, CacheConfig, GraphSettings, ServerSettings};
use shared::domain::FeatureSetName;
use shared::graph::SharedGraph;
use shared::http::{with_ops_limited, ApiError, Application};
use shared::pubsub::{PubSubSettings, Publisher};
use std::time::Duration;

use crate::handler::{handle, parse_document, Outcome};
use crate::push::push_routes;

/// Largest request: a Pub/Sub push of a document at Pub/Sub's 10 MB limit, base64-encoded.
pub const MAX_REQUEST_BYTES: usize = 14 * 1024 * 1024;

/// Everything the binary reads from the environment, loaded once.
#[derive(Debug, Clone)]
pub struct Settings {
    /// PORT, LOG_FORMAT, FEATURE_SET.
    pub server: ServerSettings,
    /// NEO4J_* / SQLITE_*.
    pub graph: GraphSettings,
    /// REDIS_* / CACHE_*.
    pub cache: CacheConfig,
    /// PUBSUB_*: the emulator, the dead-letter topic, push-only.
    pub pubsub: PubSubSettings,
    /// PUSH_AUTH_*: what the push subscription's OIDC token must say.
    pub push_auth: PushAuthSettings,
}

impl Settings {
    /// Loads and validates every group.
    pub fn from_env() -> shared::Result<Self> {
        Ok(Self {
            server: ServerSettings::from_env()?,
            graph: GraphSettings::from_env()?,
            cache: CacheConfig::from_env()?,
            pubsub: PubSubSettings::from_env()?,
            push_auth: PushAuthSettings::from_env()?,
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
    /// Where Pub/Sub messages that can never succeed go at once; `None`: dropped (logged).
    pub dead_letter: Option<Publisher>,
    /// Who may post to `/pubsub/push`: verified Google OIDC tokens (off only in development).
    pub push_auth: PushAuth,
}

/// `POST /`: one CloudEvent per document.
async fn ingest(State(state): State<AppState>, CloudEvent(event): CloudEvent) -> Result<Json<Outcome>, ApiError> {
    let doc = parse_document(&event)?;
    Ok(Json(handle(&doc, &state).await?))
}

/// `POST /` (CloudEvents) alone.
pub fn cloudevent_routes(state: AppState) -> Router {
    Router::new().route("/", post(ingest)).with_state(state)
}

/// The function's routes (CloudEvents and Pub/Sub push) plus the ops routes.
pub fn router(state: AppState) -> Router {
    routes(state, false)
}

/// The routes, without the CloudEvent one when `push_only` (`PUBSUB_PUSH_ONLY`: the
/// ingestor is exposed to Pub/Sub through a public ingress and must take nothing else).
pub fn routes(state: AppState, push_only: bool) -> Router {
    let push = state.push_auth.protect(push_routes(state.clone()));
    let app = if push_only { push } else { cloudevent_routes(state).merge(push) };
    with_ops_limited(app, MAX_REQUEST_BYTES)
}

/// Connects the backends and binds the port (0 picks a free one).
pub async fn build(settings: &Settings) -> anyhow::Result<Application> {
    let dead_letter = match settings.pubsub.dead_letter_topic()? {
        Some(topic) => Some(Publisher::new(topic, settings.pubsub.publisher_config())?),
        None => None,
    };
    let state = AppState {
        graph: connect_graph(&settings.graph).await?,
        cache: connect_cache(&settings.cache)?,
        cache_ttl: settings.cache.cache.ttl(),
        feature_set: settings.server.feature_set.clone(),
        dead_letter,
        push_auth: PushAuth::from_settings(&settings.push_auth),
    };
    let app = routes(state, settings.pubsub.push_only);
    Ok(Application::bind(&settings.server.host, settings.server.port, app).await?)
}
