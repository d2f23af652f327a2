//! Lookups: objects by id, everything of an image, newest objects, dedup by MD5.

use rusqlite::{params_from_iter, Connection};

use super::codec::{image_where, object_from_row, OBJECT_COLUMNS};
use super::db_err;
use crate::domain::{ImageId, ModelVersion, ObjectId};
use crate::graph::{GraphCounts, ImageFeatures, ImageRecord, ImageSelector, ObjectFeatures};
use crate::schema::{Relation, RelationKind};
use crate::Result;

pub(super) fn find_processed_by_md5(
    conn: &Connection,
    md5: &str,
    version: &ModelVersion,
) -> Result<Option<ImageRecord>> {
    image_where(
        conn,
        &format!(
            "i.md5_hash = ?1 AND EXISTS (SELECT 1 FROM runs r WHERE r.image_id = i.id AND r.model_version = '{}')",
            // NB: ModelVersion's alphabet excludes quotes, so inlining it is safe; it keeps image_where one-parameter.
            version.as_str()
        ),
        md5,
    )
}

pub(super) fn image_by_id(conn: &Connection, id: &ImageId) -> Result<Option<ImageRecord>> {
    image_where(conn, "i.id = ?1", id.as_str())
}

pub(super) fn objects(conn: &Connection, ids: &[ObjectId], with_embedding: bool) -> Result<Vec<ObjectFeatures>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::with_capacity(ids.len());
    // NB: SQLite caps bound parameters; chunks keep batch lookups of any size safe.
    for chunk in ids.chunks(500) {
        let marks = vec!["?"; chunk.len()].join(",");
        let sql = format!(
            "SELECT {OBJECT_COLUMNS}, f.embedding FROM objects o JOIN features f ON f.object_id = o.id WHERE o.id IN ({marks})"
        );
        let mut stmt = conn.prepare(&sql).map_err(db_err)?;
        let rows = stmt
            .query_map(params_from_iter(chunk.iter().map(|i| i.as_str())), |r| object_from_row(r, with_embedding))
            .map_err(db_err)?;
        for r in rows {
            out.push(r.map_err(db_err)?);
        }
    }
    Ok(out)
}

pub(super) fn image_features(
    conn: &Connection,
    sel: &ImageSelector,
    version: &ModelVersion,
) -> Result<Option<ImageFeatures>> {
    let image = match sel {
        ImageSelector::Id(id) => image_where(conn, "i.id = ?1", id.as_str())?,
        ImageSelector::Uri(uri) => {
            image_where(conn, "i.uri = ?1 OR i.id IN (SELECT image_id FROM locations WHERE uri = ?1)", uri)?
        }
    };
    let Some(image) = image else { return Ok(None) };
    let sql = format!(
        "SELECT {OBJECT_COLUMNS}, f.embedding FROM objects o JOIN features f ON f.object_id = o.id
         WHERE o.image_id = ?1 AND o.model_version = ?2 ORDER BY o.score DESC, o.id"
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(db_err)?;
    let objects = stmt
        .query_map([image.id.as_str(), version.as_str()], |r| object_from_row(r, true))
        .map_err(db_err)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(db_err)?;
    let mut stmt = conn
        .prepare_cached(
            "SELECT r.kind, r.from_id, r.to_id, r.distance, r.iou FROM relations r JOIN objects o ON o.id = r.from_id
             WHERE o.image_id = ?1 AND r.model_version = ?2 ORDER BY r.kind, r.from_id, r.to_id",
        )
        .map_err(db_err)?;
    let relations = stmt
        .query_map([image.id.as_str(), version.as_str()], relation_from_row)
        .map_err(db_err)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(db_err)?;
    Ok(Some(ImageFeatures { image, model_version: version.clone(), objects, relations }))
}

/// Maps `kind, from_id, to_id, distance, iou`.
pub(super) fn relation_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Relation> {
    let kind = match r.get::<_, String>(0)?.as_str() {
        "NEAR" => RelationKind::Near,
        _ => RelationKind::Overlaps,
    };
    let id = |i: usize| -> rusqlite::Result<ObjectId> {
        ObjectId::parse(&r.get::<_, String>(i)?)
            .map_err(|e| rusqlite::Error::InvalidColumnType(i, e.to_string(), rusqlite::types::Type::Text))
    };
    Ok(Relation {
        kind,
        from: id(1)?,
        to: id(2)?,
        distance: r.get::<_, Option<f64>>(3)?.map(|v| v as f32),
        iou: r.get::<_, Option<f64>>(4)?.map(|v| v as f32),
    })
}

pub(super) fn newest_objects(conn: &Connection, version: &ModelVersion, limit: usize) -> Result<Vec<ObjectFeatures>> {
    let sql = format!(
        "SELECT {OBJECT_COLUMNS}, f.embedding FROM features f JOIN objects o ON o.id = f.object_id
         WHERE f.model_version = ?1 ORDER BY f.created_at DESC, f.id LIMIT ?2"
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(db_err)?;
    let rows = stmt
        .query_map(rusqlite::params![version.as_str(), limit as i64], |r| object_from_row(r, true))
        .map_err(db_err)?;
    rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_err)
}

pub(super) fn counts(conn: &Connection) -> Result<GraphCounts> {
    let n = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0)).map(|v| v as u64).map_err(db_err);
    Ok(GraphCounts {
        images: n("SELECT COUNT(*) FROM images")?,
        objects: n("SELECT COUNT(*) FROM objects")?,
        features: n("SELECT COUNT(*) FROM features")?,
        relations: n("SELECT COUNT(*) FROM relations")?,
        locations: n("SELECT COUNT(*) FROM images")? + n("SELECT COUNT(*) FROM locations")?,
    })
}
