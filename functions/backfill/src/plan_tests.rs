use super::*;
use shared::backfill::{ChunkMarker, Failure};
use shared::graph::sqlite::SqliteGraphStore;
use shared::testing::sample_document;

struct World {
    graph: SqliteGraphStore,
    store: BackfillStore,
    set: FeatureSetName,
    _dir: tempfile::TempDir,
}

/// Four images processed by `old@1`, the first also by `new@1`.
async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let graph = SqliteGraphStore::in_memory().unwrap();
    graph.ensure_schema().await.unwrap();
    let set = FeatureSetName::parse("default").unwrap();
    for n in 0..4u8 {
        let uri = format!("gs://raw/{}/{n}.jpg#1", if n < 2 { "a" } else { "b" });
        graph.write_features(&set, &sample_document(&[n; 8], &uri, "old@1")).await.unwrap();
        if n == 0 {
            graph.write_features(&set, &sample_document(&[n; 8], &uri, "new@1")).await.unwrap();
        }
    }
    let store = BackfillStore::open(dir.path().join("root").to_str().unwrap(), None).unwrap();
    World { graph, store, set, _dir: dir }
}

fn request(w: &World, scope: &str) -> PlanRequest {
    PlanRequest {
        feature_set: w.set.clone(),
        model_version: ModelVersion::parse("new@1").unwrap(),
        processor: "cv-processor:2".into(),
        scope: Scope::parse(scope).unwrap(),
        shards: None,
        shard_size: 2,
        chunk_size: 1,
        created_by: "test".into(),
    }
}

fn run_of(plan: &Plan) -> &BackfillManifest {
    match plan {
        Plan::Run { manifest, .. } => manifest,
        Plan::Nothing { .. } => panic!("expected a run, got {plan:?}"),
    }
}

async fn shard(w: &World, m: &BackfillManifest, index: u32) -> Vec<String> {
    let text = w.store.get(&m.run.shard_path(index)).await.unwrap();
    String::from_utf8(text.to_vec()).unwrap().lines().map(str::to_owned).collect()
}

#[tokio::test]
async fn the_images_lacking_the_version_are_split_into_shards_and_planning_again_finds_the_same_run() {
    let w = world().await;

    let first = plan(&w.graph, &w.store, &request(&w, "all")).await.unwrap();
    let again = plan(&w.graph, &w.store, &request(&w, "all")).await.unwrap();

    let m = run_of(&first);
    assert_eq!((m.images, m.shards, m.chunk_size), (3, 2, 1), "3 images lack new@1, 2 a shard");
    let uris = [shard(&w, m, 0).await, shard(&w, m, 1).await].concat();
    assert_eq!(uris.len(), 3);
    assert!(!uris.contains(&"gs://raw/a/0.jpg#1".to_owned()), "the image that has new@1 is skipped: {uris:?}");
    assert!(matches!(&first, Plan::Run { existed: false, .. }));
    assert!(matches!(&again, Plan::Run { existed: true, .. }) && run_of(&again).run == m.run, "{again:?}");
}

#[tokio::test]
async fn a_gcs_prefix_narrows_the_scope() {
    let w = world().await;

    let planned = plan(&w.graph, &w.store, &request(&w, "gs://raw/b/")).await.unwrap();

    let m = run_of(&planned);
    assert_eq!(m.images, 2);
    assert!(shard(&w, m, 0).await.iter().all(|u| u.starts_with("gs://raw/b/")));
}

#[tokio::test]
async fn a_finished_backfill_plans_nothing_and_images_found_unusable_before_are_not_planned_again() {
    let w = world().await;
    let m = run_of(&plan(&w.graph, &w.store, &request(&w, "all")).await.unwrap()).clone();
    let uris = [shard(&w, &m, 0).await, shard(&w, &m, 1).await].concat();
    // The run delivers two images and finds the third unusable.
    for (n, uri) in uris.iter().enumerate() {
        let seed: u8 = uri.rsplit('/').next().unwrap()[..1].parse().unwrap();
        let bytes = [seed; 8];
        let failed = if n == 2 {
            vec![Failure { uri: uri.clone(), reason: "corrupt".into() }]
        } else {
            w.graph.write_features(&w.set, &sample_document(&bytes, uri, "new@1")).await.unwrap();
            vec![]
        };
        let marker = ChunkMarker {
            shard: 0,
            chunk: n as u32,
            images: 1,
            delivered: u32::from(n != 2),
            failed,
            host: "t".into(),
            finished_at: Utc::now(),
        };
        let name = format!("{}{}", m.run.shard_progress_prefix(0), marker.file_name());
        w.store.put_new(&name, serde_json::to_vec(&marker).unwrap()).await.unwrap();
    }

    let rerun = plan(&w.graph, &w.store, &request(&w, "all")).await.unwrap();

    assert_eq!(rerun, Plan::Nothing { unusable: 1 }, "nothing is launched again");
}
