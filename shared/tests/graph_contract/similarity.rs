//! Nearest neighbours: cosine ranking within one model version.

use shared::domain::ColorName;
use shared::graph::GraphStore;

use crate::helpers::*;
use crate::stores::*;

/// A unit vector at `degrees` from `r` in the plane of `r` and `u` (orthonormal).
fn at_angle(r: &[f32], u: &[f32], degrees: f32) -> Vec<f32> {
    let (c, s) = (degrees.to_radians().cos(), degrees.to_radians().sin());
    r.iter().zip(u).map(|(x, y)| c * x + s * y).collect()
}

async fn check_nearest_objects_rank_by_cosine_within_the_version(store: &dyn GraphStore) {
    // Arrange: the query at 0°, others at 10°, 30° (twice, a tie), 60° and 90°.
    let scene = Scene::new();
    let r = random_unit();
    let u = random_unit();
    let dot: f32 = r.iter().zip(&u).map(|(a, b)| a * b).sum();
    let u = normalise(u.iter().zip(&r).map(|(y, x)| y - dot * x).collect());
    let angles = [0.0, 10.0, 30.0, 30.0, 60.0, 90.0];
    let objects: Vec<Obj> = angles
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let x = 0.1 * i as f32;
            Obj::new("dog", 18, ColorName::Brown, [x, 0.1, x + 0.05, 0.3], 0.9).with_embedding(at_angle(&r, &u, *a))
        })
        .collect();
    let doc = document(&scene.version, &random_bytes(), &random_uri(), &objects, &[]);
    store.write_features(&scene.set, &doc).await.unwrap();
    let twin =
        vec![Obj::new("dog", 18, ColorName::Brown, [0.1, 0.1, 0.3, 0.3], 0.9).with_embedding(at_angle(&r, &u, 0.0))];
    let other_version = scene.other_version("other");
    store
        .write_features(&scene.set, &document(&other_version, &random_bytes(), &random_uri(), &twin, &[]))
        .await
        .unwrap();
    let ids: Vec<_> = doc.objects.iter().map(|o| o.id.clone()).collect();
    let (tie_first, tie_second) = if ids[2] < ids[3] { (&ids[2], &ids[3]) } else { (&ids[3], &ids[2]) };
    let expected: Vec<_> = [&ids[1], tie_first, tie_second, &ids[4], &ids[5]].into_iter().cloned().collect();

    // Act
    let top3 = store.nearest_objects(&ids[0], 3, 1000).await.unwrap().expect("known object");
    let all = store.nearest_objects(&ids[0], 50, 1000).await.unwrap().expect("known object");

    // Assert
    let order = |v: &[shared::graph::Similar]| v.iter().map(|s| s.object.id.clone()).collect::<Vec<_>>();
    assert_eq!(order(&top3), expected[..3], "best first, ties by id, never the object itself");
    assert_eq!(order(&all), expected, "only objects of the same model version");
    for (s, degrees) in all.iter().zip([10.0f32, 30.0, 30.0, 60.0, 90.0]) {
        assert!((s.score - degrees.to_radians().cos()).abs() < 1e-4, "cosine at {degrees}°: {}", s.score);
        assert!(s.object.embedding.is_empty(), "results leave the vector out");
        assert_eq!(s.object.model_version, scene.version);
    }
}

async fn check_an_exact_scan_past_its_bound_is_refused_not_run(store: &dyn GraphStore) {
    // Arrange: 8-d vectors, which no vector index serves, so every answer is an exact scan of 5 others.
    let scene = Scene::new();
    let objects: Vec<Obj> = (0..6)
        .map(|i| {
            let x = 0.1 * i as f32;
            let v = normalise((0..8).map(|j| ((i * 8 + j) as f32).sin()).collect());
            Obj::new("dog", 18, ColorName::Brown, [x, 0.1, x + 0.05, 0.3], 0.9).with_embedding(v)
        })
        .collect();
    let doc = document(&scene.version, &random_bytes(), &random_uri(), &objects, &[]);
    store.write_features(&scene.set, &doc).await.unwrap();
    let target = &doc.objects[0].id;

    // Act
    let refused = store.nearest_objects(target, 3, 4).await;
    let allowed = store.nearest_objects(target, 3, 5).await;

    // Assert
    let err = refused.expect_err("5 vectors to compare, bound 4");
    assert!(matches!(err, shared::Error::Unavailable { .. }), "503, not a partial answer: {err:?}");
    let message = err.to_string();
    assert!(message.contains("among the 5 vectors") && message.contains("SIMILAR_MAX_SCAN"), "{message}");
    assert_eq!(allowed.unwrap().expect("known object").len(), 3, "within the bound the scan runs");
}

#[tokio::test]
async fn sqlite_an_exact_scan_past_its_bound_is_refused_not_run() {
    check_an_exact_scan_past_its_bound_is_refused_not_run(&sqlite().await).await
}
#[tokio::test]
async fn neo4j_an_exact_scan_past_its_bound_is_refused_not_run() {
    check_an_exact_scan_past_its_bound_is_refused_not_run(&neo4j!()).await
}

#[tokio::test]
async fn spanner_an_exact_scan_past_its_bound_is_refused_not_run() {
    check_an_exact_scan_past_its_bound_is_refused_not_run(&spanner!()).await
}

#[tokio::test]
async fn sqlite_nearest_objects_rank_by_cosine_within_the_version() {
    check_nearest_objects_rank_by_cosine_within_the_version(&sqlite().await).await
}
#[tokio::test]
async fn neo4j_nearest_objects_rank_by_cosine_within_the_version() {
    check_nearest_objects_rank_by_cosine_within_the_version(&neo4j!()).await
}
#[tokio::test]
async fn spanner_nearest_objects_rank_by_cosine_within_the_version() {
    check_nearest_objects_rank_by_cosine_within_the_version(&spanner!()).await
}

#[tokio::test]
async fn neo4j_the_schema_brings_the_vector_index_online() {
    let store = neo4j!();
    assert!(store.has_vector_index(), "Neo4j 5.26 Community supports vector indexes; the schema must create one");
}
