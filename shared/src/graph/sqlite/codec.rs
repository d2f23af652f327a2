//! Row ↔ record conversions shared by the read paths.

use rusqlite::{Connection, Row};

use super::db_err;
use crate::domain::{ColorName, FeatureId, ImageId, Label, ModelVersion, ObjectId};
use crate::graph::{ImageRecord, ObjectFeatures};
use crate::schema::{BBox, ColorAttr};
use crate::{Error, Result};

/// Embeddings are stored as little-endian f32 bytes.
pub(super) fn encode_embedding(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

pub(super) fn decode_embedding(b: &[u8]) -> Vec<f32> {
    b.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
}

/// Columns [`object_from_row`] expects, in order; `o` is objects, `f` features.
pub(super) const OBJECT_COLUMNS: &str = "o.id, o.image_id, o.label, o.category_id, o.score, \
    o.x_min, o.y_min, o.x_max, o.y_max, o.nx_min, o.ny_min, o.nx_max, o.ny_max, \
    o.color, o.color_fraction, f.id, o.model_version";

fn corrupt(what: &str, e: Error) -> rusqlite::Error {
    rusqlite::Error::InvalidColumnType(0, format!("{what}: {e}"), rusqlite::types::Type::Text)
}

/// Maps a row selected with [`OBJECT_COLUMNS`] (plus the embedding blob at
/// index 17 when `with_embedding`).
pub(super) fn object_from_row(row: &Row<'_>, with_embedding: bool) -> rusqlite::Result<ObjectFeatures> {
    let text = |i: usize| row.get::<_, String>(i);
    let f = |i: usize| row.get::<_, f64>(i).map(|v| v as f32);
    Ok(ObjectFeatures {
        id: ObjectId::parse(&text(0)?).map_err(|e| corrupt("object id", e))?,
        image_id: ImageId::parse(&text(1)?).map_err(|e| corrupt("image id", e))?,
        label: Label::parse(&text(2)?).map_err(|e| corrupt("label", e))?,
        category_id: row.get(3)?,
        score: f(4)?,
        box_px: BBox { x_min: f(5)?, y_min: f(6)?, x_max: f(7)?, y_max: f(8)? },
        box_norm: BBox { x_min: f(9)?, y_min: f(10)?, x_max: f(11)?, y_max: f(12)? },
        color: ColorAttr { name: ColorName::parse(&text(13)?).map_err(|e| corrupt("colour", e))?, fraction: f(14)? },
        feature_id: FeatureId::parse(&text(15)?).map_err(|e| corrupt("feature id", e))?,
        model_version: ModelVersion::parse(&text(16)?).map_err(|e| corrupt("model version", e))?,
        embedding: if with_embedding { decode_embedding(&row.get::<_, Vec<u8>>(17)?) } else { Vec::new() },
    })
}

/// Columns [`image_from_row`] expects, in order; `i` is images.
pub(super) const IMAGE_COLUMNS: &str =
    "i.id, i.uri, i.bucket, i.name, i.generation, i.width, i.height, i.content_type, i.md5_hash";

/// Maps a row selected with [`IMAGE_COLUMNS`] and loads its locations.
pub(super) fn image_from_row(conn: &Connection, row: &Row<'_>) -> rusqlite::Result<ImageRecord> {
    let id: String = row.get(0)?;
    let uri: String = row.get(1)?;
    let (locations, deleted_at) = super::locations::live_locations(conn, &id, &uri)?;
    Ok(ImageRecord {
        id: ImageId::parse(&id).map_err(|e| corrupt("image id", e))?,
        sha256: id,
        uri,
        bucket: row.get(2)?,
        name: row.get(3)?,
        generation: row.get(4)?,
        width: row.get(5)?,
        height: row.get(6)?,
        content_type: row.get(7)?,
        md5_hash: row.get(8)?,
        locations,
        deleted_at,
    })
}

/// Loads one image by a WHERE clause over `i` with one parameter.
pub(super) fn image_where(conn: &Connection, clause: &str, param: &str) -> Result<Option<ImageRecord>> {
    let sql = format!("SELECT {IMAGE_COLUMNS} FROM images i WHERE {clause} LIMIT 1");
    let mut stmt = conn.prepare_cached(&sql).map_err(db_err)?;
    let mut rows = stmt.query([param]).map_err(db_err)?;
    match rows.next().map_err(db_err)? {
        Some(row) => Ok(Some(image_from_row(conn, row).map_err(db_err)?)),
        None => Ok(None),
    }
}
