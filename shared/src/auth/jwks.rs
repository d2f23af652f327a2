//! The issuer's signing keys (a JWKS document), fetched on first use, cached for
//! as long as the issuer's `Cache-Control: max-age` says, and refreshed once when
//! a token names a key id the cache does not hold (key rotation), at most once per
//! refresh interval so that unknown key ids cannot make us hammer the issuer.

use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet, KeyAlgorithm};
use jsonwebtoken::DecodingKey;
use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

use super::AuthError;

/// Largest JWKS document read (Google's is about 2 KB).
const MAX_JWKS_BYTES: usize = 256 * 1024;
/// Lifetime when the response carries no usable `max-age`.
const DEFAULT_TTL: Duration = Duration::from_secs(3600);
/// Bounds on the honoured lifetime.
const MIN_TTL: Duration = Duration::from_secs(30);
const MAX_TTL: Duration = Duration::from_secs(24 * 3600);
/// How long expired keys may still be used while the issuer cannot be reached.
const MAX_STALE: Duration = Duration::from_secs(24 * 3600);

struct KeySet {
    keys: HashMap<String, DecodingKey>,
    expires: Instant,
}

/// A cached, self-refreshing set of RSA verification keys by key id.
pub struct JwksCache {
    url: String,
    client: reqwest::Client,
    keys: RwLock<Option<KeySet>>,
    /// Fetches happen at most this often, whatever tokens arrive.
    min_refresh: Duration,
    /// The last fetch; held while fetching so that one request fetches at a time.
    fetch_state: Mutex<FetchState>,
}

#[derive(Default)]
struct FetchState {
    /// When the last fetch started.
    at: Option<Instant>,
    /// Why it failed, if it did.
    error: Option<String>,
}

impl JwksCache {
    /// How often unknown key ids may trigger a fetch, unless set otherwise.
    pub const MIN_REFRESH_INTERVAL: Duration = Duration::from_secs(30);

    /// Keys from `url`, fetched lazily.
    pub fn new(url: impl Into<String>) -> Self {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Self {
            url: url.into(),
            client,
            keys: RwLock::new(None),
            min_refresh: Self::MIN_REFRESH_INTERVAL,
            fetch_state: Mutex::default(),
        }
    }

    /// Lets fetches happen as often as every `interval` (tests of key rotation use zero).
    pub fn with_min_refresh_interval(mut self, interval: Duration) -> Self {
        self.min_refresh = interval;
        self
    }

    /// The verification key named `kid`: from the cache while it is fresh, else after a
    /// fetch (at most one per refresh interval, [`Self::MIN_REFRESH_INTERVAL`] by default); expired keys serve only
    /// while the issuer cannot be reached.
    pub async fn key(&self, kid: &str) -> Result<DecodingKey, AuthError> {
        if let Some(key) = self.cached(kid, false) {
            return Ok(key);
        }
        let mut state = self.fetch_state.lock().await;
        // NB: another request may have fetched while this one waited for the lock.
        if let Some(key) = self.cached(kid, false) {
            return Ok(key);
        }
        if state.at.is_none_or(|t| t.elapsed() >= self.min_refresh) {
            state.at = Some(Instant::now());
            state.error = match self.fetch().await {
                Ok(set) => {
                    tracing::info!(keys = set.keys.len(), "signing keys refreshed");
                    *self.keys.write().unwrap_or_else(|p| p.into_inner()) = Some(set);
                    None
                }
                Err(reason) => {
                    tracing::warn!(%reason, "signing keys could not be refreshed");
                    Some(reason)
                }
            };
        }
        if let Some(key) = self.cached(kid, false) {
            return Ok(key);
        }
        if let Some(reason) = &state.error {
            if let Some(key) = self.cached(kid, true) {
                tracing::warn!("using an expired signing key while the issuer cannot be reached");
                return Ok(key);
            }
            if !self.is_fresh() {
                return Err(AuthError::KeysUnavailable(reason.clone()));
            }
        }
        Err(AuthError::UnknownKey)
    }

    fn is_fresh(&self) -> bool {
        let keys = self.keys.read().unwrap_or_else(|p| p.into_inner());
        keys.as_ref().is_some_and(|set| Instant::now() < set.expires)
    }

    fn cached(&self, kid: &str, allow_stale: bool) -> Option<DecodingKey> {
        let keys = self.keys.read().unwrap_or_else(|p| p.into_inner());
        let set = keys.as_ref()?;
        let now = Instant::now();
        let usable = now < set.expires || (allow_stale && now < set.expires + MAX_STALE);
        usable.then(|| set.keys.get(kid).cloned()).flatten()
    }

