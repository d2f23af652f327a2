//! The crate's one error type and its HTTP mapping.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use shared::http::ApiError;

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong while starting up or handling an event.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input, graph or launcher failures (the shared kinds).
    #[error(transparent)]
    Shared(#[from] shared::Error),
    /// A setting is missing or malformed; names the variable.
    #[error("invalid setting {variable}: {reason}")]
    Setting {
        /// The environment variable.
        variable: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

impl Error {
    /// Shorthand for [`Error::Setting`].
    pub fn setting(variable: &'static str, reason: impl Into<String>) -> Self {
        Self::Setting { variable, reason: reason.into() }
    }
}

impl IntoResponse for Error {
    /// Bad input → 400, backend down → 503 (the broker retries), anything else → 500.
    fn into_response(self) -> Response {
        match self {
            Self::Shared(e) => ApiError(e).into_response(),
            other => {
                tracing::error!(error = %other, "request failed");
                let body = json!({"error": "internal", "message": other.to_string()});
                (StatusCode::INTERNAL_SERVER_ERROR, Json(body)).into_response()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_errors_keep_their_status_and_settings_errors_are_internal() {
        let cases = [
            (Error::from(shared::Error::invalid("x")), 400),
            (Error::from(shared::Error::unavailable("neo4j", "down")), 503),
            (Error::from(shared::Error::backend("kubernetes", "RBAC is missing")), 500),
            (Error::setting("JOB_IMAGE", "required"), 500),
        ];
        for (error, status) in cases {
            let text = error.to_string();
            assert_eq!(error.into_response().status(), status, "{text}");
        }
    }
}
