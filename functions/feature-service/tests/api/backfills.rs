//! The model-upgrade routes: coverage on `/versions`, activation refused below the
//! threshold unless forced, runs followed from their markers, the comparison report.

use backfill::plan::{plan, Plan, PlanRequest};
use serde_json::json;
use shared::backfill::{ChunkMarker, Scope};
use shared::domain::{FeatureSetName, ModelVersion};

use crate::helpers::{spawn_app, spawn_app_with_min_coverage, TestApp, TOKEN, VERSION};

const NEXT: &str = "det@2+emb@1";

/// Four images with VERSION, the first also with NEXT.
async fn four_images(app: &TestApp) {
    for n in 0..4u8 {
        app.ingest(&[n; 8], &format!("{n}.jpg"), VERSION).await;
    }
    app.ingest(&[0; 8], "0.jpg", NEXT).await;
}

#[tokio::test]
async fn versions_report_the_share_of_the_sets_images_each_version_covers() {
    let app = spawn_app().await;
    four_images(&app).await;

    let (status, body) = app.get("/versions").await;

    assert_eq!(status, 200, "{body}");
    let coverage = &body["feature_sets"][0]["coverage"];
    assert_eq!(coverage["images"], 4, "{body}");
    assert_eq!(coverage["versions"][0], json!({"version": VERSION, "images": 4, "fraction": 1.0}));
    assert_eq!(coverage["versions"][1], json!({"version": NEXT, "images": 1, "fraction": 0.25}));
    assert_eq!(body["min_coverage"], 0.0);
}

#[tokio::test]
async fn activation_below_the_threshold_is_refused_unless_forced_and_the_audit_records_the_coverage() {
    let app = spawn_app_with_min_coverage(0.95).await;
    four_images(&app).await;

    let (refused, why) = app.post("/versions/default/activate", json!({"version": NEXT}), Some(TOKEN)).await;
    let (forced, body) =
        app.post("/versions/default/activate", json!({"version": NEXT, "force": true}), Some(TOKEN)).await;

    assert_eq!(refused, 409, "{why}");
    assert!(why["message"].as_str().unwrap().contains("1/4 images"), "{why}");
    assert_eq!(forced, 200, "{body}");
    assert_eq!((body["change"]["actor"].as_str(), body["change"]["coverage"].as_f64()), (Some("alice"), Some(0.25)));
    let (_, sets) = app.get("/versions").await;
    let latest = &sets["feature_sets"][0]["history"][0];
    assert_eq!(
        (latest["to"].as_str(), latest["actor"].as_str(), latest["coverage"].as_f64()),
        (Some(NEXT), Some("alice"), Some(0.25))
    );
}

#[tokio::test]
async fn a_runs_progress_is_read_from_its_markers_and_the_graph_by_an_admin() {
    let app = spawn_app().await;
    four_images(&app).await;
    let set = FeatureSetName::parse("default").unwrap();
    let request = PlanRequest {
        feature_set: set,
        model_version: ModelVersion::parse(NEXT).unwrap(),
        processor: "cv-processor:2".into(),
        scope: Scope::All,
        shards: Some(1),
        shard_size: 100,
        chunk_size: 2,
        created_by: "alice".into(),
    };
    let Plan::Run { manifest, .. } = plan(app.graph.as_ref(), &app.backfills, &request).await.unwrap() else {
        panic!("three images lack {NEXT}")
    };
    let marker = ChunkMarker {
        shard: 0,
        chunk: 0,
        images: 2,
        delivered: 2,
        failed: vec![],
        host: "pod".into(),
        finished_at: chrono::Utc::now(),
    };
    let name = format!("{}{}", manifest.run.shard_progress_prefix(0), marker.file_name());
    app.backfills.put_new(&name, serde_json::to_vec(&marker).unwrap()).await.unwrap();

    let (anonymous, _) = app.get("/backfills?feature_set=default").await;
    let (status, body) = app.get_as("/backfills?feature_set=default", Some(TOKEN)).await;

    assert_eq!((anonymous, status), (401, 200), "{body}");
    let run = &body["backfills"][0];
    assert_eq!((run["progress"]["total"].as_u64(), run["progress"]["done"].as_u64()), (Some(3), Some(2)), "{body}");
    assert_eq!((run["progress"]["covered"].as_u64(), run["progress"]["set_images"].as_u64()), (Some(1), Some(4)));
    assert!(run["line"].as_str().unwrap().contains("2/3 images"), "{run}");
    // NB: `+` in a query string is a space; clients encode it.
    let only = format!("/backfills?model_version={}", VERSION.replace('+', "%2B"));
    let (status, none) = app.get_as(&only, Some(TOKEN)).await;
    assert_eq!((status, none["backfills"].as_array().unwrap().len()), (200, 0), "no run of that version");
}

#[tokio::test]
async fn launching_needs_the_token_and_says_when_jobs_are_not_configured() {
    let app = spawn_app().await;
    four_images(&app).await;
    let body = json!({"model_version": NEXT, "image": "cv-processor:2"});

    let (anonymous, _) = app.post("/backfills", body.clone(), None).await;
    let (unconfigured, why) = app.post("/backfills", body, Some(TOKEN)).await;

    assert_eq!(anonymous, 401);
    assert_eq!(unconfigured, 503, "{why}");
    assert!(why["message"].as_str().unwrap().contains("LAUNCHER=kubernetes"), "{why}");
}

#[tokio::test]
async fn the_comparison_needs_the_token_and_returns_the_report_with_its_table() {
    let app = spawn_app().await;
    four_images(&app).await;
    let body = json!({"from": VERSION, "to": NEXT});

    let (anonymous, _) = app.post("/backfills/compare", body.clone(), None).await;
    let (status, answer) = app.post("/backfills/compare", body, Some(TOKEN)).await;
    let (bad, _) = app.post("/backfills/compare", json!({"from": "no spaces allowed"}), Some(TOKEN)).await;

    assert_eq!((anonymous, status, bad), (401, 200, 400), "{answer}");
    let report = &answer["report"];
    assert_eq!((report["images_compared"].as_u64(), report["matched"].as_u64()), (Some(1), Some(2)), "{report}");
    assert_eq!((report["from_images"].as_u64(), report["to_images"].as_u64()), (Some(4), Some(1)));
    assert!(answer["table"].as_str().unwrap().contains("| person |"), "{answer}");
}
