//! Bearer-token guard for state-changing routes.

use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

/// Checks `Authorization: Bearer <token>` in constant time; a 401 response otherwise.
pub fn require_admin(headers: &HeaderMap, token: Option<&SecretString>) -> Result<(), Response> {
    let deny = |msg: &str| {
        (StatusCode::UNAUTHORIZED, [("www-authenticate", "Bearer")], Json(serde_json::json!({"error": "unauthorized", "message": msg})))
            .into_response()
    };
    let Some(expected) = token else {
        return Err(deny("state-changing routes are disabled: ADMIN_TOKEN is not configured"));
    };
    let given = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| deny("missing bearer token"))?;
    if bool::from(given.as_bytes().ct_eq(expected.expose_secret().as_bytes())) {
        Ok(())
    } else {
        Err(deny("wrong bearer token"))
    }
}
