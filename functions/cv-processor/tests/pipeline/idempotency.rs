//! The same bytes always give the same ids, whatever the object is called.

use crate::helpers::{photo, process, processor};

#[tokio::test]
async fn the_same_bytes_twice_and_under_another_name_give_identical_ids() {
    let first = process("dog.jpg").await;
    let second = process("dog.jpg").await;
    let dir = tempfile::tempdir().unwrap();
    let renamed = dir.path().join("renamed-copy.jpg");
    std::fs::copy(photo("dog.jpg"), &renamed).unwrap();
    let third = processor().process(renamed.to_str().unwrap()).await.unwrap();

    let ids = |d: &shared::schema::FeatureDocument| {
        d.objects.iter().map(|o| (o.id.clone(), o.feature_id.clone())).collect::<Vec<_>>()
    };
    assert_eq!(ids(&first), ids(&second), "twice the same file");
    assert_eq!(ids(&first), ids(&third), "another name, same bytes");
    assert_eq!(first.image.id, third.image.id);
    assert_ne!(first.image.uri, third.image.uri);
    assert_eq!(first.relations, third.relations);
}