    async fn fetch(&self) -> Result<KeySet, String> {
        let mut response = self.client.get(&self.url).send().await.map_err(|e| format!("fetching the JWKS: {e}"))?;
        if !response.status().is_success() {
            return Err(format!("fetching the JWKS: HTTP {}", response.status()));
        }
        let ttl = cache_lifetime(response.headers());
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| format!("reading the JWKS: {e}"))? {
            if body.len() + chunk.len() > MAX_JWKS_BYTES {
                return Err(format!("the JWKS is larger than {MAX_JWKS_BYTES} bytes"));
            }
            body.extend_from_slice(&chunk);
        }
        let keys = parse_keys(&body)?;
        Ok(KeySet { keys, expires: Instant::now() + ttl })
    }
}

/// The RSA keys of a JWKS document by key id; other key types are skipped.
fn parse_keys(body: &[u8]) -> Result<HashMap<String, DecodingKey>, String> {
    let set: JwkSet = serde_json::from_slice(body).map_err(|e| format!("the JWKS is not a key set: {e}"))?;
    let keys: HashMap<String, DecodingKey> = set
        .keys
        .iter()
        .filter(|jwk| matches!(jwk.algorithm, AlgorithmParameters::RSA(_)))
        .filter(|jwk| matches!(jwk.common.key_algorithm, None | Some(KeyAlgorithm::RS256)))
        .filter_map(|jwk| Some((jwk.common.key_id.clone()?, DecodingKey::from_jwk(jwk).ok()?)))
        .collect();
    if keys.is_empty() {
        return Err("the JWKS holds no RS256 key with a key id".into());
    }
    Ok(keys)
}

/// `max-age` minus `Age`, within bounds; [`DEFAULT_TTL`] without one.
fn cache_lifetime(headers: &reqwest::header::HeaderMap) -> Duration {
    let number = |name: reqwest::header::HeaderName, directive: Option<&str>| {
        let value = headers.get(name)?.to_str().ok()?;
        match directive {
            Some(d) => value.split(',').find_map(|p| p.trim().strip_prefix(d)?.parse::<u64>().ok()),
            None => value.trim().parse::<u64>().ok(),
        }
    };
    let Some(max_age) = number(reqwest::header::CACHE_CONTROL, Some("max-age=")) else {
        return DEFAULT_TTL;
    };
    let age = number(reqwest::header::AGE, None).unwrap_or(0);
    Duration::from_secs(max_age.saturating_sub(age)).clamp(MIN_TTL, MAX_TTL)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue, AGE, CACHE_CONTROL};

    fn headers(pairs: &[(reqwest::header::HeaderName, &'static str)]) -> HeaderMap {
        pairs.iter().map(|(k, v)| (k.clone(), HeaderValue::from_static(v))).collect()
    }

    #[test]
    fn the_cache_lifetime_follows_max_age_less_age_within_bounds() {
        let cases = [
            (headers(&[(CACHE_CONTROL, "public, max-age=20000, must-revalidate")]), 20_000),
            (headers(&[(CACHE_CONTROL, "max-age=20000"), (AGE, "500")]), 19_500),
            (headers(&[]), DEFAULT_TTL.as_secs()),
            (headers(&[(CACHE_CONTROL, "no-cache")]), DEFAULT_TTL.as_secs()),
            (headers(&[(CACHE_CONTROL, "max-age=1")]), MIN_TTL.as_secs()),
            (headers(&[(CACHE_CONTROL, "max-age=99999999")]), MAX_TTL.as_secs()),
        ];
        for (h, secs) in cases {
            assert_eq!(cache_lifetime(&h), Duration::from_secs(secs), "{h:?}");
        }
    }

    #[test]
    fn only_rsa_keys_with_a_key_id_are_kept() {
        let body = br#"{"keys": [
            {"kty": "RSA", "kid": "a", "alg": "RS256", "use": "sig", "n": "sXch", "e": "AQAB"},
            {"kty": "RSA", "n": "sXch", "e": "AQAB"},
            {"kty": "oct", "kid": "h", "k": "c2VjcmV0"},
            {"kty": "EC", "kid": "e", "crv": "P-256", "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
             "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}
        ]}"#;
        let keys = parse_keys(body).unwrap();
        assert_eq!(keys.keys().collect::<Vec<_>>(), ["a"]);
        assert!(parse_keys(br#"{"keys": [{"kty": "oct", "kid": "h", "k": "c2VjcmV0"}]}"#).is_err());
        assert!(parse_keys(b"<html>").is_err());
    }
}
