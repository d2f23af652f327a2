//! Nearest neighbours: cosine ranking within one model version, from a
//! stored object or from a query vector (with label and score filters).

use shared::domain::{ColorName, Label, ObjectId};
use shared::graph::{GraphStore, Similar, VectorQuery};

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

    // Query by vector: the same bound over all 6 vectors of the version.
    let by_vector = |max_scan| VectorQuery {
        vector: doc.objects[0].embedding.clone(),
        version: scene.version.clone(),
        k: 3,
        label: None,
        min_score: None,
        max_scan,
    };
    let refused = store.nearest_to_vector(&by_vector(5)).await.expect_err("6 vectors to compare, bound 5");
    assert!(matches!(refused, shared::Error::Unavailable { .. }), "{refused:?}");
    assert!(refused.to_string().contains("among the 6 vectors"), "{refused}");
    assert_eq!(store.nearest_to_vector(&by_vector(6)).await.unwrap().len(), 3);
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

/// A unit vector orthogonal to `r`.
fn orthogonal_to(r: &[f32]) -> Vec<f32> {
    let u = random_unit();
    let dot: f32 = r.iter().zip(&u).map(|(a, b)| a * b).sum();
    normalise(u.iter().zip(r).map(|(y, x)| y - dot * x).collect())
}

fn query(scene: &Scene, vector: Vec<f32>, k: usize) -> VectorQuery {
    VectorQuery { vector, version: scene.version.clone(), k, label: None, min_score: None, max_scan: 1000 }
}

fn ids(v: &[Similar]) -> Vec<ObjectId> {
    v.iter().map(|s| s.object.id.clone()).collect()
}

async fn check_a_query_vector_finds_the_closest_objects_of_its_version_best_first(store: &dyn GraphStore) {
    // Arrange: dogs at 10°, 30°, 30° (a tie) and 60° from the query, a cat at 20°; a twin at 0° in another version.
    let scene = Scene::new();
    let r = random_unit();
    let u = orthogonal_to(&r);
    let specs = [("dog", 18, 10.0), ("cat", 17, 20.0), ("dog", 18, 30.0), ("dog", 18, 30.0), ("dog", 18, 60.0)];
    let objects: Vec<Obj> = specs
        .iter()
        .enumerate()
        .map(|(i, (label, cat, a))| {
            let x = 0.1 * i as f32;
            Obj::new(label, *cat, ColorName::Brown, [x, 0.1, x + 0.05, 0.3], 0.9).with_embedding(at_angle(&r, &u, *a))
        })
        .collect();
    let doc = document(&scene.version, &random_bytes(), &random_uri(), &objects, &[]);
    store.write_features(&scene.set, &doc).await.unwrap();
    let twin = [Obj::new("dog", 18, ColorName::Brown, [0.1, 0.1, 0.3, 0.3], 0.9).with_embedding(r.clone())];
    let other = scene.other_version("other");
    store.write_features(&scene.set, &document(&other, &random_bytes(), &random_uri(), &twin, &[])).await.unwrap();
    let id = |i: usize| doc.objects[i].id.clone();
    let (tie_a, tie_b) = if id(2) < id(3) { (id(2), id(3)) } else { (id(3), id(2)) };

    // Act
    let all = store.nearest_to_vector(&query(&scene, r.clone(), 10)).await.unwrap();
    let top2 = store.nearest_to_vector(&query(&scene, r.clone(), 2)).await.unwrap();
    let dogs = store
        .nearest_to_vector(&VectorQuery { label: Some(Label::parse("dog").unwrap()), ..query(&scene, r.clone(), 10) })
        .await
        .unwrap();
    let close = store
        .nearest_to_vector(&VectorQuery { min_score: Some(45f32.to_radians().cos()), ..query(&scene, r.clone(), 10) })
        .await
        .unwrap();
    // The query's length does not matter, only its direction.
    let scaled = store.nearest_to_vector(&query(&scene, r.iter().map(|x| x * 7.5).collect(), 10)).await.unwrap();

    // Assert
    assert_eq!(ids(&all), [id(0), id(1), tie_a.clone(), tie_b.clone(), id(4)], "best first, ties by id, one version");
    for (s, degrees) in all.iter().zip([10.0f32, 20.0, 30.0, 30.0, 60.0]) {
        assert!((s.score - degrees.to_radians().cos()).abs() < 1e-4, "cosine at {degrees}°: {}", s.score);
        assert!(s.object.embedding.is_empty(), "results leave the vector out");
        assert_eq!(s.object.model_version, scene.version);
    }
    let cat = expected_objects(&doc).into_iter().find(|o| o.id == id(1)).unwrap();
    assert_eq!(all[1].object, without_embedding(cat), "the whole record comes back");
    assert_eq!(ids(&top2), [id(0), id(1)], "k bounds the answer");
    assert_eq!(ids(&dogs), [id(0), tie_a.clone(), tie_b.clone(), id(4)], "the label filter keeps only dogs");
    assert_eq!(ids(&close), [id(0), id(1), tie_a, tie_b], "min_score drops the 60° dog");
    assert_eq!(ids(&scaled), ids(&all));
}

