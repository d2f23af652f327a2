//! Bearer tokens for state-changing routes, each with a name: the name is the
//! audited actor, so the audit trail says who switched a version, not what a
//! header claimed. `ADMIN_TOKENS=alice:<token>,ci:<token>`; `ADMIN_TOKEN` alone
//! is the token named `admin`. Only SHA-256 digests are kept, compared in
//! constant time against every configured token.

use axum::http::HeaderMap;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use subtle::{ConditionallySelectable, ConstantTimeEq};

/// Shortest token accepted at start.
pub const MIN_TOKEN_LEN: usize = 16;
/// The actor name of `ADMIN_TOKEN`.
pub const LEGACY_ACTOR: &str = "admin";

/// A refusal (401 through `ApiError`); the message never carries a token.
fn unauthorized(why: &str) -> shared::Error {
    shared::Error::Unauthorized(why.to_owned())
}

/// The configured admin tokens; empty disables state-changing routes.
#[derive(Clone, Default)]
pub struct AdminTokens {
    tokens: Vec<(String, [u8; 32])>,
}

impl std::fmt::Debug for AdminTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}

impl AdminTokens {
    /// From `ADMIN_TOKEN` and `ADMIN_TOKENS`; errors name the variable and never echo a token.
    pub fn from_settings(
        admin_token: Option<&SecretString>,
        admin_tokens: Option<&SecretString>,
    ) -> Result<Self, String> {
        let mut tokens = Self::default();
        if let Some(token) = admin_token {
            tokens.add("ADMIN_TOKEN", LEGACY_ACTOR, token.expose_secret())?;
        }
        if let Some(list) = admin_tokens {
            let entries: Vec<&str> = list.expose_secret().split(',').map(str::trim).filter(|e| !e.is_empty()).collect();
            if entries.is_empty() {
                return Err("ADMIN_TOKENS is set but empty: unset it to disable version switches".into());
            }
            for entry in entries {
                let (name, token) =
                    entry.split_once(':').ok_or_else(|| "ADMIN_TOKENS: each entry must be name:token".to_owned())?;
                tokens.add("ADMIN_TOKENS", name.trim(), token.trim())?;
            }
        }
        Ok(tokens)
    }

    fn add(&mut self, variable: &str, name: &str, token: &str) -> Result<(), String> {
        if token.is_empty() {
            return Err(format!("{variable} is set but empty: unset it to disable version switches"));
        }
        if token.len() < MIN_TOKEN_LEN {
            return Err(format!("{variable}: the token of {name:?} is shorter than {MIN_TOKEN_LEN} characters"));
        }
        let valid_name = (1..=64).contains(&name.len())
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'@'));
        if !valid_name {
            return Err(format!("{variable}: {name:?} is not a name (1-64 of a-z A-Z 0-9 - _ . @)"));
        }
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        if self.tokens.iter().any(|(n, d)| n == name || bool::from(d.ct_eq(&digest))) {
            return Err(format!("{variable}: {name:?} repeats a name or a token (each actor needs its own)"));
        }
        self.tokens.push((name.to_owned(), digest));
        Ok(())
    }

    /// The actor names, for logs.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.tokens.iter().map(|(n, _)| n.as_str())
    }

    /// The name of the token in `Authorization: Bearer <token>`: compared against every
    /// configured token without an early exit, so timing tells nothing about which matched.
    pub fn authenticate(&self, headers: &HeaderMap) -> shared::Result<&str> {
        if self.tokens.is_empty() {
            return Err(unauthorized("state-changing routes are disabled: ADMIN_TOKEN(S) is not configured"));
        }
        let given = headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(|| unauthorized("missing bearer token"))?;
        let digest: [u8; 32] = Sha256::digest(given.as_bytes()).into();
        let mut found = u32::MAX;
        for (i, (_, expected)) in self.tokens.iter().enumerate() {
            let index = u32::try_from(i).unwrap_or(u32::MAX);
            found.conditional_assign(&index, expected.ct_eq(&digest));
        }
        match self.tokens.get(found as usize) {
            Some((name, _)) => Ok(name),
            None => Err(unauthorized("wrong bearer token")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALICE: &str = "alice-token-0123456789";
    const CI: &str = "ci-token-0123456789abc";

    fn secret(s: &str) -> SecretString {
        s.to_owned().into()
    }

    fn headers(auth: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(a) = auth {
            h.insert(axum::http::header::AUTHORIZATION, a.parse().unwrap());
        }
        h
    }

    #[test]
    fn each_named_token_authenticates_as_its_name_and_admin_token_as_admin() {
        let legacy = secret("legacy-token-0123456789");
        let tokens =
            AdminTokens::from_settings(Some(&legacy), Some(&secret(&format!("alice:{ALICE}, ci:{CI}")))).unwrap();
        let cases = [(ALICE, "alice"), (CI, "ci"), ("legacy-token-0123456789", "admin")];
        for (token, actor) in cases {
            assert_eq!(tokens.authenticate(&headers(Some(&format!("Bearer {token}")))).unwrap(), actor, "{actor}");
        }
    }

    #[test]
    fn only_the_exact_bearer_token_passes() {
        let tokens = AdminTokens::from_settings(Some(&secret(ALICE)), None).unwrap();
        let near = format!("Bearer {}", &ALICE[..ALICE.len() - 1]);
        let spaced = format!("Bearer {ALICE} ");
        let basic = format!("Basic {ALICE}");
        for bad in [None, Some(near.as_str()), Some(basic.as_str()), Some(spaced.as_str())] {
            assert!(tokens.authenticate(&headers(bad)).is_err(), "{bad:?}");
        }
        let none = AdminTokens::default();
        assert!(none.authenticate(&headers(Some(&format!("Bearer {ALICE}")))).is_err(), "no token disables the routes");
    }

    #[test]
    fn empty_short_malformed_or_repeated_tokens_are_refused_at_start_without_echoing_them() {
        let cases: [(Option<&str>, Option<&str>, &str); 7] = [
            (Some(""), None, "ADMIN_TOKEN is set but empty"),
            (Some("short"), None, "shorter than"),
            (None, Some(""), "ADMIN_TOKENS is set but empty"),
            (None, Some("alice"), "name:token"),
            (None, Some("al ice:alice-token-0123456789"), "is not a name"),
            (None, Some("alice:alice-token-0123456789,bob:alice-token-0123456789"), "repeats"),
            (Some("admin-token-0123456789"), Some("admin:other-token-0123456789"), "repeats"),
        ];
        for (single, list, problem) in cases {
            let err = AdminTokens::from_settings(single.map(secret).as_ref(), list.map(secret).as_ref()).unwrap_err();
            assert!(err.contains(problem), "{single:?} {list:?}: {err}");
            assert!(!err.contains("0123456789"), "the error must not echo a token: {err}");
        }
    }
}
