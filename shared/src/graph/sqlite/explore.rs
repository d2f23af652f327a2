//! Exploration: pattern search, nearest neighbours (exact), nodes and neighbourhoods.

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Map, Value};
use std::collections::{HashMap, VecDeque};

use crate::graph::walk::Walk;

use super::codec::{decode_embedding, image_where};
use super::db_err;
use super::read::{objects, relation_from_row};
use crate::domain::{ImageId, ModelVersion, ObjectId};
use crate::graph::vector::{check_scan, cosine};
use crate::graph::{
    GraphNode, GraphRelationship, Neighbourhood, PatternCursor, PatternMatch, PatternPage, PatternQuery, Similar,
};
use crate::Result;

pub(super) fn pattern_search(conn: &Connection, q: &PatternQuery, version: &ModelVersion) -> Result<PatternPage> {
    q.validate()?;
    // Both orientations of each stored (undirected) relation, like Cypher's `-[r]-`; the page
    // starts after the cursor's key, so nothing before it is sorted and skipped.
    let sql = "
        SELECT s.image_id, s_id, o_id, kind, from_id, to_id, distance, iou FROM (
            SELECT r.from_id AS s_id, r.to_id AS o_id, r.kind, r.from_id, r.to_id, r.distance, r.iou FROM relations r
            UNION ALL
            SELECT r.to_id, r.from_id, r.kind, r.from_id, r.to_id, r.distance, r.iou FROM relations r
        ) m
        JOIN objects s ON s.id = m.s_id
        JOIN objects o ON o.id = m.o_id
        WHERE m.kind = ?1 AND s.model_version = ?2
          AND (?3 IS NULL OR s.label = ?3) AND (?4 IS NULL OR s.color = ?4)
          AND (?5 IS NULL OR o.label = ?5) AND (?6 IS NULL OR o.color = ?6)
          AND (?7 IS NULL OR m.distance <= ?7)
          AND (?9 IS NULL OR (s.image_id, m.s_id, m.o_id) > (?9, ?10, ?11))
        ORDER BY s.image_id, s_id, o_id
        LIMIT ?8";
    let cursor = q.cursor.as_ref();
    let mut stmt = conn.prepare_cached(sql).map_err(db_err)?;
    let rows = stmt
        .query_map(
            params![
                q.relation.kind.as_str(),
                version.as_str(),
                q.subject.label.as_ref().map(|l| l.as_str()),
                q.subject.color.map(|c| c.as_str()),
                q.object.label.as_ref().map(|l| l.as_str()),
                q.object.color.map(|c| c.as_str()),
                q.relation.max_distance,
                i64::from(q.limit) + 1,
                cursor.map(|c| c.image.as_str()),
                cursor.map(|c| c.subject.as_str()),
                cursor.map(|c| c.object.as_str()),
            ],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, relation_from_row_at(r)?)),
        )
        .map_err(db_err)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(db_err)?;
    drop(stmt);
    let keys = rows
        .iter()
        .map(|(i, s, o, _)| {
            Ok(PatternCursor { image: ImageId::parse(i)?, subject: ObjectId::parse(s)?, object: ObjectId::parse(o)? })
        })
        .collect::<Result<Vec<_>>>()?;
    let rows = &rows[..rows.len().min(q.limit as usize)];
    let ids: Vec<ObjectId> =
        rows.iter().flat_map(|(_, s, o, _)| [s, o]).map(|s| ObjectId::parse(s)).collect::<Result<_>>()?;
    let by_id: HashMap<String, _> = objects(conn, &ids, false)?.into_iter().map(|o| (o.id.to_string(), o)).collect();
    let mut matches = Vec::with_capacity(rows.len());
    let mut images = HashMap::new();
    for (_, s, o, relation) in rows {
        let (Some(subject), Some(object)) = (by_id.get(s.as_str()), by_id.get(o.as_str())) else { continue };
        let image = match images.get(&subject.image_id) {
            Some(i) => i,
            None => {
                let Some(i) = image_where(conn, "i.id = ?1", subject.image_id.as_str())? else { continue };
                images.entry(subject.image_id.clone()).or_insert(i)
            }
        };
        matches.push(PatternMatch {
            image: image.clone(),
            subject: subject.clone(),
            object: object.clone(),
            relation: relation.clone(),
        });
    }
    Ok(PatternPage::from_rows(&keys, q.limit, matches))
}

