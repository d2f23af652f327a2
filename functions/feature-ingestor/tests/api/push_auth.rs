//! `/pubsub/push` takes documents only from the push subscription's signed token: anyone who
//! knows the public URL could otherwise write features into the graph.

use shared::auth::testing::TestIssuer;
use shared::graph::GraphStore;
use shared::testing::sample_document;
use std::time::Duration;

use crate::helpers::{envelope, extracted_attributes, spawn_app_verifying};

#[tokio::test]
async fn a_push_without_a_valid_token_gets_401_and_writes_nothing() {
    let issuer = TestIssuer::start().await;
    let app = spawn_app_verifying(None, true, issuer.push_auth(Duration::ZERO)).await;
    let doc = sample_document(b"unsigned push", "gs://raw-images/u1.jpg#1", "det@1+emb@1");
    let body = envelope(&serde_json::to_vec(&doc).unwrap(), &extracted_attributes(&doc), "m-1");
    let mut claims = TestIssuer::claims();
    claims["email"] = "someone-else@example.iam.gserviceaccount.com".into();
    let wrong_sender = format!("Bearer {}", issuer.current().sign(&claims));

    for (case, authorization) in [("no token", None), ("wrong sender", Some(wrong_sender.as_str()))] {
        let status = app.push_as(&body, authorization).await.status();

        assert_eq!(status, 401, "{case}");
    }
    assert_eq!(app.graph.counts().await.unwrap().images, 0, "a refused push writes nothing");
}

#[tokio::test]
async fn a_push_with_the_subscription_s_token_is_ingested() {
    let issuer = TestIssuer::start().await;
    let app = spawn_app_verifying(None, true, issuer.push_auth(Duration::ZERO)).await;
    let doc = sample_document(b"signed push", "gs://raw-images/s1.jpg#1", "det@1+emb@1");
    let body = envelope(&serde_json::to_vec(&doc).unwrap(), &extracted_attributes(&doc), "m-2");

    let response = app.push_as(&body, Some(&format!("Bearer {}", issuer.token()))).await;

    assert_eq!(response.status(), 200);
    assert_eq!(app.graph.counts().await.unwrap().images, 1);
}
