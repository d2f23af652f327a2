//! Lookups: objects by id, everything of an image, newest objects, dedup by MD5, counts.
//! Each is one single-use query (one round trip): children come from the image's
//! interleaved rows, vectors from the feature row beside its object.

use gcloud_spanner::client::Client;
use std::collections::HashMap;

use super::client::{first, rows, stmt};
use super::convert::{
    image, image_columns, object, object_columns, Columns, Fields, ObjectRow, RelationRow, RELATION_COLUMNS,
};
use crate::domain::{ImageId, ModelVersion, ObjectId};
use crate::graph::{GraphCounts, ImageFeatures, ImageRecord, ImageSelector, ObjectFeatures};
use crate::Result;

/// Object ids per query: bounds one request's parameter and result size.
const CHUNK: usize = 500;

/// Objects by id joined to their feature, in the order asked; unknown ids are left out.
pub(super) async fn objects(client: &Client, ids: &[ObjectId], with_embedding: bool) -> Result<Vec<ObjectFeatures>> {
    let mut found: HashMap<String, ObjectFeatures> = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        let list: Vec<String> = chunk.iter().map(|i| i.to_string()).collect();
        let sql = format!(
            "SELECT {} FROM Objects@{{FORCE_INDEX=ObjectsById}} AS o
             JOIN Features AS f ON f.ImageId = o.ImageId AND f.ObjectId = o.ObjectId
             WHERE o.ObjectId IN UNNEST(@ids)",
            object_columns("o", "f", "", with_embedding)
        );
        for row in rows(client, stmt(sql, |s| s.add_param("ids", &list))).await? {
            let o = object(&Columns::of(&row), with_embedding)?;
            found.insert(o.id.to_string(), o);
        }
    }
    Ok(ids.iter().filter_map(|i| found.remove(i.as_str())).collect())
}

fn image_sql(filter: &str) -> String {
    format!("SELECT {} FROM Images AS i WHERE {filter}", image_columns("i", ""))
}

async fn one_image(client: &Client, filter: &str, name: &str, value: &str) -> Result<Option<ImageRecord>> {
    match first(client, stmt(image_sql(filter), |s| s.add_param(name, &value))).await? {
        Some(row) => Ok(Some(image(&Columns::of(&row))?)),
        None => Ok(None),
    }
}

pub(super) async fn image_by_id(client: &Client, id: &ImageId) -> Result<Option<ImageRecord>> {
    one_image(client, "i.ImageId = @id", "id", id.as_str()).await
}

/// Images by id, in the order asked; unknown ids are left out.
pub(super) async fn images(client: &Client, ids: &[String]) -> Result<Vec<ImageRecord>> {
    let mut found: HashMap<String, ImageRecord> = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        let list = chunk.to_vec();
        for row in rows(client, stmt(image_sql("i.ImageId IN UNNEST(@ids)"), |s| s.add_param("ids", &list))).await? {
            let img = image(&Columns::of(&row))?;
            found.insert(img.id.to_string(), img);
        }
    }
    Ok(ids.iter().filter_map(|i| found.remove(i)).collect())
}

pub(super) async fn find_processed_by_md5(
    client: &Client,
    md5: &str,
    version: &ModelVersion,
) -> Result<Option<ImageRecord>> {
    let sql = format!(
        "SELECT {} FROM Images@{{FORCE_INDEX=ImagesByMd5}} AS i
         WHERE i.Md5Hash = @md5
           AND EXISTS(SELECT 1 FROM Runs AS r WHERE r.ImageId = i.ImageId AND r.ModelVersion = @version)
         ORDER BY i.ImageId LIMIT 1",
        image_columns("i", "")
    );
    let q = stmt(sql, |s| {
        s.add_param("md5", &md5);
        s.add_param("version", &version.as_str());
    });
    match first(client, q).await? {
        Some(row) => Ok(Some(image(&Columns::of(&row))?)),
        None => Ok(None),
    }
}

