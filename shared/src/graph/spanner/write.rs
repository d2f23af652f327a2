//! The write path: one read-write transaction per image. One query reads which of the
//! document's rows exist; only missing rows are inserted (mutations buffered and sent with
//! the commit), so a redelivered document changes nothing. Two writers of the same
//! document conflict on the rows they both read; Spanner aborts one, which then runs
//! again, finds everything there and writes nothing.

use gcloud_spanner::mutation::insert;
use gcloud_spanner::statement::ToKind;
use gcloud_spanner::transaction_rw::ReadWriteTransaction;
use gcloud_spanner::value::CommitTimestamp;
use std::collections::HashSet;

use super::client::{read_write, stmt, tx_rows, TxError};
use super::convert::{Columns, Fields, Timestamp, Vector, VECTOR_DIMENSIONS};
use super::versions;
use crate::domain::{FeatureSetName, ImageId};
use crate::graph::{Location, WriteSummary};
use crate::schema::FeatureDocument;
use crate::{Error, Result};

/// Spanner's limit on mutations (cells, index entries included) in one commit.
const MAX_MUTATIONS: usize = 80_000;

/// What exists of a document before it is written: one round trip.
const STATE: &str = "
    SELECT
      (SELECT i.Uri FROM Images AS i WHERE i.ImageId = @image) AS PrimaryUri,
      (SELECT l.ImageId FROM Locations@{FORCE_INDEX=LocationsByUri} AS l WHERE l.Uri = @uri) AS UriOwner,
      ARRAY(SELECT o.ObjectId FROM Objects AS o WHERE o.ImageId = @image AND o.ObjectId IN UNNEST(@objects)) AS Objects,
      ARRAY(SELECT CONCAT(r.Kind, ':', r.FromId, ':', r.ToId) FROM Relations AS r
            WHERE r.ImageId = @image AND r.ModelVersion = @version) AS Relations,
      EXISTS(SELECT 1 FROM Runs AS r WHERE r.ImageId = @image AND r.ModelVersion = @version AND r.JobId = @job) AS RunKnown,
      (SELECT s.AuditSeq FROM FeatureSets AS s WHERE s.Name = @set) AS AuditSeq,
      (SELECT s.ActiveVersion FROM FeatureSets AS s WHERE s.Name = @set) AS ActiveVersion,
      EXISTS(SELECT 1 FROM FeatureSetVersions AS v WHERE v.Name = @set AND v.Version = @version) AS VersionKnown";

/// Cells a document writes: a bound checked before anything is sent.
pub(super) fn mutation_count(doc: &FeatureDocument) -> usize {
    // Columns per row plus one entry per secondary index on the table.
    let (image, location, object, feature, relation, run) = (11 + 1, 6 + 1, 16 + 2, 12 + 2, 7 + 1, 9);
    image + location + run + doc.objects.len() * (object + feature) + doc.relations.len() * relation
}

pub(super) async fn write_features(
    client: &gcloud_spanner::client::Client,
    set: &FeatureSetName,
    doc: &FeatureDocument,
) -> Result<WriteSummary> {
    doc.validate()?;
    let cells = mutation_count(doc);
    if cells > MAX_MUTATIONS - 100 {
        return Err(Error::invalid(format!(
            "the document needs {cells} mutations, over Spanner's {MAX_MUTATIONS} per transaction"
        )));
    }
    let (_, summary) = read_write(client, move |mut tx| async move {
        let result = write_in(&mut tx, set, doc).await;
        (tx, result)
    })
    .await?;
    Ok(summary)
}

