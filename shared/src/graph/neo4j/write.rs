//! The write path: one transaction per image, UNWIND batches, MERGE on the
//! content-derived ids with ON CREATE SET, so a redelivered document changes nothing.

use neo4rs::{query, BoltType, Graph};

use super::client::Tx;
use super::convert::{column, map, now};
use super::versions;
use crate::domain::{FeatureSetName, ImageId};
use crate::graph::{Location, WriteSummary};
use crate::schema::{FeatureDocument, RelationKind};
use crate::{Error, Result};

// NB: `_new` marks nodes this statement created and is removed before it ends;
// neo4rs 0.8 does not return Neo4j's update counters.
const MERGE_IMAGE: &str = "
    MERGE (i:Image {id: $id})
    ON CREATE SET i += $image, i._new = true
    WITH i, coalesce(i._new, false) AS created
    REMOVE i._new
    RETURN created, i.uri AS uri";

const MERGE_OBJECTS: &str = "
    MATCH (i:Image {id: $image})
    UNWIND $objects AS x
    MERGE (o:Object {id: x.object.id})
    ON CREATE SET o += x.object, o._new = true
    MERGE (i)-[c:CONTAINS]->(o) ON CREATE SET c.model_version = $version
    MERGE (f:Feature {id: x.feature.id}) ON CREATE SET f += x.feature
    MERGE (o)-[h:HAS_FEATURE]->(f) ON CREATE SET h.model_version = $version
    WITH o, coalesce(o._new, false) AS created
    REMOVE o._new
    RETURN count(CASE WHEN created THEN 1 END) AS created";

const MERGE_NEAR: &str = "
    UNWIND $relations AS r
    MATCH (a:Object {id: r.from}), (b:Object {id: r.to})
    MERGE (a)-[x:NEAR]->(b)
    ON CREATE SET x.model_version = $version, x.distance = r.distance, x.iou = r.iou";

const MERGE_OVERLAPS: &str = "
    UNWIND $relations AS r
    MATCH (a:Object {id: r.from}), (b:Object {id: r.to})
    MERGE (a)-[x:OVERLAPS]->(b)
    ON CREATE SET x.model_version = $version, x.distance = r.distance, x.iou = r.iou";

const MERGE_RUN: &str = "
    MATCH (i:Image {id: $image})
    MERGE (r:Run {image_id: $image, model_version: $version, job_id: $job})
    ON CREATE SET r += $run
    MERGE (r)-[:PROCESSED]->(i)
    WITH r
    UNWIND $features AS fid
    MATCH (f:Feature {id: fid}) WHERE f.job_id = r.job_id
    MERGE (f)-[:PRODUCED_BY]->(r)";

const IMAGE_URI: &str = "MATCH (i:Image {id: $image}) RETURN i.uri AS uri";

const MERGE_LOCATION: &str = "
    MATCH (i:Image {id: $image})
    MERGE (l:Location {uri: $uri})
    ON CREATE SET l += $location, l._new = true
    WITH i, l, coalesce(l._new, false) AS created
    REMOVE l._new
    WITH i, l, created WHERE created
    CREATE (i)-[:STORED_AT]->(l)
    RETURN count(*) AS created";

