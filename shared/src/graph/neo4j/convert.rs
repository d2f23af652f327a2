//! Bolt values ↔ records: parameter maps for writes, the Cypher map
//! projections reads return, and the row shapes they decode into.

use chrono::{SecondsFormat, Utc};
use neo4rs::{BoltMap, BoltString, BoltType, Row};
use serde::Deserialize;

use super::BACKEND;
use crate::domain::{ColorName, FeatureId, ImageId, Label, ModelVersion, ObjectId};
use crate::graph::{ImageRecord, ObjectFeatures};
use crate::schema::{BBox, ColorAttr, Relation, RelationKind};
use crate::{Error, Result};

/// Projection of an `Image` bound to `i` into [`ImageRow`]'s shape.
macro_rules! image_map {
    () => {
        "{id: i.id, uri: i.uri, bucket: i.bucket, name: i.name, generation: i.generation, width: i.width, \
         height: i.height, content_type: i.content_type, md5_hash: i.md5_hash, \
         locations: [u IN [i.uri] + COLLECT { MATCH (i)-[:STORED_AT]->(l:Location) RETURN l.uri ORDER BY l.recorded_at, l.uri } \
                     WHERE NOT EXISTS { MATCH (:RemovedLocation {uri: u}) }], \
         removals: COLLECT { UNWIND [i.uri] + COLLECT { MATCH (i)-[:STORED_AT]->(l:Location) RETURN l.uri } AS u \
                             MATCH (r:RemovedLocation {uri: u}) RETURN r.removed_at }}"
    };
}

/// Projection of an `Object` bound to `o` and its `Feature` bound to `f` into [`ObjectRow`]'s shape.
macro_rules! object_map {
    () => {
        "{id: o.id, image_id: o.image_id, label: o.label, category_id: o.category_id, score: o.score, \
         x_min: o.x_min, y_min: o.y_min, x_max: o.x_max, y_max: o.y_max, \
         nx_min: o.nx_min, ny_min: o.ny_min, nx_max: o.nx_max, ny_max: o.ny_max, \
         color: o.color, color_fraction: o.color_fraction, feature_id: f.id, model_version: o.model_version}"
    };
}

pub(super) use {image_map, object_map};

/// Timestamps are stored as fixed-width RFC 3339 text, so they sort as text
/// and read back exactly as SQLite's do.
pub(super) fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Nanos, false)
}

/// A Bolt map parameter.
pub(super) fn map<const N: usize>(entries: [(&str, BoltType); N]) -> BoltType {
    BoltType::Map(entries.into_iter().map(|(k, v)| (BoltString::from(k), v)).collect::<BoltMap>())
}

/// Decodes one column of a row.
pub(super) fn column<'a, T: Deserialize<'a>>(row: &'a Row, key: &str) -> Result<T> {
    row.get(key).map_err(|e| Error::backend(BACKEND, e).context(format!("decoding column {key}")))
}

fn corrupt(what: &str, e: Error) -> Error {
    Error::backend(BACKEND, e).context(format!("stored {what} is invalid"))
}

/// Lists of floats come back as f64; the f32 values written survive the round trip exactly.
pub(super) fn to_f32(v: Vec<f64>) -> Vec<f32> {
    v.into_iter().map(|x| x as f32).collect()
}

/// What [`image_map!`] returns.
#[derive(Deserialize)]
pub(super) struct ImageRow {
    id: String,
    uri: String,
    bucket: Option<String>,
    name: String,
    generation: Option<i64>,
    width: i64,
    height: i64,
    content_type: String,
    md5_hash: String,
    locations: Vec<String>,
    /// `removed_at` of the image's tombstoned locations.
    #[serde(default)]
    removals: Vec<String>,
}

