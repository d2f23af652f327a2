//! `/pubsub/push` only for pushes carrying a Google-signed token for this endpoint from the
//! push service account; the CloudEvent route is not affected (it is reached through the broker).

use crate::helpers::{json, spawn_app_verifying, spawn_push_only, RecordingLauncher};
use shared::auth::testing::TestIssuer;
use shared::testing::fixture;
use std::time::Duration;

#[tokio::test]
async fn a_push_without_a_valid_token_gets_401_and_launches_nothing() {
    let issuer = TestIssuer::start().await;
    let app = spawn_app_verifying(RecordingLauncher::new(), issuer.push_auth(Duration::ZERO)).await;
    let push = fixture("pubsub-finalize.valid.json");
    let mut claims = TestIssuer::claims();
    claims["aud"] = "https://attacker.example/pubsub/push".into();
    let wrong_audience = format!("Bearer {}", issuer.current().sign(&claims));

    for (case, authorization) in
        [("no token", None), ("not a JWT", Some("Bearer abc")), ("wrong audience", Some(wrong_audience.as_str()))]
    {
        let response = app.send_as(&push, authorization).await;
        let challenge = response.headers().get("www-authenticate").map(|v| v.to_str().unwrap().to_owned());
        let (status, body) = json(response).await;

        assert_eq!(status, 401, "{case}: {body}");
        assert_eq!(body["error"], "unauthorized", "{case}: {body}");
        assert!(challenge.is_some_and(|c| c.starts_with("Bearer")), "{case}: a Bearer challenge");
    }
    assert!(app.launcher.launched().is_empty(), "a refused push launches nothing");
}

#[tokio::test]
async fn a_push_with_a_valid_token_is_handled() {
    let issuer = TestIssuer::start().await;
    let app = spawn_app_verifying(RecordingLauncher::new(), issuer.push_auth(Duration::ZERO)).await;

    let bearer = format!("Bearer {}", issuer.token());
    let (status, body) = json(app.send_as(&fixture("pubsub-finalize.valid.json"), Some(&bearer)).await).await;

    assert_eq!((status, body["outcome"].as_str()), (200, Some("launched")), "{body}");
    assert_eq!(app.launcher.launched().len(), 1);
}

#[tokio::test]
async fn the_token_is_checked_before_the_body_is_read() {
    let issuer = TestIssuer::start().await;
    let app = spawn_app_verifying(RecordingLauncher::new(), issuer.push_auth(Duration::ZERO)).await;

    let (status, body) = json(app.post_pubsub_raw("not json").await).await;

    assert_eq!(status, 401, "an unauthenticated sender learns nothing about body parsing: {body}");
    assert_eq!(issuer.fetches(), 0, "no key fetch for a request without a token");
}

#[tokio::test]
async fn cloudevents_from_the_broker_need_no_push_token() {
    let issuer = TestIssuer::start().await;
    let app = spawn_app_verifying(RecordingLauncher::new(), issuer.push_auth(Duration::ZERO)).await;

    let (status, body) = json(app.send(&fixture("gcs-finalized.binary.valid.json")).await).await;

    assert_eq!(status, 202, "{body}");
}

#[tokio::test]
async fn a_push_only_instance_takes_no_cloudevents() {
    let issuer = TestIssuer::start().await;
    let app = spawn_push_only(issuer.push_auth(Duration::ZERO)).await;

    let event = app.send(&fixture("gcs-finalized.binary.valid.json")).await.status();
    let bearer = format!("Bearer {}", issuer.token());
    let (push, body) = json(app.send_as(&fixture("pubsub-finalize.valid.json"), Some(&bearer)).await).await;

    assert_eq!(event, 404, "a public ingest-trigger must not launch Jobs for unauthenticated CloudEvents");
    assert_eq!(push, 200, "{body}");
    assert_eq!(app.launcher.launched().len(), 1, "only the verified push launched");
}
