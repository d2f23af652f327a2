//! Synthetic feature documents: fresh image bytes, `objects` objects with
//! unit vectors of the embedder's dimension, NEAR relations along a row.

use shared::domain::{FeatureId, ObjectId};
use shared::schema::{BBox, DetectedObject, FeatureDocument, Relation, RelationKind};
use shared::testing::sample_document;
use std::sync::atomic::{AtomicU64, Ordering};

/// The embedder's dimension (values of production size).
pub const DIM: usize = 1280;

/// splitmix64 over a process-wide counter seeded by the clock.
pub fn rand_u64() -> u64 {
    static STATE: AtomicU64 = AtomicU64::new(0);
    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos() as u64
        ^ u64::from(std::process::id());
    let _ = STATE.compare_exchange(0, seed, Ordering::Relaxed, Ordering::Relaxed);
    let mut z = STATE.fetch_add(0x9e37_79b9_7f4a_7c15, Ordering::Relaxed).wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn unit_vector(dim: usize) -> Vec<f32> {
    let raw: Vec<f32> = (0..dim).map(|_| (rand_u64() >> 11) as f32 / (1u64 << 53) as f32 * 2.0 - 1.0).collect();
    let n = raw.iter().map(|x| x * x).sum::<f32>().sqrt();
    raw.into_iter().map(|x| x / n).collect()
}

/// A valid document of `version` with `objects` objects over fresh bytes.
pub fn document(version: &str, objects: usize) -> FeatureDocument {
    let tag = rand_u64();
    let mut doc =
        sample_document(&tag.to_le_bytes(), &format!("gs://sightgraph-reliability/{tag:016x}.jpg#1"), version);
    let template = doc.objects[0].clone();
    doc.objects = (0..objects)
        .map(|i| {
            let x = i as f32 / objects as f32 * 0.9;
            let box_norm = BBox { x_min: x, y_min: 0.1, x_max: x + 0.05, y_max: 0.9 };
            let id = ObjectId::derive(&doc.image.id, &doc.model.version, template.category_id, box_norm.as_array());
            DetectedObject {
                feature_id: FeatureId::derive(&id, &doc.model.version),
                id,
                box_px: BBox { x_min: x * 100.0, y_min: 10.0, x_max: (x + 0.05) * 100.0, y_max: 90.0 },
                box_norm,
                embedding: unit_vector(DIM),
                ..template.clone()
            }
        })
        .collect();
    let mut ids: Vec<ObjectId> = doc.objects.iter().map(|o| o.id.clone()).collect();
    ids.sort();
    doc.relations = ids
        .windows(2)
        .map(|w| Relation {
            kind: RelationKind::Near,
            from: w[0].clone(),
            to: w[1].clone(),
            distance: Some(0.01),
            iou: None,
        })
        .collect();
    doc
}

/// A fresh model version name (so a scenario's feature set starts with it active).
pub fn version() -> String {
    format!("rel@1+emb@{:08x}", rand_u64() as u32)
}
