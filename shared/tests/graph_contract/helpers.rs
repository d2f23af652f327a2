//! Test data: small valid feature documents over unique random image bytes,
//! model versions and feature sets, so tests sharing one Neo4j database never
//! see each other's data; and the records lookups must return for them.

use shared::domain::FeatureSetName;
use shared::domain::{ColorName, FeatureId, ImageId, Label, ModelVersion, ObjectId};
use shared::graph::{ImageRecord, ObjectFeatures};
use shared::schema::*;

/// The embedder's dimension, so Neo4j's vector index takes part.
pub const DIM: usize = 1280;

pub use shared::testing::random_u64;

/// A random unit vector of [`DIM`] floats.
pub fn random_unit() -> Vec<f32> {
    shared::testing::random_unit(DIM)
}

pub fn normalise(v: Vec<f32>) -> Vec<f32> {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.into_iter().map(|x| x / n).collect()
}

/// One object to put in a document.
#[derive(Clone)]
pub struct Obj {
    pub label: &'static str,
    pub category_id: u32,
    pub color: ColorName,
    pub box_norm: [f32; 4],
    pub score: f32,
    pub embedding: Vec<f32>,
}

impl Obj {
    pub fn new(label: &'static str, category_id: u32, color: ColorName, box_norm: [f32; 4], score: f32) -> Self {
        Self { label, category_id, color, box_norm, score, embedding: random_unit() }
    }

    pub fn with_embedding(mut self, embedding: Vec<f32>) -> Self {
        self.embedding = embedding;
        self
    }
}

/// A relation between the `i`th and `j`th objects: NEAR with a distance or OVERLAPS with an IoU.
pub struct Rel(pub usize, pub usize, pub RelationKind, pub f32);

/// One test's own feature set and model version.
pub struct Scene {
    pub set: FeatureSetName,
    pub version: ModelVersion,
}

impl Scene {
    pub fn new() -> Self {
        let tag = format!("{:016x}", random_u64());
        Self {
            set: FeatureSetName::parse(&format!("contract-{tag}")).unwrap(),
            version: ModelVersion::parse(&format!("det@1+emb@{tag}")).unwrap(),
        }
    }

    /// Another version in the same set.
    pub fn other_version(&self, suffix: &str) -> ModelVersion {
        ModelVersion::parse(&format!("{}-{suffix}", self.version)).unwrap()
    }

    /// A street: a gray person NEAR a blue car (0.02) and a red car (0.3); the cars OVERLAP (0.25).
    pub fn street(&self) -> FeatureDocument {
        self.street_at(&random_bytes(), &random_uri())
    }

    pub fn street_at(&self, bytes: &[u8], uri: &str) -> FeatureDocument {
        document(&self.version, bytes, uri, &street_objects(), &street_relations())
    }
}

pub fn street_objects() -> Vec<Obj> {
    vec![
        Obj::new("person", 1, ColorName::Gray, [0.05, 0.1, 0.3, 0.9], 0.95),
        Obj::new("car", 3, ColorName::Blue, [0.32, 0.5, 0.7, 0.9], 0.9),
        Obj::new("car", 3, ColorName::Red, [0.6, 0.55, 0.95, 0.95], 0.8),
    ]
}

pub fn street_relations() -> Vec<Rel> {
    vec![
        Rel(0, 1, RelationKind::Near, 0.02),
        Rel(0, 2, RelationKind::Near, 0.3),
        Rel(1, 2, RelationKind::Overlaps, 0.25),
    ]
}

/// Unique image bytes.
pub fn random_bytes() -> Vec<u8> {
    (0..4).flat_map(|_| random_u64().to_le_bytes()).collect()
}

/// A unique GCS location.
pub fn random_uri() -> String {
    format!("gs://sightgraph-contract/photos/{:016x}.jpg#{}", random_u64(), random_u64() % 1_000_000 + 1)
}

