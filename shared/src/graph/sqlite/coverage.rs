//! Coverage of feature-set versions over the set's images, pages of those
//! images for backfill plans and comparisons, and activation with coverage.

use chrono::Utc;
use rusqlite::{params, types::Value, Connection, OptionalExtension};

use super::codec::{image_from_row, IMAGE_COLUMNS};
use super::{db_err, versions};
use crate::domain::{FeatureSetName, ModelVersion};
use crate::graph::{Coverage, ImageQuery, ImageRecord, VersionChange};
use crate::{Error, Result};

/// Adds `version_audit.coverage` to a database made before it existed.
pub(super) fn migrate(conn: &Connection) -> Result<()> {
    let has: bool = conn
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM pragma_table_info('version_audit') WHERE name = 'coverage')",
            [],
            |r| r.get(0),
        )
        .map_err(db_err)?;
    if !has {
        conn.execute_batch("ALTER TABLE version_audit ADD COLUMN coverage REAL").map_err(db_err)?;
    }
    Ok(())
}

// NB: an image belongs to a set through a run of one of the set's versions; runs exist for
// images without detections too, so "processed by" never depends on what was found.
const IN_SET: &str = "EXISTS (SELECT 1 FROM runs r JOIN feature_set_versions v
    ON v.name = :set AND v.version = r.model_version WHERE r.image_id = i.id)";

pub(super) fn coverage(conn: &Connection, set: &FeatureSetName) -> Result<Coverage> {
    let images: i64 = conn
        .query_row(
            &format!("SELECT count(*) FROM images i WHERE {IN_SET}"),
            rusqlite::named_params! {":set": set.as_str()},
            |r| r.get(0),
        )
        .map_err(db_err)?;
    let mut stmt = conn
        .prepare_cached(
            "SELECT v.version, (SELECT count(DISTINCT r.image_id) FROM runs r WHERE r.model_version = v.version)
             FROM feature_set_versions v WHERE v.name = ?1 ORDER BY v.first_seen, v.version",
        )
        .map_err(db_err)?;
    let counts = stmt
        .query_map([set.as_str()], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
        .map_err(db_err)?
        .map(|row| {
            let (v, n) = row.map_err(db_err)?;
            Ok((ModelVersion::parse(&v)?, n.max(0) as u64))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Coverage::new(set, images.max(0) as u64, counts))
}

pub(super) fn list_images(conn: &Connection, q: &ImageQuery) -> Result<Vec<ImageRecord>> {
    let mut clauses = vec![IN_SET.to_owned()];
    let mut values: Vec<(String, Value)> = vec![(":set".into(), q.feature_set.as_str().to_owned().into())];
    if let Some(after) = &q.after {
        clauses.push("i.id > :after".into());
        values.push((":after".into(), after.as_str().to_owned().into()));
    }
    if let Some(prefix) = &q.uri_prefix {
        // NB: substr, not LIKE: a prefix may hold `%` or `_`.
        clauses.push(
            "(substr(i.uri, 1, length(:prefix)) = :prefix OR EXISTS (SELECT 1 FROM locations l
              WHERE l.image_id = i.id AND substr(l.uri, 1, length(:prefix)) = :prefix))"
                .into(),
        );
        values.push((":prefix".into(), prefix.clone().into()));
    }
    for (n, version) in q.with_versions.iter().enumerate() {
        clauses.push(format!("EXISTS (SELECT 1 FROM runs r WHERE r.image_id = i.id AND r.model_version = :with{n})"));
        values.push((format!(":with{n}"), version.as_str().to_owned().into()));
    }
    if let Some(version) = &q.without_version {
        clauses.push("NOT EXISTS (SELECT 1 FROM runs r WHERE r.image_id = i.id AND r.model_version = :without)".into());
        values.push((":without".into(), version.as_str().to_owned().into()));
    }
    values.push((":limit".into(), (q.page_size() as i64).into()));
    let sql =
        format!("SELECT {IMAGE_COLUMNS} FROM images i WHERE {} ORDER BY i.id LIMIT :limit", clauses.join(" AND "));
    let mut stmt = conn.prepare(&sql).map_err(db_err)?;
    let named: Vec<(&str, &dyn rusqlite::ToSql)> =
        values.iter().map(|(k, v)| (k.as_str(), v as &dyn rusqlite::ToSql)).collect();
    let mut rows = stmt.query(named.as_slice()).map_err(db_err)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(db_err)? {
        out.push(image_from_row(conn, row).map_err(db_err)?);
    }
    Ok(out)
}

pub(super) fn activate_with_coverage(
    conn: &mut Connection,
    set: &FeatureSetName,
    version: &ModelVersion,
    actor: &str,
    coverage: f64,
) -> Result<VersionChange> {
    let tx = conn.transaction().map_err(db_err)?;
    let known = tx
        .query_row(
            "SELECT 1 FROM feature_set_versions WHERE name = ?1 AND version = ?2",
            [set.as_str(), version.as_str()],
            |_| Ok(()),
        )
        .optional()
        .map_err(db_err)?;
    if known.is_none() {
        return Err(Error::NotFound(format!("feature set {set} has no features of version {version}")));
    }
    let now = Utc::now();
    let from = versions::switch(&tx, set, version, actor, &now.to_rfc3339())?;
    tx.execute("UPDATE version_audit SET coverage = ?1 WHERE seq = last_insert_rowid()", params![coverage])
        .map_err(db_err)?;
    tx.commit().map_err(db_err)?;
    Ok(VersionChange {
        feature_set: set.to_string(),
        from,
        to: version.clone(),
        actor: actor.to_owned(),
        at: now,
        coverage: Some(coverage),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_made_before_coverage_was_recorded_gains_the_column() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE version_audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL,
             from_version TEXT, to_version TEXT NOT NULL, actor TEXT NOT NULL, at TEXT NOT NULL);
             INSERT INTO version_audit (name, to_version, actor, at) VALUES ('s', 'v@1', 'bootstrap', 'now');",
        )
        .unwrap();

        migrate(&conn).unwrap();
        migrate(&conn).unwrap();

        let kept: (String, Option<f64>) =
            conn.query_row("SELECT actor, coverage FROM version_audit", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
        assert_eq!(kept, ("bootstrap".to_owned(), None), "old rows stay, with no coverage; migrating twice is a no-op");
    }
}
