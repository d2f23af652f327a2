//! Wiring: the shared state, the router, and the application that serves it.

use axum::routing::post;
use axum::Router;
use shared::config::{connect_graph, ServerSettings};
use shared::domain::FeatureSetName;
use shared::graph::SharedGraph;
use shared::launcher::SharedLauncher;
use tokio::net::TcpListener;

use crate::launchers::connect_launcher;
use crate::{routes, Result, Settings};

/// Dependencies every handler uses, built once at start.
#[derive(Clone)]
pub struct AppState {
    /// The graph store, for dedup by content hash and recording locations.
    pub graph: SharedGraph,
    /// Where processing runs are started.
    pub launcher: SharedLauncher,
    /// The feature set whose active model version decides what counts as processed.
    pub feature_set: FeatureSetName,
}

/// The routes plus the shared ops routes and layers.
pub fn router(state: AppState) -> Router {
    let app = Router::new()
        .route("/", post(routes::cloudevent))
        .route("/pubsub/push", post(routes::pubsub_push))
        .with_state(state);
    shared::http::with_ops(app)
}

/// The bound server, ready to run.
pub struct Application {
    port: u16,
    listener: TcpListener,
    router: Router,
}

impl Application {
    /// Connects the backends the settings name and binds the listener.
    pub async fn build(settings: &Settings) -> Result<Self> {
        let state = AppState {
            graph: connect_graph(&settings.graph).await?,
            launcher: connect_launcher(settings).await?,
            feature_set: settings.server.feature_set.clone(),
        };
        Self::with_state(&settings.server, state).await
    }

    /// Binds `server.host:server.port` (port 0 picks a free one) for the given state.
    pub async fn with_state(server: &ServerSettings, state: AppState) -> Result<Self> {
        let listener = shared::http::bind(&server.host, server.port)
            .await
            .map_err(|e| shared::Error::backend("http", format!("binding {}:{}: {e}", server.host, server.port)))?;
        let port = listener.local_addr().map_err(|e| shared::Error::backend("http", e))?.port();
        Ok(Self { port, listener, router: router(state) })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGTERM or Ctrl-C, then drains.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        shared::http::serve(self.listener, self.router).await
    }
}
