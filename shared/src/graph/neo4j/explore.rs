//! Exploration: pattern search compiled to parameterised Cypher, and nearest
//! neighbours through the vector index (exact cosine where it cannot serve).

use neo4rs::{query, BoltType, Graph};
use serde::Deserialize;
use std::collections::HashMap;

use super::client::rows;
use super::convert::{column, to_f32, RelationRow};
use super::read::{images, objects};
use super::schema::VECTOR_DIMENSIONS;
use crate::domain::{ImageId, ModelVersion, ObjectId};
use crate::graph::vector::{check_scan, cosine};
use crate::graph::{ObjectFeatures, PatternCursor, PatternMatch, PatternPage, PatternQuery, Similar};
use crate::schema::RelationKind;
use crate::Result;

/// The pattern query for one relationship type; everything else is a parameter.
macro_rules! pattern_query {
    ($kind:literal) => {
        concat!(
            "MATCH (s:Object {model_version: $version})-[rel:",
            $kind,
            "]-(o:Object)
             WHERE ($s_label IS NULL OR s.label = $s_label) AND ($s_color IS NULL OR s.color = $s_color)
               AND ($o_label IS NULL OR o.label = $o_label) AND ($o_color IS NULL OR o.color = $o_color)
               AND ($max_distance IS NULL OR rel.distance <= $max_distance)
               AND ($c_image IS NULL OR s.image_id > $c_image OR (s.image_id = $c_image
                    AND (s.id > $c_s OR (s.id = $c_s AND o.id > $c_o))))
             WITH s, o, rel ORDER BY s.image_id, s.id, o.id LIMIT $limit
             RETURN s.image_id AS i, s.id AS s, o.id AS o,
                    {kind: type(rel), from: startNode(rel).id, to: endNode(rel).id, distance: rel.distance, iou: rel.iou} AS r"
        )
    };
}

const PATTERN_NEAR: &str = pattern_query!("NEAR");
const PATTERN_OVERLAPS: &str = pattern_query!("OVERLAPS");

// NB: the index spans every version; `returned` tells whether filtering may have left fewer than k.
const BY_INDEX: &str = "
    CALL db.index.vector.queryNodes('feature_embedding', $n, $vector) YIELD node
    WITH collect(node) AS hits
    RETURN size(hits) AS returned,
           [h IN hits WHERE h.model_version = $version AND h.object_id <> $object
              | {id: h.object_id, embedding: h.embedding}][0..$want] AS candidates";

const EXACT: &str = "
    MATCH (f:Feature {model_version: $version})
    WHERE f.object_id <> $object AND size(f.embedding) = size($vector) AND any(x IN f.embedding WHERE x <> 0.0)
    WITH f, vector.similarity.cosine(f.embedding, $vector) AS score
    ORDER BY score DESC, f.object_id LIMIT $want
    RETURN collect({id: f.object_id, embedding: f.embedding}) AS candidates";

// NB: against a zero vector every cosine is 0 (as in SQLite), so ids decide.
const BY_ID: &str = "
    MATCH (f:Feature {model_version: $version}) WHERE f.object_id <> $object
    WITH f ORDER BY f.object_id LIMIT $want
    RETURN collect({id: f.object_id, embedding: f.embedding}) AS candidates";

pub(super) async fn pattern_search(graph: &Graph, q: &PatternQuery, version: &ModelVersion) -> Result<PatternPage> {
    q.validate()?;
    let cypher = match q.relation.kind {
        RelationKind::Near => PATTERN_NEAR,
        RelationKind::Overlaps => PATTERN_OVERLAPS,
    };
    let text = |v: Option<&str>| -> BoltType { v.map(str::to_owned).into() };
    let query = query(cypher)
        .param("version", version.as_str())
        .param("s_label", text(q.subject.label.as_ref().map(|l| l.as_str())))
        .param("s_color", text(q.subject.color.map(|c| c.as_str())))
        .param("o_label", text(q.object.label.as_ref().map(|l| l.as_str())))
        .param("o_color", text(q.object.color.map(|c| c.as_str())))
        .param("max_distance", q.relation.max_distance)
        .param("c_image", text(q.cursor.as_ref().map(|c| c.image.as_str())))
        .param("c_s", text(q.cursor.as_ref().map(|c| c.subject.as_str())))
        .param("c_o", text(q.cursor.as_ref().map(|c| c.object.as_str())))
        .param("limit", i64::from(q.limit) + 1);
    let mut found = Vec::new();
    let mut keys = Vec::new();
    for row in rows(graph, query).await? {
        let (s, o) = (column::<String>(&row, "s")?, column::<String>(&row, "o")?);
        keys.push(PatternCursor {
            image: ImageId::parse(&column::<String>(&row, "i")?)?,
            subject: ObjectId::parse(&s)?,
            object: ObjectId::parse(&o)?,
        });
        found.push((s, o, column::<RelationRow>(&row, "r")?.into_relation()?));
    }
    found.truncate(q.limit as usize);
    let ids = found.iter().flat_map(|(s, o, _)| [s, o]).map(|s| ObjectId::parse(s)).collect::<Result<Vec<_>>>()?;
    let by_id: HashMap<String, ObjectFeatures> =
        objects(graph, &ids, false).await?.into_iter().map(|o| (o.id.to_string(), o)).collect();
    let mut image_ids: Vec<String> = by_id.values().map(|o| o.image_id.to_string()).collect();
    image_ids.sort();
    image_ids.dedup();
    let images: HashMap<String, _> =
        images(graph, &image_ids).await?.into_iter().map(|i| (i.id.to_string(), i)).collect();
    let mut matches = Vec::with_capacity(found.len());
    for (s, o, relation) in found {
        let (Some(subject), Some(object)) = (by_id.get(&s), by_id.get(&o)) else { continue };
        let Some(image) = images.get(subject.image_id.as_str()) else { continue };
        matches.push(PatternMatch { image: image.clone(), subject: subject.clone(), object: object.clone(), relation });
    }
    Ok(PatternPage::from_rows(&keys, q.limit, matches))
}

