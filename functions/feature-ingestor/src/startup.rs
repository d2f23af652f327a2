//! State, router and the testable application builder.

use axum::routing::post;
use axum::Router;
use shared::auth::PushAuth;
use shared::config::Backends;
use shared::domain::{FeatureSetName, LocationPolicy};
use shared::http::{with_ops_limited, Application};
use shared::pubsub::Publisher;
use std::sync::Arc;

use crate::routes::{ingest, push::push_routes};
use crate::Settings;

/// Largest request body the ingestor accepts: the largest document `cv-processor` can emit, with margin.
// NB: at the cap of `shared::schema::MAX_OBJECTS` (100) objects with 1280-d embeddings, every
// float at a long JSON spelling (`-1.2345679e-10,`: 1.9 MB of vectors) and both relations (NEAR
// and OVERLAPS) for each of the 4950 pairs, a document is 4.35 MB as structured-mode JSON
// (measured by `tests/api/limits.rs`); 10 MiB leaves a margin of more than 2x, and
// still holds it base64-encoded in a Pub/Sub push envelope (5.8 MB).
pub const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// Dependencies shared by requests.
#[derive(Clone)]
pub struct AppState {
    /// The source of truth, and the hot tier written through.
    pub backends: Backends,
    /// Feature set the documents belong to.
    pub feature_set: FeatureSetName,
    /// Where Pub/Sub messages that can never succeed go at once; `None`: dropped (logged).
    pub dead_letter: Option<Publisher>,
    /// Who may post to `/pubsub/push`: verified Google OIDC tokens (off only in development).
    pub push_auth: PushAuth,
    /// Where a document's image may live.
    pub locations: Arc<LocationPolicy>,
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
    with_ops_limited(app, MAX_BODY_BYTES)
}

/// Connects the backends and binds the port (0 picks a free one).
pub async fn build(settings: &Settings) -> shared::Result<Application> {
    let dead_letter = match settings.pubsub.dead_letter_topic()? {
        Some(topic) => Some(Publisher::new(topic, settings.pubsub.publisher_config())?),
        None => None,
    };
    let server = &settings.common.server;
    let state = AppState {
        backends: Backends::connect(&settings.common).await?,
        feature_set: server.feature_set.clone(),
        dead_letter,
        push_auth: PushAuth::from_settings(&settings.push_auth),
        locations: Arc::new(settings.locations.clone()),
    };
    let app = routes(state, settings.pubsub.push_only);
    Application::bind(&server.host, server.port, app).await
}