async fn check_a_selective_label_filter_still_returns_k_objects(store: &dyn GraphStore) {
    // Arrange: 150 dogs within 5° of the query (two images of 75: a document carries at most
    // 100 objects) crowd out 3 cats at 40°.
    let scene = Scene::new();
    let r = random_unit();
    let dogs = |n: usize| -> Vec<Obj> {
        (0..n)
            .map(|i| {
                let x = 0.006 * i as f32;
                Obj::new("dog", 18, ColorName::Brown, [x, 0.1, x + 0.005, 0.3], 0.9).with_embedding(at_angle(
                    &r,
                    &orthogonal_to(&r),
                    5.0,
                ))
            })
            .collect()
    };
    let first = document(&scene.version, &random_bytes(), &random_uri(), &dogs(75), &[]);
    store.write_features(&scene.set, &first).await.unwrap();
    let mut objects = dogs(75);
    for j in 0..3 {
        let y = 0.4 + 0.1 * j as f32;
        objects.push(Obj::new("cat", 17, ColorName::Black, [0.1, y, 0.2, y + 0.05], 0.8).with_embedding(at_angle(
            &r,
            &orthogonal_to(&r),
            40.0,
        )));
    }
    let doc = document(&scene.version, &random_bytes(), &random_uri(), &objects, &[]);
    store.write_features(&scene.set, &doc).await.unwrap();
    let mut cats: Vec<ObjectId> = doc.objects[75..].iter().map(|o| o.id.clone()).collect();
    cats.sort();

    // Act
    let q = VectorQuery { label: Some(Label::parse("cat").unwrap()), ..query(&scene, r, 3) };
    let found = store.nearest_to_vector(&q).await.unwrap();

    // Assert
    let mut got = ids(&found);
    got.sort();
    assert_eq!(got, cats, "all three cats, though 150 nearer dogs fill the first candidates");
    for s in &found {
        assert!((s.score - 40f32.to_radians().cos()).abs() < 1e-3, "{}", s.score);
    }
}

async fn check_a_query_of_another_length_is_refused_naming_the_vector(store: &dyn GraphStore) {
    let scene = Scene::new();
    store.write_features(&scene.set, &scene.street()).await.unwrap();

    let short = store.nearest_to_vector(&query(&scene, vec![0.5; 8], 5)).await;
    let nan = store.nearest_to_vector(&query(&scene, vec![f32::NAN; DIM], 5)).await;
    let unknown = store.nearest_to_vector(&query(&Scene::new(), random_unit(), 5)).await.unwrap();

    let message = |r: shared::Result<Vec<Similar>>| match r {
        Err(shared::Error::Invalid(m)) => m,
        other => panic!("expected Invalid, got {other:?}"),
    };
    assert!(message(short).contains("vector has 8 values"), "names the field and both lengths");
    assert!(message(nan).contains("vector[0]"));
    assert!(unknown.is_empty(), "a version without features has no neighbours");
}

#[tokio::test]
async fn sqlite_a_query_vector_finds_the_closest_objects_of_its_version_best_first() {
    check_a_query_vector_finds_the_closest_objects_of_its_version_best_first(&sqlite().await).await
}
#[tokio::test]
async fn neo4j_a_query_vector_finds_the_closest_objects_of_its_version_best_first() {
    check_a_query_vector_finds_the_closest_objects_of_its_version_best_first(&neo4j!()).await
}

#[tokio::test]
async fn spanner_a_query_vector_finds_the_closest_objects_of_its_version_best_first() {
    check_a_query_vector_finds_the_closest_objects_of_its_version_best_first(&spanner!()).await
}
#[tokio::test]
async fn sqlite_a_selective_label_filter_still_returns_k_objects() {
    check_a_selective_label_filter_still_returns_k_objects(&sqlite().await).await
}
#[tokio::test]
async fn neo4j_a_selective_label_filter_still_returns_k_objects() {
    check_a_selective_label_filter_still_returns_k_objects(&neo4j!()).await
}

#[tokio::test]
async fn spanner_a_selective_label_filter_still_returns_k_objects() {
    check_a_selective_label_filter_still_returns_k_objects(&spanner!()).await
}
#[tokio::test]
async fn sqlite_a_query_of_another_length_is_refused_naming_the_vector() {
    check_a_query_of_another_length_is_refused_naming_the_vector(&sqlite().await).await
}
#[tokio::test]
async fn neo4j_a_query_of_another_length_is_refused_naming_the_vector() {
    check_a_query_of_another_length_is_refused_naming_the_vector(&neo4j!()).await
}

#[tokio::test]
async fn spanner_a_query_of_another_length_is_refused_naming_the_vector() {
    check_a_query_of_another_length_is_refused_naming_the_vector(&spanner!()).await
}
