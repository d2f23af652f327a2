//! Batch mode (`cv-processor batch`, one backfill shard): the same documents and ids
//! as the one-image path, unusable images recorded and skipped, finished chunks
//! skipped by a rerun, and a run cut short resumed from its last marker.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use cloudevents::{AttributesReader, Event};
use cv_processor::batch::batching_processor;
use cv_processor::batch::output::DirSink;
use cv_processor::batch::run::ShardRunner;
use cv_processor::batch::shard::ShardPlan;
use cv_processor::manifest::Manifest;
use shared::backfill::{encode_shard, BackfillManifest, BackfillStore, ChunkMarker, RunId, Scope, MANIFEST_SCHEMA};
use shared::domain::FeatureSetName;
use shared::schema::FeatureDocument;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use crate::helpers::{binary, config, photo, process};

const PHOTOS: [&str; 5] = ["coffee.png", "dog.jpg", "horses.jpg", "person.jpg", "scenetext01.jpg"];

/// Writes a one-shard run over `uris` into `root`; returns its id.
async fn write_run(root: &Path, uris: &[String], chunk_size: u32) -> (BackfillStore, RunId) {
    let store = BackfillStore::open(root.to_str().unwrap(), None).unwrap();
    let version = Manifest::load(config().model_dir().unwrap()).unwrap().version;
    let set = FeatureSetName::parse("default").unwrap();
    let run = RunId::derive(&set, &version, "test", uris.iter().map(String::as_str));
    let manifest = BackfillManifest {
        schema: MANIFEST_SCHEMA.into(),
        run: run.clone(),
        feature_set: set,
        model_version: version,
        processor: "test".into(),
        scope: Scope::All,
        images: uris.len() as u64,
        shards: 1,
        chunk_size,
        created_at: chrono::Utc::now(),
        created_by: "test".into(),
    };
    store.put(&run.shard_path(0), encode_shard(uris)).await.unwrap();
    store.put(&run.manifest_path(), serde_json::to_vec(&manifest).unwrap()).await.unwrap();
    (store, run)
}

fn photo_uris() -> Vec<String> {
    PHOTOS.iter().map(|p| photo(p).display().to_string()).collect()
}

fn documents(dir: &Path) -> BTreeMap<String, FeatureDocument> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| serde_json::from_slice::<FeatureDocument>(&std::fs::read(e.unwrap().path()).unwrap()).unwrap())
                .map(|d| (d.image.name.rsplit('/').next().unwrap().to_owned(), d))
                .collect()
        })
        .unwrap_or_default()
}

fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| f64::from(*x) * f64::from(*y)).sum();
    let norm = |v: &[f32]| v.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    dot / (norm(a) * norm(b))
}

#[tokio::test]
async fn the_batch_path_gives_every_image_the_one_image_paths_document_and_ids() {
    let dir = tempfile::tempdir().unwrap();
    let (store, run) = write_run(&dir.path().join("root"), &photo_uris(), 2).await;
    let plan = ShardPlan::load(&store, &run, 0).await.unwrap();
    let (processor, detector_stats, embedder_stats) = batching_processor(config(), 4, 64).unwrap();
    let runner = ShardRunner {
        processor: Arc::new(processor),
        sink: Arc::new(DirSink::new(dir.path().join("docs")).unwrap()),
        store,
        workers: 8,
        host: "test".into(),
        detector_stats,
        embedder_stats,
    };

    let (summary, outcome) = runner.run(&plan).await;

    outcome.unwrap();
    assert_eq!((summary.images, summary.delivered, summary.failed), (5, 5, 0), "{summary:?}");
    assert_eq!(summary.detector.items, 5, "every image went through the batching detector");
    let batched = documents(&dir.path().join("docs"));
    for name in PHOTOS {
        let (one, many) = (process(name).await, &batched[name]);
        assert_eq!((&one.image.id, &one.image.uri), (&many.image.id, &many.image.uri), "{name}: image");
        let ids = |d: &FeatureDocument| {
            d.objects.iter().map(|o| (o.id.clone(), o.feature_id.clone(), o.label.clone())).collect::<Vec<_>>()
        };
        assert_eq!(ids(&one), ids(many), "{name}: the same objects with the same ids");
        for (a, b) in one.objects.iter().zip(&many.objects) {
            assert!(
                (a.score - b.score).abs() < 1e-5 && a.color == b.color,
                "{name} {}: {} vs {}",
                a.label,
                a.score,
                b.score
            );
            assert!(cosine(&a.embedding, &b.embedding) > 0.9999, "{name} {}: embedding", a.label);
        }
        let rel = |d: &FeatureDocument| {
            d.relations.iter().map(|r| (r.kind, r.from.clone(), r.to.clone())).collect::<Vec<_>>()
        };
        assert_eq!(rel(&one), rel(many), "{name}: relations");
        assert_eq!(many.model, one.model, "{name}: model block");
    }
    let markers = runner.store.list(&run.shard_progress_prefix(0)).await.unwrap();
    assert_eq!(markers.len(), 3, "5 images in chunks of 2: {markers:?}");
}