impl ImageRow {
    pub(super) fn into_record(self) -> Result<ImageRecord> {
        let dim = |v: i64| u32::try_from(v).map_err(|e| corrupt("image size", Error::invalid(e.to_string())));
        Ok(ImageRecord {
            id: ImageId::parse(&self.id).map_err(|e| corrupt("image id", e))?,
            sha256: self.id,
            uri: self.uri,
            bucket: self.bucket,
            name: self.name,
            generation: self.generation,
            width: dim(self.width)?,
            height: dim(self.height)?,
            content_type: self.content_type,
            md5_hash: self.md5_hash,
            deleted_at: match self.locations.is_empty() {
                true => self
                    .removals
                    .iter()
                    .map(|t| chrono::DateTime::parse_from_rfc3339(t).map(|t| t.with_timezone(&Utc)))
                    .collect::<std::result::Result<Vec<_>, _>>()
                    .map_err(|e| corrupt("removal time", Error::invalid(e.to_string())))?
                    .into_iter()
                    .max(),
                false => None,
            },
            locations: self.locations,
        })
    }
}

/// What [`object_map!`] returns.
#[derive(Deserialize)]
pub(super) struct ObjectRow {
    id: String,
    image_id: String,
    label: String,
    category_id: i64,
    score: f64,
    x_min: f64,
    y_min: f64,
    x_max: f64,
    y_max: f64,
    nx_min: f64,
    ny_min: f64,
    nx_max: f64,
    ny_max: f64,
    color: String,
    color_fraction: f64,
    feature_id: String,
    model_version: String,
}

impl ObjectRow {
    pub(super) fn into_record(self, embedding: Vec<f32>) -> Result<ObjectFeatures> {
        let f = |v: f64| v as f32;
        Ok(ObjectFeatures {
            id: ObjectId::parse(&self.id).map_err(|e| corrupt("object id", e))?,
            image_id: ImageId::parse(&self.image_id).map_err(|e| corrupt("image id", e))?,
            label: Label::parse(&self.label).map_err(|e| corrupt("label", e))?,
            category_id: u32::try_from(self.category_id)
                .map_err(|e| corrupt("category id", Error::invalid(e.to_string())))?,
            score: f(self.score),
            box_px: BBox { x_min: f(self.x_min), y_min: f(self.y_min), x_max: f(self.x_max), y_max: f(self.y_max) },
            box_norm: BBox {
                x_min: f(self.nx_min),
                y_min: f(self.ny_min),
                x_max: f(self.nx_max),
                y_max: f(self.ny_max),
            },
            color: ColorAttr {
                name: ColorName::parse(&self.color).map_err(|e| corrupt("colour", e))?,
                fraction: f(self.color_fraction),
            },
            feature_id: FeatureId::parse(&self.feature_id).map_err(|e| corrupt("feature id", e))?,
            model_version: ModelVersion::parse(&self.model_version).map_err(|e| corrupt("model version", e))?,
            embedding,
        })
    }
}

/// Decodes a row with an [`object_map!`] column `o` and an optional `embedding` column.
pub(super) fn object_from_row(row: &Row) -> Result<ObjectFeatures> {
    let embedding: Option<Vec<f64>> = column(row, "embedding")?;
    column::<ObjectRow>(row, "o")?.into_record(embedding.map(to_f32).unwrap_or_default())
}

/// A stored NEAR/OVERLAPS relationship.
#[derive(Deserialize)]
pub(super) struct RelationRow {
    kind: String,
    from: String,
    to: String,
    distance: Option<f64>,
    iou: Option<f64>,
}

impl RelationRow {
    pub(super) fn into_relation(self) -> Result<Relation> {
        Ok(Relation {
            kind: if self.kind == "NEAR" { RelationKind::Near } else { RelationKind::Overlaps },
            from: ObjectId::parse(&self.from).map_err(|e| corrupt("object id", e))?,
            to: ObjectId::parse(&self.to).map_err(|e| corrupt("object id", e))?,
            distance: self.distance.map(|v| v as f32),
            iou: self.iou.map(|v| v as f32),
        })
    }
}
