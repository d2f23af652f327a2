//! Rows ↔ records: column lists and the decoding shared by every read path.

use gcloud_spanner::row::{Error as RowError, Row, Struct, TryFromStruct, TryFromValue};

pub(super) use super::values::{Timestamp, Vector, VECTOR_DIMENSIONS};
use super::BACKEND;
use crate::domain::{ColorName, FeatureId, ImageId, Label, ModelVersion, ObjectId};
use crate::graph::{ImageRecord, ObjectFeatures};
use crate::schema::{BBox, ColorAttr, Relation, RelationKind};
use crate::{Error, Result};

/// Reads columns by name from a row, optionally under a prefix (`S_Label`), so one decoder
/// serves queries that return one object per row and queries that return two.
pub(super) struct Columns<'a> {
    row: &'a Row,
    prefix: &'a str,
}

impl<'a> Columns<'a> {
    pub(super) fn of(row: &'a Row) -> Self {
        Self { row, prefix: "" }
    }

    pub(super) fn prefixed(row: &'a Row, prefix: &'a str) -> Self {
        Self { row, prefix }
    }
}

/// Named values of a row or of one `ARRAY<STRUCT>` element, so the decoders below serve both.
pub(super) trait Fields {
    fn get<T: TryFromValue>(&self, name: &str) -> Result<T>;
}

impl Fields for Columns<'_> {
    fn get<T: TryFromValue>(&self, name: &str) -> Result<T> {
        let column = format!("{}{name}", self.prefix);
        self.row
            .column_by_name(&column)
            .map_err(|e| Error::backend(BACKEND, e).context(format!("decoding column {column}")))
    }
}

impl Fields for Struct<'_> {
    fn get<T: TryFromValue>(&self, name: &str) -> Result<T> {
        self.column_by_name(name).map_err(|e| Error::backend(BACKEND, e).context(format!("decoding field {name}")))
    }
}

/// A decoding failure inside an `ARRAY<STRUCT>` element, as the client crate's struct hook wants it.
fn struct_err(e: Error) -> RowError {
    RowError::CustomParseError(e.to_string())
}

/// An object decoded from an `ARRAY<STRUCT>` element selected with [`object_columns`] (vector included).
pub(super) struct ObjectRow(pub ObjectFeatures);

impl TryFromStruct for ObjectRow {
    fn try_from_struct(s: Struct<'_>) -> Result<Self, RowError> {
        object(&s, true).map(ObjectRow).map_err(struct_err)
    }
}

/// A relation decoded from an `ARRAY<STRUCT>` element selected with [`RELATION_COLUMNS`].
pub(super) struct RelationRow(pub Relation);

impl TryFromStruct for RelationRow {
    fn try_from_struct(s: Struct<'_>) -> Result<Self, RowError> {
        relation(&s).map(RelationRow).map_err(struct_err)
    }
}

fn corrupt(what: &str, e: Error) -> Error {
    Error::backend(BACKEND, e).context(format!("stored {what} is invalid"))
}

pub(super) fn version(s: &str) -> Result<ModelVersion> {
    ModelVersion::parse(s).map_err(|e| corrupt("model version", e))
}

pub(super) fn object_id(s: &str) -> Result<ObjectId> {
    ObjectId::parse(s).map_err(|e| corrupt("object id", e))
}

/// Every column of `Objects`, in table order (the write path inserts them all).
pub(super) const OBJECT_COLUMNS: [&str; 16] = [
    "ImageId",
    "ObjectId",
    "ModelVersion",
    "Label",
    "CategoryId",
    "Score",
    "XMin",
    "YMin",
    "XMax",
    "YMax",
    "NxMin",
    "NyMin",
    "NxMax",
    "NyMax",
    "Color",
    "ColorFraction",
];

/// The columns [`object`] reads, from an object aliased `o` and its feature `f`, each
/// named `<prefix><Column>`; with `embedding`, the vector columns too.
pub(super) fn object_columns(o: &str, f: &str, prefix: &str, embedding: bool) -> String {
    let mut cols: Vec<String> = OBJECT_COLUMNS.iter().map(|c| format!("{o}.{c} AS {prefix}{c}")).collect();
    cols.push(format!("{f}.FeatureId AS {prefix}FeatureId"));
    if embedding {
        cols.push(format!("{f}.Embedding AS {prefix}Embedding"));
        cols.push(format!("{f}.OtherEmbedding AS {prefix}OtherEmbedding"));
    }
    cols.join(", ")
}

