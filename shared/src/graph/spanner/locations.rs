//! Removed locations: a `RemovedLocations` tombstone per URI whose object was deleted.
//! Reads leave tombstoned URIs out of an image's locations and mark an image with none
//! left (`deleted_at`); objects, features and lineage are never deleted.

use gcloud_spanner::client::Client;
use gcloud_spanner::mutation::insert;
use gcloud_spanner::statement::ToKind;
use gcloud_spanner::value::CommitTimestamp;

use super::client::{read_write, stmt, tx_rows};
use super::convert::{Columns, Fields};
use super::read::image_by_id;
use crate::domain::ImageId;
use crate::graph::LocationRemoval;
use crate::{Error, Result};

/// Who owns the URI, and whether it was removed before: one round trip.
const STATE: &str = "
    SELECT
      (SELECT l.ImageId FROM Locations@{FORCE_INDEX=LocationsByUri} AS l WHERE l.Uri = @uri) AS Owner,
      EXISTS(SELECT 1 FROM RemovedLocations AS r WHERE r.Uri = @uri) AS Removed";

pub(super) async fn remove_location(client: &Client, uri: &str) -> Result<LocationRemoval> {
    let (_, (owner, removed)) = read_write(client, move |mut tx| async move {
        let result = async {
            let rows = tx_rows(&mut tx, stmt(STATE, |s| s.add_param("uri", &uri))).await?;
            let c = Columns::of(rows.first().ok_or_else(|| Error::backend(super::BACKEND, "no row"))?);
            let owner: Option<String> = c.get("Owner")?;
            if c.get::<bool>("Removed")? {
                return Ok((owner, false));
            }
            let values: [&dyn ToKind; 3] = [&uri, &owner, &CommitTimestamp::new()];
            tx.buffer_write(vec![insert("RemovedLocations", &["Uri", "ImageId", "RemovedAt"], &values)]);
            Ok((owner, true))
        }
        .await;
        (tx, result)
    })
    .await?;
    let image_id = owner.map(|id| ImageId::parse(&id)).transpose()?;
    let (remaining, deleted_at) = match &image_id {
        Some(id) => match image_by_id(client, id).await? {
            Some(image) => (image.locations.len(), image.deleted_at),
            None => (0, None),
        },
        None => (0, None),
    };
    Ok(LocationRemoval { image_id, removed, remaining, deleted_at })
}
