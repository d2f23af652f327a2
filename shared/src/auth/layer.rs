//! [`PushAuth`]: the one switch a function holds, and the layer that puts token
//! verification in front of a router's push routes before any body is read.

use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::{from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use std::sync::Arc;

use super::{AuthError, JwksCache, OidcVerifier, PushAuthSettings};

/// The verified sender of a push, added to the request's extensions for handlers that want it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushSender(pub String);

/// Verification of push tokens, or (development only) none.
#[derive(Clone)]
pub struct PushAuth(Option<Arc<OidcVerifier>>);

impl PushAuth {
    /// From validated settings; logs a warning at start when verification is off.
    pub fn from_settings(settings: &PushAuthSettings) -> Self {
        if settings.disabled {
            tracing::warn!(
                "PUSH_AUTH_DISABLED=true: Pub/Sub pushes are accepted WITHOUT a verified OIDC token \
                 (development only; refused in Kubernetes)"
            );
            return Self(None);
        }
        tracing::info!(audience = ?settings.audience, jwks = %settings.jwks_url, "Pub/Sub push tokens are verified");
        Self::verifying(OidcVerifier::new(
            settings.audience.clone().unwrap_or_default(),
            settings.service_account.clone().unwrap_or_default(),
            JwksCache::new(&settings.jwks_url),
        ))
    }

    /// Verifies every push with `verifier`.
    pub fn verifying(verifier: OidcVerifier) -> Self {
        Self(Some(Arc::new(verifier)))
    }

    /// No verification: for the local stack and tests of other behaviour, never the cluster.
    pub fn disabled_for_development() -> Self {
        Self(None)
    }

    /// Whether pushes pass unverified.
    pub fn is_disabled(&self) -> bool {
        self.0.is_none()
    }

    /// `router` with every one of its routes behind token verification; missing or bad
    /// tokens get a 401 before the handler (or its body extractor) runs.
    pub fn protect<S: Clone + Send + Sync + 'static>(&self, router: Router<S>) -> Router<S> {
        router.route_layer(from_fn_with_state(self.clone(), require_push_token))
    }

    /// Checks the `Authorization` header of one request.
    pub async fn authorize(&self, headers: &axum::http::HeaderMap) -> Result<Option<PushSender>, AuthError> {
        let Some(verifier) = &self.0 else { return Ok(None) };
        let token = bearer(headers)?;
        Ok(Some(PushSender(verifier.verify(token).await?)))
    }
}

fn bearer(headers: &axum::http::HeaderMap) -> Result<&str, AuthError> {
    let value = headers.get(AUTHORIZATION).ok_or(AuthError::Missing)?;
    let value = value.to_str().map_err(|_| AuthError::Malformed("Authorization is not ASCII"))?;
    let (scheme, token) = value.split_once(' ').ok_or(AuthError::Malformed("Authorization is not `Bearer <token>`"))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(AuthError::Malformed("Authorization is not `Bearer <token>`"));
    }
    Ok(token.trim())
}

async fn require_push_token(State(auth): State<PushAuth>, mut request: Request, next: Next) -> Response {
    match auth.authorize(request.headers()).await {
        Ok(sender) => {
            if let Some(sender) = sender {
                tracing::debug!(sender = %sender.0, "push sender verified");
                request.extensions_mut().insert(sender);
            }
            next.run(request).await
        }
        Err(e) => crate::http::ApiError(e.into()).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderMap;

    fn headers(value: &str) -> HeaderMap {
        HeaderMap::from_iter([(AUTHORIZATION, value.parse().unwrap())])
    }

    #[test]
    fn only_a_bearer_header_with_a_token_is_read() {
        assert_eq!(bearer(&headers("Bearer abc.def.ghi")), Ok("abc.def.ghi"));
        assert_eq!(bearer(&headers("bearer abc")), Ok("abc"));
        assert_eq!(bearer(&HeaderMap::new()), Err(AuthError::Missing));
        for bad in ["Basic abc", "Bearer", "Bearer  ", "abc"] {
            assert!(matches!(bearer(&headers(bad)), Err(AuthError::Malformed(_))), "{bad:?}");
        }
    }

    /// Collects what a `tracing` subscriber writes.
    #[derive(Clone, Default)]
    struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn switching_verification_off_logs_a_warning_at_start() {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt().with_ansi(false).with_writer(move || writer.clone()).finish();
        let settings: PushAuthSettings =
            envy::prefixed("PUSH_AUTH_").from_iter([("PUSH_AUTH_DISABLED".to_owned(), "true".to_owned())]).unwrap();

        let auth = tracing::subscriber::with_default(subscriber, || PushAuth::from_settings(&settings));

        let logged = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        assert!(auth.is_disabled());
        assert!(logged.contains("WARN") && logged.contains("PUSH_AUTH_DISABLED=true"), "{logged}");
    }

    #[tokio::test]
    async fn a_disabled_switch_lets_pushes_through_unverified() {
        let auth = PushAuth::disabled_for_development();
        assert!(auth.is_disabled());
        assert_eq!(auth.authorize(&HeaderMap::new()).await, Ok(None));
    }
}
