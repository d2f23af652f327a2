//! Concurrent writers: two clients of one database (as two processes are)
//! racing on the same version bookkeeping must leave exactly what one
//! writer at a time would have left.

use futures::future::join_all;
use shared::graph::sqlite::SqliteGraphStore;
use shared::graph::{FeatureSetState, GraphStore, VersionChange};

use crate::helpers::*;

/// Two handles on one SQLite file (two connections), schema created.
async fn sqlite_pair() -> (SqliteGraphStore, SqliteGraphStore, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("graph.db");
    let a = SqliteGraphStore::open(&path).expect("open SQLite");
    a.ensure_schema().await.expect("SQLite schema");
    let b = SqliteGraphStore::open(&path).expect("open SQLite again");
    (a, b, dir)
}

async fn state_of(store: &dyn GraphStore, scene: &Scene) -> FeatureSetState {
    let sets = store.feature_sets().await.unwrap();
    sets.into_iter().find(|s| s.name == scene.set.as_str()).expect("the feature set is listed")
}

/// 16 documents of `version` written at once, alternating between the two clients.
async fn write_sixteen_at_once(
    a: &dyn GraphStore,
    b: &dyn GraphStore,
    scene: &Scene,
    version: &shared::domain::ModelVersion,
) {
    let docs: Vec<_> = (0..16)
        .map(|_| document(version, &random_bytes(), &random_uri(), &street_objects(), &street_relations()))
        .collect();
    let writes = docs.iter().enumerate().map(|(i, doc)| {
        let store = if i % 2 == 0 { a } else { b };
        store.write_features(&scene.set, doc)
    });
    for (i, result) in join_all(writes).await.into_iter().enumerate() {
        result.unwrap_or_else(|e| panic!("concurrent write {i} failed: {e}"));
    }
}

async fn check_concurrent_first_writes_of_a_version_leave_one_version_and_one_activation(
    a: &dyn GraphStore,
    b: &dyn GraphStore,
) {
    // Arrange
    let scene = Scene::new();
    let next = scene.other_version("next");

    // Act: 16 first writes into a new set, then 16 first writes of a new version into the existing set.
    write_sixteen_at_once(a, b, &scene, &scene.version).await;
    write_sixteen_at_once(a, b, &scene, &next).await;

    // Assert
    let state = state_of(a, &scene).await;
    assert_eq!(state.versions, vec![scene.version.clone(), next], "each version exactly once, oldest first");
    assert_eq!(state.active, Some(scene.version.clone()), "the first version stays active");
    let actors: Vec<&str> = state.history.iter().map(|c| c.actor.as_str()).collect();
    assert_eq!(actors, ["bootstrap"], "exactly one bootstrap activation: {:?}", state.history);
}

async fn check_concurrent_rollbacks_each_flip_once_and_leave_a_consistent_history(
    a: &dyn GraphStore,
    b: &dyn GraphStore,
) {
    // Arrange: v1 (bootstrap), v2 activated.
    let scene = Scene::new();
    let next = scene.other_version("next");
    a.write_features(&scene.set, &scene.street()).await.unwrap();
    let later = document(&next, &random_bytes(), &random_uri(), &street_objects(), &street_relations());
    a.write_features(&scene.set, &later).await.unwrap();
    a.activate_version(&scene.set, &next, "alice").await.unwrap();

    // Act: 8 rollbacks at once from both clients.
    let actors: Vec<String> = (0..8).map(|i| format!("operator-{i}")).collect();
    let rollbacks = actors.iter().enumerate().map(|(i, actor)| {
        let store = if i % 2 == 0 { a } else { b };
        store.rollback_version(&scene.set, actor)
    });
    let changes: Vec<VersionChange> = join_all(rollbacks).await.into_iter().map(|r| r.expect("a rollback")).collect();

    // Assert: as if one after another: 8 real flips, each audited once, a chain without gaps.
    let state = state_of(a, &scene).await;
    let mut history = state.history.clone();
    history.reverse(); // oldest first
    assert_eq!(history.len(), 2 + 8, "bootstrap, activate and one entry per rollback: {history:?}");
    for pair in history.windows(2) {
        assert_eq!(pair[1].from.as_ref(), Some(&pair[0].to), "each change starts where the last ended: {history:?}");
    }
    for c in &history {
        assert_ne!(c.from.as_ref(), Some(&c.to), "no rollback 'switches' to the version already active: {history:?}");
    }
    assert_eq!(state.active.as_ref(), Some(&history.last().unwrap().to), "the pointer is where the audit says");
    assert_eq!(state.active, Some(next), "an even number of flips ends where it started");
    let mut audited: Vec<String> = history[2..].iter().map(|c| c.actor.clone()).collect();
    let mut returned: Vec<String> = changes.iter().map(|c| c.actor.clone()).collect();
    audited.sort();
    returned.sort();
    assert_eq!(audited, returned, "each rollback is audited exactly once");
}

#[tokio::test]
async fn sqlite_concurrent_first_writes_of_a_version_leave_one_version_and_one_activation() {
    let (a, b, _dir) = sqlite_pair().await;
    check_concurrent_first_writes_of_a_version_leave_one_version_and_one_activation(&a, &b).await
}
#[tokio::test]
async fn neo4j_concurrent_first_writes_of_a_version_leave_one_version_and_one_activation() {
    check_concurrent_first_writes_of_a_version_leave_one_version_and_one_activation(&neo4j!(), &neo4j!()).await
}

#[tokio::test]
async fn spanner_concurrent_first_writes_of_a_version_leave_one_version_and_one_activation() {
    let Some((a, b)) = crate::stores::spanner_pair().await else { return };
    check_concurrent_first_writes_of_a_version_leave_one_version_and_one_activation(&a, &b).await
}

#[tokio::test]
async fn sqlite_concurrent_rollbacks_each_flip_once_and_leave_a_consistent_history() {
    let (a, b, _dir) = sqlite_pair().await;
    check_concurrent_rollbacks_each_flip_once_and_leave_a_consistent_history(&a, &b).await
}
#[tokio::test]
async fn neo4j_concurrent_rollbacks_each_flip_once_and_leave_a_consistent_history() {
    check_concurrent_rollbacks_each_flip_once_and_leave_a_consistent_history(&neo4j!(), &neo4j!()).await
}

#[tokio::test]
async fn spanner_concurrent_rollbacks_each_flip_once_and_leave_a_consistent_history() {
    let Some((a, b)) = crate::stores::spanner_pair().await else { return };
    check_concurrent_rollbacks_each_flip_once_and_leave_a_consistent_history(&a, &b).await
}