async fn write_in(
    tx: &mut ReadWriteTransaction,
    set: &FeatureSetName,
    doc: &FeatureDocument,
) -> Result<WriteSummary, TxError> {
    let (img, version, l) = (&doc.image, doc.model.version.as_str(), &doc.lineage);
    let object_ids: Vec<String> = doc.objects.iter().map(|o| o.id.to_string()).collect();
    let state = stmt(STATE, |s| {
        s.add_param("image", &img.id.as_str());
        s.add_param("uri", &img.uri.as_str());
        s.add_param("objects", &object_ids);
        s.add_param("version", &version);
        s.add_param("job", &l.job_id.as_str());
        s.add_param("set", &set.as_str());
    });
    let rows = tx_rows(tx, state).await?;
    let row = rows.first().ok_or_else(|| Error::backend(super::BACKEND, "the state query returned no row"))?;
    let c = Columns::of(row);
    let primary: Option<String> = c.get("PrimaryUri")?;
    let uri_owner: Option<String> = c.get("UriOwner")?;
    let existing: HashSet<String> = c.get::<Vec<String>>("Objects")?.into_iter().collect();
    let relations: HashSet<String> = c.get::<Vec<String>>("Relations")?.into_iter().collect();
    let run_known: bool = c.get("RunKnown")?;
    let set_state = versions::SetState {
        audit_seq: c.get("AuditSeq")?,
        active: c.get("ActiveVersion")?,
        version_known: c.get("VersionKnown")?,
    };

    let now = CommitTimestamp::new();
    let mut ms = Vec::new();
    let image_created = primary.is_none();
    if image_created {
        let size = i64::try_from(img.size_bytes).unwrap_or(i64::MAX);
        let (w, h) = (i64::from(img.width), i64::from(img.height));
        ms.push(insert(
            "Images",
            &[
                "ImageId",
                "Uri",
                "Bucket",
                "Name",
                "Generation",
                "Width",
                "Height",
                "ContentType",
                "SizeBytes",
                "Md5Hash",
                "CreatedAt",
            ],
            &[
                &img.id.as_str(),
                &img.uri.as_str(),
                &img.bucket,
                &img.name.as_str(),
                &img.generation,
                &w,
                &h,
                &img.content_type.as_str(),
                &size,
                &img.md5_hash.as_str(),
                &now,
            ],
        ));
    }
    // The first location is a Locations row too, so any URI finds its image through one index.
    if uri_owner.is_none() && primary.as_deref() != Some(img.uri.as_str()) {
        let loc = Location {
            uri: img.uri.clone(),
            bucket: img.bucket.clone(),
            name: img.name.clone(),
            generation: img.generation,
        };
        ms.push(location_row(&img.id, &loc, &now));
    }

    let detector = format!("{}@{}", doc.model.detector.name, doc.model.detector.package_version);
    let embedder = format!("{}@{}", doc.model.embedder.name, doc.model.embedder.package_version);
    let mut objects_created = 0;
    for o in doc.objects.iter().filter(|o| !existing.contains(o.id.as_str())) {
        objects_created += 1;
        let (b, n) = (o.box_px, o.box_norm);
        let f = |x: f32| f64::from(x);
        ms.push(insert(
            "Objects",
            &[
                "ImageId",
                "ObjectId",
                "ModelVersion",
                "Label",
                "CategoryId",
                "Score",
                "XMin",
                "YMin",
                "XMax",
                "YMax",
                "NxMin",
                "NyMin",
                "NxMax",
                "NyMax",
                "Color",
                "ColorFraction",
            ],
            &[
                &img.id.as_str(),
                &o.id.as_str(),
                &version,
                &o.label.as_str(),
                &i64::from(o.category_id),
                &f(o.score),
                &f(b.x_min),
                &f(b.y_min),
                &f(b.x_max),
                &f(b.y_max),
                &f(n.x_min),
                &f(n.y_min),
                &f(n.x_max),
                &f(n.y_max),
                &o.color.name.as_str(),
                &f(o.color.fraction),
            ],
        ));
        let vector = Vector(o.embedding.clone());
        let (main, other) =
            if o.embedding.len() == VECTOR_DIMENSIONS { (Some(vector), None) } else { (None, Some(vector)) };
        ms.push(insert(
            "Features",
            &[
                "ImageId",
                "ObjectId",
                "FeatureId",
                "ModelVersion",
                "Dim",
                "Embedding",
                "OtherEmbedding",
                "JobId",
                "Detector",
                "Embedder",
                "ImageGeneration",
                "CreatedAt",
            ],
            &[
                &img.id.as_str(),
                &o.id.as_str(),
                &o.feature_id.as_str(),
                &version,
                &(o.embedding.len() as i64),
                &main,
                &other,
                &l.job_id.as_str(),
                &detector.as_str(),
                &embedder.as_str(),
                &img.generation,
                &now,
            ],
        ));
    }
    for r in &doc.relations {
        let key = format!("{}:{}:{}", r.kind.as_str(), r.from, r.to);
        if relations.contains(&key) {
            continue;
        }
        ms.push(insert(
            "Relations",
            &["ImageId", "Kind", "FromId", "ToId", "ModelVersion", "Distance", "Iou"],
            &[
                &img.id.as_str(),
                &r.kind.as_str(),
                &r.from.as_str(),
                &r.to.as_str(),
                &version,
                &r.distance.map(f64::from),
                &r.iou.map(f64::from),
            ],
        ));
    }
    if !run_known {
        ms.push(insert(
            "Runs",
            &[
                "ImageId",
                "ModelVersion",
                "JobId",
                "Uri",
                "Host",
                "Processor",
                "ExecutionProvider",
                "StartedAt",
                "FinishedAt",
            ],
            &[
                &img.id.as_str(),
                &version,
                &l.job_id.as_str(),
                &img.uri.as_str(),
                &l.host.as_str(),
                &l.processor.as_str(),
                &l.execution_provider.as_str(),
                &Timestamp(l.started_at),
                &Timestamp(l.finished_at),
            ],
        ));
    }
    let activated = versions::register(&set_state, &mut ms, set, &doc.model.version);
    tx.buffer_write(ms);
    Ok(WriteSummary { image_created, objects_created, objects_total: doc.objects.len(), activated })
}

