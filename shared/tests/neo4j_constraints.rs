//! Neo4j only: the MERGE keys of `Run` and `ModelVersion` are backed by
//! uniqueness constraints, so concurrent redeliveries cannot duplicate them.
//! (SQLite has the same keys as primary keys; the contract suite's
//! `concurrency.rs` checks the version bookkeeping on both backends.)

#[allow(dead_code)]
#[path = "graph_contract/helpers.rs"]
mod helpers;

use futures::future::join_all;
use neo4rs::{query, Graph};
use shared::graph::neo4j::Neo4jGraphStore;
use shared::graph::GraphStore;

use helpers::Scene;

/// The test services' Neo4j, as a store and as a raw client for counting; `None` when skipped.
async fn connect() -> Option<(Neo4jGraphStore, Neo4jGraphStore, Graph)> {
    let Ok(uri) = std::env::var("NEO4J_URI") else {
        if std::env::var("SIGHTGRAPH_SKIP_NEO4J").as_deref() == Ok("1") {
            eprintln!("note: SIGHTGRAPH_SKIP_NEO4J=1, skipping the Neo4j constraint tests");
            return None;
        }
        panic!("NEO4J_URI is not set: start the test services (`scripts/services/all.sh up`) or run `just test`");
    };
    let user = std::env::var("NEO4J_USER").unwrap_or_else(|_| "neo4j".into());
    let password = std::env::var("NEO4J_PASSWORD").expect("NEO4J_PASSWORD must be set with NEO4J_URI");
    let store = || async { Neo4jGraphStore::connect(&uri, &user, &password, None, 8).await.expect("connect") };
    let (a, b) = (store().await, store().await);
    a.ensure_schema().await.expect("Neo4j schema");
    let raw = Graph::new(&uri, &user, &password).await.expect("raw client");
    Some((a, b, raw))
}

async fn count(graph: &Graph, cypher: &str, params: &[(&str, &str)]) -> i64 {
    let mut q = query(cypher);
    for (k, v) in params {
        q = q.param(k, *v);
    }
    let mut rows = graph.execute(q).await.expect("count query");
    let row = rows.next().await.expect("count row").expect("one row");
    row.get::<i64>("n").expect("n")
}

#[tokio::test]
async fn the_run_and_model_version_keys_are_unique_constraints() {
    let Some((_, _, raw)) = connect().await else { return };
    let found = count(
        &raw,
        "SHOW CONSTRAINTS YIELD name, type WHERE name IN ['run_key_unique', 'model_version_key_unique']
         AND type = 'UNIQUENESS' RETURN count(*) AS n",
        &[],
    )
    .await;
    assert_eq!(found, 2, "both key constraints exist after ensure_schema");
}

#[tokio::test]
async fn sixteen_concurrent_redeliveries_of_a_reprocessed_image_leave_one_run_node() {
    // Arrange: an image processed once (job-1); a re-run of it (job-2) delivered 16 times at once.
    let Some((a, b, raw)) = connect().await else { return };
    let scene = Scene::new();
    let first = scene.street();
    a.write_features(&scene.set, &first).await.expect("first run");
    let mut rerun = first.clone();
    rerun.lineage.job_id = "contract-job-2".into();

    // Act
    let writes = (0..16).map(|i| {
        let store = if i % 2 == 0 { &a } else { &b };
        store.write_features(&scene.set, &rerun)
    });
    for result in join_all(writes).await {
        result.expect("a redelivered write succeeds");
    }

    // Assert
    let image = first.image.id.to_string();
    let runs = count(
        &raw,
        "MATCH (r:Run {image_id: $image, job_id: $job}) RETURN count(r) AS n",
        &[("image", &image), ("job", &rerun.lineage.job_id)],
    )
    .await;
    let versions = count(
        &raw,
        "MATCH (:FeatureSet {name: $set})-[:HAS_VERSION]->(v:ModelVersion) RETURN count(v) AS n",
        &[("set", scene.set.as_str())],
    )
    .await;
    assert_eq!(runs, 1, "one Run node per (image, version, job)");
    assert_eq!(versions, 1, "one ModelVersion node per (set, version)");
}