#[test]
fn a_rerun_skips_finished_chunks_and_an_unusable_image_is_recorded_not_retried() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.jpg");
    std::fs::write(&broken, b"not an image at all").unwrap();
    let uris = vec![photo("coffee.png").display().to_string(), broken.display().to_string()];
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (store, run) = runtime.block_on(write_run(&dir.path().join("root"), &uris, 1));
    let batch = |out: &str| {
        binary()
            .args(["batch", "--root", dir.path().join("root").to_str().unwrap(), "--run", run.as_str()])
            .args(["--shard-index", "0", "--cpu-only", "--threads", "1", "--out-dir"])
            .arg(dir.path().join(out))
            .output()
            .unwrap()
    };

    let first = batch("first");
    let second = batch("second");

    let stderr = String::from_utf8_lossy(&first.stderr);
    assert_eq!(first.status.code(), Some(0), "an unusable image does not fail the shard: {stderr}");
    let summary: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    assert_eq!((summary["delivered"].as_u64(), summary["failed"].as_u64()), (Some(1), Some(1)), "{summary}");
    assert_eq!(documents(&dir.path().join("first")).len(), 1);
    let markers = runtime.block_on(store.list(&run.shard_progress_prefix(0))).unwrap();
    assert!(markers[1].ends_with("000001-1-1.json"), "the failure is in the marker's name: {markers:?}");
    let marker: ChunkMarker = serde_json::from_slice(&runtime.block_on(store.get(&markers[1])).unwrap()).unwrap();
    assert!(marker.failed[0].uri.ends_with("broken.jpg") && marker.failed[0].reason.contains("not an image"));
    assert_eq!(second.status.code(), Some(0), "{}", String::from_utf8_lossy(&second.stderr));
    let again: serde_json::Value = serde_json::from_slice(&second.stdout).unwrap();
    assert_eq!((again["skipped"].as_u64(), again["images"].as_u64()), (Some(2), Some(0)), "{again}");
    assert!(documents(&dir.path().join("second")).is_empty(), "nothing is processed twice");
}

/// A sink that refuses documents of images whose URI contains `refuse` (while it is set).
#[derive(Clone, Default)]
struct Sink {
    refuse: Arc<Mutex<Option<String>>>,
    received: Arc<Mutex<Vec<String>>>,
}

async fn receive(State(sink): State<Sink>, event: Event) -> StatusCode {
    let subject = event.subject().unwrap_or_default().to_owned();
    if sink.refuse.lock().unwrap().as_ref().is_some_and(|r| subject.contains(r.as_str())) {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    sink.received.lock().unwrap().push(subject);
    StatusCode::ACCEPTED
}

#[tokio::test]
async fn a_shard_cut_short_by_a_transient_failure_exits_75_and_its_retry_redoes_only_the_unfinished_chunk() {
    let dir = tempfile::tempdir().unwrap();
    let (store, run) = write_run(&dir.path().join("root"), &photo_uris(), 2).await;
    let sink = Sink { refuse: Arc::new(Mutex::new(Some("horses".into()))), ..Sink::default() };
    let app = Router::new().route("/", post(receive)).with_state(sink.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let root = dir.path().join("root");
    let batch = || {
        let mut command = tokio::process::Command::from(binary());
        command.args(["batch", "--root", root.to_str().unwrap(), "--run", run.as_str(), "--shard-index", "0"]);
        command.args(["--cpu-only", "--threads", "1", "--sink", &url]).output()
    };

    let first = batch().await.unwrap();
    *sink.refuse.lock().unwrap() = None;
    let delivered_first = std::mem::take(&mut *sink.received.lock().unwrap());
    let second = batch().await.unwrap();

    assert_eq!(first.status.code(), Some(75), "retry me: {}", String::from_utf8_lossy(&first.stderr));
    assert_eq!(delivered_first.len(), 4, "every other image was delivered: {delivered_first:?}");
    let markers = store.list(&run.shard_progress_prefix(0)).await.unwrap();
    assert_eq!(markers.len(), 3, "all chunks are marked after the retry: {markers:?}");
    assert_eq!(second.status.code(), Some(0), "{}", String::from_utf8_lossy(&second.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&second.stdout).unwrap();
    assert_eq!((summary["skipped"].as_u64(), summary["images"].as_u64()), (Some(3), Some(2)), "{summary}");
    let redone = sink.received.lock().unwrap().clone();
    assert_eq!(redone.len(), 2, "only horses.jpg and its chunk-mate: {redone:?}");
    assert!(redone.iter().any(|s| s.contains("horses.jpg")));
}
