//! Push-token verification against an issuer made in the test: RSA keys generated
//! here, their JWKS served on 127.0.0.1, tokens signed with them. Every way a token
//! can be wrong is a 401; key rotation is picked up; the keys are cached.

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use serde_json::{json, Value};
use shared::auth::testing::{TestIssuer, TestKey, TEST_SERVICE_ACCOUNT};
use shared::auth::{AuthError, JwksCache, OidcVerifier, PushAuth};
use std::time::Duration;

fn bearer(token: &str) -> HeaderMap {
    HeaderMap::from_iter([(
        axum::http::header::AUTHORIZATION,
        HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
    )])
}

async fn status_of(auth: &PushAuth, headers: &HeaderMap) -> StatusCode {
    match auth.authorize(headers).await {
        Ok(_) => StatusCode::OK,
        Err(e) => shared::http::ApiError(e.into()).into_response().status(),
    }
}

fn with(overrides: Value) -> Value {
    let mut claims = TestIssuer::claims();
    for (k, v) in overrides.as_object().unwrap() {
        match v {
            Value::Null => claims.as_object_mut().unwrap().remove(k),
            v => claims.as_object_mut().unwrap().insert(k.clone(), v.clone()),
        };
    }
    claims
}

#[tokio::test]
async fn a_token_from_the_push_service_account_for_this_audience_is_accepted() {
    let issuer = TestIssuer::start().await;
    let auth = issuer.push_auth(Duration::ZERO);

    let sender = auth.authorize(&bearer(&issuer.token())).await.unwrap();

    assert_eq!(sender.unwrap().0, TEST_SERVICE_ACCOUNT);
    let legacy_issuer = issuer.current().sign(&with(json!({"iss": "accounts.google.com"})));
    assert!(auth.authorize(&bearer(&legacy_issuer)).await.is_ok(), "Google's issuer without the scheme too");
}

#[tokio::test]
async fn every_kind_of_bad_token_is_refused_with_401() {
    let issuer = TestIssuer::start().await;
    let auth = issuer.push_auth(Duration::ZERO);
    let key = issuer.current();
    let now = TestIssuer::claims()["iat"].as_u64().unwrap();
    let impostor = TestKey::generate(&key.kid); // same key id, another private key
    let stranger = TestKey::generate("never-published");
    let cases: Vec<(&str, HeaderMap)> = vec![
        ("missing", HeaderMap::new()),
        ("not a JWT", bearer("abc.def")),
        ("wrong audience", bearer(&key.sign(&with(json!({"aud": "https://other.example/push"}))))),
        ("wrong issuer", bearer(&key.sign(&with(json!({"iss": "https://evil.example"}))))),
        ("another sender", bearer(&key.sign(&with(json!({"email": "intruder@other.iam.gserviceaccount.com"}))))),
        ("unverified email", bearer(&key.sign(&with(json!({"email_verified": false}))))),
        ("no email", bearer(&key.sign(&with(json!({"email": null}))))),
        ("expired", bearer(&key.sign(&with(json!({"iat": now - 7200, "exp": now - 3600}))))),
        ("no expiry", bearer(&key.sign(&with(json!({"exp": null}))))),
        ("bad signature", bearer(&impostor.sign(&TestIssuer::claims()))),
        ("unknown key id", bearer(&stranger.sign(&TestIssuer::claims()))),
        ("unsigned (alg none)", bearer(&unsigned(&key.kid))),
    ];

    for (case, headers) in cases {
        assert_eq!(status_of(&auth, &headers).await, StatusCode::UNAUTHORIZED, "{case}");
    }
}

/// `{"alg":"none"}` with valid claims and an empty signature.
fn unsigned(kid: &str) -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let header = URL_SAFE_NO_PAD.encode(json!({"alg": "none", "kid": kid, "typ": "JWT"}).to_string());
    let claims = URL_SAFE_NO_PAD.encode(TestIssuer::claims().to_string());
    format!("{header}.{claims}.")
}

#[tokio::test]
async fn a_rotated_key_is_picked_up_by_one_refresh() {
    let issuer = TestIssuer::start().await;
    let auth = issuer.push_auth(Duration::ZERO);
    assert!(auth.authorize(&bearer(&issuer.token())).await.is_ok());
    assert_eq!(issuer.fetches(), 1);

    let rotated = issuer.rotate("key-2");
    let sender = auth.authorize(&bearer(&rotated.sign(&TestIssuer::claims()))).await;

    assert!(sender.is_ok(), "the new key is fetched on its first use: {sender:?}");
    assert_eq!(issuer.fetches(), 2, "exactly one refresh for the new key id");
}

#[tokio::test]
async fn keys_are_cached_for_their_max_age_and_unknown_key_ids_do_not_hammer_the_issuer() {
    let issuer = TestIssuer::start().await;
    issuer.set_cache_control("public, max-age=3600");
    let auth = issuer.push_auth(JwksCache::MIN_REFRESH_INTERVAL);
    for _ in 0..5 {
        assert!(auth.authorize(&bearer(&issuer.token())).await.is_ok());
    }
    assert_eq!(issuer.fetches(), 1, "one fetch serves every token while the keys are fresh");

    let stranger = TestKey::generate("unknown");
    for _ in 0..5 {
        let refused = auth.authorize(&bearer(&stranger.sign(&TestIssuer::claims()))).await;
        assert_eq!(refused.unwrap_err(), AuthError::UnknownKey);
    }
    assert_eq!(issuer.fetches(), 1, "within the refresh interval an unknown key id fetches nothing");
}

#[tokio::test]
async fn unreachable_keys_answer_503_so_the_push_is_retried() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}/certs", listener.local_addr().unwrap());
    drop(listener);
    let auth = PushAuth::verifying(OidcVerifier::new("aud", TEST_SERVICE_ACCOUNT, JwksCache::new(dead)));
    let token = TestKey::generate("k").sign(&TestIssuer::claims());

    assert_eq!(status_of(&auth, &bearer(&token)).await, StatusCode::SERVICE_UNAVAILABLE);
}
