//! State, router and the testable application builder.

use axum::routing::post;
use axum::Router;
use shared::config::Backends;
use shared::domain::FeatureSetName;
use shared::http::{with_ops, Application};

use crate::{routes, Settings};

/// Dependencies shared by requests.
#[derive(Clone)]
pub struct AppState {
    /// Where the newest objects come from, and what gets warmed.
    pub backends: Backends,
    /// Feature set whose active version is warmed.
    pub feature_set: FeatureSetName,
    /// Most objects loaded per ping.
    pub limit: usize,
}

/// The function's routes plus the ops routes.
pub fn router(state: AppState) -> Router {
    with_ops(Router::new().route("/", post(routes::ping)).with_state(state))
}

/// Connects the backends and binds the port (0 picks a free one).
pub async fn build(settings: &Settings) -> shared::Result<Application> {
    let server = &settings.common.server;
    let state = AppState {
        backends: Backends::connect(&settings.common).await?,
        feature_set: server.feature_set.clone(),
        limit: settings.limit,
    };
    Application::bind(&server.host, server.port, router(state)).await
}
