//! A stand-in for Google's token issuer (feature `testing`): RSA key pairs made
//! in the test, their JWKS served on `127.0.0.1:0`, and tokens signed with them.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use axum::extract::State;
use axum::http::header::CACHE_CONTROL;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use super::{JwksCache, OidcVerifier, PushAuth};

/// One signing key: its id, private half and public JWK.
#[derive(Clone)]
pub struct TestKey {
    /// `kid`.
    pub kid: String,
    encoding: EncodingKey,
    jwk: Value,
}

impl TestKey {
    /// A fresh 2048-bit RSA key named `kid`.
    pub fn generate(kid: &str) -> Self {
        let pair = KeyPair::generate(KeySize::Rsa2048).expect("generate an RSA key");
        let der = AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(&pair).expect("PKCS#8 encoding");
        let body = STANDARD.encode(der.as_ref());
        let lines: Vec<&str> = body.as_bytes().chunks(64).map(|c| std::str::from_utf8(c).unwrap()).collect();
        let pem = format!("-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n", lines.join("\n"));
        let encoding = EncodingKey::from_rsa_pem(pem.as_bytes()).expect("jsonwebtoken reads the key");
        let public = aws_lc_rs::signature::KeyPair::public_key(&pair);
        let jwk = json!({
            "kty": "RSA", "alg": "RS256", "use": "sig", "kid": kid,
            "n": URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero()),
            "e": URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero()),
        });
        Self { kid: kid.to_owned(), encoding, jwk }
    }

    /// `claims` signed with this key, its `kid` in the header.
    pub fn sign(&self, claims: &Value) -> String {
        let header = Header { kid: Some(self.kid.clone()), ..Header::new(Algorithm::RS256) };
        encode(&header, claims, &self.encoding).expect("sign a token")
    }
}

#[derive(Default)]
struct Published {
    keys: Vec<TestKey>,
    cache_control: Option<String>,
    fetches: usize,
}

/// An issuer whose JWKS the verifier under test fetches over HTTP.
pub struct TestIssuer {
    published: Arc<Mutex<Published>>,
    addr: SocketAddr,
}

/// The service account the test tokens are issued to.
pub const TEST_SERVICE_ACCOUNT: &str = "push@sightgraph-test.iam.gserviceaccount.com";
/// The audience the test tokens are issued for.
pub const TEST_AUDIENCE: &str = "https://ingest-trigger.test/pubsub/push";

impl TestIssuer {
    /// Serves a JWKS with one fresh key (`key-1`).
    pub async fn start() -> Self {
        let published =
            Arc::new(Mutex::new(Published { keys: vec![TestKey::generate("key-1")], ..Default::default() }));
        let app = Router::new().route("/certs", get(jwks)).with_state(published.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a free port");
        let addr = listener.local_addr().expect("local addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { published, addr }
    }

    /// Where the JWKS is served.
    pub fn jwks_url(&self) -> String {
        format!("http://{}/certs", self.addr)
    }

    /// A [`PushAuth`] that trusts this issuer's keys, for [`TEST_AUDIENCE`] and
    /// [`TEST_SERVICE_ACCOUNT`]; `refresh_interval` as in [`JwksCache::with_min_refresh_interval`].
    pub fn push_auth(&self, refresh_interval: std::time::Duration) -> PushAuth {
        let keys = JwksCache::new(self.jwks_url()).with_min_refresh_interval(refresh_interval);
        PushAuth::verifying(OidcVerifier::new(TEST_AUDIENCE, TEST_SERVICE_ACCOUNT, keys))
    }

    /// The newest published key.
    pub fn current(&self) -> TestKey {
        self.lock().keys.last().cloned().expect("a published key")
    }

    /// Publishes a new key (and keeps the old ones, as Google does for a while); returns it.
    pub fn rotate(&self, kid: &str) -> TestKey {
        let key = TestKey::generate(kid);
        self.lock().keys.push(key.clone());
        key
    }

    /// The `Cache-Control` header of the JWKS response.
    pub fn set_cache_control(&self, value: &str) {
        self.lock().cache_control = Some(value.to_owned());
    }

    /// How often the JWKS was fetched.
    pub fn fetches(&self) -> usize {
        self.lock().fetches
    }

    /// Claims of a valid push token: Google's issuer, [`TEST_AUDIENCE`], [`TEST_SERVICE_ACCOUNT`]
    /// verified, issued now and valid for an hour.
    pub fn claims() -> Value {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        json!({
            "iss": "https://accounts.google.com",
            "aud": TEST_AUDIENCE,
            "azp": "113774264463038321964",
            "sub": "113774264463038321964",
            "email": TEST_SERVICE_ACCOUNT,
            "email_verified": true,
            "iat": now,
            "exp": now + 3600,
        })
    }

    /// A valid token signed with the newest key.
    pub fn token(&self) -> String {
        self.current().sign(&Self::claims())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Published> {
        self.published.lock().unwrap_or_else(|p| p.into_inner())
    }
}

async fn jwks(State(published): State<Arc<Mutex<Published>>>) -> impl IntoResponse {
    let mut p = published.lock().unwrap_or_else(|p| p.into_inner());
    p.fetches += 1;
    let keys: Vec<Value> = p.keys.iter().map(|k| k.jwk.clone()).collect();
    let cache_control = p.cache_control.clone().unwrap_or_else(|| "public, max-age=3600".into());
    ([(CACHE_CONTROL, cache_control)], Json(json!({ "keys": keys })))
}
