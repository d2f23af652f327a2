//! Wiring: the shared state, the router, and the application that serves it.

use axum::routing::post;
use axum::Router;
use shared::auth::PushAuth;
use shared::config::{connect_graph, ServerSettings};
use shared::domain::{FeatureSetName, LocationPolicy};
use shared::graph::SharedGraph;
use shared::http::Application;
use shared::launcher::SharedLauncher;
use shared::Result;
use std::sync::Arc;

use crate::launchers::connect_launcher;
use crate::{routes, Settings};

/// Dependencies every handler uses, built once at start.
#[derive(Clone)]
pub struct AppState {
    /// The graph store, for dedup by content hash and recording locations.
    pub graph: SharedGraph,
    /// Where processing runs are started.
    pub launcher: SharedLauncher,
    /// The feature set whose active model version decides what counts as processed.
    pub feature_set: FeatureSetName,
    /// Who may post to `/pubsub/push`: verified Google OIDC tokens (off only in development).
    pub push_auth: PushAuth,
    /// Serve `/pubsub/push` only, without the CloudEvent route (when the Service is public).
    pub push_only: bool,
    /// Which buckets' objects are processed; events for others are ignored.
    pub locations: Arc<LocationPolicy>,
}

/// The routes plus the shared ops routes and layers; `/pubsub/push` only with a verified token,
/// `/` (CloudEvents from the broker) unless the instance serves pushes only.
pub fn router(state: AppState) -> Router {
    let push = state.push_auth.protect(Router::new().route("/pubsub/push", post(routes::pubsub_push)));
    let events = match state.push_only {
        true => Router::new(),
        false => Router::new().route("/", post(routes::cloudevent)),
    };
    let app = events.merge(push).with_state(state);
    shared::http::with_ops(app)
}

/// Connects the backends the settings name and binds the listener (port 0 picks a free one).
pub async fn build(settings: &Settings) -> Result<Application> {
    tracing::info!(launcher = ?settings.launcher, feature_set = %settings.server.feature_set, "starting ingest-trigger");
    let state = AppState {
        graph: connect_graph(&settings.graph).await?,
        launcher: connect_launcher(settings).await?,
        feature_set: settings.server.feature_set.clone(),
        push_auth: PushAuth::from_settings(&settings.push_auth),
        push_only: settings.pubsub_push_only,
        locations: Arc::new(settings.locations.clone()),
    };
    bind(&settings.server, state).await
}

/// Binds `server.host:server.port` for the given state.
pub async fn bind(server: &ServerSettings, state: AppState) -> Result<Application> {
    Application::bind(&server.host, server.port, router(state)).await
}
