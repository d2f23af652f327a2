//! Version switches: bearer token, atomic switch, audit, rollback.

use crate::helpers::{spawn_app, BOB_TOKEN, TOKEN, VERSION};
use serde_json::json;

#[tokio::test]
async fn switching_needs_the_right_token_and_changes_nothing_otherwise() {
    let app = spawn_app().await;
    app.ingest(b"v1", "v1.jpg", VERSION).await;
    app.ingest(b"v2", "v2.jpg", "det@2+emb@1").await;

    for token in [None, Some("wrong")] {
        let (status, body) = app.post("/versions/default/activate", json!({"version": "det@2+emb@1"}), token).await;
        assert_eq!(status, 401, "{token:?}: {body}");
    }
    let (_, sets) = app.get("/versions").await;
    assert_eq!(sets["feature_sets"][0]["active"], VERSION, "a refused switch changes nothing");
}

#[tokio::test]
async fn a_switch_redirects_lookups_and_a_rollback_restores_them_with_an_audit_trail() {
    let app = spawn_app().await;
    let old = app.ingest(b"same-bytes-old", "x.jpg", VERSION).await;
    let new = app.ingest(b"same-bytes-new", "y.jpg", "det@2+emb@1").await;

    let (status, body) = app.post("/versions/default/activate", json!({"version": "det@2+emb@1"}), Some(TOKEN)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["change"]["from"], VERSION);
    let (_, img) = app.get(&format!("/features/image?id={}", new.image.id)).await;
    assert_eq!(img["model_version"], "det@2+emb@1");

    let (status, body) = app.post("/versions/default/rollback", json!({}), Some(TOKEN)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["change"]["to"], VERSION);
    let (_, img) = app.get(&format!("/features/image?id={}", old.image.id)).await;
    assert_eq!(img["model_version"], VERSION);

    let (_, sets) = app.get("/versions").await;
    let history = sets["feature_sets"][0]["history"].as_array().unwrap();
    let trail: Vec<(&str, &str)> =
        history.iter().map(|h| (h["to"].as_str().unwrap(), h["actor"].as_str().unwrap())).collect();
    assert_eq!(trail, [(VERSION, "alice"), ("det@2+emb@1", "alice"), (VERSION, "bootstrap")]);
    let (status, _) = app.post("/versions/default/activate", json!({"version": "never@1"}), Some(TOKEN)).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_audited_actor_is_the_token_s_name_whatever_x_actor_claims() {
    let app = spawn_app().await;
    app.ingest(b"v1", "v1.jpg", VERSION).await;
    app.ingest(b"v2", "v2.jpg", "det@2+emb@1").await;
    let forged = [("x-actor", "mallory")];

    let (status, body) =
        app.post_with("/versions/default/activate", json!({"version": "det@2+emb@1"}), Some(BOB_TOKEN), &forged).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app.post_with("/versions/default/rollback", json!({}), Some(TOKEN), &forged).await;
    assert_eq!(status, 200, "{body}");

    let (_, sets) = app.get("/versions").await;
    let actors: Vec<&str> =
        sets["feature_sets"][0]["history"].as_array().unwrap().iter().map(|h| h["actor"].as_str().unwrap()).collect();
    assert_eq!(actors, ["alice", "bob", "bootstrap"], "x-actor must not change the audit record");
}