/// Decodes what [`object_columns`] selected; the vector is empty unless it was selected.
pub(super) fn object(c: &impl Fields, embedding: bool) -> Result<ObjectFeatures> {
    let f = |name: &str| c.get::<f64>(name).map(|v| v as f32);
    let vector = if embedding {
        match (c.get::<Option<Vector>>("Embedding")?, c.get::<Option<Vector>>("OtherEmbedding")?) {
            (Some(v), _) | (None, Some(v)) => v.0,
            (None, None) => Vec::new(),
        }
    } else {
        Vec::new()
    };
    Ok(ObjectFeatures {
        id: object_id(&c.get::<String>("ObjectId")?)?,
        image_id: ImageId::parse(&c.get::<String>("ImageId")?).map_err(|e| corrupt("image id", e))?,
        label: Label::parse(&c.get::<String>("Label")?).map_err(|e| corrupt("label", e))?,
        category_id: u32::try_from(c.get::<i64>("CategoryId")?).map_err(|e| Error::backend(BACKEND, e))?,
        score: f("Score")?,
        box_px: BBox { x_min: f("XMin")?, y_min: f("YMin")?, x_max: f("XMax")?, y_max: f("YMax")? },
        box_norm: BBox { x_min: f("NxMin")?, y_min: f("NyMin")?, x_max: f("NxMax")?, y_max: f("NyMax")? },
        color: ColorAttr {
            name: ColorName::parse(&c.get::<String>("Color")?).map_err(|e| corrupt("colour", e))?,
            fraction: f("ColorFraction")?,
        },
        feature_id: FeatureId::parse(&c.get::<String>("FeatureId")?).map_err(|e| corrupt("feature id", e))?,
        model_version: version(&c.get::<String>("ModelVersion")?)?,
        embedding: vector,
    })
}

/// The columns [`image`] reads from an image aliased `i`, locations first one first.
pub(super) fn image_columns(i: &str, prefix: &str) -> String {
    let mut cols: Vec<String> =
        ["ImageId", "Uri", "Bucket", "Name", "Generation", "Width", "Height", "ContentType", "Md5Hash"]
            .iter()
            .map(|c| format!("{i}.{c} AS {prefix}{c}"))
            .collect();
    cols.push(format!(
        "ARRAY(SELECT l.Uri FROM Locations AS l WHERE l.ImageId = {i}.ImageId \
         AND NOT EXISTS(SELECT 1 FROM RemovedLocations AS r WHERE r.Uri = l.Uri) \
         ORDER BY IF(l.Uri = {i}.Uri, 0, 1), l.RecordedAt, l.Uri) AS {prefix}Locations"
    ));
    cols.push(format!(
        "(SELECT MAX(r.RemovedAt) FROM Locations AS l JOIN RemovedLocations AS r ON r.Uri = l.Uri \
         WHERE l.ImageId = {i}.ImageId) AS {prefix}LastRemoval"
    ));
    cols.join(", ")
}

/// Decodes what [`image_columns`] selected.
pub(super) fn image(c: &impl Fields) -> Result<ImageRecord> {
    let id: String = c.get("ImageId")?;
    let size = |name: &str| -> Result<u32> {
        u32::try_from(c.get::<i64>(name)?).map_err(|e| Error::backend(BACKEND, e).context(name))
    };
    let locations: Vec<String> = c.get("Locations")?;
    Ok(ImageRecord {
        id: ImageId::parse(&id).map_err(|e| corrupt("image id", e))?,
        sha256: id,
        uri: c.get("Uri")?,
        bucket: c.get("Bucket")?,
        name: c.get("Name")?,
        generation: c.get("Generation")?,
        width: size("Width")?,
        height: size("Height")?,
        content_type: c.get("ContentType")?,
        md5_hash: c.get("Md5Hash")?,
        deleted_at: if locations.is_empty() { c.get::<Option<Timestamp>>("LastRemoval")?.map(|t| t.0) } else { None },
        locations,
    })
}

/// Columns `Kind, FromId, ToId, Distance, Iou` of a relation aliased `r`.
pub(super) const RELATION_COLUMNS: &str = "r.Kind, r.FromId, r.ToId, r.Distance, r.Iou";

pub(super) fn kind(s: &str) -> Result<RelationKind> {
    match s {
        "NEAR" => Ok(RelationKind::Near),
        "OVERLAPS" => Ok(RelationKind::Overlaps),
        other => Err(Error::backend(BACKEND, format!("stored relation kind {other:?} is unknown"))),
    }
}

/// Decodes [`RELATION_COLUMNS`].
pub(super) fn relation(c: &impl Fields) -> Result<Relation> {
    Ok(Relation {
        kind: kind(&c.get::<String>("Kind")?)?,
        from: object_id(&c.get::<String>("FromId")?)?,
        to: object_id(&c.get::<String>("ToId")?)?,
        distance: c.get::<Option<f64>>("Distance")?.map(|v| v as f32),
        iou: c.get::<Option<f64>>("Iou")?.map(|v| v as f32),
    })
}
