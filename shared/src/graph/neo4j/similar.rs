//! Query by vector through the vector index (HNSW), with the version, label
//! and score filters applied to an over-fetched candidate list that is
//! refilled (bounded) when filtering left fewer than k; an exact scan of the
//! filtered objects is the last resort and the path for vectors the index
//! does not hold.

use neo4rs::{query, BoltType, Graph};
use serde::Deserialize;

use super::client::rows;
use super::convert::{column, object_map, ObjectRow};
use super::schema::{VECTOR_DIMENSIONS, VECTOR_INDEX};
use crate::graph::vector::check_scan;
use crate::graph::{Similar, VectorQuery};
use crate::Result;

/// First candidate count asked of the index (also its HNSW search breadth).
const FIRST_CANDIDATES: usize = 100;
/// Most candidates one index call asks for; past this the exact scan answers.
const MAX_CANDIDATES: usize = 10_000;
/// How far a (possibly quantised) index score may sit below the exact one.
const INDEX_SLACK: f64 = 0.01;

const DIM: &str = "MATCH (f:Feature {model_version: $version}) RETURN f.dim AS dim LIMIT 1";

// NB: the index spans every version and knows no labels, so candidates are filtered here;
// `returned` and `lowest` tell whether asking for more could find more. The index's scores
// may come from quantised vectors, so the kept candidates are scored again exactly.
const BY_INDEX: &str = concat!(
    "CALL db.index.vector.queryNodes($index, $n, $vector) YIELD node, score
     WITH count(*) AS returned, min(score) AS lowest,
          collect(CASE WHEN node.model_version = $version THEN node END) AS kept
     CALL (kept) {
       UNWIND kept AS f
       MATCH (o:Object)-[:HAS_FEATURE]->(f)
       WHERE $label IS NULL OR o.label = $label
       WITH o, f, vector.similarity.cosine(f.embedding, $vector) AS score
       WHERE score >= $min
       WITH o, f, score ORDER BY score DESC, o.id LIMIT $k
       RETURN collect({o: ",
    object_map!(),
    ", score: score}) AS found
     }
     RETURN returned, lowest, found"
);

/// The vectors [`EXACT`] would compare.
const COUNT: &str = "MATCH (o:Object {model_version: $version})-[:HAS_FEATURE]->(f:Feature)
     WHERE ($label IS NULL OR o.label = $label) AND f.dim = $dim
     RETURN count(*) AS n";

// NB: `vector.similarity.cosine` is null for a vector without direction, which the WHERE drops.
const EXACT: &str = concat!(
    "MATCH (o:Object {model_version: $version})-[:HAS_FEATURE]->(f:Feature)
     WHERE ($label IS NULL OR o.label = $label) AND f.dim = $dim
     WITH o, f, vector.similarity.cosine(f.embedding, $vector) AS score
     WHERE score >= $min
     WITH o, f, score ORDER BY score DESC, o.id LIMIT $k
     RETURN collect({o: ",
    object_map!(),
    ", score: score}) AS found"
);

#[derive(Deserialize)]
struct Found {
    o: ObjectRow,
    score: f64,
}

/// Neo4j's cosine scores are `(1 + cos) / 2`; the API reports the cosine.
fn to_cosine(score: f64) -> f32 {
    (2.0 * score - 1.0) as f32
}

fn decode(found: Vec<Found>) -> Result<Vec<Similar>> {
    found.into_iter().map(|f| Ok(Similar { score: to_cosine(f.score), object: f.o.into_record(Vec::new())? })).collect()
}

pub(super) async fn nearest_to_vector(graph: &Graph, q: &VectorQuery, vector_index: bool) -> Result<Vec<Similar>> {
    q.validate()?;
    let Some(row) = rows(graph, query(DIM).param("version", q.version.as_str())).await?.pop() else {
        return Ok(Vec::new());
    };
    let dim: i64 = column(&row, "dim")?;
    if usize::try_from(dim).ok() != Some(q.vector.len()) {
        return Err(q.wrong_dimension(dim.max(0) as usize));
    }
    let label: BoltType = q.label.as_ref().map(|l| l.as_str().to_owned()).into();
    let min = q.min_score.map_or(-1.0, |m| (1.0 + f64::from(m)) / 2.0);
    let base = |cypher: &str| {
        query(cypher)
            .param("vector", q.vector.clone())
            .param("version", q.version.as_str())
            .param("label", label.clone())
            .param("min", min)
            .param("k", q.k as i64)
    };
    if vector_index && q.vector.len() == VECTOR_DIMENSIONS {
        let mut n = (q.k * 4).clamp(FIRST_CANDIDATES, MAX_CANDIDATES);
        loop {
            let q_index = base(BY_INDEX).param("index", VECTOR_INDEX).param("n", n as i64);
            let Some(row) = rows(graph, q_index).await?.pop() else { break };
            let found: Vec<Found> = column(&row, "found")?;
            let returned: i64 = column(&row, "returned")?;
            let lowest: Option<f64> = column(&row, "lowest")?;
            let exhausted = returned < n as i64;
            let past_min = lowest.is_some_and(|l| l < min - INDEX_SLACK);
            if found.len() >= q.k || exhausted || past_min {
                return decode(found);
            }
            if n == MAX_CANDIDATES {
                tracing::debug!(k = q.k, n, kept = found.len(), "filters starved the index; scanning exactly");
                break;
            }
            n = (n * 4).min(MAX_CANDIDATES);
        }
    }
    let count = match rows(graph, base(COUNT).param("dim", dim)).await?.pop() {
        Some(row) => column::<i64>(&row, "n")?,
        None => 0,
    };
    check_scan(count.max(0) as u64, q.max_scan, &q.version)?;
    let row = rows(graph, base(EXACT).param("dim", dim)).await?.pop();
    decode(match row {
        Some(row) => column(&row, "found")?,
        None => Vec::new(),
    })
}