/// The image, its objects of `@version` (best score first) and their relations, in one query.
fn image_features_sql(filter: &str) -> String {
    format!(
        "SELECT {image},
           ARRAY(SELECT AS STRUCT {object} FROM Objects AS o
                 JOIN Features AS f ON f.ImageId = o.ImageId AND f.ObjectId = o.ObjectId
                 WHERE o.ImageId = i.ImageId AND o.ModelVersion = @version ORDER BY o.Score DESC, o.ObjectId) AS Objects,
           ARRAY(SELECT AS STRUCT {RELATION_COLUMNS} FROM Relations AS r
                 WHERE r.ImageId = i.ImageId AND r.ModelVersion = @version ORDER BY r.Kind, r.FromId, r.ToId) AS Relations
         FROM Images AS i WHERE {filter}",
        image = image_columns("i", ""),
        object = object_columns("o", "f", "", true),
    )
}

pub(super) async fn image_features(
    client: &Client,
    sel: &ImageSelector,
    version: &ModelVersion,
) -> Result<Option<ImageFeatures>> {
    let (filter, value) = match sel {
        ImageSelector::Id(id) => ("i.ImageId = @key", id.as_str()),
        ImageSelector::Uri(uri) => (
            "i.ImageId = (SELECT l.ImageId FROM Locations@{FORCE_INDEX=LocationsByUri} AS l WHERE l.Uri = @key)",
            uri.as_str(),
        ),
    };
    let q = stmt(image_features_sql(filter), |s| {
        s.add_param("key", &value);
        s.add_param("version", &version.as_str());
    });
    let Some(row) = first(client, q).await? else { return Ok(None) };
    let c = Columns::of(&row);
    let objects = c.get::<Vec<ObjectRow>>("Objects")?.into_iter().map(|r| r.0).collect();
    let relations = c.get::<Vec<RelationRow>>("Relations")?.into_iter().map(|r| r.0).collect();
    Ok(Some(ImageFeatures { image: image(&c)?, model_version: version.clone(), objects, relations }))
}

/// The newest features of a version: the 16 runs of the shard index, each already in
/// order, cut at the limit and merged.
fn newest_sql() -> String {
    let shards: Vec<String> = "0123456789abcdef"
        .chars()
        .map(|shard| {
            format!(
                "(SELECT n.ImageId, n.ObjectId, n.FeatureId, n.CreatedAt
                  FROM Features@{{FORCE_INDEX=FeaturesByVersionNewest}} AS n
                  WHERE n.ModelVersion = @version AND n.NewestShard = '{shard}'
                  ORDER BY n.CreatedAt DESC, n.FeatureId LIMIT @limit)"
            )
        })
        .collect();
    format!(
        "SELECT {} FROM ({}) AS n
         JOIN Objects AS o ON o.ImageId = n.ImageId AND o.ObjectId = n.ObjectId
         JOIN Features AS f ON f.ImageId = n.ImageId AND f.ObjectId = n.ObjectId AND f.FeatureId = n.FeatureId
         ORDER BY n.CreatedAt DESC, n.FeatureId LIMIT @limit",
        object_columns("o", "f", "", true),
        shards.join(" UNION ALL ")
    )
}

pub(super) async fn newest_objects(
    client: &Client,
    version: &ModelVersion,
    limit: usize,
) -> Result<Vec<ObjectFeatures>> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let q = stmt(newest_sql(), |s| {
        s.add_param("version", &version.as_str());
        s.add_param("limit", &limit);
    });
    rows(client, q).await?.iter().map(|row| object(&Columns::of(row), true)).collect()
}

const COUNTS: &str = "
    SELECT (SELECT COUNT(*) FROM Images) AS Images, (SELECT COUNT(*) FROM Objects) AS Objects,
           (SELECT COUNT(*) FROM Features) AS Features, (SELECT COUNT(*) FROM Relations) AS Relations,
           (SELECT COUNT(*) FROM Locations) AS Locations";

pub(super) async fn counts(client: &Client) -> Result<GraphCounts> {
    let Some(row) = first(client, stmt(COUNTS, |_| {})).await? else { return Ok(GraphCounts::default()) };
    let c = Columns::of(&row);
    let n = |name: &str| c.get::<i64>(name).map(|v| v.max(0) as u64);
    Ok(GraphCounts {
        images: n("Images")?,
        objects: n("Objects")?,
        features: n("Features")?,
        relations: n("Relations")?,
        locations: n("Locations")?,
    })
}