#[derive(Deserialize)]
struct Candidate {
    id: String,
    embedding: Vec<f64>,
}

/// Most hits one vector-index query asks for.
const MAX_INDEX_HITS: usize = 10_000;

const COUNT_VERSION: &str = "
    MATCH (f:Feature {model_version: $version}) WHERE f.object_id <> $object RETURN count(f) AS n";

pub(super) async fn nearest(
    graph: &Graph,
    id: &ObjectId,
    k: usize,
    vector_index: bool,
    max_scan: usize,
) -> Result<Option<Vec<Similar>>> {
    let Some(target) = objects(graph, std::slice::from_ref(id), true).await?.pop() else { return Ok(None) };
    // NB: a margin of extra candidates, re-scored exactly below, keeps near-ties at the cut in SQLite's order.
    let want = k.saturating_mul(2).saturating_add(8).min(10_000);
    let (version, vector) = (target.model_version.as_str(), target.embedding.clone());
    let mut candidates = None;
    if vector_index && vector.len() == VECTOR_DIMENSIONS && vector.iter().any(|x| *x != 0.0) {
        // NB: the index spans every version; when other versions crowd this one out of the
        // first hits, ask once more for as many as the index gives before scanning exactly.
        let first = want.saturating_mul(4).clamp(100, MAX_INDEX_HITS);
        for n in [first, MAX_INDEX_HITS] {
            let q = query(BY_INDEX)
                .param("n", n as i64)
                .param("vector", vector.clone())
                .param("version", version)
                .param("object", id.as_str())
                .param("want", want as i64);
            if let Some(row) = rows(graph, q).await?.first() {
                let found: Vec<Candidate> = column(row, "candidates")?;
                let starved = found.len() < k && column::<i64>(row, "returned")? >= n as i64;
                if !starved {
                    candidates = Some(found);
                    break;
                }
            }
            if n >= MAX_INDEX_HITS {
                break;
            }
        }
    }
    let candidates = match candidates {
        Some(c) => c,
        None => {
            let q = query(COUNT_VERSION).param("version", version).param("object", id.as_str());
            let count = match rows(graph, q).await?.first() {
                Some(row) => column::<i64>(row, "n")?,
                None => 0,
            };
            check_scan(count.max(0) as u64, max_scan, &target.model_version)?;
            tracing::debug!(k, count, "nearest neighbours by exact cosine");
            let cypher = if vector.iter().any(|x| *x != 0.0) { EXACT } else { BY_ID };
            let q = query(cypher)
                .param("vector", vector.clone())
                .param("version", version)
                .param("object", id.as_str())
                .param("want", want as i64);
            match rows(graph, q).await?.first() {
                Some(row) => column(row, "candidates")?,
                None => Vec::new(),
            }
        }
    };
    let mut scored: Vec<(f32, String)> =
        candidates.into_iter().map(|c| (cosine(&target.embedding, &to_f32(c.embedding)), c.id)).collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    scored.truncate(k);
    let ids = scored.iter().map(|(_, i)| ObjectId::parse(i)).collect::<Result<Vec<_>>>()?;
    let by_id: HashMap<String, ObjectFeatures> =
        objects(graph, &ids, false).await?.into_iter().map(|o| (o.id.to_string(), o)).collect();
    Ok(Some(
        scored
            .into_iter()
            .filter_map(|(score, i)| by_id.get(&i).map(|o| Similar { score, object: o.clone() }))
            .collect(),
    ))
}