fn relation_from_row_at(r: &rusqlite::Row<'_>) -> rusqlite::Result<crate::schema::Relation> {
    // Columns 3..=7 hold kind, from_id, to_id, distance, iou.
    struct Shifted<'a, 'b>(&'a rusqlite::Row<'b>);
    let row = Shifted(r);
    let kind: String = row.0.get(3)?;
    let from: String = row.0.get(4)?;
    let to: String = row.0.get(5)?;
    let parse = |s: &str, i| {
        ObjectId::parse(s)
            .map_err(|e| rusqlite::Error::InvalidColumnType(i, e.to_string(), rusqlite::types::Type::Text))
    };
    Ok(crate::schema::Relation {
        kind: if kind == "NEAR" { crate::schema::RelationKind::Near } else { crate::schema::RelationKind::Overlaps },
        from: parse(&from, 4)?,
        to: parse(&to, 5)?,
        distance: row.0.get::<_, Option<f64>>(6)?.map(|v| v as f32),
        iou: row.0.get::<_, Option<f64>>(7)?.map(|v| v as f32),
    })
}

pub(super) fn nearest(conn: &Connection, id: &ObjectId, k: usize, max_scan: usize) -> Result<Option<Vec<Similar>>> {
    let Some(target) = objects(conn, std::slice::from_ref(id), true)?.pop() else { return Ok(None) };
    // NB: SQLite has no vector index: every answer is an exact scan, bounded before it starts.
    let candidates: i64 = conn
        .query_row(
            "SELECT count(*) FROM features WHERE model_version = ?1 AND object_id != ?2",
            [target.model_version.as_str(), id.as_str()],
            |r| r.get(0),
        )
        .map_err(db_err)?;
    check_scan(candidates.max(0) as u64, max_scan, &target.model_version)?;
    let mut stmt = conn
        .prepare_cached(
            "SELECT f.object_id, f.embedding FROM features f WHERE f.model_version = ?1 AND f.object_id != ?2",
        )
        .map_err(db_err)?;
    let mut scored: Vec<(f32, String)> = stmt
        .query_map([target.model_version.as_str(), id.as_str()], |r| {
            let v = decode_embedding(&r.get::<_, Vec<u8>>(1)?);
            Ok((cosine(&target.embedding, &v), r.get::<_, String>(0)?))
        })
        .map_err(db_err)?
        .collect::<rusqlite::Result<_>>()
        .map_err(db_err)?;
    drop(stmt);
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    scored.truncate(k);
    let ids = scored.iter().map(|(_, i)| ObjectId::parse(i)).collect::<Result<Vec<_>>>()?;
    let by_id: HashMap<String, _> = objects(conn, &ids, false)?.into_iter().map(|o| (o.id.to_string(), o)).collect();
    Ok(Some(
        scored
            .into_iter()
            .filter_map(|(score, i)| by_id.get(i.as_str()).map(|o| Similar { score, object: o.clone() }))
            .collect(),
    ))
}

pub(super) fn node(conn: &Connection, id: &str) -> Result<Option<GraphNode>> {
    if id.len() == 64 {
        let Some(img) = image_where(conn, "i.id = ?1", id)? else { return Ok(None) };
        let mut props = to_map(json!(img));
        props.remove("id");
        return Ok(Some(GraphNode {
            id: id.to_owned(),
            kind: "Image".into(),
            labels: vec!["Image".into()],
            properties: props,
        }));
    }
    let oid = ObjectId::parse(id)?;
    if let Some(o) = objects(conn, std::slice::from_ref(&oid), false)?.pop() {
        let mut props = to_map(json!(o));
        props.remove("id");
        return Ok(Some(GraphNode {
            id: id.to_owned(),
            kind: "Object".into(),
            labels: vec!["Object".into()],
            properties: props,
        }));
    }
    let feature = conn
        .query_row(
            "SELECT f.object_id, f.model_version, f.dim, f.embedding, f.job_id, f.detector, f.embedder, f.image_sha256,
                    f.image_generation, f.created_at, r.host, r.processor, r.execution_provider, r.started_at, r.finished_at, r.uri
             FROM features f LEFT JOIN runs r ON r.image_id = f.image_sha256 AND r.model_version = f.model_version AND r.job_id = f.job_id
             WHERE f.id = ?1",
            [id],
            |r| {
                Ok(json!({
                    "object_id": r.get::<_, String>(0)?, "model_version": r.get::<_, String>(1)?,
                    "dim": r.get::<_, i64>(2)?, "embedding": decode_embedding(&r.get::<_, Vec<u8>>(3)?),
                    "lineage": {
                        "job_id": r.get::<_, String>(4)?, "detector": r.get::<_, String>(5)?,
                        "embedder": r.get::<_, String>(6)?, "image_sha256": r.get::<_, String>(7)?,
                        "image_generation": r.get::<_, Option<i64>>(8)?, "created_at": r.get::<_, String>(9)?,
                        "host": r.get::<_, Option<String>>(10)?, "processor": r.get::<_, Option<String>>(11)?,
                        "execution_provider": r.get::<_, Option<String>>(12)?, "started_at": r.get::<_, Option<String>>(13)?,
                        "finished_at": r.get::<_, Option<String>>(14)?, "source_uri": r.get::<_, Option<String>>(15)?,
                    }
                }))
            },
        )
        .optional()
        .map_err(db_err)?;
    Ok(feature.map(|v| GraphNode {
        id: id.to_owned(),
        kind: "Feature".into(),
        labels: vec!["Feature".into()],
        properties: to_map(v),
    }))
}

