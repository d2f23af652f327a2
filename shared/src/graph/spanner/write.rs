//! The write path: one read-write transaction per image. One query reads which of the
//! document's rows exist; only missing rows are inserted (mutations buffered and sent with
//! the commit), so a redelivered document changes nothing. Two writers of the same
//! document conflict on the rows they both read; Spanner aborts one, which then runs
//! again, finds everything there and writes nothing.

use gcloud_spanner::transaction_rw::ReadWriteTransaction;
use gcloud_spanner::value::CommitTimestamp;

use super::client::{read_write, stmt, tx_rows, TxError};
use super::convert::{Columns, Fields};
use super::mutations::{self, location_row, DocState};
use super::versions::SetState;
use crate::domain::{FeatureSetName, ImageId};
use crate::graph::{Location, WriteSummary};
use crate::schema::FeatureDocument;
use crate::{Error, Result};

/// Spanner's limit on mutations (cells and index entries) in one commit.
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

pub(super) async fn write_features(
    client: &gcloud_spanner::client::Client,
    set: &FeatureSetName,
    doc: &FeatureDocument,
) -> Result<WriteSummary> {
    doc.validate_content()?;
    let budget = super::budget::first_write(set, doc).spanner_mutations();
    if budget > MAX_MUTATIONS {
        return Err(Error::invalid(format!(
            "the document needs {budget} mutations, over Spanner's {MAX_MUTATIONS} per transaction"
        )));
    }
    let (_, summary) = read_write(client, move |mut tx| async move {
        let result = write_in(&mut tx, set, doc).await;
        (tx, result)
    })
    .await?;
    Ok(summary)
}

async fn read_state(
    tx: &mut ReadWriteTransaction,
    set: &FeatureSetName,
    doc: &FeatureDocument,
) -> Result<DocState, TxError> {
    let (img, l) = (&doc.image, &doc.lineage);
    let object_ids: Vec<String> = doc.objects.iter().map(|o| o.id.to_string()).collect();
    let q = stmt(STATE, |s| {
        s.add_param("image", &img.id.as_str());
        s.add_param("uri", &img.uri.as_str());
        s.add_param("objects", &object_ids);
        s.add_param("version", &doc.model.version.as_str());
        s.add_param("job", &l.job_id.as_str());
        s.add_param("set", &set.as_str());
    });
    let rows = tx_rows(tx, q).await?;
    let row = rows.first().ok_or_else(|| Error::backend(super::BACKEND, "the state query returned no row"))?;
    let c = Columns::of(row);
    Ok(DocState {
        primary: c.get("PrimaryUri")?,
        uri_owner: c.get("UriOwner")?,
        objects: c.get::<Vec<String>>("Objects")?.into_iter().collect(),
        relations: c.get::<Vec<String>>("Relations")?.into_iter().collect(),
        run_known: c.get("RunKnown")?,
        set: SetState {
            audit_seq: c.get("AuditSeq")?,
            active: c.get("ActiveVersion")?,
            version_known: c.get("VersionKnown")?,
        },
    })
}

async fn write_in(
    tx: &mut ReadWriteTransaction,
    set: &FeatureSetName,
    doc: &FeatureDocument,
) -> Result<WriteSummary, TxError> {
    let state = read_state(tx, set, doc).await?;
    let (ms, summary) = mutations::plan(set, doc, &state);
    tx.buffer_write(ms);
    Ok(summary)
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
