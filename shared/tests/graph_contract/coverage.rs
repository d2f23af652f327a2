//! Coverage: which images of a set each version processed, pages of the set's images
//! by version and location, and activation recording its coverage in the audit.

use shared::graph::{GraphStore, ImageQuery};
use shared::Error;

use crate::helpers::*;
use crate::stores::*;

/// Three images of `scene`'s set: two processed by both versions, one by the first only;
/// the one without detections still counts as processed.
async fn three_images(store: &dyn GraphStore, scene: &Scene) -> (Vec<String>, shared::domain::ModelVersion) {
    let next = scene.other_version("next");
    let mut ids = Vec::new();
    for n in 0..3 {
        let (bytes, uri) = (random_bytes(), format!("gs://sightgraph-contract/cov-{n}/{:016x}.jpg#7", random_u64()));
        let first = scene.street_at(&bytes, &uri);
        store.write_features(&scene.set, &first).await.unwrap();
        if n < 2 {
            let objects = if n == 0 { vec![] } else { street_objects() };
            let relations = if n == 0 { vec![] } else { street_relations() };
            store.write_features(&scene.set, &document(&next, &bytes, &uri, &objects, &relations)).await.unwrap();
        }
        ids.push(first.image.id.to_string());
    }
    ids.sort();
    (ids, next)
}

async fn check_coverage_counts_the_images_each_version_processed(store: &dyn GraphStore) {
    // Arrange
    let scene = Scene::new();
    let (_, next) = three_images(store, &scene).await;

    // Act
    let coverage = store.version_coverage(&scene.set).await.unwrap();

    // Assert
    assert_eq!(coverage.images, 3, "{coverage:?}");
    assert_eq!(coverage.versions.len(), 2, "{coverage:?}");
    assert_eq!((&coverage.versions[0].version, coverage.versions[0].images), (&scene.version, 3), "oldest first");
    assert_eq!((&coverage.versions[1].version, coverage.versions[1].images), (&next, 2), "an empty image counts");
    assert!((coverage.fraction_of(&next) - 2.0 / 3.0).abs() < 1e-9);
    let other = Scene::new();
    let empty = store.version_coverage(&other.set).await.unwrap();
    assert_eq!((empty.images, empty.versions.len()), (0, 0), "an unknown set covers nothing");
}

async fn check_image_pages_filter_by_version_and_location_in_id_order(store: &dyn GraphStore) {
    // Arrange
    let scene = Scene::new();
    let (ids, next) = three_images(store, &scene).await;
    let page = |q: ImageQuery| async move {
        store.list_images(&q).await.unwrap().into_iter().map(|i| i.id.to_string()).collect::<Vec<_>>()
    };
    let all = ImageQuery::all(&scene.set, 100);

    // Act
    let everything = page(all.clone()).await;
    let first_two = page(ImageQuery { limit: 2, ..all.clone() }).await;
    let rest =
        page(ImageQuery { after: Some(shared::domain::ImageId::parse(&first_two[1]).unwrap()), ..all.clone() }).await;
    let missing_next = page(ImageQuery { without_version: Some(next.clone()), ..all.clone() }).await;
    let with_both = page(ImageQuery { with_versions: vec![scene.version.clone(), next.clone()], ..all.clone() }).await;
    let under_prefix =
        page(ImageQuery { uri_prefix: Some("gs://sightgraph-contract/cov-1/".into()), ..all.clone() }).await;
    let other_set = page(ImageQuery::all(&Scene::new().set, 100)).await;

    // Assert
    assert_eq!(everything, ids, "every image of the set, by id");
    assert_eq!([first_two.clone(), rest].concat(), ids, "pages continue after the last id");
    assert_eq!(missing_next.len(), 1, "one image still lacks the next version");
    assert!(!with_both.contains(&missing_next[0]) && with_both.len() == 2, "{with_both:?}");
    assert_eq!(under_prefix.len(), 1, "one image lives under the prefix");
    assert!(other_set.is_empty(), "images of other sets are not listed");
}

async fn check_activation_with_coverage_records_it_in_the_audit(store: &dyn GraphStore) {
    // Arrange
    let scene = Scene::new();
    let (_, next) = three_images(store, &scene).await;

    // Act
    let change = store.activate_version_with_coverage(&scene.set, &next, "alice", 0.75).await.unwrap();
    let unknown = store.activate_version_with_coverage(&scene.set, &scene.other_version("never"), "alice", 1.0).await;

    // Assert
    assert_eq!((change.to.clone(), change.actor.as_str(), change.coverage), (next.clone(), "alice", Some(0.75)));
    assert_eq!(store.active_version(&scene.set).await.unwrap(), Some(next));
    assert!(matches!(unknown, Err(Error::NotFound(_))), "{unknown:?}");
    let sets = store.feature_sets().await.unwrap();
    let history = &sets.iter().find(|s| s.name == scene.set.as_str()).unwrap().history;
    assert_eq!(history[0], change, "the audit holds who activated it with which coverage");
    assert_eq!(history[1].coverage, None, "the bootstrap records none");
}

#[tokio::test]
async fn sqlite_coverage_counts_the_images_each_version_processed() {
    check_coverage_counts_the_images_each_version_processed(&sqlite().await).await
}
#[tokio::test]
async fn neo4j_coverage_counts_the_images_each_version_processed() {
    check_coverage_counts_the_images_each_version_processed(&neo4j!()).await
}
#[tokio::test]
async fn spanner_coverage_counts_the_images_each_version_processed() {
    check_coverage_counts_the_images_each_version_processed(&spanner!()).await
}

#[tokio::test]
async fn sqlite_image_pages_filter_by_version_and_location_in_id_order() {
    check_image_pages_filter_by_version_and_location_in_id_order(&sqlite().await).await
}
#[tokio::test]
async fn neo4j_image_pages_filter_by_version_and_location_in_id_order() {
    check_image_pages_filter_by_version_and_location_in_id_order(&neo4j!()).await
}
#[tokio::test]
async fn spanner_image_pages_filter_by_version_and_location_in_id_order() {
    check_image_pages_filter_by_version_and_location_in_id_order(&spanner!()).await
}

#[tokio::test]
async fn sqlite_activation_with_coverage_records_it_in_the_audit() {
    check_activation_with_coverage_records_it_in_the_audit(&sqlite().await).await
}
#[tokio::test]
async fn neo4j_activation_with_coverage_records_it_in_the_audit() {
    check_activation_with_coverage_records_it_in_the_audit(&neo4j!()).await
}
#[tokio::test]
async fn spanner_activation_with_coverage_records_it_in_the_audit() {
    check_activation_with_coverage_records_it_in_the_audit(&spanner!()).await
}
