//! Why a push was refused, and its one HTTP mapping.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// Why a sender was not accepted. Messages never contain the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No `Authorization: Bearer …` header.
    #[error("missing bearer token")]
    Missing,
    /// The header or token is not a well-formed JWT.
    #[error("malformed token: {0}")]
    Malformed(&'static str),
    /// The token names a signing key the issuer does not publish (even after a refresh).
    #[error("token signed with an unknown key")]
    UnknownKey,
    /// Signature, issuer, audience, expiry or sender identity is wrong.
    #[error("token rejected: {0}")]
    Rejected(String),
    /// The issuer's keys cannot be fetched and none are cached: retry later.
    #[error("signing keys unavailable: {0}")]
    KeysUnavailable(String),
}

impl IntoResponse for AuthError {
    /// 401 with `WWW-Authenticate: Bearer` for anything the sender got wrong; 503 when
    /// the keys are out of reach, so Pub/Sub retries instead of dead-lettering.
    fn into_response(self) -> Response {
        if let Self::KeysUnavailable(_) = self {
            tracing::error!(error = %self, "push not verified");
            let body = Json(json!({"error": "unavailable", "message": self.to_string()}));
            return (StatusCode::SERVICE_UNAVAILABLE, body).into_response();
        }
        tracing::warn!(reason = %self, "push rejected");
        let challenge = match self {
            Self::Missing => "Bearer",
            _ => "Bearer error=\"invalid_token\"",
        };
        let body = Json(json!({"error": "unauthorized", "message": self.to_string()}));
        (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, challenge)], body).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sender_mistakes_are_401_and_missing_keys_are_503() {
        let cases = [
            (AuthError::Missing, 401),
            (AuthError::Malformed("not a JWT"), 401),
            (AuthError::UnknownKey, 401),
            (AuthError::Rejected("wrong audience".into()), 401),
            (AuthError::KeysUnavailable("timeout".into()), 503),
        ];
        for (error, status) in cases {
            let text = error.to_string();
            let response = error.into_response();
            assert_eq!(response.status(), status, "{text}");
            assert_eq!(response.headers().contains_key(header::WWW_AUTHENTICATE), status == 401, "{text}");
        }
    }
}