/// A valid document for `bytes` seen at `uri` (a `gs://bucket/name#generation`).
pub fn document(
    version: &ModelVersion,
    bytes: &[u8],
    uri: &str,
    objects: &[Obj],
    relations: &[Rel],
) -> FeatureDocument {
    let id = ImageId::of_bytes(bytes);
    let (width, height) = (640u32, 480u32);
    let detected: Vec<DetectedObject> = objects
        .iter()
        .map(|o| {
            let b = o.box_norm;
            let box_norm = BBox { x_min: b[0], y_min: b[1], x_max: b[2], y_max: b[3] };
            let oid = ObjectId::derive(&id, version, o.category_id, box_norm.as_array());
            DetectedObject {
                feature_id: FeatureId::derive(&oid, version),
                id: oid,
                label: Label::parse(o.label).unwrap(),
                category_id: o.category_id,
                score: o.score,
                box_px: BBox { x_min: b[0] * 640.0, y_min: b[1] * 480.0, x_max: b[2] * 640.0, y_max: b[3] * 480.0 },
                box_norm,
                color: ColorAttr { name: o.color, fraction: 0.6 },
                embedding: o.embedding.clone(),
            }
        })
        .collect();
    let relations = relations
        .iter()
        .map(|Rel(i, j, kind, value)| {
            let (a, b) = (&detected[*i].id, &detected[*j].id);
            let (from, to) = if a < b { (a.clone(), b.clone()) } else { (b.clone(), a.clone()) };
            let (distance, iou) = match kind {
                RelationKind::Near => (Some(*value), None),
                RelationKind::Overlaps => (None, Some(*value)),
            };
            Relation { kind: *kind, from, to, distance, iou }
        })
        .collect();
    let (rest, generation) = uri.split_once('#').expect("test uris carry a generation");
    let (bucket, name) = rest.trim_start_matches("gs://").split_once('/').expect("gs://bucket/name");
    let digest = ImageId::of_bytes(id.as_str().as_bytes());
    let now = chrono::Utc::now();
    let model = |name: &str| ModelRef {
        name: name.into(),
        package: "pkg".into(),
        package_version: "1".into(),
        sha256: "0".repeat(64),
    };
    let doc = FeatureDocument {
        schema: SCHEMA_V1.into(),
        image: ImageInfo {
            id,
            uri: uri.into(),
            bucket: Some(bucket.into()),
            name: name.into(),
            generation: Some(generation.parse().unwrap()),
            width,
            height,
            content_type: "image/jpeg".into(),
            size_bytes: bytes.len() as u64,
            // Unique per image like a real MD5; its format does not matter here.
            md5_hash: digest.as_str()[..24].to_owned(),
        },
        model: ModelInfo {
            version: version.clone(),
            detector: model("det"),
            embedder: model("emb"),
            score_threshold: 0.4,
            nms_iou: 0.5,
            near_threshold: 0.05,
        },
        objects: detected,
        relations,
        timings: Timings::default(),
        lineage: Lineage {
            job_id: "contract-job".into(),
            host: "test-host".into(),
            processor: "cv-processor@test".into(),
            execution_provider: "cpu".into(),
            started_at: now,
            finished_at: now,
        },
    };
    doc.validate_content().expect("test documents are valid");
    doc
}

/// What a lookup must return for the objects of `doc`, best score first.
pub fn expected_objects(doc: &FeatureDocument) -> Vec<ObjectFeatures> {
    let mut out: Vec<ObjectFeatures> =
        doc.objects.iter().map(|o| ObjectFeatures::from_detected(&doc.image.id, &doc.model.version, o)).collect();
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
    out
}

/// What a lookup must return for the image of `doc` with these locations.
pub fn expected_image(doc: &FeatureDocument, locations: &[&str]) -> ImageRecord {
    let i = &doc.image;
    ImageRecord {
        id: i.id.clone(),
        uri: i.uri.clone(),
        bucket: i.bucket.clone(),
        name: i.name.clone(),
        generation: i.generation,
        width: i.width,
        height: i.height,
        content_type: i.content_type.clone(),
        sha256: i.id.to_string(),
        md5_hash: i.md5_hash.clone(),
        locations: locations.iter().map(|l| l.to_string()).collect(),
        deleted_at: None,
    }
}

/// Whole-struct equality plus bit-exact embeddings.
pub fn assert_same_objects(actual: &[ObjectFeatures], expected: &[ObjectFeatures], what: &str) {
    assert_eq!(actual, expected, "{what}: records differ");
    for (a, e) in actual.iter().zip(expected) {
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&a.embedding), bits(&e.embedding), "{what}: embedding of {} is not bit-exact", a.id);
    }
}

/// The same object without its vector (as pattern and similarity results carry it).
pub fn without_embedding(mut o: ObjectFeatures) -> ObjectFeatures {
    o.embedding.clear();
    o
}
