//! Coverage of feature-set versions over the set's images, pages of those
//! images for backfill plans and comparisons, and activation with coverage.

use chrono::Utc;
use neo4rs::{query, BoltType, Graph};

use super::client::{rows, Tx};
use super::convert::{column, image_map, ImageRow};
use super::versions;
use crate::domain::{FeatureSetName, ModelVersion};
use crate::graph::{Coverage, ImageQuery, ImageRecord, VersionChange};
use crate::{Error, Result};

// NB: an image belongs to a set through a Run of one of the set's versions; runs exist for
// images without detections too. `run_model_version` indexes the Run side.
const SET_IMAGES: &str = "
    MATCH (:FeatureSet {name: $set})-[:HAS_VERSION]->(v:ModelVersion)
    MATCH (:Run {model_version: v.version})-[:PROCESSED]->(i:Image)
    RETURN count(DISTINCT i) AS images";

const VERSION_IMAGES: &str = "
    MATCH (:FeatureSet {name: $set})-[:HAS_VERSION]->(v:ModelVersion)
    RETURN v.version AS version,
           COUNT { MATCH (:Run {model_version: v.version})-[:PROCESSED]->(i:Image) RETURN DISTINCT i } AS images
    ORDER BY v.first_seen, v.version";

const LIST_IMAGES: &str = concat!(
    "MATCH (i:Image)
     WHERE ($after IS NULL OR i.id > $after)
       AND EXISTS { MATCH (:FeatureSet {name: $set})-[:HAS_VERSION]->(v:ModelVersion)
                    MATCH (r:Run {model_version: v.version})-[:PROCESSED]->(i) }
       AND ($prefix IS NULL OR i.uri STARTS WITH $prefix
            OR EXISTS { MATCH (i)-[:STORED_AT]->(l:Location) WHERE l.uri STARTS WITH $prefix })
       AND all(w IN $with WHERE EXISTS { MATCH (:Run {model_version: w})-[:PROCESSED]->(i) })
       AND ($without IS NULL OR NOT EXISTS { MATCH (:Run {model_version: $without})-[:PROCESSED]->(i) })
     WITH i ORDER BY i.id LIMIT $limit
     RETURN ",
    image_map!(),
    " AS image"
);

const RECORD_COVERAGE: &str = "
    MATCH (s:FeatureSet {name: $set})-[:AUDIT]->(c:VersionChange {seq: s.audit_seq})
    SET c.coverage = $coverage";

pub(super) async fn coverage(graph: &Graph, set: &FeatureSetName) -> Result<Coverage> {
    let total = match rows(graph, query(SET_IMAGES).param("set", set.as_str())).await?.first() {
        Some(row) => column::<i64>(row, "images")?.max(0) as u64,
        None => 0,
    };
    let counts = rows(graph, query(VERSION_IMAGES).param("set", set.as_str()))
        .await?
        .iter()
        .map(|row| {
            let version = ModelVersion::parse(&column::<String>(row, "version")?)
                .map_err(|e| Error::backend(super::BACKEND, e).context("stored model version is invalid"))?;
            Ok((version, column::<i64>(row, "images")?.max(0) as u64))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Coverage::new(set, total, counts))
}

pub(super) async fn list_images(graph: &Graph, q: &ImageQuery) -> Result<Vec<ImageRecord>> {
    let with: Vec<BoltType> = q.with_versions.iter().map(|v| v.as_str().into()).collect();
    let q = query(LIST_IMAGES)
        .param("set", q.feature_set.as_str())
        .param("after", q.after.as_ref().map(|a| a.as_str().to_owned()))
        .param("prefix", q.uri_prefix.clone())
        .param("with", with)
        .param("without", q.without_version.as_ref().map(|v| v.as_str().to_owned()))
        .param("limit", q.page_size() as i64);
    rows(graph, q).await?.iter().map(|row| column::<ImageRow>(row, "image")?.into_record()).collect()
}

pub(super) async fn activate_with_coverage(
    graph: &Graph,
    set: &FeatureSetName,
    to: &ModelVersion,
    actor: &str,
    coverage: f64,
) -> Result<VersionChange> {
    let at = Utc::now();
    let stamp = at.to_rfc3339_opts(chrono::SecondsFormat::Nanos, false);
    let mut tx = Tx::begin(graph).await?;
    let Some(from) = versions::switch(&mut tx, set, to, actor, &stamp, false).await? else {
        return Err(Error::NotFound(format!("feature set {set} has no features of version {to}")));
    };
    tx.run(query(RECORD_COVERAGE).param("set", set.as_str()).param("coverage", coverage)).await?;
    tx.commit().await?;
    Ok(VersionChange {
        feature_set: set.to_string(),
        from,
        to: to.clone(),
        actor: actor.to_owned(),
        at,
        coverage: Some(coverage),
    })
}
