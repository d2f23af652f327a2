//! Exploration: pattern search in one query, and nearest neighbours by exact
//! `COSINE_DISTANCE` or through the vector index (`APPROX_COSINE_DISTANCE`).

use gcloud_spanner::client::Client;

use super::client::{rows, stmt};
use super::convert::VECTOR_DIMENSIONS;
use super::convert::{image, image_columns, object, object_columns, relation, Columns, Fields, Vector};
use super::read::objects;
use super::VectorSearch;
use crate::domain::{ImageId, ModelVersion, ObjectId};
use crate::graph::vector::{check_scan, cosine};
use crate::graph::{PatternCursor, PatternMatch, PatternPage, PatternQuery, Similar};
use crate::Result;

/// Both orientations of each stored (undirected) relation, like Cypher's `-[r]-`, with
/// the image and both objects joined in: one round trip per page. The relation index
/// covers the scan; each object and image is a key lookup in the same interleaved split.
fn pattern_sql() -> String {
    let side = |alias: &str| {
        format!(
            "SELECT r.ImageId, r.{s} AS SId, r.{o} AS OId, r.Kind, r.FromId, r.ToId, r.Distance, r.Iou
             FROM Relations@{{FORCE_INDEX=RelationsByVersionKind}} AS r
             WHERE r.ModelVersion = @version AND r.Kind = @kind",
            s = if alias == "forward" { "FromId" } else { "ToId" },
            o = if alias == "forward" { "ToId" } else { "FromId" },
        )
    };
    format!(
        "SELECT m.ImageId AS K_Image, m.SId AS K_Subject, m.OId AS K_Object,
                m.Kind, m.FromId, m.ToId, m.Distance, m.Iou, {image}, {subject}, {object}
         FROM ({forward} UNION ALL {backward}) AS m
         JOIN Objects AS s ON s.ImageId = m.ImageId AND s.ObjectId = m.SId
         JOIN Features AS sf ON sf.ImageId = s.ImageId AND sf.ObjectId = s.ObjectId
         JOIN Objects AS o ON o.ImageId = m.ImageId AND o.ObjectId = m.OId
         JOIN Features AS obf ON obf.ImageId = o.ImageId AND obf.ObjectId = o.ObjectId
         JOIN Images AS i ON i.ImageId = m.ImageId
         WHERE (@s_label IS NULL OR s.Label = @s_label) AND (@s_color IS NULL OR s.Color = @s_color)
           AND (@o_label IS NULL OR o.Label = @o_label) AND (@o_color IS NULL OR o.Color = @o_color)
           AND (@max_distance IS NULL OR m.Distance <= @max_distance)
           AND (@c_image IS NULL OR m.ImageId > @c_image
                OR (m.ImageId = @c_image AND (m.SId > @c_subject OR (m.SId = @c_subject AND m.OId > @c_object))))
         ORDER BY m.ImageId, m.SId, m.OId
         LIMIT @limit",
        image = image_columns("i", "I_"),
        subject = object_columns("s", "sf", "S_", false),
        object = object_columns("o", "obf", "O_", false),
        forward = side("forward"),
        backward = side("backward"),
    )
}

pub(super) async fn pattern_search(client: &Client, q: &PatternQuery, version: &ModelVersion) -> Result<PatternPage> {
    q.validate()?;
    let text = |v: Option<&str>| v.map(str::to_owned);
    let query = stmt(pattern_sql(), |s| {
        s.add_param("version", &version.as_str());
        s.add_param("kind", &q.relation.kind.as_str());
        s.add_param("s_label", &text(q.subject.label.as_ref().map(|l| l.as_str())));
        s.add_param("s_color", &text(q.subject.color.map(|c| c.as_str())));
        s.add_param("o_label", &text(q.object.label.as_ref().map(|l| l.as_str())));
        s.add_param("o_color", &text(q.object.color.map(|c| c.as_str())));
        s.add_param("max_distance", &q.relation.max_distance.map(f64::from));
        s.add_param("limit", &(i64::from(q.limit) + 1));
        let cursor = q.cursor.as_ref();
        s.add_param("c_image", &cursor.map(|c| c.image.to_string()));
        s.add_param("c_subject", &cursor.map(|c| c.subject.to_string()));
        s.add_param("c_object", &cursor.map(|c| c.object.to_string()));
    });
    let (mut keys, mut matches) = (Vec::new(), Vec::new());
    for row in rows(client, query).await? {
        let columns = Columns::of(&row);
        keys.push(PatternCursor {
            image: ImageId::parse(&columns.get::<String>("K_Image")?)?,
            subject: ObjectId::parse(&columns.get::<String>("K_Subject")?)?,
            object: ObjectId::parse(&columns.get::<String>("K_Object")?)?,
        });
        matches.push(PatternMatch {
            image: image(&Columns::prefixed(&row, "I_"))?,
            subject: object(&Columns::prefixed(&row, "S_"), false)?,
            object: object(&Columns::prefixed(&row, "O_"), false)?,
            relation: relation(&Columns::of(&row))?,
        });
    }
    matches.truncate(q.limit as usize);
    Ok(PatternPage::from_rows(&keys, q.limit, matches))
}

