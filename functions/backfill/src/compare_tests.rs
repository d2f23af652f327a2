use super::*;
use shared::domain::{ColorName, FeatureId, Label, ObjectId};
use shared::graph::ImageRecord;
use shared::schema::{BBox, ColorAttr};

fn version(v: &str) -> ModelVersion {
    ModelVersion::parse(v).unwrap()
}

fn object(label: &str, score: f32, b: [f32; 4], embedding: Vec<f32>) -> ObjectFeatures {
    let image = ImageId::of_bytes(b"img");
    let id = ObjectId::derive(&image, &version("v@1"), 1, b);
    ObjectFeatures {
        feature_id: FeatureId::derive(&id, &version("v@1")),
        id,
        image_id: image,
        label: Label::parse(label).unwrap(),
        category_id: 1,
        score,
        box_px: BBox { x_min: 0.0, y_min: 0.0, x_max: 1.0, y_max: 1.0 },
        box_norm: BBox { x_min: b[0], y_min: b[1], x_max: b[2], y_max: b[3] },
        color: ColorAttr { name: ColorName::Red, fraction: 0.5 },
        model_version: version("v@1"),
        embedding,
    }
}

fn image(objects: Vec<ObjectFeatures>, v: &str) -> ImageFeatures {
    ImageFeatures {
        image: ImageRecord {
            id: ImageId::of_bytes(b"img"),
            uri: "gs://b/x#1".into(),
            bucket: Some("b".into()),
            name: "x".into(),
            generation: Some(1),
            width: 10,
            height: 10,
            content_type: "image/jpeg".into(),
            sha256: ImageId::of_bytes(b"img").to_string(),
            md5_hash: "x".into(),
            deleted_at: None,
            locations: vec![],
        },
        model_version: version(v),
        objects,
        relations: vec![],
    }
}

#[test]
fn boxes_match_greedily_by_overlap_and_never_twice() {
    let from = [object("dog", 0.9, [0.0, 0.0, 0.5, 0.5], vec![]), object("cat", 0.8, [0.5, 0.5, 1.0, 1.0], vec![])];
    let to = [
        object("dog", 0.9, [0.0, 0.0, 0.48, 0.5], vec![]),
        object("dog", 0.7, [0.02, 0.0, 0.5, 0.5], vec![]),
        object("car", 0.6, [0.0, 0.6, 0.3, 1.0], vec![]),
    ];
    assert_eq!(match_boxes(&from, &to), vec![(0, 0)], "the best overlap wins; the cat has no match; nothing twice");
}

#[test]
fn the_report_counts_labels_changes_score_shift_and_embedding_drift() {
    let from = image(
        vec![
            object("dog", 0.8, [0.0, 0.0, 0.5, 0.5], vec![1.0, 0.0]),
            object("dog", 0.6, [0.5, 0.5, 1.0, 1.0], vec![1.0, 0.0]),
            object("cat", 0.5, [0.0, 0.6, 0.3, 1.0], vec![0.0, 1.0]),
        ],
        "a@1",
    );
    let to = image(
        vec![
            object("dog", 0.9, [0.0, 0.0, 0.5, 0.5], vec![0.0, 1.0]),
            object("horse", 0.7, [0.5, 0.5, 1.0, 1.0], vec![1.0, 0.0]),
            object("person", 0.9, [0.6, 0.0, 1.0, 0.3], vec![1.0, 0.0]),
        ],
        "b@1",
    );

    let report = compare_images("default", &version("a@1"), &version("b@1"), &[(from, to)]);

    assert_eq!((report.objects_from, report.objects_to, report.matched), (3, 3, 2));
    assert_eq!((report.only_from, report.only_to, report.label_changes_total), (1, 1, 1), "cat lost, person new");
    assert_eq!(report.label_changes, vec![LabelChange { from: "dog".into(), to: "horse".into(), count: 1 }]);
    let dog = report.labels.iter().find(|l| l.label == "dog").unwrap();
    assert_eq!((dog.from, dog.to, dog.matched, dog.relabelled), (2, 1, 1, 1));
    assert!((dog.mean_score_change.unwrap() - 0.1).abs() < 1e-6, "{dog:?}");
    assert!((dog.embedding_drift.unwrap() - 1.0).abs() < 1e-9, "orthogonal vectors drift by 1: {dog:?}");
    assert!((report.mean_score_change.unwrap() - 0.1).abs() < 1e-6, "(+0.1 + +0.1) / 2");
    let table = render(&report);
    assert!(
        table.contains("| dog | 2 | 1 | 1 | 1 | +0.100 | 1.0000 |") && table.contains("| dog → horse | 1 |"),
        "{table}"
    );
}

#[tokio::test]
async fn a_comparison_reads_only_images_both_versions_processed_up_to_the_limit() {
    use shared::graph::sqlite::SqliteGraphStore;
    use shared::testing::sample_document;
    let graph = SqliteGraphStore::in_memory().unwrap();
    graph.ensure_schema().await.unwrap();
    let set = FeatureSetName::parse("default").unwrap();
    for n in 0..3u8 {
        let uri = format!("gs://raw/{n}.jpg#1");
        graph.write_features(&set, &sample_document(&[n; 8], &uri, "a@1")).await.unwrap();
        if n < 2 {
            graph.write_features(&set, &sample_document(&[n; 8], &uri, "b@1")).await.unwrap();
        }
    }

    let all = compare(&graph, &set, &version("a@1"), &version("b@1"), 100).await.unwrap();
    let one = compare(&graph, &set, &version("a@1"), &version("b@1"), 1).await.unwrap();

    assert_eq!((all.set_images, all.from_images, all.to_images, all.images_compared), (3, 3, 2, 2));
    assert!(!all.truncated);
    assert_eq!((all.matched, all.label_changes_total), (4, 0), "the same boxes in both: person and car twice");
    assert!(all.labels.iter().all(|l| l.embedding_drift == Some(0.0) || l.embedding_drift.unwrap().abs() < 1e-9));
    assert_eq!((one.images_compared, one.truncated), (1, true));
}