fn location_row(image: &ImageId, loc: &Location, now: &CommitTimestamp) -> gcloud_googleapis::spanner::v1::Mutation {
    let values: [&dyn ToKind; 6] =
        [&image.as_str(), &loc.uri.as_str(), &loc.bucket, &loc.name.as_str(), &loc.generation, now];
    insert("Locations", &["ImageId", "Uri", "Bucket", "Name", "Generation", "RecordedAt"], &values)
}

const LOCATION_STATE: &str = "
    SELECT
      (SELECT i.Uri FROM Images AS i WHERE i.ImageId = @image) AS PrimaryUri,
      (SELECT l.ImageId FROM Locations@{FORCE_INDEX=LocationsByUri} AS l WHERE l.Uri = @uri) AS UriOwner";

/// Records another location of an image's bytes, as SQLite's `INSERT OR IGNORE`: false
/// when the URI is already known (the first location included).
pub(super) async fn add_location(
    client: &gcloud_spanner::client::Client,
    image: &ImageId,
    loc: &Location,
) -> Result<bool> {
    let (_, added) = read_write(client, move |mut tx| async move {
        let result = async {
            let q = stmt(LOCATION_STATE, |s| {
                s.add_param("image", &image.as_str());
                s.add_param("uri", &loc.uri.as_str());
            });
            let rows = tx_rows(&mut tx, q).await?;
            let c = Columns::of(rows.first().ok_or_else(|| Error::backend(super::BACKEND, "no row"))?);
            if c.get::<Option<String>>("PrimaryUri")?.is_none() {
                return Err(TxError::Store(Error::NotFound(format!("image {image}"))));
            }
            if c.get::<Option<String>>("UriOwner")?.is_some() {
                return Ok(false);
            }
            tx.buffer_write(vec![location_row(image, loc, &CommitTimestamp::new())]);
            Ok(true)
        }
        .await;
        (tx, result)
    })
    .await?;
    Ok(added)
}
