//! Feature-set versions: the active pointer, atomic switches and their audit trail.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};

use super::db_err;
use crate::domain::{FeatureSetName, ModelVersion};
use crate::graph::{FeatureSetState, VersionChange};
use crate::{Error, Result};

fn parse_version(s: String) -> rusqlite::Result<ModelVersion> {
    ModelVersion::parse(&s)
        .map_err(|e| rusqlite::Error::InvalidColumnType(0, e.to_string(), rusqlite::types::Type::Text))
}

pub(super) fn active(conn: &mut Connection, set: &FeatureSetName) -> Result<Option<ModelVersion>> {
    active_in(conn, set)
}

fn active_in(conn: &Connection, set: &FeatureSetName) -> Result<Option<ModelVersion>> {
    let v: Option<Option<String>> = conn
        .query_row("SELECT active_version FROM feature_sets WHERE name = ?1", [set.as_str()], |r| r.get(0))
        .optional()
        .map_err(db_err)?;
    v.flatten().map(|s| ModelVersion::parse(&s)).transpose()
}

/// Records that `version` has features in `set`; activates it when the set has
/// no active version yet. Returns whether it activated.
pub(super) fn register(tx: &Transaction<'_>, set: &FeatureSetName, version: &ModelVersion, now: &str) -> Result<bool> {
    tx.execute(
        "INSERT OR IGNORE INTO feature_set_versions (name, version, first_seen) VALUES (?1, ?2, ?3)",
        params![set.as_str(), version.as_str(), now],
    )
    .map_err(db_err)?;
    if active_in(tx, set)?.is_some() {
        return Ok(false);
    }
    switch(tx, set, version, "bootstrap", now)?;
    Ok(true)
}

pub(super) fn switch(
    tx: &Connection,
    set: &FeatureSetName,
    to: &ModelVersion,
    actor: &str,
    now: &str,
) -> Result<Option<ModelVersion>> {
    let from = active_in(tx, set)?;
    tx.execute(
        "INSERT INTO feature_sets (name, active_version) VALUES (?1, ?2)
         ON CONFLICT(name) DO UPDATE SET active_version = excluded.active_version",
        params![set.as_str(), to.as_str()],
    )
    .map_err(db_err)?;
    tx.execute(
        "INSERT INTO version_audit (name, from_version, to_version, actor, at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![set.as_str(), from.as_ref().map(|v| v.as_str()), to.as_str(), actor, now],
    )
    .map_err(db_err)?;
    Ok(from)
}

/// A write transaction from its first statement, so a read inside it cannot go stale before
/// its write (another connection to the same file waits for the lock instead).
fn write_tx(conn: &mut Connection) -> Result<Transaction<'_>> {
    conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db_err)
}

pub(super) fn activate(
    conn: &mut Connection,
    set: &FeatureSetName,
    version: &ModelVersion,
    actor: &str,
) -> Result<VersionChange> {
    let tx = write_tx(conn)?;
    let change = activate_in(&tx, set, version, actor)?;
    tx.commit().map_err(db_err)?;
    Ok(change)
}

fn activate_in(
    tx: &Transaction<'_>,
    set: &FeatureSetName,
    version: &ModelVersion,
    actor: &str,
) -> Result<VersionChange> {
    let known: bool = tx
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM feature_set_versions WHERE name = ?1 AND version = ?2)",
            [set.as_str(), version.as_str()],
            |r| r.get(0),
        )
        .map_err(db_err)?;
    if !known {
        return Err(Error::NotFound(format!("feature set {set} has no features of version {version}")));
    }
    let now = Utc::now();
    let from = switch(tx, set, version, actor, &now.to_rfc3339())?;
    Ok(VersionChange {
        feature_set: set.to_string(),
        from,
        to: version.clone(),
        actor: actor.to_owned(),
        at: now,
        coverage: None,
    })
}

/// Reads the last change and switches back in one write transaction.
pub(super) fn rollback(conn: &mut Connection, set: &FeatureSetName, actor: &str) -> Result<VersionChange> {
    let tx = write_tx(conn)?;
    let previous: Option<Option<String>> = tx
        .query_row(
            "SELECT from_version FROM version_audit WHERE name = ?1 ORDER BY seq DESC LIMIT 1",
            [set.as_str()],
            |r| r.get(0),
        )
        .optional()
        .map_err(db_err)?;
    let Some(Some(previous)) = previous else {
        return Err(Error::NotFound(format!("feature set {set} has no earlier version to roll back to")));
    };
    let change = activate_in(&tx, set, &ModelVersion::parse(&previous)?, actor)?;
    tx.commit().map_err(db_err)?;
    Ok(change)
}

pub(super) fn feature_sets(conn: &mut Connection) -> Result<Vec<FeatureSetState>> {
    let mut names = conn.prepare("SELECT DISTINCT name FROM feature_set_versions ORDER BY name").map_err(db_err)?;
    let names: Vec<String> =
        names.query_map([], |r| r.get(0)).map_err(db_err)?.collect::<rusqlite::Result<_>>().map_err(db_err)?;
    let mut out = Vec::new();
    for name in names {
        let set = FeatureSetName::parse(&name)?;
        let mut vs = conn
            .prepare_cached("SELECT version FROM feature_set_versions WHERE name = ?1 ORDER BY first_seen, version")
            .map_err(db_err)?;
        let versions = vs
            .query_map([&name], |r| parse_version(r.get(0)?))
            .map_err(db_err)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(db_err)?;
        let mut hs = conn
            .prepare_cached(
                "SELECT from_version, to_version, actor, at, coverage FROM version_audit WHERE name = ?1 ORDER BY seq DESC LIMIT 50",
            )
            .map_err(db_err)?;
        let history = hs
            .query_map([&name], |r| {
                let at: String = r.get(3)?;
                Ok(VersionChange {
                    feature_set: name.clone(),
                    from: r.get::<_, Option<String>>(0)?.map(parse_version).transpose()?,
                    to: parse_version(r.get(1)?)?,
                    actor: r.get(2)?,
                    at: DateTime::parse_from_rfc3339(&at).map(|t| t.with_timezone(&Utc)).unwrap_or_default(),
                    coverage: r.get(4)?,
                })
            })
            .map_err(db_err)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(db_err)?;
        out.push(FeatureSetState { name: name.clone(), active: active_in(conn, &set)?, versions, history });
    }
    Ok(out)
}
