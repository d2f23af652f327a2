//! Query by vector: through the vector index (`APPROX_COSINE_DISTANCE`, production
//! only) with the label and score filters applied to an over-fetched candidate list, or
//! an exact `COSINE_DISTANCE` scan bounded by the query's `max_scan`. Candidates are
//! re-scored with the stores' shared f32 cosine, so scores agree across backends.

use gcloud_spanner::client::Client;

use super::client::{first, rows, stmt};
use super::convert::{object, object_columns, Columns, Fields, Vector, VECTOR_DIMENSIONS};
use super::VectorSearch;
use crate::graph::vector::{check_scan, cosine};
use crate::graph::{Similar, VectorQuery};
use crate::Result;

/// Most candidates one index call asks for; past this the exact scan answers.
const MAX_CANDIDATES: i64 = 10_000;

const DIM: &str = "SELECT f.Dim FROM Features@{FORCE_INDEX=FeaturesByVersionNewest} AS f
    WHERE f.ModelVersion = @version LIMIT 1";

fn count_sql(column: &str) -> String {
    format!(
        "SELECT COUNT(*) AS N FROM Features AS f
         JOIN Objects AS o ON o.ImageId = f.ImageId AND o.ObjectId = f.ObjectId
         WHERE f.ModelVersion = @version AND f.{column} IS NOT NULL AND (@label IS NULL OR o.Label = @label)"
    )
}

// NB: vectors without direction have no cosine: they are left out, as Neo4j's index does.
fn exact_sql(column: &str) -> String {
    format!(
        "SELECT {cols} FROM Features AS f
         JOIN Objects AS o ON o.ImageId = f.ImageId AND o.ObjectId = f.ObjectId
         WHERE f.ModelVersion = @version AND f.{column} IS NOT NULL AND (@label IS NULL OR o.Label = @label)
           AND EXISTS(SELECT 1 FROM UNNEST(f.{column}) AS x WHERE x != 0)
         ORDER BY COSINE_DISTANCE(f.{column}, @vector), f.ObjectId
         LIMIT @want",
        cols = object_columns("o", "f", "", true),
    )
}

// NB: production only (the emulator has no vector indexes), so untested here; the ANN
// scan must be the query's whole FROM, so objects are joined and filtered outside it.
fn approx_sql() -> String {
    format!(
        "SELECT {cols} FROM (
           SELECT f.ImageId, f.ObjectId, f.FeatureId
           FROM Features@{{FORCE_INDEX=FeaturesByEmbedding}} AS f
           WHERE f.Embedding IS NOT NULL AND f.ModelVersion = @version
           ORDER BY APPROX_COSINE_DISTANCE(f.Embedding, @vector, options => JSON '{{\"num_leaves_to_search\": 200}}')
           LIMIT @want) AS n
         JOIN Features AS f ON f.ImageId = n.ImageId AND f.ObjectId = n.ObjectId AND f.FeatureId = n.FeatureId
         JOIN Objects AS o ON o.ImageId = n.ImageId AND o.ObjectId = n.ObjectId",
        cols = object_columns("o", "f", "", true),
    )
}

pub(super) async fn nearest_to_vector(client: &Client, q: &VectorQuery, search: VectorSearch) -> Result<Vec<Similar>> {
    q.validate()?;
    let Some(row) = first(client, stmt(DIM, |s| s.add_param("version", &q.version.as_str()))).await? else {
        return Ok(Vec::new());
    };
    let dim = Columns::of(&row).get::<i64>("Dim")?;
    if usize::try_from(dim).ok() != Some(q.vector.len()) {
        return Err(q.wrong_dimension(dim.max(0) as usize));
    }
    let label = q.label.as_ref().map(|l| l.as_str().to_owned());
    let query = |sql: String, want: i64| {
        stmt(sql, |s| {
            s.add_param("version", &q.version.as_str());
            s.add_param("label", &label);
            s.add_param("vector", &Vector(q.vector.clone()));
            s.add_param("want", &want);
        })
    };
    if search == VectorSearch::Approx && q.vector.len() == VECTOR_DIMENSIONS {
        let mut want = (q.k as i64 * 4).clamp(100, MAX_CANDIDATES);
        loop {
            let found = rows(client, query(approx_sql(), want)).await?;
            let exhausted = (found.len() as i64) < want;
            let kept = score(q, found)?;
            if kept.len() >= q.k || exhausted {
                return Ok(kept);
            }
            // NB: the label and score filters starved the candidates: ask for more, then scan exactly.
            if want == MAX_CANDIDATES {
                break;
            }
            want = (want * 4).min(MAX_CANDIDATES);
        }
    }
    let column = if q.vector.len() == VECTOR_DIMENSIONS { "Embedding" } else { "OtherEmbedding" };
    let count = match first(client, query(count_sql(column), 0)).await? {
        Some(row) => Columns::of(&row).get::<i64>("N")?,
        None => 0,
    };
    check_scan(count.max(0) as u64, q.max_scan, &q.version)?;
    // NB: a margin of extra candidates, re-scored below, keeps near-ties at the cut in the other stores' order.
    let want = (q.k as i64).saturating_mul(2).saturating_add(8);
    let found = rows(client, query(exact_sql(column), want)).await?;
    score(q, found)
}

/// Re-scores candidates with the shared cosine, keeps those at or above `min_score`, best first.
fn score(q: &VectorQuery, found: Vec<gcloud_spanner::row::Row>) -> Result<Vec<Similar>> {
    let min = q.min_score.unwrap_or(f32::NEG_INFINITY);
    let mut scored = Vec::with_capacity(found.len());
    for row in found {
        let mut o = object(&Columns::of(&row), true)?;
        if o.embedding.iter().all(|x| *x == 0.0) || q.label.as_ref().is_some_and(|l| *l != o.label) {
            continue;
        }
        let score = cosine(&q.vector, &o.embedding);
        if score >= min {
            o.embedding = Vec::new();
            scored.push(Similar { score, object: o });
        }
    }
    scored.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.object.id.cmp(&b.object.id)));
    scored.truncate(q.k);
    Ok(scored)
}
