//! Removed locations: a tombstone per URI whose object was deleted. Reads leave
//! tombstoned URIs out of an image's locations and mark an image with none left
//! (`deleted_at`); objects, features and lineage are never deleted.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use super::db_err;
use crate::domain::ImageId;
use crate::graph::LocationRemoval;
use crate::Result;

/// Created after the main DDL; an older database gains it on the next start.
pub(super) const DDL: &str = "
CREATE TABLE IF NOT EXISTS removed_locations (
    uri TEXT PRIMARY KEY,
    image_id TEXT,
    removed_at TEXT NOT NULL
);";

/// The image stored at `uri`, as its first location or another one.
fn image_at(conn: &Connection, uri: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "SELECT id FROM images WHERE uri = ?1 UNION ALL SELECT image_id FROM locations WHERE uri = ?1 LIMIT 1",
        [uri],
        |r| r.get(0),
    )
    .optional()
}

pub(super) fn remove_location(conn: &mut Connection, uri: &str) -> Result<LocationRemoval> {
    let tx = conn.transaction().map_err(db_err)?;
    let image = image_at(&tx, uri).map_err(db_err)?;
    let removed = tx
        .execute(
            "INSERT OR IGNORE INTO removed_locations (uri, image_id, removed_at) VALUES (?1, ?2, ?3)",
            params![uri, image, Utc::now().to_rfc3339()],
        )
        .map_err(db_err)?
        == 1;
    let (remaining, deleted_at) = match &image {
        Some(id) => {
            let primary: String =
                tx.query_row("SELECT uri FROM images WHERE id = ?1", [id], |r| r.get(0)).map_err(db_err)?;
            let (live, deleted_at) = live_locations(&tx, id, &primary).map_err(db_err)?;
            (live.len(), deleted_at)
        }
        None => (0, None),
    };
    tx.commit().map_err(db_err)?;
    let image_id = image.map(|id| ImageId::parse(&id)).transpose()?;
    Ok(LocationRemoval { image_id, removed, remaining, deleted_at })
}

/// The image's locations that were not removed, first one first, and — when none is
/// left — the time of the last removal.
pub(super) fn live_locations(
    conn: &Connection,
    image_id: &str,
    primary: &str,
) -> rusqlite::Result<(Vec<String>, Option<DateTime<Utc>>)> {
    let mut all = vec![primary.to_owned()];
    let mut stmt = conn.prepare_cached("SELECT uri FROM locations WHERE image_id = ?1 ORDER BY rowid")?;
    for l in stmt.query_map([image_id], |r| r.get::<_, String>(0))? {
        all.push(l?);
    }
    let mut removed_at = conn.prepare_cached("SELECT removed_at FROM removed_locations WHERE uri = ?1")?;
    let mut live = Vec::with_capacity(all.len());
    let mut last_removal: Option<DateTime<Utc>> = None;
    for uri in all {
        match removed_at.query_row([&uri], |r| r.get::<_, String>(0)).optional()? {
            None => live.push(uri),
            Some(at) => {
                let at = DateTime::parse_from_rfc3339(&at).map(|t| t.with_timezone(&Utc)).map_err(|e| {
                    rusqlite::Error::InvalidColumnType(0, format!("removed_at: {e}"), rusqlite::types::Type::Text)
                })?;
                last_removal = last_removal.max(Some(at));
            }
        }
    }
    let deleted_at = if live.is_empty() { last_removal } else { None };
    Ok((live, deleted_at))
}
