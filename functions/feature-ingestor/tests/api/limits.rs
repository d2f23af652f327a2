//! The body limit fits the largest document `cv-processor` can emit.

use shared::domain::{ColorName, FeatureId, ImageId, Label, ModelVersion, ObjectId};
use shared::graph::GraphStore;
use shared::schema::{BBox, ColorAttr, DetectedObject, FeatureDocument, Relation, RelationKind, MAX_OBJECTS};
use shared::testing::sample_document;

use crate::helpers::spawn_app;

const DIM: usize = 1280;

/// [`MAX_OBJECTS`] objects with 1280-d embeddings whose every float has a long JSON
/// spelling, and both relations (NEAR and OVERLAPS) for every pair: the largest
/// document the processor's caps allow.
fn document_at_the_cap() -> FeatureDocument {
    let mut doc = sample_document(b"a crowded street", "gs://raw-images/crowded.jpg#1768471200123456", "det@1+emb@1");
    let (image, version): (ImageId, ModelVersion) = (doc.image.id.clone(), doc.model.version.clone());
    doc.objects = (0..MAX_OBJECTS)
        .map(|i| {
            let (x, y) = ((i % 10) as f32 * 0.09, (i / 10) as f32 * 0.09);
            let box_norm = BBox { x_min: x, y_min: y, x_max: x + 0.1, y_max: y + 0.1 };
            let id = ObjectId::derive(&image, &version, 1, box_norm.as_array());
            DetectedObject {
                feature_id: FeatureId::derive(&id, &version),
                id,
                label: Label::parse("person").unwrap(),
                category_id: 1,
                score: 0.987_654_3,
                box_px: BBox {
                    x_min: x * 4000.0,
                    y_min: y * 3000.0,
                    x_max: (x + 0.1) * 4000.0,
                    y_max: (y + 0.1) * 3000.0,
                },
                box_norm,
                color: ColorAttr { name: ColorName::Gray, fraction: 0.123_456_79 },
                // NB: "-1.2345679e-10," is 15 bytes, longer than any value a unit vector needs.
                embedding: (0..DIM).map(|j| -1.234_567_9e-10 * (1.0 + j as f32 * 1e-7)).collect(),
            }
        })
        .collect();
    let ids: Vec<ObjectId> = doc.objects.iter().map(|o| o.id.clone()).collect();
    doc.relations = Vec::new();
    for (i, a) in ids.iter().enumerate() {
        for b in &ids[i + 1..] {
            let (from, to) = if a < b { (a.clone(), b.clone()) } else { (b.clone(), a.clone()) };
            let near = Relation { kind: RelationKind::Near, from, to, distance: Some(0.012_345_679), iou: None };
            let overlaps =
                Relation { kind: RelationKind::Overlaps, distance: None, iou: Some(0.123_456_79), ..near.clone() };
            doc.relations.extend([near, overlaps]);
        }
    }
    doc
}

#[tokio::test]
async fn a_document_at_the_processor_caps_is_ingested_with_room_to_spare() {
    let app = spawn_app().await;
    let doc = document_at_the_cap();
    doc.validate(&crate::helpers::policy()).expect("the document at the cap is valid");
    let json = serde_json::to_value(&doc).unwrap();
    let size = json.to_string().len();

    let resp = app.post_document(&json).await;

    assert_eq!(resp.status(), 200, "{size} bytes: {}", resp.text().await.unwrap());
    assert!(
        size * 2 < feature_ingestor::MAX_BODY_BYTES,
        "a document at the cap is {size} bytes; the limit of {} must leave a margin of 2x",
        feature_ingestor::MAX_BODY_BYTES
    );
    let counts = app.graph.counts().await.unwrap();
    assert_eq!((counts.objects, counts.relations), (MAX_OBJECTS as u64, (MAX_OBJECTS * (MAX_OBJECTS - 1)) as u64));
}

#[tokio::test]
async fn a_document_over_the_object_cap_gets_400() {
    let app = spawn_app().await;
    let mut doc = document_at_the_cap();
    doc.relations.clear();
    doc.objects.push(doc.objects[0].clone());

    let resp = app.post_document(&serde_json::to_value(&doc).unwrap()).await;

    assert_eq!(resp.status(), 400);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().contains("at most 100 objects"), "{body}");
}