pub(super) async fn write_features(graph: &Graph, set: &FeatureSetName, doc: &FeatureDocument) -> Result<WriteSummary> {
    doc.validate_content()?;
    let now = now();
    let (img, version, l) = (&doc.image, doc.model.version.as_str(), &doc.lineage);
    let mut tx = Tx::begin(graph).await?;

    let image = map([
        ("id", img.id.as_str().into()),
        ("uri", img.uri.as_str().into()),
        ("bucket", img.bucket.clone().into()),
        ("name", img.name.as_str().into()),
        ("generation", img.generation.into()),
        ("width", i64::from(img.width).into()),
        ("height", i64::from(img.height).into()),
        ("content_type", img.content_type.as_str().into()),
        ("size_bytes", i64::try_from(img.size_bytes).unwrap_or(i64::MAX).into()),
        ("md5_hash", img.md5_hash.as_str().into()),
        ("created_at", now.as_str().into()),
    ]);
    let rows = tx.rows(query(MERGE_IMAGE).param("id", img.id.as_str()).param("image", image)).await?;
    let row = rows.first().ok_or_else(|| Error::backend(super::BACKEND, "MERGE of the image returned no row"))?;
    let image_created: bool = column(row, "created")?;
    if !image_created && column::<String>(row, "uri")? != img.uri {
        let loc = Location {
            uri: img.uri.clone(),
            bucket: img.bucket.clone(),
            name: img.name.clone(),
            generation: img.generation,
        };
        insert_location(&mut tx, &img.id, &loc, &now).await?;
    }

    let mut objects_created = 0;
    if !doc.objects.is_empty() {
        let detector = format!("{}@{}", doc.model.detector.name, doc.model.detector.package_version);
        let embedder = format!("{}@{}", doc.model.embedder.name, doc.model.embedder.package_version);
        let objects: Vec<BoltType> = doc
            .objects
            .iter()
            .map(|o| {
                let (b, n) = (o.box_px, o.box_norm);
                let object = map([
                    ("id", o.id.as_str().into()),
                    ("image_id", img.id.as_str().into()),
                    ("model_version", version.into()),
                    ("label", o.label.as_str().into()),
                    ("category_id", i64::from(o.category_id).into()),
                    ("score", o.score.into()),
                    ("x_min", b.x_min.into()),
                    ("y_min", b.y_min.into()),
                    ("x_max", b.x_max.into()),
                    ("y_max", b.y_max.into()),
                    ("nx_min", n.x_min.into()),
                    ("ny_min", n.y_min.into()),
                    ("nx_max", n.x_max.into()),
                    ("ny_max", n.y_max.into()),
                    ("color", o.color.name.as_str().into()),
                    ("color_fraction", o.color.fraction.into()),
                ]);
                let feature = map([
                    ("id", o.feature_id.as_str().into()),
                    ("object_id", o.id.as_str().into()),
                    ("model_version", version.into()),
                    ("dim", (o.embedding.len() as i64).into()),
                    ("embedding", o.embedding.clone().into()),
                    ("job_id", l.job_id.as_str().into()),
                    ("detector", detector.as_str().into()),
                    ("embedder", embedder.as_str().into()),
                    ("image_sha256", img.id.as_str().into()),
                    ("image_generation", img.generation.into()),
                    ("created_at", now.as_str().into()),
                ]);
                map([("object", object), ("feature", feature)])
            })
            .collect();
        let q =
            query(MERGE_OBJECTS).param("image", img.id.as_str()).param("version", version).param("objects", objects);
        if let Some(row) = tx.rows(q).await?.first() {
            objects_created = usize::try_from(column::<i64>(row, "created")?).unwrap_or(0);
        }
    }

    for (kind, cypher) in [(RelationKind::Near, MERGE_NEAR), (RelationKind::Overlaps, MERGE_OVERLAPS)] {
        let relations: Vec<BoltType> = doc
            .relations
            .iter()
            .filter(|r| r.kind == kind)
            .map(|r| {
                map([
                    ("from", r.from.as_str().into()),
                    ("to", r.to.as_str().into()),
                    ("distance", r.distance.into()),
                    ("iou", r.iou.into()),
                ])
            })
            .collect();
        if !relations.is_empty() {
            tx.run(query(cypher).param("version", version).param("relations", relations)).await?;
        }
    }

    let run = map([
        ("image_id", img.id.as_str().into()),
        ("model_version", version.into()),
        ("job_id", l.job_id.as_str().into()),
        ("uri", img.uri.as_str().into()),
        ("host", l.host.as_str().into()),
        ("processor", l.processor.as_str().into()),
        ("execution_provider", l.execution_provider.as_str().into()),
        ("started_at", l.started_at.to_rfc3339().into()),
        ("finished_at", l.finished_at.to_rfc3339().into()),
    ]);
    let features: Vec<BoltType> = doc.objects.iter().map(|o| o.feature_id.as_str().into()).collect();
    tx.run(
        query(MERGE_RUN)
            .param("image", img.id.as_str())
            .param("version", version)
            .param("job", l.job_id.as_str())
            .param("run", run)
            .param("features", features),
    )
    .await?;

    let activated = versions::register(&mut tx, set, &doc.model.version, &now).await?;
    tx.commit().await?;
    Ok(WriteSummary { image_created, objects_created, objects_total: doc.objects.len(), activated })
}

/// Records another location of an image's bytes, as SQLite's `INSERT OR IGNORE`:
/// false when it is the primary location or already known.
async fn insert_location(tx: &mut Tx, image: &ImageId, loc: &Location, now: &str) -> Result<bool> {
    let rows = tx.rows(query(IMAGE_URI).param("image", image.as_str())).await?;
    let Some(row) = rows.first() else { return Err(Error::NotFound(format!("image {image}"))) };
    if column::<String>(row, "uri")? == loc.uri {
        return Ok(false);
    }
    let location = map([
        ("uri", loc.uri.as_str().into()),
        ("bucket", loc.bucket.clone().into()),
        ("name", loc.name.as_str().into()),
        ("generation", loc.generation.into()),
        ("recorded_at", now.into()),
    ]);
    let q =
        query(MERGE_LOCATION).param("image", image.as_str()).param("uri", loc.uri.as_str()).param("location", location);
    let created = match tx.rows(q).await?.first() {
        Some(row) => column::<i64>(row, "created")?,
        None => 0,
    };
    Ok(created == 1)
}

pub(super) async fn add_location(graph: &Graph, image: &ImageId, loc: &Location) -> Result<bool> {
    let mut tx = Tx::begin(graph).await?;
    let created = insert_location(&mut tx, image, loc, &now()).await?;
    tx.commit().await?;
    Ok(created)
}
