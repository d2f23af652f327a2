//! Checks one Google-signed OIDC token: RS256 signature by a published key,
//! issuer, audience, expiry, and the sender's verified service-account email.

use jsonwebtoken::{decode, decode_header, errors::ErrorKind, Algorithm, Validation};
use serde::Deserialize;

use super::{AuthError, JwksCache};

/// The issuers Google writes into its ID tokens.
pub const GOOGLE_ISSUERS: [&str; 2] = ["https://accounts.google.com", "accounts.google.com"];
/// Longest token accepted; Google's are about 1 KB.
const MAX_TOKEN_BYTES: usize = 8 * 1024;
/// Clock skew tolerated on `exp`, `nbf` and `iat`.
const LEEWAY_SECONDS: u64 = 60;

/// Verifies push tokens for one audience and one sending service account.
pub struct OidcVerifier {
    audience: String,
    service_account: String,
    keys: JwksCache,
}

#[derive(Deserialize)]
struct Claims {
    email: Option<String>,
    #[serde(default)]
    email_verified: Verified,
}

/// `email_verified` as Google writes it: a boolean, in older tokens the string `"true"`.
#[derive(Deserialize, Default)]
#[serde(untagged)]
enum Verified {
    Bool(bool),
    Text(String),
    #[default]
    Absent,
}

impl Verified {
    fn is_true(&self) -> bool {
        matches!(self, Self::Bool(true)) || matches!(self, Self::Text(t) if t == "true")
    }
}

impl OidcVerifier {
    /// A verifier expecting `audience` and tokens for `service_account`, with keys from `keys`.
    pub fn new(audience: impl Into<String>, service_account: impl Into<String>, keys: JwksCache) -> Self {
        Self { audience: audience.into(), service_account: service_account.into(), keys }
    }

    /// The token's sender (its service-account email) when every check passes.
    pub async fn verify(&self, token: &str) -> Result<String, AuthError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(AuthError::Malformed("token too long"));
        }
        let header = decode_header(token).map_err(|_| AuthError::Malformed("not a JWT"))?;
        if header.alg != Algorithm::RS256 {
            return Err(AuthError::Rejected(format!("algorithm {:?} is not RS256", header.alg)));
        }
        let kid = header.kid.ok_or(AuthError::Malformed("no key id"))?;
        let key = self.keys.key(&kid).await?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_audience(&[&self.audience]);
        validation.set_issuer(&GOOGLE_ISSUERS);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        validation.leeway = LEEWAY_SECONDS;
        let claims = decode::<Claims>(token, &key, &validation).map_err(|e| rejected(e.kind()))?.claims;
        let email = claims.email.ok_or_else(|| AuthError::Rejected("no email claim".into()))?;
        if !email.eq_ignore_ascii_case(&self.service_account) {
            return Err(AuthError::Rejected(format!("sent by {email}, not by the push service account")));
        }
        if !claims.email_verified.is_true() {
            return Err(AuthError::Rejected("email is not verified".into()));
        }
        Ok(email)
    }
}

fn rejected(kind: &ErrorKind) -> AuthError {
    let reason = match kind {
        ErrorKind::InvalidSignature => "bad signature",
        ErrorKind::ExpiredSignature => "expired",
        ErrorKind::ImmatureSignature => "not valid yet",
        ErrorKind::InvalidIssuer => "wrong issuer",
        ErrorKind::InvalidAudience => "wrong audience",
        ErrorKind::MissingRequiredClaim(_) => "a required claim is missing",
        ErrorKind::InvalidAlgorithm => "wrong algorithm",
        _ => "invalid token",
    };
    AuthError::Rejected(reason.into())
}
