//! Test documents: the small two-object sample, synthetic documents of any size and
//! dimension over fresh image bytes, and the random numbers they are made from.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::domain::{FeatureId, ObjectId};
use crate::schema::{BBox, DetectedObject, FeatureDocument, Relation, RelationKind};

/// One step of splitmix64 over `state`: the same seed draws the same numbers, for data
/// a run must be able to make again.
pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A random 64-bit number: splitmix64 over a process-wide counter seeded by the clock
/// and the pid, so tests and benchmark runs sharing a server never draw the same ids.
pub fn random_u64() -> u64 {
    static STATE: AtomicU64 = AtomicU64::new(0);
    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos() as u64
        ^ u64::from(std::process::id());
    let _ = STATE.compare_exchange(0, seed, Ordering::Relaxed, Ordering::Relaxed);
    // NB: the counter, not the mixed value, advances, so concurrent callers draw distinct numbers.
    let mut state = STATE.fetch_add(0x9e37_79b9_7f4a_7c15, Ordering::Relaxed);
    splitmix64(&mut state)
}

/// A random unit vector of `dim` floats.
pub fn random_unit(dim: usize) -> Vec<f32> {
    let raw: Vec<f32> = (0..dim).map(|_| (random_u64() >> 11) as f32 / (1u64 << 53) as f32 * 2.0 - 1.0).collect();
    let n = raw.iter().map(|x| x * x).sum::<f32>().sqrt();
    raw.into_iter().map(|x| x / n).collect()
}

/// A valid document of `version` over fresh image bytes at `gs://<bucket>/<random>.jpg#1`:
/// `objects` objects in a row, each with a random unit vector of `dim` floats, NEAR
/// relations between neighbours.
pub fn random_document(bucket: &str, version: &str, objects: usize, dim: usize) -> FeatureDocument {
    let tag = random_u64();
    let mut doc = sample_document(&tag.to_le_bytes(), &format!("gs://{bucket}/{tag:016x}.jpg#1"), version);
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
                embedding: random_unit(dim),
                ..template.clone()
            }
        })
        .collect();
    doc.relations = near_row(&doc.objects);
    doc
}

/// NEAR relations (distance 0.01) between neighbours in id order: a row of objects.
pub fn near_row(objects: &[DetectedObject]) -> Vec<Relation> {
    let mut ids: Vec<&ObjectId> = objects.iter().map(|o| &o.id).collect();
    ids.sort();
    ids.windows(2)
        .map(|w| Relation {
            kind: RelationKind::Near,
            from: w[0].clone(),
            to: w[1].clone(),
            distance: Some(0.01),
            iou: None,
        })
        .collect()
}

/// A small valid feature document for `image_bytes` seen at `uri`: one person
/// and one blue car that touch (NEAR), embeddings of dimension 8 seeded from
/// the bytes so different images get different vectors.
pub fn sample_document(image_bytes: &[u8], uri: &str, version: &str) -> crate::schema::FeatureDocument {
    use crate::domain::{ColorName, FeatureId, ImageId, Label, ModelVersion, ObjectId};
    use crate::schema::*;
    use base64::Engine;

    let id = ImageId::of_bytes(image_bytes);
    let version = ModelVersion::parse(version).expect("test version is valid");
    let md5 = base64::engine::general_purpose::STANDARD.encode(md5_of(image_bytes));
    let seed = id.as_str().as_bytes()[0] as f32;
    let object = |label: &str, category_id: u32, color: ColorName, b: [f32; 4], k: f32| {
        let box_norm = BBox { x_min: b[0], y_min: b[1], x_max: b[2], y_max: b[3] };
        let oid = ObjectId::derive(&id, &version, category_id, box_norm.as_array());
        let raw: Vec<f32> = (0..8).map(|i| ((i as f32 + 1.0) * (seed + k)).sin()).collect();
        let norm = raw.iter().map(|v| v * v).sum::<f32>().sqrt();
        DetectedObject {
            feature_id: FeatureId::derive(&oid, &version),
            id: oid,
            label: Label::parse(label).expect("label"),
            category_id,
            score: 0.9,
            box_px: BBox { x_min: b[0] * 100.0, y_min: b[1] * 100.0, x_max: b[2] * 100.0, y_max: b[3] * 100.0 },
            box_norm,
            color: ColorAttr { name: color, fraction: 0.5 },
            embedding: raw.iter().map(|v| v / norm).collect(),
        }
    };
    let person = object("person", 1, ColorName::Gray, [0.1, 0.1, 0.4, 0.9], 1.0);
    let car = object("car", 3, ColorName::Blue, [0.4, 0.5, 0.9, 0.9], 2.0);
    let (from, to) = if person.id < car.id { (&person, &car) } else { (&car, &person) };
    let relations = vec![Relation {
        kind: RelationKind::Near,
        from: from.id.clone(),
        to: to.id.clone(),
        distance: Some(0.0),
        iou: None,
    }];
    let now = chrono::Utc::now();
    let (bucket, name, generation) = match crate::domain::ObjectUri::parse(uri).expect("test uri") {
        crate::domain::ObjectUri::Gcs { bucket, name, generation } => (Some(bucket), name, generation),
        crate::domain::ObjectUri::Local(p) => (None, p.display().to_string(), None),
    };
    FeatureDocument {
        schema: SCHEMA_V1.into(),
        image: ImageInfo {
            id,
            uri: uri.into(),
            bucket,
            name,
            generation,
            width: 100,
            height: 100,
            content_type: "image/jpeg".into(),
            size_bytes: image_bytes.len() as u64,
            md5_hash: md5,
        },
        model: ModelInfo {
            version,
            detector: ModelRef {
                name: "det".into(),
                package: "p".into(),
                package_version: "1".into(),
                sha256: "0".repeat(64),
            },
            embedder: ModelRef {
                name: "emb".into(),
                package: "p".into(),
                package_version: "1".into(),
                sha256: "0".repeat(64),
            },
            score_threshold: 0.4,
            nms_iou: 0.5,
            near_threshold: 0.05,
        },
        objects: vec![person, car],
        relations,
        timings: Timings::default(),
        lineage: Lineage {
            job_id: "test-job".into(),
            host: "test".into(),
            processor: "test".into(),
            execution_provider: "cpu".into(),
            started_at: now,
            finished_at: now,
        },
    }
}

/// MD5 of bytes (GCS's `md5Hash` is its base64).
pub fn md5_of(bytes: &[u8]) -> [u8; 16] {
    use md5::Digest;
    md5::Md5::digest(bytes).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::LocationPolicy;

    #[test]
    fn random_documents_are_valid_fresh_and_of_the_asked_size() {
        let policy = LocationPolicy::buckets(["sightgraph-test"]).unwrap();

        let (a, b) =
            (random_document("sightgraph-test", "v@1", 5, 16), random_document("sightgraph-test", "v@1", 5, 16));

        a.validate(&policy).expect("a random document is valid");
        assert_eq!((a.objects.len(), a.objects[0].embedding.len(), a.relations.len()), (5, 16, 4));
        assert_ne!(a.image.id, b.image.id, "each call draws fresh image bytes");
    }
}
