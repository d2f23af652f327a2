//! Feature-set versions: bootstrap on first write, audited activate and rollback.

use shared::graph::{FeatureSetState, GraphStore};
use shared::Error;

use crate::helpers::*;
use crate::stores::*;

async fn state_of(store: &dyn GraphStore, scene: &Scene) -> FeatureSetState {
    let sets = store.feature_sets().await.unwrap();
    sets.into_iter().find(|s| s.name == scene.set.as_str()).expect("the feature set is listed")
}

async fn check_the_first_write_to_a_feature_set_activates_its_version(store: &dyn GraphStore) {
    // Arrange
    let scene = Scene::new();
    let next = scene.other_version("next");
    let before = store.active_version(&scene.set).await.unwrap();

    // Act
    let first = store.write_features(&scene.set, &scene.street()).await.unwrap();
    let later = document(&next, &random_bytes(), &random_uri(), &street_objects(), &street_relations());
    let second = store.write_features(&scene.set, &later).await.unwrap();

    // Assert
    assert_eq!(before, None, "a new set has no active version");
    assert!(first.activated, "the first version written becomes active");
    assert!(!second.activated, "a later version does not replace it");
    assert_eq!(store.active_version(&scene.set).await.unwrap(), Some(scene.version.clone()));
    let state = state_of(store, &scene).await;
    assert_eq!(state.active, Some(scene.version.clone()));
    assert_eq!(state.versions, vec![scene.version.clone(), next], "versions, oldest first");
    assert_eq!(state.history.len(), 1, "one audit entry: {:?}", state.history);
    let bootstrap = &state.history[0];
    assert_eq!((bootstrap.from.as_ref(), &bootstrap.to, bootstrap.actor.as_str()), (None, &scene.version, "bootstrap"));
}

async fn check_activate_and_rollback_switch_atomically_with_an_audit_trail(store: &dyn GraphStore) {
    // Arrange
    let scene = Scene::new();
    let next = scene.other_version("next");
    store.write_features(&scene.set, &scene.street()).await.unwrap();
    let later = document(&next, &random_bytes(), &random_uri(), &street_objects(), &street_relations());
    store.write_features(&scene.set, &later).await.unwrap();

    // Act
    let activated = store.activate_version(&scene.set, &next, "alice").await.unwrap();
    let active_after_activate = store.active_version(&scene.set).await.unwrap();
    let rolled_back = store.rollback_version(&scene.set, "bob").await.unwrap();

    // Assert
    assert_eq!(
        (activated.from.as_ref(), &activated.to, activated.actor.as_str()),
        (Some(&scene.version), &next, "alice")
    );
    assert_eq!(active_after_activate, Some(next.clone()));
    assert_eq!(
        (rolled_back.from.as_ref(), &rolled_back.to, rolled_back.actor.as_str()),
        (Some(&next), &scene.version, "bob")
    );
    assert_eq!(
        store.active_version(&scene.set).await.unwrap(),
        Some(scene.version.clone()),
        "rollback restores the earlier version"
    );
    let history = state_of(store, &scene).await.history;
    assert_eq!(history, vec![rolled_back, activated, history[2].clone()], "audit trail, newest first");
    assert_eq!(history[2].actor, "bootstrap");
}

async fn check_unknown_versions_are_not_found(store: &dyn GraphStore) {
    // Arrange
    let scene = Scene::new();
    let elsewhere = Scene::new();
    store.write_features(&scene.set, &scene.street()).await.unwrap();
    store.write_features(&elsewhere.set, &elsewhere.street()).await.unwrap();

    // Act
    let unknown = store.activate_version(&scene.set, &scene.other_version("never-written"), "alice").await;
    let other_sets = store.activate_version(&scene.set, &elsewhere.version, "alice").await;
    let nothing_earlier = store.rollback_version(&scene.set, "bob").await;

    // Assert
    assert!(matches!(unknown, Err(Error::NotFound(_))), "a version without features: {unknown:?}");
    assert!(matches!(other_sets, Err(Error::NotFound(_))), "a version of another set: {other_sets:?}");
    assert!(matches!(nothing_earlier, Err(Error::NotFound(_))), "rollback past the bootstrap: {nothing_earlier:?}");
    assert_eq!(store.active_version(&scene.set).await.unwrap(), Some(scene.version.clone()), "failures change nothing");
    assert_eq!(state_of(store, &scene).await.history.len(), 1, "failures are not audited");
}

#[tokio::test]
async fn sqlite_the_first_write_to_a_feature_set_activates_its_version() {
    check_the_first_write_to_a_feature_set_activates_its_version(&sqlite().await).await
}
#[tokio::test]
async fn neo4j_the_first_write_to_a_feature_set_activates_its_version() {
    check_the_first_write_to_a_feature_set_activates_its_version(&neo4j!()).await
}
#[tokio::test]
async fn spanner_the_first_write_to_a_feature_set_activates_its_version() {
    check_the_first_write_to_a_feature_set_activates_its_version(&spanner!()).await
}

#[tokio::test]
async fn sqlite_activate_and_rollback_switch_atomically_with_an_audit_trail() {
    check_activate_and_rollback_switch_atomically_with_an_audit_trail(&sqlite().await).await
}
#[tokio::test]
async fn neo4j_activate_and_rollback_switch_atomically_with_an_audit_trail() {
    check_activate_and_rollback_switch_atomically_with_an_audit_trail(&neo4j!()).await
}
#[tokio::test]
async fn spanner_activate_and_rollback_switch_atomically_with_an_audit_trail() {
    check_activate_and_rollback_switch_atomically_with_an_audit_trail(&spanner!()).await
}

#[tokio::test]
async fn sqlite_unknown_versions_are_not_found() {
    check_unknown_versions_are_not_found(&sqlite().await).await
}
#[tokio::test]
async fn neo4j_unknown_versions_are_not_found() {
    check_unknown_versions_are_not_found(&neo4j!()).await
}
#[tokio::test]
async fn spanner_unknown_versions_are_not_found() {
    check_unknown_versions_are_not_found(&spanner!()).await
}
