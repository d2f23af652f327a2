//! HTTP plumbing every function shares: error responses, ops routes, common
//! layers, and serving with graceful shutdown on SIGTERM.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use metrics_exporter_prometheus::PrometheusHandle;
use serde_json::json;
use std::net::SocketAddr;
use tokio::net::TcpListener;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::config::ServerSettings;
use crate::Error;

/// Largest request body a function accepts unless it sets its own (events and batch lookups are small).
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// An [`Error`] as an HTTP response: `{"error": kind, "message": text}`.
#[derive(Debug)]
pub struct ApiError(pub Error);

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        Self(e)
    }
}

impl ApiError {
    /// A 400 with a message.
    pub fn invalid(msg: impl Into<String>) -> Self {
        Self(Error::Invalid(msg.into()))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, kind) = match &self.0 {
            Error::Invalid(_) => (StatusCode::BAD_REQUEST, "invalid"),
            Error::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            Error::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            Error::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            Error::Unavailable { .. } => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            Error::Backend { .. } => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        };
        // NB: the one place a failed request is logged, with every cause the error keeps.
        let chain = error_chain(&self.0);
        if crate::breaker::is_rejection(&self.0) {
            // NB: the breaker logged its opening once; one line per refused request would flood the logs.
            tracing::debug!(error = %chain, "request refused: backend known to be down");
        } else if status.is_server_error() {
            tracing::error!(error = %chain, "request failed");
        } else {
            tracing::info!(error = %chain, "request rejected");
        }
        let body = Json(json!({"error": kind, "message": client_message(&self.0)}));
        if status == StatusCode::UNAUTHORIZED {
            return (status, [(axum::http::header::WWW_AUTHENTICATE, "Bearer")], body).into_response();
        }
        (status, body).into_response()
    }
}

/// What a client is told: the error and its first cause. Deeper causes (hosts, files, driver
/// internals) stay in the log.
pub fn client_message(error: &Error) -> String {
    match std::error::Error::source(error) {
        Some(cause) => format!("{error}: {cause}"),
        None => error.to_string(),
    }
}

/// An error and its sources, outermost first, joined by `: `.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// `GET /healthz`: cheap, no backend calls.
pub async fn healthz() -> &'static str {
    "ok"
}

async fn metrics_route(State(handle): State<PrometheusHandle>) -> impl IntoResponse {
    ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], handle.render())
}

/// Adds `/healthz` and `/metrics` (kept outside the access log) and the
/// common layers: body limit ([`MAX_BODY_BYTES`]), request ids, tracing.
pub fn with_ops(app: Router) -> Router {
    with_ops_limited(app, MAX_BODY_BYTES)
}

/// [`with_ops`] with another body limit, for a function whose requests are larger by
/// nature (feature-ingestor's Pub/Sub pushes carry whole documents, base64-encoded).
pub fn with_ops_limited(app: Router, max_body_bytes: usize) -> Router {
    let handle = crate::metrics::install();
    let ops = Router::new().route("/healthz", get(healthz)).route("/metrics", get(metrics_route)).with_state(handle);
    let traced = app
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
            let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
        }))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid));
    ops.merge(traced).layer(RequestBodyLimitLayer::new(max_body_bytes))
}

/// Binds `127.0.0.1:port` or `0.0.0.0:port`; port 0 picks a free one (tests).
pub async fn bind(host: &str, port: u16) -> std::io::Result<TcpListener> {
    TcpListener::bind((host, port)).await
}

/// Serves until SIGTERM or Ctrl-C, then drains in-flight requests.
pub async fn serve(listener: TcpListener, app: Router) -> std::io::Result<()> {
    let addr: SocketAddr = listener.local_addr()?;
    tracing::info!(%addr, "listening");
    axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await
}

/// Resolves on SIGTERM (Knative scale-down) or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutdown signal received, draining");
}

/// A function bound to its port, ready to serve (port 0 picks a free one, for tests).
pub struct Application {
    listener: TcpListener,
    router: Router,
}

impl Application {
    /// Binds `host:port` for `router`.
    pub async fn bind(host: &str, port: u16, router: Router) -> crate::Result<Self> {
        let listener =
            bind(host, port).await.map_err(|e| Error::backend("http", e).context(format!("binding {host}:{port}")))?;
        Ok(Self { listener, router })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or_default()
    }

    /// Serves until SIGTERM or Ctrl-C, then drains.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        serve(self.listener, self.router).await
    }
}

/// Why a function's `main` stopped.
#[derive(Debug, thiserror::Error)]
pub enum MainError {
    /// A setting is missing or out of range (the message names the variable).
    #[error("reading settings")]
    Settings(#[source] Error),
    /// A backend or the port could not be set up.
    #[error("starting")]
    Start(#[source] Error),
    /// Serving failed.
    #[error("serving")]
    Serve(#[source] std::io::Error),
}

/// The whole `main` of an HTTP function: its settings from the environment, telemetry in
/// the format they name, the backends and the port (`build`), then serving until SIGTERM.
pub async fn run<S>(
    from_env: impl FnOnce() -> crate::Result<S>,
    server: impl Fn(&S) -> &ServerSettings,
    build: impl AsyncFnOnce(&S) -> crate::Result<Application>,
) -> Result<(), MainError> {
    let settings = from_env().map_err(MainError::Settings)?;
    crate::telemetry::init(server(&settings).log_format, "info");
    let app = build(&settings).await.map_err(MainError::Start)?;
    app.run_until_stopped().await.map_err(MainError::Serve)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_logged_error_carries_every_cause_outermost_first() {
        let io = std::io::Error::other("connection refused");
        assert_eq!(error_chain(&MainError::Serve(io)), "serving: connection refused");
    }

    #[tokio::test]
    async fn a_backend_failure_is_answered_with_its_first_cause_and_logged_with_all_of_them() {
        // Arrange
        #[derive(Debug, thiserror::Error)]
        #[error("connection reset")]
        struct Reset(#[source] std::io::Error);
        let cause = Reset(std::io::Error::other("10.0.0.7:6379 sent RST"));
        let error = Error::unavailable("redis", cause).context("reading 3 keys");

        // Act
        let logged = error_chain(&error);
        let response = ApiError(error).into_response();

        // Assert
        assert_eq!(logged, "redis unavailable: reading 3 keys: connection reset: 10.0.0.7:6379 sent RST");
        assert_eq!(response.status(), 503);
        let bytes = axum::body::to_bytes(response.into_body(), 4096).await.unwrap();
        let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(
            body,
            json!({"error": "unavailable", "message": "redis unavailable: reading 3 keys: connection reset"})
        );
    }

    #[test]
    fn each_error_kind_has_its_status_and_kind_and_only_401_carries_a_challenge() {
        let cases = [
            (Error::invalid("x"), 400, "invalid"),
            (Error::NotFound("y".into()), 404, "not_found"),
            (Error::Unauthorized("missing bearer token".into()), 401, "unauthorized"),
            (Error::conflict("a backfill of v2 is still running"), 409, "conflict"),
            (Error::unavailable("neo4j", "down"), 503, "unavailable"),
            (Error::backend("neo4j", "broken"), 500, "internal"),
        ];
        for (error, status, kind) in cases {
            let response = ApiError(error).into_response();
            assert_eq!(response.status(), status, "{kind}");
            let challenge = response.headers().get(axum::http::header::WWW_AUTHENTICATE);
            assert_eq!(challenge.map(|v| v.to_str().unwrap()), (status == 401).then_some("Bearer"), "{kind}");
        }
    }
}
