//! Coverage of feature-set versions over the set's images, pages of those images for
//! backfill plans and comparisons. Each is single-use queries (no transaction): a count
//! read while a backfill writes is a snapshot, which is all coverage promises.

use gcloud_spanner::client::Client;
use gcloud_spanner::statement::Statement;

use super::client::{first, rows, stmt};
use super::convert::{image, image_columns, version, Columns, Fields};
use crate::domain::FeatureSetName;
use crate::graph::{Coverage, ImageQuery, ImageRecord};
use crate::Result;

// NB: an image belongs to a set through a run of one of the set's versions; runs exist for
// images without detections too, so "processed by" never depends on what was found.
const IN_SET: &str = "EXISTS(SELECT 1 FROM Runs AS r JOIN FeatureSetVersions AS v
    ON v.Name = @set AND v.Version = r.ModelVersion WHERE r.ImageId = i.ImageId)";

pub(super) async fn coverage(client: &Client, set: &FeatureSetName) -> Result<Coverage> {
    let sql = format!(
        "SELECT (SELECT COUNT(*) FROM Images AS i WHERE {IN_SET}) AS Images,
                ARRAY(SELECT AS STRUCT v.Version,
                        (SELECT COUNT(DISTINCT r.ImageId) FROM Runs@{{FORCE_INDEX=RunsByVersion}} AS r
                         WHERE r.ModelVersion = v.Version) AS Processed
                      FROM FeatureSetVersions AS v WHERE v.Name = @set ORDER BY v.FirstSeen, v.Version) AS Versions"
    );
    let row = first(client, stmt(sql, |s| s.add_param("set", &set.as_str()))).await?;
    let Some(row) = row else { return Ok(Coverage::new(set, 0, Vec::new())) };
    let c = Columns::of(&row);
    let images: i64 = c.get("Images")?;
    let counts = c
        .get::<Vec<VersionCount>>("Versions")?
        .into_iter()
        .map(|v| Ok((version(&v.version)?, v.processed.max(0) as u64)))
        .collect::<Result<Vec<_>>>()?;
    Ok(Coverage::new(set, images.max(0) as u64, counts))
}

/// One element of `Versions`.
struct VersionCount {
    version: String,
    processed: i64,
}

impl gcloud_spanner::row::TryFromStruct for VersionCount {
    fn try_from_struct(s: gcloud_spanner::row::Struct<'_>) -> std::result::Result<Self, gcloud_spanner::row::Error> {
        Ok(Self { version: s.column_by_name("Version")?, processed: s.column_by_name("Processed")? })
    }
}

pub(super) async fn list_images(client: &Client, q: &ImageQuery) -> Result<Vec<ImageRecord>> {
    let mut clauses = vec![IN_SET.to_owned()];
    if q.after.is_some() {
        clauses.push("i.ImageId > @after".into());
    }
    if q.uri_prefix.is_some() {
        clauses.push(
            "(STARTS_WITH(i.Uri, @prefix) OR EXISTS(SELECT 1 FROM Locations AS l
              WHERE l.ImageId = i.ImageId AND STARTS_WITH(l.Uri, @prefix)))"
                .into(),
        );
    }
    for n in 0..q.with_versions.len() {
        clauses
            .push(format!("EXISTS(SELECT 1 FROM Runs AS r WHERE r.ImageId = i.ImageId AND r.ModelVersion = @with{n})"));
    }
    if q.without_version.is_some() {
        clauses.push(
            "NOT EXISTS(SELECT 1 FROM Runs AS r WHERE r.ImageId = i.ImageId AND r.ModelVersion = @without)".into(),
        );
    }
    let sql = format!(
        "SELECT {} FROM Images AS i WHERE {} ORDER BY i.ImageId LIMIT @limit",
        image_columns("i", ""),
        clauses.join(" AND ")
    );
    let statement = stmt(sql, |s| bind(s, q));
    rows(client, statement).await?.iter().map(|row| image(&Columns::of(row))).collect()
}

fn bind(s: &mut Statement, q: &ImageQuery) {
    s.add_param("set", &q.feature_set.as_str());
    if let Some(after) = &q.after {
        s.add_param("after", &after.as_str());
    }
    if let Some(prefix) = &q.uri_prefix {
        s.add_param("prefix", prefix);
    }
    for (n, v) in q.with_versions.iter().enumerate() {
        s.add_param(&format!("with{n}"), &v.as_str());
    }
    if let Some(v) = &q.without_version {
        s.add_param("without", &v.as_str());
    }
    s.add_param("limit", &(q.page_size() as i64));
}
