//! Query by vector: an exact cosine scan over one version's vectors.

use rusqlite::{Connection, OptionalExtension};
use std::collections::HashMap;

use super::codec::decode_embedding;
use super::db_err;
use super::read::objects;
use crate::domain::ObjectId;
use crate::graph::vector::{check_scan, cosine};
use crate::graph::{Similar, VectorQuery};
use crate::Result;

pub(super) fn nearest_to_vector(conn: &Connection, q: &VectorQuery) -> Result<Vec<Similar>> {
    q.validate()?;
    let dim: Option<i64> = conn
        .query_row("SELECT dim FROM features WHERE model_version = ?1 LIMIT 1", [q.version.as_str()], |r| r.get(0))
        .optional()
        .map_err(db_err)?;
    let Some(dim) = dim else { return Ok(Vec::new()) };
    if usize::try_from(dim).ok() != Some(q.vector.len()) {
        return Err(q.wrong_dimension(dim.max(0) as usize));
    }
    let candidates: i64 = conn
        .query_row(
            "SELECT count(*) FROM features f JOIN objects o ON o.id = f.object_id
             WHERE f.model_version = ?1 AND (?2 IS NULL OR o.label = ?2)",
            rusqlite::params![q.version.as_str(), q.label.as_ref().map(|l| l.as_str())],
            |r| r.get(0),
        )
        .map_err(db_err)?;
    check_scan(candidates.max(0) as u64, q.max_scan, &q.version)?;
    let mut stmt = conn
        .prepare_cached(
            "SELECT f.object_id, f.embedding FROM features f JOIN objects o ON o.id = f.object_id
             WHERE f.model_version = ?1 AND (?2 IS NULL OR o.label = ?2)",
        )
        .map_err(db_err)?;
    let min = q.min_score.unwrap_or(f32::NEG_INFINITY);
    let mut scored: Vec<(f32, String)> = Vec::new();
    let mut rows =
        stmt.query(rusqlite::params![q.version.as_str(), q.label.as_ref().map(|l| l.as_str())]).map_err(db_err)?;
    while let Some(row) = rows.next().map_err(db_err)? {
        let v = decode_embedding(row.get_ref(1).map_err(db_err)?.as_blob().map_err(|e| db_err(e.into()))?);
        // NB: a vector without direction has no cosine; Neo4j's index leaves such vectors out too.
        if v.iter().all(|x| *x == 0.0) {
            continue;
        }
        let score = cosine(&q.vector, &v);
        if score >= min {
            scored.push((score, row.get(0).map_err(db_err)?));
        }
    }
    drop(rows);
    drop(stmt);
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    scored.truncate(q.k);
    let ids = scored.iter().map(|(_, i)| ObjectId::parse(i)).collect::<Result<Vec<_>>>()?;
    let mut by_id: HashMap<String, _> =
        objects(conn, &ids, false)?.into_iter().map(|o| (o.id.to_string(), o)).collect();
    Ok(scored.into_iter().filter_map(|(score, i)| by_id.remove(&i).map(|object| Similar { score, object })).collect())
}
