//! Records the graph returns; they mirror the HTTP API in `docs/api.md`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::domain::{FeatureId, ImageId, Label, ModelVersion, ObjectId};
use crate::schema::{BBox, ColorAttr, Relation};

/// An image node with its locations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageRecord {
    /// sha256 of the bytes.
    pub id: ImageId,
    /// The first location the bytes were processed from.
    pub uri: String,
    /// Bucket of that location.
    pub bucket: Option<String>,
    /// Object name of that location.
    pub name: String,
    /// Generation of that location.
    pub generation: Option<i64>,
    /// Pixel width.
    pub width: u32,
    /// Pixel height.
    pub height: u32,
    /// MIME type.
    pub content_type: String,
    /// sha256 (same as `id`).
    pub sha256: String,
    /// Base64 MD5.
    pub md5_hash: String,
    /// Where the same bytes are stored now, first one first; a removed location
    /// ([`super::GraphStore::remove_location`]) is left out.
    pub locations: Vec<String>,
    /// Set when every location of the image was removed: the bytes are stored nowhere
    /// any more, though its objects, features and lineage stay. The time of the last removal.
    #[serde(default)]
    pub deleted_at: Option<DateTime<Utc>>,
}

/// Another location of known bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Location {
    /// `gs://bucket/name#generation`.
    pub uri: String,
    /// Bucket.
    pub bucket: Option<String>,
    /// Object name.
    pub name: String,
    /// Generation.
    pub generation: Option<i64>,
}

/// What removing a location did ([`super::GraphStore::remove_location`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocationRemoval {
    /// The image stored there; `None` when the graph does not know the location (yet).
    pub image_id: Option<ImageId>,
    /// False when the location had been removed before (a redelivered delete).
    pub removed: bool,
    /// Locations the image still has.
    pub remaining: usize,
    /// Set when the image has no location left (see [`ImageRecord::deleted_at`]).
    pub deleted_at: Option<DateTime<Utc>>,
}

/// How to name an image in a lookup.
#[derive(Debug, Clone, PartialEq)]
pub enum ImageSelector {
    /// By content id.
    Id(ImageId),
    /// By any of its locations.
    Uri(String),
}

/// An object and its feature under one model version (the API's `Object`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObjectFeatures {
    /// Object id.
    pub id: ObjectId,
    /// Image it was found in.
    pub image_id: ImageId,
    /// Class label.
    pub label: Label,
    /// COCO category id.
    pub category_id: u32,
    /// Detector score.
    pub score: f32,
    /// Pixel box.
    #[serde(rename = "box")]
    pub box_px: BBox,
    /// Normalised box.
    pub box_norm: BBox,
    /// Dominant colour.
    pub color: ColorAttr,
    /// Feature node id.
    pub feature_id: FeatureId,
    /// Model version of the feature.
    pub model_version: ModelVersion,
    /// The vector; empty where a response leaves it out.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub embedding: Vec<f32>,
}

/// Everything known about one image under one version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageFeatures {
    /// The image.
    pub image: ImageRecord,
    /// The version the objects belong to.
    pub model_version: ModelVersion,
    /// Objects, best score first.
    pub objects: Vec<ObjectFeatures>,
    /// Relations among them.
    pub relations: Vec<Relation>,
}

/// What a write did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WriteSummary {
    /// The image node was new.
    pub image_created: bool,
    /// Objects that did not exist before.
    pub objects_created: usize,
    /// Objects in the document.
    pub objects_total: usize,
    /// The write made this version the set's active one.
    pub activated: bool,
}

/// A version switch as recorded in the audit trail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionChange {
    /// Feature set.
    pub feature_set: String,
    /// Active before.
    pub from: Option<ModelVersion>,
    /// Active now.
    pub to: ModelVersion,
    /// Who asked.
    pub actor: String,
    /// When.
    pub at: DateTime<Utc>,
    /// Share of the set's images the new version covered when it was activated, where checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage: Option<f64>,
}

/// A feature set with its versions and history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureSetState {
    /// Name.
    pub name: String,
    /// Active version.
    pub active: Option<ModelVersion>,
    /// Versions that have features, oldest first.
    pub versions: Vec<ModelVersion>,
    /// Audit trail, newest first.
    pub history: Vec<VersionChange>,
}

/// One similar object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Similar {
    /// Cosine similarity.
    pub score: f32,
    /// The object (without embedding).
    pub object: ObjectFeatures,
}

/// A node for drawing and inspection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GraphNode {
    /// Node id.
    pub id: String,
    /// `Image`, `Object` or `Feature`.
    pub kind: String,
    /// Graph labels.
    pub labels: Vec<String>,
    /// Every stored property (vectors included for features).
    pub properties: Map<String, Value>,
}

/// A relationship for drawing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GraphRelationship {
    /// Stable id: `<type>:<start>:<end>`.
    pub id: String,
    /// `CONTAINS`, `HAS_FEATURE`, `NEAR`, `OVERLAPS`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Start node id.
    pub start: String,
    /// End node id.
    pub end: String,
    /// Properties.
    pub properties: Map<String, Value>,
}

/// A bounded neighbourhood.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Neighbourhood {
    /// Nodes, the centre first.
    pub nodes: Vec<GraphNode>,
    /// Relationships among them.
    pub relationships: Vec<GraphRelationship>,
    /// More nodes existed than the limit allowed.
    pub truncated: bool,
}

/// Node counts by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GraphCounts {
    /// Image nodes.
    pub images: u64,
    /// Object nodes.
    pub objects: u64,
    /// Feature nodes.
    pub features: u64,
    /// NEAR and OVERLAPS relationships.
    pub relations: u64,
    /// Known image locations.
    pub locations: u64,
}

impl ObjectFeatures {
    /// The record a lookup returns for an object of a freshly extracted document.
    pub fn from_detected(image: &ImageId, version: &ModelVersion, o: &crate::schema::DetectedObject) -> Self {
        Self {
            id: o.id.clone(),
            image_id: image.clone(),
            label: o.label.clone(),
            category_id: o.category_id,
            score: o.score,
            box_px: o.box_px,
            box_norm: o.box_norm,
            color: o.color,
            feature_id: o.feature_id.clone(),
            model_version: version.clone(),
            embedding: o.embedding.clone(),
        }
    }
}