fn to_map(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Relationships touching a node, as (type, start, end, properties).
fn edges_of(conn: &Connection, id: &str) -> Result<Vec<GraphRelationship>> {
    let mut out = Vec::new();
    let rel = |kind: &str, start: String, end: String, props: Value| GraphRelationship {
        id: format!("{kind}:{start}:{end}"),
        kind: kind.to_owned(),
        start,
        end,
        properties: to_map(props),
    };
    let mut s = conn.prepare_cached("SELECT id, model_version FROM objects WHERE image_id = ?1").map_err(db_err)?;
    for r in s.query_map([id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))).map_err(db_err)? {
        let (o, v) = r.map_err(db_err)?;
        out.push(rel("CONTAINS", id.to_owned(), o, json!({"model_version": v})));
    }
    let mut s = conn
        .prepare_cached(
            "SELECT o.image_id, f.id, f.model_version FROM objects o JOIN features f ON f.object_id = o.id WHERE o.id = ?1",
        )
        .map_err(db_err)?;
    if let Some((img, fid, v)) = s
        .query_row([id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))
        .optional()
        .map_err(db_err)?
    {
        out.push(rel("CONTAINS", img, id.to_owned(), json!({"model_version": v})));
        out.push(rel("HAS_FEATURE", id.to_owned(), fid, json!({"model_version": v})));
    }
    let mut s = conn.prepare_cached("SELECT object_id, model_version FROM features WHERE id = ?1").map_err(db_err)?;
    if let Some((o, v)) =
        s.query_row([id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))).optional().map_err(db_err)?
    {
        out.push(rel("HAS_FEATURE", o, id.to_owned(), json!({"model_version": v})));
    }
    let mut s = conn
        .prepare_cached("SELECT kind, from_id, to_id, distance, iou FROM relations WHERE from_id = ?1 OR to_id = ?1")
        .map_err(db_err)?;
    for r in s.query_map([id], relation_from_row).map_err(db_err)? {
        let r = r.map_err(db_err)?;
        let props = match (r.distance, r.iou) {
            (Some(d), _) => json!({"distance": d}),
            (None, Some(i)) => json!({"iou": i}),
            _ => json!({}),
        };
        out.push(rel(r.kind.as_str(), r.from.to_string(), r.to.to_string(), props));
    }
    Ok(out)
}

pub(super) fn neighbourhood(conn: &Connection, id: &str, depth: u8, limit: usize) -> Result<Option<Neighbourhood>> {
    let Some(centre) = node(conn, id)? else { return Ok(None) };
    let mut walk = Walk::new(id, limit);
    let mut queue = VecDeque::from([(id.to_owned(), 0u8)]);
    while let Some((current, d)) = queue.pop_front() {
        if d >= depth {
            continue;
        }
        for e in edges_of(conn, &current)? {
            if let Some(reached) = walk.step(&current, e) {
                queue.push_back((reached, d + 1));
            }
        }
    }
    let mut nodes = vec![centre];
    for n in walk.reached() {
        if let Some(mut g) = node(conn, n)? {
            // Vectors stay out of neighbourhoods; the inspector fetches them per node.
            g.properties.remove("embedding");
            nodes.push(g);
        }
    }
    Ok(Some(walk.finish(nodes)))
}
