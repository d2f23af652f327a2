//! Removed locations as `RemovedLocation {uri, removed_at, image_id}` tombstones,
//! the same model as SQLite's `removed_locations`: reads (`image_map!`) leave
//! tombstoned URIs out and mark an image with none left; nothing else is deleted.

use neo4rs::{query, Graph};

use super::client::Tx;
use super::convert::{column, now};
use super::read;
use crate::domain::ImageId;
use crate::graph::LocationRemoval;
use crate::Result;

/// The uniqueness constraint `ensure_schema` adds for the tombstones.
pub(super) const DDL: &str =
    "CREATE CONSTRAINT removed_location_uri IF NOT EXISTS FOR (r:RemovedLocation) REQUIRE r.uri IS UNIQUE";

const REMOVE: &str = "
    OPTIONAL MATCH (first:Image {uri: $uri})
    OPTIONAL MATCH (other:Image)-[:STORED_AT]->(:Location {uri: $uri})
    WITH coalesce(first, other) AS image LIMIT 1
    MERGE (r:RemovedLocation {uri: $uri})
    ON CREATE SET r.removed_at = $now, r.image_id = image.id, r._new = true
    WITH image, r, coalesce(r._new, false) AS removed
    REMOVE r._new
    RETURN image.id AS image_id, removed";

pub(super) async fn remove_location(graph: &Graph, uri: &str) -> Result<LocationRemoval> {
    let mut tx = Tx::begin(graph).await?;
    let rows = tx.rows(query(REMOVE).param("uri", uri).param("now", now())).await?;
    tx.commit().await?;
    let row = rows.first();
    let image_id = match row {
        Some(row) => column::<Option<String>>(row, "image_id")?.map(|id| ImageId::parse(&id)).transpose()?,
        None => None,
    };
    let removed = match row {
        Some(row) => column::<bool>(row, "removed")?,
        None => false,
    };
    let (remaining, deleted_at) = match &image_id {
        Some(id) => match read::image_by_id(graph, id).await? {
            Some(image) => (image.locations.len(), image.deleted_at),
            None => (0, None),
        },
        None => (0, None),
    };
    Ok(LocationRemoval { image_id, removed, remaining, deleted_at })
}
