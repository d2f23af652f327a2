//! Why a push was refused; it reaches HTTP as a shared [`crate::Error`] through `ApiError`.

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

impl From<AuthError> for crate::Error {
    /// A sender's mistake is `Unauthorized` (401 with a `Bearer` challenge); keys out of reach are
    /// `Unavailable` (503), so Pub/Sub retries instead of dead-lettering. `ApiError` answers both.
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::KeysUnavailable(reason) => {
                crate::Error::unavailable("oidc", reason).context("fetching the push signing keys")
            }
            other => crate::Error::Unauthorized(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::ApiError;
    use axum::http::header;
    use axum::response::IntoResponse;

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
            let response = ApiError(error.into()).into_response();
            assert_eq!(response.status(), status, "{text}");
            assert_eq!(response.headers().contains_key(header::WWW_AUTHENTICATE), status == 401, "{text}");
        }
    }
}
