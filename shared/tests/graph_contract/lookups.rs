//! Lookups: exact records back, dedup by MD5, newest objects, unknown ids.

use shared::domain::{ImageId, NodeId, ObjectId};
use shared::graph::{GraphStore, ImageSelector};

use crate::helpers::*;
use crate::stores::*;

async fn check_lookups_return_exactly_what_was_written(store: &dyn GraphStore) {
    // Arrange
    let scene = Scene::new();
    let doc = scene.street();
    let expected = expected_objects(&doc);
    store.write_features(&scene.set, &doc).await.unwrap();

    // Act
    let one = store.object(&expected[1].id).await.unwrap();
    let ids: Vec<ObjectId> =
        expected.iter().map(|o| o.id.clone()).chain([ObjectId::parse(&"0".repeat(32)).unwrap()]).collect();
    let mut many = store.objects(&ids).await.unwrap();
    let image = store.image_features(&ImageSelector::Id(doc.image.id.clone()), &scene.version).await.unwrap();

    // Assert
    assert_same_objects(&[one.expect("object by id")], &expected[1..2], "object()");
    many.sort_by(|a, b| b.score.total_cmp(&a.score));
    assert_same_objects(&many, &expected, "objects() leaves unknown ids out");
    let image = image.expect("image_features by id");
    assert_eq!(image.image, expected_image(&doc, &[&doc.image.uri]));
    assert_eq!(image.model_version, scene.version);
    assert_same_objects(&image.objects, &expected, "image_features() objects, best score first");
    let mut relations = doc.relations.clone();
    relations.sort_by(|a, b| (a.kind.as_str(), &a.from, &a.to).cmp(&(b.kind.as_str(), &b.from, &b.to)));
    assert_eq!(image.relations, relations, "relations as written, by kind then ids");
}

async fn check_find_processed_by_md5_only_matches_the_given_version(store: &dyn GraphStore) {
    // Arrange
    let scene = Scene::new();
    let doc = scene.street();
    store.write_features(&scene.set, &doc).await.unwrap();

    // Act
    let same = store.find_processed_by_md5(&doc.image.md5_hash, &scene.version).await.unwrap();
    let other_version = store.find_processed_by_md5(&doc.image.md5_hash, &scene.other_version("next")).await.unwrap();
    let other_md5 = store.find_processed_by_md5("bm90LWEtcmVhbC1tZDU=", &scene.version).await.unwrap();

    // Assert
    assert_eq!(same, Some(expected_image(&doc, &[&doc.image.uri])), "processed by this version");
    assert_eq!(other_version, None, "not processed by another version");
    assert_eq!(other_md5, None, "other bytes");
}

async fn check_newest_objects_come_newest_first_within_the_limit(store: &dyn GraphStore) {
    // Arrange
    let scene = Scene::new();
    let (older, newer) = (scene.street(), scene.street());
    store.write_features(&scene.set, &older).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    store.write_features(&scene.set, &newer).await.unwrap();
    let by_feature_id = |doc| {
        let mut v = expected_objects(doc);
        v.sort_by(|a, b| a.feature_id.cmp(&b.feature_id));
        v
    };
    let expected: Vec<_> = by_feature_id(&newer).into_iter().chain(by_feature_id(&older)).collect();

    // Act
    let four = store.newest_objects(&scene.version, 4).await.unwrap();
    let all = store.newest_objects(&scene.version, 100).await.unwrap();

    // Assert
    assert_same_objects(&four, &expected[..4], "newest write first, then by feature id, cut at the limit");
    assert_same_objects(&all, &expected, "every object of the version");
}

async fn check_unknown_ids_give_none(store: &dyn GraphStore) {
    // Arrange
    let scene = Scene::new();
    store.write_features(&scene.set, &scene.street()).await.unwrap();
    let image = ImageId::of_bytes(&random_bytes());
    let object = ObjectId::parse(&format!("{:016x}{:016x}", random_u64(), random_u64())).unwrap();

    // Act / Assert
    assert_eq!(store.object(&object).await.unwrap(), None, "object");
    assert!(store.objects(std::slice::from_ref(&object)).await.unwrap().is_empty(), "objects");
    assert_eq!(store.image(&image).await.unwrap(), None, "image");
    assert_eq!(store.image_features(&ImageSelector::Id(image.clone()), &scene.version).await.unwrap(), None, "by id");
    assert_eq!(store.image_features(&ImageSelector::Uri(random_uri()), &scene.version).await.unwrap(), None, "by uri");
    assert_eq!(store.nearest_objects(&object, 3, 1000).await.unwrap(), None, "nearest");
    for id in [NodeId::Image(image), NodeId::parse(object.as_str()).unwrap()] {
        assert_eq!(store.node(&id).await.unwrap(), None, "node {id:?}");
        assert_eq!(store.neighbourhood(&id, 2, 10).await.unwrap(), None, "neighbourhood {id:?}");
    }
    assert_eq!(store.active_version(&Scene::new().set).await.unwrap(), None, "active version of an unknown set");
}

#[tokio::test]
async fn sqlite_lookups_return_exactly_what_was_written() {
    check_lookups_return_exactly_what_was_written(&sqlite().await).await
}
#[tokio::test]
async fn neo4j_lookups_return_exactly_what_was_written() {
    check_lookups_return_exactly_what_was_written(&neo4j!()).await
}
#[tokio::test]
async fn spanner_lookups_return_exactly_what_was_written() {
    check_lookups_return_exactly_what_was_written(&spanner!()).await
}

#[tokio::test]
async fn sqlite_find_processed_by_md5_only_matches_the_given_version() {
    check_find_processed_by_md5_only_matches_the_given_version(&sqlite().await).await
}
#[tokio::test]
async fn neo4j_find_processed_by_md5_only_matches_the_given_version() {
    check_find_processed_by_md5_only_matches_the_given_version(&neo4j!()).await
}
#[tokio::test]
async fn spanner_find_processed_by_md5_only_matches_the_given_version() {
    check_find_processed_by_md5_only_matches_the_given_version(&spanner!()).await
}

#[tokio::test]
async fn sqlite_newest_objects_come_newest_first_within_the_limit() {
    check_newest_objects_come_newest_first_within_the_limit(&sqlite().await).await
}
#[tokio::test]
async fn neo4j_newest_objects_come_newest_first_within_the_limit() {
    check_newest_objects_come_newest_first_within_the_limit(&neo4j!()).await
}
#[tokio::test]
async fn spanner_newest_objects_come_newest_first_within_the_limit() {
    check_newest_objects_come_newest_first_within_the_limit(&spanner!()).await
}

#[tokio::test]
async fn sqlite_unknown_ids_give_none() {
    check_unknown_ids_give_none(&sqlite().await).await
}
#[tokio::test]
async fn neo4j_unknown_ids_give_none() {
    check_unknown_ids_give_none(&neo4j!()).await
}
#[tokio::test]
async fn spanner_unknown_ids_give_none() {
    check_unknown_ids_give_none(&spanner!()).await
}
