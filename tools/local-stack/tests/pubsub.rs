//! The local stack with `--pubsub`: a real cv-processor run publishes its document to the
//! Pub/Sub emulator, whose push subscription delivers it to the stack's feature-ingestor.
//! Needs the emulator (`PUBSUB_EMULATOR_HOST`, set by `scripts/services/all.sh up` and
//! `just test`); without one the test says so and passes.

use local_stack::{finalize_event, LocalPubSub, RunningStack, StackConfig};
use shared::config::GraphSettings;
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn processor_bin() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let bin = exe.parent().and_then(|d| d.parent()).expect("target dir").join("cv-processor");
    assert!(bin.exists(), "{} is missing: run `cargo build --workspace --bins` (just test does)", bin.display());
    bin
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_pubsub_a_document_reaches_the_graph_through_the_emulator() {
    let Some(emulator_host) = std::env::var("PUBSUB_EMULATOR_HOST").ok().filter(|h| !h.is_empty()) else {
        eprintln!("SKIPPED: PUBSUB_EMULATOR_HOST is unset (start the emulator: scripts/services/pubsub.sh start)");
        return;
    };
    for var in ["ORT_DYLIB_PATH", "SIGHTGRAPH_MODEL_DIR"] {
        assert!(
            std::env::var_os(var).is_some(),
            "{var} is unset: run `just models` and `source scripts/models/env.sh`"
        );
    }
    // Arrange
    let work = tempfile::tempdir().unwrap();
    let bucket_root = work.path().join("gcs");
    std::fs::create_dir_all(bucket_root.join("sightgraph-raw/photos")).unwrap();
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/gcs/sightgraph-raw/photos");
    std::fs::copy(fixtures.join("dog.jpg"), bucket_root.join("sightgraph-raw/photos/dog.jpg")).unwrap();
    let stack = RunningStack::start(&StackConfig {
        host: "127.0.0.1".into(),
        port: 0,
        graph: GraphSettings::sqlite(work.path().join("graph.db")),
        bucket_root: bucket_root.clone(),
        processor_bin: processor_bin(),
        ui_dist: None,
        max_concurrency: 1,
        log_dir: work.path().join("logs"),
        feature_set: Default::default(),
        pubsub: Some(LocalPubSub { emulator_host, project: "sightgraph-test".into() }),
        admins: Default::default(),
    })
    .await
    .expect("the stack starts and wires the emulator");
    let event = finalize_event(&bucket_root, "sightgraph-raw", "photos/dog.jpg").unwrap();
    let client = reqwest::Client::new();

    // Act
    let resp = client
        .post(stack.url("/broker"))
        .header("content-type", "application/cloudevents+json")
        .body(serde_json::to_vec(&event).unwrap())
        .send()
        .await
        .unwrap();

    // Assert: the run exits once the publish is stored; the push then commits the document.
    assert!(resp.status().is_success(), "{}", resp.text().await.unwrap());
    assert!(stack.launcher.wait_idle(Duration::from_secs(180)).await, "the run finished");
    let logs: String = std::fs::read_dir(work.path().join("logs"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert!(logs.contains("document published"), "the run published to the topic:\n{logs}");
    let deadline = Instant::now() + Duration::from_secs(60);
    let counts = loop {
        let counts = stack.graph.counts().await.unwrap();
        if counts.images == 1 || Instant::now() > deadline {
            break counts;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(counts.images, 1, "the pushed document is in the graph: {counts:?}\n{logs}");
    assert!(counts.objects >= 3, "{counts:?}");
    let wiring = stack.pubsub.as_ref().unwrap();
    assert!(wiring.topic.as_str().ends_with(&format!("sightgraph-local-{}-features", stack.addr.port())));
}
