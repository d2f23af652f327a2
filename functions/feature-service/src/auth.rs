//! Bearer-token guard for state-changing routes.

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

/// Why a state-changing request was refused; answers 401.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unauthorized(&'static str);

impl IntoResponse for Unauthorized {
    fn into_response(self) -> Response {
        let body = Json(serde_json::json!({"error": "unauthorized", "message": self.0}));
        (StatusCode::UNAUTHORIZED, [("www-authenticate", "Bearer")], body).into_response()
    }
}

/// Checks `Authorization: Bearer <token>` in constant time.
pub fn require_admin(headers: &HeaderMap, token: Option<&SecretString>) -> Result<(), Unauthorized> {
    let Some(expected) = token else {
        return Err(Unauthorized("state-changing routes are disabled: ADMIN_TOKEN is not configured"));
    };
    let given = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(Unauthorized("missing bearer token"))?;
    if bool::from(given.as_bytes().ct_eq(expected.expose_secret().as_bytes())) {
        Ok(())
    } else {
        Err(Unauthorized("wrong bearer token"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(auth: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(a) = auth {
            h.insert(axum::http::header::AUTHORIZATION, a.parse().unwrap());
        }
        h
    }

    #[test]
    fn only_the_exact_bearer_token_passes() {
        let token: SecretString = "t0ken".to_owned().into();
        assert_eq!(require_admin(&headers(Some("Bearer t0ken")), Some(&token)), Ok(()));
        for bad in [None, Some("Bearer t0ke"), Some("Basic t0ken"), Some("Bearer t0ken ")] {
            assert!(require_admin(&headers(bad), Some(&token)).is_err(), "{bad:?}");
        }
        assert!(require_admin(&headers(Some("Bearer x")), None).is_err(), "no configured token disables the routes");
    }
}
