//! Nodes and neighbourhoods for the explorer: shapes, depth, limits.

use serde_json::{json, Value};
use shared::domain::NodeId;
use shared::graph::GraphStore;
use std::collections::BTreeSet;

use crate::helpers::*;
use crate::stores::*;

fn without_id(v: Value) -> Value {
    let mut m = v.as_object().cloned().expect("a JSON object");
    m.remove("id");
    Value::Object(m)
}

async fn check_nodes_carry_every_property_in_one_shape(store: &dyn GraphStore) {
    // Arrange
    let scene = Scene::new();
    let doc = scene.street();
    store.write_features(&scene.set, &doc).await.unwrap();
    let person = expected_objects(&doc).into_iter().find(|o| o.label.as_str() == "person").unwrap();
    let node = |id: &str| NodeId::parse(id).unwrap();

    // Act
    let image = store.node(&node(doc.image.id.as_str())).await.unwrap().expect("image node");
    let object = store.node(&node(person.id.as_str())).await.unwrap().expect("object node");
    let feature = store.node(&node(person.feature_id.as_str())).await.unwrap().expect("feature node");

    // Assert
    assert_eq!((image.kind.as_str(), image.labels.clone()), ("Image", vec!["Image".to_string()]));
    assert_eq!(
        Value::Object(image.properties),
        without_id(json!(expected_image(&doc, &[&doc.image.uri]))),
        "image properties"
    );
    assert_eq!((object.kind.as_str(), object.id.as_str()), ("Object", person.id.as_str()));
    assert_eq!(
        Value::Object(object.properties),
        without_id(json!(without_embedding(person.clone()))),
        "object properties"
    );
    assert_eq!(feature.kind, "Feature");
    let mut props = feature.properties;
    let created_at = props["lineage"]["created_at"].as_str().expect("created_at").to_owned();
    assert!(chrono::DateTime::parse_from_rfc3339(&created_at).is_ok(), "created_at is RFC 3339: {created_at}");
    props["lineage"].as_object_mut().unwrap().remove("created_at");
    let l = &doc.lineage;
    let expected = json!({
        "object_id": person.id, "model_version": scene.version, "dim": DIM, "embedding": person.embedding,
        "lineage": {
            "job_id": l.job_id, "detector": "det@1", "embedder": "emb@1", "image_sha256": doc.image.id,
            "image_generation": doc.image.generation, "host": l.host, "processor": l.processor,
            "execution_provider": l.execution_provider, "started_at": l.started_at.to_rfc3339(),
            "finished_at": l.finished_at.to_rfc3339(), "source_uri": doc.image.uri,
        }
    });
    assert_eq!(Value::Object(props), expected, "feature properties with lineage");
}

async fn check_neighbourhoods_grow_with_depth_and_stop_at_the_limit(store: &dyn GraphStore) {
    // Arrange
    let scene = Scene::new();
    let doc = scene.street();
    store.write_features(&scene.set, &doc).await.unwrap();
    let objects = expected_objects(&doc);
    let [person, blue, red] = [0, 1, 2].map(|i| &doc.objects[i]);
    let centre = NodeId::parse(person.id.as_str()).unwrap();
    let img = doc.image.id.as_str();
    let rel = |kind: &str, a: &str, b: &str| format!("{kind}:{a}:{b}");
    let near = |a: &shared::schema::DetectedObject, b: &shared::schema::DetectedObject| {
        let (x, y) = if a.id < b.id { (a, b) } else { (b, a) };
        rel("NEAR", x.id.as_str(), y.id.as_str())
    };

    // Act
    let one = store.neighbourhood(&centre, 1, 100).await.unwrap().expect("known node");
    let two = store.neighbourhood(&centre, 2, 100).await.unwrap().expect("known node");
    let small = store.neighbourhood(&centre, 2, 3).await.unwrap().expect("known node");

    // Assert
    let ids = |n: &shared::graph::Neighbourhood| n.nodes.iter().map(|x| x.id.clone()).collect::<BTreeSet<_>>();
    let rels = |n: &shared::graph::Neighbourhood| n.relationships.iter().map(|r| r.id.clone()).collect::<BTreeSet<_>>();
    let set = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    assert_eq!(one.nodes[0].id, person.id.as_str(), "the centre comes first");
    assert_eq!(
        ids(&one),
        set(&[img, person.id.as_str(), person.feature_id.as_str(), blue.id.as_str(), red.id.as_str()]),
        "depth 1: the image, the feature and the related objects"
    );
    let expected_one = BTreeSet::from([
        rel("CONTAINS", img, person.id.as_str()),
        rel("HAS_FEATURE", person.id.as_str(), person.feature_id.as_str()),
        near(person, blue),
        near(person, red),
    ]);
    assert_eq!(rels(&one), expected_one, "depth 1 relationships");
    assert!(!one.truncated);
    let mut expected_two = ids(&one);
    expected_two.extend([blue.feature_id.to_string(), red.feature_id.to_string()]);
    assert_eq!(ids(&two), expected_two, "depth 2 adds the other objects' features");
    assert_eq!(two.relationships.len(), 9, "depth 2 relationships: {:?}", rels(&two));
    let contains = two.relationships.iter().find(|r| r.kind == "CONTAINS").unwrap();
    assert_eq!(Value::Object(contains.properties.clone()), json!({"model_version": scene.version}));
    let near_blue = two.relationships.iter().find(|r| r.id == near(person, blue)).unwrap();
    assert_eq!(Value::Object(near_blue.properties.clone()), json!({"distance": 0.02f32}));
    assert!(two.nodes[1..].iter().all(|n| !n.properties.contains_key("embedding")), "no vectors in neighbourhoods");
    let object_node = two.nodes.iter().find(|n| n.id == objects[1].id.as_str()).unwrap();
    assert_eq!(Value::Object(object_node.properties.clone()), without_id(json!(without_embedding(objects[1].clone()))));
    assert_eq!((small.nodes.len(), small.truncated), (3, true), "the limit bounds the nodes and says so");
    assert_eq!(small.nodes[0].id, person.id.as_str());
    let kept = ids(&small);
    assert!(
        small.relationships.iter().all(|r| kept.contains(&r.start) && kept.contains(&r.end)),
        "only relationships among kept nodes"
    );
}

#[tokio::test]
async fn sqlite_nodes_carry_every_property_in_one_shape() {
    check_nodes_carry_every_property_in_one_shape(&sqlite().await).await
}
#[tokio::test]
async fn neo4j_nodes_carry_every_property_in_one_shape() {
    check_nodes_carry_every_property_in_one_shape(&neo4j!()).await
}
#[tokio::test]
async fn spanner_nodes_carry_every_property_in_one_shape() {
    check_nodes_carry_every_property_in_one_shape(&spanner!()).await
}

#[tokio::test]
async fn sqlite_neighbourhoods_grow_with_depth_and_stop_at_the_limit() {
    check_neighbourhoods_grow_with_depth_and_stop_at_the_limit(&sqlite().await).await
}
#[tokio::test]
async fn neo4j_neighbourhoods_grow_with_depth_and_stop_at_the_limit() {
    check_neighbourhoods_grow_with_depth_and_stop_at_the_limit(&neo4j!()).await
}
#[tokio::test]
async fn spanner_neighbourhoods_grow_with_depth_and_stop_at_the_limit() {
    check_neighbourhoods_grow_with_depth_and_stop_at_the_limit(&spanner!()).await
}
