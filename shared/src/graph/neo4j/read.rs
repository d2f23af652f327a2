//! Lookups: objects by id, everything of an image, newest objects, dedup by MD5, counts.

use neo4rs::{query, BoltType, Graph, Query};

use super::client::rows;
use super::convert::{column, image_map, object_from_row, object_map, ImageRow, RelationRow};
use crate::domain::{ImageId, ModelVersion, ObjectId};
use crate::graph::{GraphCounts, ImageFeatures, ImageRecord, ImageSelector, ObjectFeatures};
use crate::Result;

const IMAGE_BY_ID: &str = concat!("MATCH (i:Image {id: $id}) RETURN ", image_map!(), " AS image");

const IMAGES_BY_ID: &str = concat!("UNWIND $ids AS id MATCH (i:Image {id: id}) RETURN ", image_map!(), " AS image");

const IMAGE_BY_URI: &str = concat!(
    "CALL { MATCH (i:Image {uri: $uri}) RETURN i
            UNION MATCH (i:Image)-[:STORED_AT]->(:Location {uri: $uri}) RETURN i }
     WITH i ORDER BY i.id LIMIT 1 RETURN ",
    image_map!(),
    " AS image"
);

const PROCESSED_BY_MD5: &str = concat!(
    "MATCH (i:Image {md5_hash: $md5}) WHERE EXISTS { (:Run {model_version: $version})-[:PROCESSED]->(i) }
     WITH i ORDER BY i.id LIMIT 1 RETURN ",
    image_map!(),
    " AS image"
);

const OBJECTS: &str = concat!(
    "UNWIND $ids AS id MATCH (o:Object {id: id})-[:HAS_FEATURE]->(f:Feature) RETURN ",
    object_map!(),
    " AS o, CASE WHEN $with_embedding THEN f.embedding END AS embedding"
);

const IMAGE_OBJECTS: &str = concat!(
    "MATCH (:Image {id: $image})-[:CONTAINS]->(o:Object {model_version: $version})-[:HAS_FEATURE]->(f:Feature) RETURN ",
    object_map!(),
    " AS o, f.embedding AS embedding ORDER BY o.score DESC, o.id"
);

const IMAGE_RELATIONS: &str = "
    MATCH (:Image {id: $image})-[:CONTAINS]->(a:Object)-[rel:NEAR|OVERLAPS]->(b:Object)
    WHERE rel.model_version = $version
    WITH type(rel) AS kind, a.id AS from, b.id AS to, rel
    ORDER BY kind, from, to
    RETURN {kind: kind, from: from, to: to, distance: rel.distance, iou: rel.iou} AS r";

const NEWEST: &str = concat!(
    "MATCH (o:Object)-[:HAS_FEATURE]->(f:Feature {model_version: $version}) RETURN ",
    object_map!(),
    " AS o, f.embedding AS embedding ORDER BY f.created_at DESC, f.id LIMIT $limit"
);

const COUNTS: &str = "
    CALL { MATCH (n:Image) RETURN count(n) AS images }
    CALL { MATCH (n:Object) RETURN count(n) AS objects }
    CALL { MATCH (n:Feature) RETURN count(n) AS features }
    CALL { MATCH ()-[r:NEAR]->() RETURN count(r) AS near }
    CALL { MATCH ()-[r:OVERLAPS]->() RETURN count(r) AS overlaps }
    CALL { MATCH (n:Location) RETURN count(n) AS locations }
    RETURN images, objects, features, near + overlaps AS relations, images + locations AS locations";

/// The first image a query with an [`image_map!`] column `image` returns.
async fn one_image(graph: &Graph, q: Query) -> Result<Option<ImageRecord>> {
    match rows(graph, q).await?.first() {
        Some(row) => Ok(Some(column::<ImageRow>(row, "image")?.into_record()?)),
        None => Ok(None),
    }
}

pub(super) async fn image_by_id(graph: &Graph, id: &ImageId) -> Result<Option<ImageRecord>> {
    one_image(graph, query(IMAGE_BY_ID).param("id", id.as_str())).await
}

/// Images by id, in the order asked; unknown ids are left out.
pub(super) async fn images(graph: &Graph, ids: &[String]) -> Result<Vec<ImageRecord>> {
    let ids: Vec<BoltType> = ids.iter().map(|i| i.as_str().into()).collect();
    rows(graph, query(IMAGES_BY_ID).param("ids", ids))
        .await?
        .iter()
        .map(|row| column::<ImageRow>(row, "image")?.into_record())
        .collect()
}

pub(super) async fn find_processed_by_md5(
    graph: &Graph,
    md5: &str,
    version: &ModelVersion,
) -> Result<Option<ImageRecord>> {
    one_image(graph, query(PROCESSED_BY_MD5).param("md5", md5).param("version", version.as_str())).await
}

/// Objects by id in one query, in the order asked; unknown ids are left out.
pub(super) async fn objects(graph: &Graph, ids: &[ObjectId], with_embedding: bool) -> Result<Vec<ObjectFeatures>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<BoltType> = ids.iter().map(|i| i.as_str().into()).collect();
    let q = query(OBJECTS).param("ids", ids).param("with_embedding", with_embedding);
    rows(graph, q).await?.iter().map(object_from_row).collect()
}

pub(super) async fn image_features(
    graph: &Graph,
    sel: &ImageSelector,
    version: &ModelVersion,
) -> Result<Option<ImageFeatures>> {
    let image = match sel {
        ImageSelector::Id(id) => image_by_id(graph, id).await?,
        ImageSelector::Uri(uri) => one_image(graph, query(IMAGE_BY_URI).param("uri", uri.as_str())).await?,
    };
    let Some(image) = image else { return Ok(None) };
    let q = query(IMAGE_OBJECTS).param("image", image.id.as_str()).param("version", version.as_str());
    let objects = rows(graph, q).await?.iter().map(object_from_row).collect::<Result<Vec<_>>>()?;
    let q = query(IMAGE_RELATIONS).param("image", image.id.as_str()).param("version", version.as_str());
    let relations = rows(graph, q)
        .await?
        .iter()
        .map(|row| column::<RelationRow>(row, "r")?.into_relation())
        .collect::<Result<Vec<_>>>()?;
    Ok(Some(ImageFeatures { image, model_version: version.clone(), objects, relations }))
}

pub(super) async fn newest_objects(graph: &Graph, version: &ModelVersion, limit: usize) -> Result<Vec<ObjectFeatures>> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let q = query(NEWEST).param("version", version.as_str()).param("limit", limit);
    rows(graph, q).await?.iter().map(object_from_row).collect()
}

pub(super) async fn counts(graph: &Graph) -> Result<GraphCounts> {
    let rows = rows(graph, query(COUNTS)).await?;
    let Some(row) = rows.first() else { return Ok(GraphCounts::default()) };
    let n = |key: &str| column::<i64>(row, key).map(|v| v.max(0) as u64);
    Ok(GraphCounts {
        images: n("images")?,
        objects: n("objects")?,
        features: n("features")?,
        relations: n("relations")?,
        locations: n("locations")?,
    })
}
