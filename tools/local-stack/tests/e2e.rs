//! The whole pipeline on the fixture photos: local stack, real `cv-processor`
//! runs, real detections, and idempotency under redelivery and duplicate bytes;
//! once on SQLite (the default) and once on Spanner (the emulator of the test services).

use local_stack::demo::{run, DemoOptions, DemoReport};
use shared::config::GraphSettings;
use std::path::PathBuf;
use std::time::Duration;

fn processor_bin() -> PathBuf {
    // Integration tests live in target/<profile>/deps; the workspace's binaries one level up.
    let exe = std::env::current_exe().expect("test binary path");
    let bin = exe.parent().and_then(|d| d.parent()).expect("target dir").join("cv-processor");
    assert!(bin.exists(), "{} is missing: run `cargo build --workspace --bins` (just test does)", bin.display());
    bin
}

fn require_models() {
    for var in ["ORT_DYLIB_PATH", "SIGHTGRAPH_MODEL_DIR"] {
        assert!(
            std::env::var_os(var).is_some(),
            "{var} is unset: run `just models` and `source scripts/models/env.sh`"
        );
    }
}

async fn demo(graph: GraphSettings) -> DemoReport {
    require_models();
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/gcs");
    run(&DemoOptions { fixtures, processor_bin: processor_bin(), timeout: Duration::from_secs(300), graph })
        .await
        .expect("the demo pipeline completes")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fixture_photos_flow_through_the_stack_once_and_only_once() {
    let report = demo(GraphSettings::sqlite(":memory:")).await;
    assert_found_once_and_only_once(&report, "sqlite");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fixture_photos_flow_through_the_stack_on_spanner_once_and_only_once() {
    let Some(spanner) = shared::testing::spanner_settings("demo").await else { return };
    let mut graph = GraphSettings::sqlite(":memory:");
    graph.spanner = spanner;

    let report = demo(graph).await;

    assert_found_once_and_only_once(&report, "spanner");
}

fn assert_found_once_and_only_once(report: &DemoReport, store: &str) {
    assert_eq!(report.store, store, "the demo ran on the store connect_graph picked");

    let labels = |name: &str| -> Vec<String> {
        let img = report.images.iter().find(|i| i.name.ends_with(name)).unwrap_or_else(|| panic!("{name} reported"));
        img.objects.iter().map(|(l, _, _)| l.clone()).collect()
    };
    for (photo, expected) in
        [("dog.jpg", &["bicycle", "dog", "car"][..]), ("scenetext01.jpg", &["car", "person"]), ("coffee.png", &["cup"])]
    {
        let found = labels(photo);
        for label in expected {
            assert!(found.iter().any(|l| l == label), "{photo}: expected a {label}, found {found:?}");
        }
    }
    let street = report.images.iter().find(|i| i.name.ends_with("scenetext01.jpg")).unwrap();
    let (a, b, gap) = street.near.clone().expect("a NEAR pair in the street photo");
    assert!(["person", "car"].contains(&a.as_str()) && ["person", "car"].contains(&b.as_str()), "{a}~{b}");
    assert!(gap < 0.05, "NEAR pairs are closer than the threshold: {gap}");

    let (before, after) = (report.counts, report.counts_after_replay);
    assert_eq!(before.images, 5);
    assert!(before.objects >= 12, "{before:?}");
    assert_eq!(
        (after.images, after.objects, after.features, after.relations),
        (before.images, before.objects, before.features, before.relations),
        "redelivery and duplicate bytes leave the graph unchanged"
    );
    assert_eq!(after.locations, before.locations + 1, "the copy is recorded as another location");
}
