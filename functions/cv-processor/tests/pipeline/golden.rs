//! Golden outputs on the fixture photos: the expected objects, boxes and scores
//! near the Python reference, relations and colours checked by eye once.

use shared::domain::ColorName;
use shared::schema::RelationKind;

use crate::helpers::{bbox, box_diff, process, reference_detections, with_label};

#[tokio::test]
async fn each_photo_shows_its_expected_objects() {
    let cases: [(&str, &[(&str, usize)]); 4] = [
        ("person.jpg", &[("person", 1)]),
        ("dog.jpg", &[("bicycle", 1), ("dog", 1), ("car", 1)]),
        ("scenetext01.jpg", &[("car", 1), ("person", 2)]),
        ("coffee.png", &[("cup", 1)]),
    ];
    for (photo, expected) in cases {
        let doc = process(photo).await;
        for (label, count) in expected {
            assert_eq!(
                with_label(&doc, label).len(),
                *count,
                "{photo}: {label} count in {:?}",
                doc.objects.iter().map(|o| o.label.as_str()).collect::<Vec<_>>()
            );
        }
    }
}

#[tokio::test]
async fn boxes_and_scores_stay_within_golden_tolerance_of_the_reference() {
    let reference = reference_detections();
    for photo in ["person.jpg", "dog.jpg", "scenetext01.jpg", "coffee.png"] {
        let doc = process(photo).await;
        let want = reference["images"][photo]["detections"].as_array().unwrap();
        for (i, r) in want.iter().enumerate() {
            let label = r["label"].as_str().unwrap();
            let (score, b) = (r["score"].as_f64().unwrap() as f32, bbox(&r["box_norm"]));
            let found = with_label(&doc, label)
                .into_iter()
                .any(|o| (o.score - score).abs() <= 0.02 && box_diff(&o.box_norm, &b) <= 0.02);
            assert!(found, "{photo}: reference detection {i} ({label} {score:.3}) has no match within 0.02");
        }
    }
}

#[tokio::test]
async fn the_dog_and_the_bicycle_touch_so_they_are_near_and_overlap() {
    let doc = process("dog.jpg").await;
    let (dog, bicycle) = (&with_label(&doc, "dog")[0].id, &with_label(&doc, "bicycle")[0].id);
    let pair =
        |r: &&shared::schema::Relation| (&r.from == dog && &r.to == bicycle) || (&r.from == bicycle && &r.to == dog);
    let kinds: Vec<RelationKind> = doc.relations.iter().filter(pair).map(|r| r.kind).collect();
    assert_eq!(kinds, vec![RelationKind::Near, RelationKind::Overlaps]);
    let near = doc.relations.iter().filter(pair).find(|r| r.kind == RelationKind::Near).unwrap();
    assert_eq!(near.distance, Some(0.0));
    assert!(doc.relations.iter().all(|r| r.from < r.to), "from sorts before to");
}

#[tokio::test]
async fn dominant_colours_are_stable() {
    // Checked by eye on the central half of each box (see color::core).
    let cases = [
        ("dog.jpg", "bicycle", ColorName::Yellow),
        ("dog.jpg", "dog", ColorName::Black),
        ("dog.jpg", "car", ColorName::White),
        ("person.jpg", "person", ColorName::Blue),
        ("scenetext01.jpg", "car", ColorName::White),
        ("coffee.png", "cup", ColorName::Orange),
    ];
    for (photo, label, colour) in cases {
        let doc = process(photo).await;
        let object = with_label(&doc, label)[0];
        assert_eq!(object.color.name, colour, "{photo} {label}: fraction {}", object.color.fraction);
    }
    let people =
        with_label(&process("scenetext01.jpg").await, "person").iter().map(|o| o.color.name).collect::<Vec<_>>();
    assert_eq!(people, vec![ColorName::Red, ColorName::White], "scenetext01.jpg people, best first");
}

#[tokio::test]
async fn documents_carry_identity_timings_and_lineage() {
    let doc = process("dog.jpg").await;
    assert_eq!((doc.image.width, doc.image.height, doc.image.content_type.as_str()), (768, 576, "image/jpeg"));
    assert_eq!(doc.image.md5_hash.len(), 24);
    assert!(doc.image.uri.starts_with("file:///"), "{}", doc.image.uri);
    assert_eq!(doc.lineage.execution_provider, "cpu");
    assert_eq!(doc.lineage.job_id, "test-job");
    assert!(doc.lineage.processor.starts_with("cv-processor@"));
    assert!(doc.timings.detect_ms > 0.0 && doc.timings.total_ms >= doc.timings.detect_ms);
    assert!(doc.objects.iter().all(|o| o.embedding.len() == 1280));
    doc.validate_content().unwrap();
}