/// Candidates by exact cosine distance. A zero vector has no direction: it ranks last
/// (similarity 0, as in the other stores) instead of failing the query.
fn exact_sql(column: &str) -> String {
    let length = if column == "Embedding" { String::new() } else { format!(" AND ARRAY_LENGTH(f.{column}) = @dim") };
    format!(
        "SELECT {cols} FROM Features@{{FORCE_INDEX=FeaturesByVersionNewest}} AS f
         JOIN Objects AS o ON o.ImageId = f.ImageId AND o.ObjectId = f.ObjectId
         WHERE f.ModelVersion = @version AND f.ObjectId != @object AND f.{column} IS NOT NULL{length}
         ORDER BY IF(@zero OR NOT EXISTS(SELECT 1 FROM UNNEST(f.{column}) AS x WHERE x != 0), 1.0,
                     COSINE_DISTANCE(f.{column}, @vector)), f.ObjectId
         LIMIT @want",
        cols = object_columns("o", "f", "", true),
    )
}

/// How many vectors an exact scan of a version's `column` reads.
fn scan_count_sql(column: &str) -> String {
    format!(
        "SELECT COUNT(*) AS N FROM Features@{{FORCE_INDEX=FeaturesByVersionNewest}} AS f
         WHERE f.ModelVersion = @version AND f.{column} IS NOT NULL"
    )
}

// NB: production only (the emulator has no vector indexes), so untested here. The index
// stores ModelVersion and filters at its leaves; the ANN scan must be the query's whole
// FROM with ORDER BY distance LIMIT, so objects are joined outside it.
const APPROX: &str = "
    SELECT {cols} FROM (
      SELECT f.ImageId, f.ObjectId, f.FeatureId
      FROM Features@{FORCE_INDEX=FeaturesByEmbedding} AS f
      WHERE f.Embedding IS NOT NULL AND f.ModelVersion = @version AND f.ObjectId != @object
      ORDER BY APPROX_COSINE_DISTANCE(f.Embedding, @vector, options => JSON '{\"num_leaves_to_search\": 200}')
      LIMIT @want) AS n
    JOIN Features AS f ON f.ImageId = n.ImageId AND f.ObjectId = n.ObjectId AND f.FeatureId = n.FeatureId
    JOIN Objects AS o ON o.ImageId = n.ImageId AND o.ObjectId = n.ObjectId";

pub(super) async fn nearest(
    client: &Client,
    id: &ObjectId,
    k: usize,
    search: VectorSearch,
    max_scan: usize,
) -> Result<Option<Vec<Similar>>> {
    let Some(target) = objects(client, std::slice::from_ref(id), true).await?.pop() else { return Ok(None) };
    // NB: a margin of extra candidates, re-scored below with the stores' shared f32
    // cosine, keeps near-ties at the cut in the same order as the other backends.
    let want = k.saturating_mul(2).saturating_add(8).min(10_000) as i64;
    let dim = target.embedding.len();
    let zero = target.embedding.iter().all(|x| *x == 0.0);
    let sql = match search {
        VectorSearch::Approx if dim == VECTOR_DIMENSIONS && !zero => {
            APPROX.replace("{cols}", &object_columns("o", "f", "", true))
        }
        _ => {
            let column = if dim == VECTOR_DIMENSIONS { "Embedding" } else { "OtherEmbedding" };
            // NB: an exact scan reads every vector of the version: bounded, as in the other stores.
            let count = stmt(scan_count_sql(column), |s| s.add_param("version", &target.model_version.as_str()));
            let candidates = match rows(client, count).await?.first() {
                Some(row) => Columns::of(row).get::<i64>("N")?,
                None => 0,
            };
            // NB: the target is one of the version's vectors; the scan compares it with the others,
            // as the SQLite and Neo4j stores count them.
            check_scan((candidates - 1).max(0) as u64, max_scan, &target.model_version)?;
            exact_sql(column)
        }
    };
    let q = stmt(sql, |s| {
        s.add_param("version", &target.model_version.as_str());
        s.add_param("object", &id.as_str());
        s.add_param("vector", &Vector(target.embedding.clone()));
        s.add_param("zero", &zero);
        s.add_param("dim", &(dim as i64));
        s.add_param("want", &want);
    });
    let mut scored = Vec::new();
    for row in rows(client, q).await? {
        let mut o = object(&Columns::of(&row), true)?;
        let score = cosine(&target.embedding, &o.embedding);
        o.embedding = Vec::new();
        scored.push(Similar { score, object: o });
    }
    scored.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.object.id.cmp(&b.object.id)));
    scored.truncate(k);
    Ok(Some(scored))
}
