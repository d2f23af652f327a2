//! Feature-set versions: the active pointer on `FeatureSet`, atomic switches
//! and their audit trail of `VersionChange` nodes.

use chrono::{DateTime, Utc};
use neo4rs::{query, Graph};
use serde::Deserialize;

use super::client::{rows, Tx};
use super::convert::column;
use crate::domain::{FeatureSetName, ModelVersion};
use crate::graph::{FeatureSetState, VersionChange};
use crate::{Error, Result};

// NB: the version node is merged on its own constrained key (set, version), not as part of a
// pattern: a pattern MERGE is not covered by the constraint and concurrent writers each created one.
const REGISTER: &str = "
    MERGE (s:FeatureSet {name: $set})
    MERGE (v:ModelVersion {feature_set: $set, version: $version})
    ON CREATE SET v.first_seen = $now
    MERGE (s)-[:HAS_VERSION]->(v)
    RETURN s.active_version IS NULL AS unset";

// NB: takes the FeatureSet's write lock first, so the last change read below cannot move
// before this transaction switches (concurrent rollbacks each flip once, in turn).
const LOCK_SET: &str = "MATCH (s:FeatureSet {name: $set}) SET s._lock = true REMOVE s._lock RETURN s.name AS name";

// NB: setting `_lock` takes the FeatureSet's write lock before the active
// version is read, so concurrent switches serialise and the audit stays exact.
const SWITCH: &str = "
    MATCH (s:FeatureSet {name: $set})-[:HAS_VERSION]->(:ModelVersion {version: $version})
    SET s._lock = true
    REMOVE s._lock
    WITH s, s.active_version AS previous
    WHERE NOT $only_if_unset OR previous IS NULL
    SET s.active_version = $version, s.audit_seq = coalesce(s.audit_seq, 0) + 1
    CREATE (s)-[:AUDIT]->(:VersionChange {seq: s.audit_seq, from_version: previous, to_version: $version,
                                          actor: $actor, at: $now})
    RETURN previous";

const ACTIVE: &str = "MATCH (s:FeatureSet {name: $set}) RETURN s.active_version AS version";

const LAST_CHANGE: &str = "
    MATCH (:FeatureSet {name: $set})-[:AUDIT]->(c:VersionChange)
    RETURN c.from_version AS previous ORDER BY c.seq DESC LIMIT 1";

const FEATURE_SETS: &str = "
    MATCH (s:FeatureSet) WHERE EXISTS { (s)-[:HAS_VERSION]->(:ModelVersion) }
    RETURN s.name AS name, s.active_version AS active,
           COLLECT { MATCH (s)-[:HAS_VERSION]->(v:ModelVersion) RETURN v.version ORDER BY v.first_seen, v.version } AS versions,
           COLLECT { MATCH (s)-[:AUDIT]->(c:VersionChange)
                     RETURN {from: c.from_version, to: c.to_version, actor: c.actor, at: c.at, coverage: c.coverage} ORDER BY c.seq DESC LIMIT 50 } AS history
    ORDER BY name";

fn version(s: &str) -> Result<ModelVersion> {
    ModelVersion::parse(s).map_err(|e| Error::backend(super::BACKEND, e).context("stored model version is invalid"))
}

/// Records that `version` has features in `set`; activates it (actor
/// `bootstrap`) when the set has no active version yet. Returns whether it did.
pub(super) async fn register(tx: &mut Tx, set: &FeatureSetName, version: &ModelVersion, now: &str) -> Result<bool> {
    let q = query(REGISTER).param("set", set.as_str()).param("version", version.as_str()).param("now", now);
    let unset = match tx.rows(q).await?.first() {
        Some(row) => column::<bool>(row, "unset")?,
        None => false,
    };
    if !unset {
        return Ok(false);
    }
    Ok(switch(tx, set, version, "bootstrap", now, true).await?.is_some())
}

/// Switches the active version; `None` when nothing was switched.
pub(super) async fn switch(
    tx: &mut Tx,
    set: &FeatureSetName,
    to: &ModelVersion,
    actor: &str,
    now: &str,
    only_if_unset: bool,
) -> Result<Option<Option<ModelVersion>>> {
    let q = query(SWITCH)
        .param("set", set.as_str())
        .param("version", to.as_str())
        .param("actor", actor)
        .param("now", now)
        .param("only_if_unset", only_if_unset);
    match tx.rows(q).await?.first() {
        Some(row) => Ok(Some(column::<Option<String>>(row, "previous")?.as_deref().map(version).transpose()?)),
        None => Ok(None),
    }
}

pub(super) async fn active(graph: &Graph, set: &FeatureSetName) -> Result<Option<ModelVersion>> {
    match rows(graph, query(ACTIVE).param("set", set.as_str())).await?.first() {
        Some(row) => column::<Option<String>>(row, "version")?.as_deref().map(version).transpose(),
        None => Ok(None),
    }
}

pub(super) async fn activate(
    graph: &Graph,
    set: &FeatureSetName,
    to: &ModelVersion,
    actor: &str,
) -> Result<VersionChange> {
    let mut tx = Tx::begin(graph).await?;
    let change = activate_in(&mut tx, set, to, actor).await?;
    tx.commit().await?;
    Ok(change)
}

/// Switches inside `tx`: the read of the current version and the switch are one statement under the set's lock.
async fn activate_in(tx: &mut Tx, set: &FeatureSetName, to: &ModelVersion, actor: &str) -> Result<VersionChange> {
    let at = Utc::now();
    let stamp = at.to_rfc3339_opts(chrono::SecondsFormat::Nanos, false);
    let Some(from) = switch(tx, set, to, actor, &stamp, false).await? else {
        return Err(Error::NotFound(format!("feature set {set} has no features of version {to}")));
    };
    Ok(VersionChange {
        feature_set: set.to_string(),
        from,
        to: to.clone(),
        actor: actor.to_owned(),
        at,
        coverage: None,
    })
}

/// Reads the last change and switches back in one transaction, under the set's lock.
pub(super) async fn rollback(graph: &Graph, set: &FeatureSetName, actor: &str) -> Result<VersionChange> {
    let mut tx = Tx::begin(graph).await?;
    tx.rows(query(LOCK_SET).param("set", set.as_str())).await?;
    let rows = tx.rows(query(LAST_CHANGE).param("set", set.as_str())).await?;
    let previous = match rows.first() {
        Some(row) => column::<Option<String>>(row, "previous")?,
        None => None,
    };
    let Some(previous) = previous else {
        return Err(Error::NotFound(format!("feature set {set} has no earlier version to roll back to")));
    };
    let change = activate_in(&mut tx, set, &version(&previous)?, actor).await?;
    tx.commit().await?;
    Ok(change)
}

#[derive(Deserialize)]
struct ChangeRow {
    from: Option<String>,
    to: String,
    actor: String,
    at: String,
    coverage: Option<f64>,
}

pub(super) async fn feature_sets(graph: &Graph) -> Result<Vec<FeatureSetState>> {
    let mut out = Vec::new();
    for row in rows(graph, query(FEATURE_SETS)).await? {
        let name: String = column(&row, "name")?;
        let history = column::<Vec<ChangeRow>>(&row, "history")?
            .into_iter()
            .map(|c| {
                Ok(VersionChange {
                    feature_set: name.clone(),
                    from: c.from.as_deref().map(version).transpose()?,
                    to: version(&c.to)?,
                    actor: c.actor,
                    at: DateTime::parse_from_rfc3339(&c.at).map(|t| t.with_timezone(&Utc)).unwrap_or_default(),
                    coverage: c.coverage,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        out.push(FeatureSetState {
            active: column::<Option<String>>(&row, "active")?.as_deref().map(version).transpose()?,
            versions: column::<Vec<String>>(&row, "versions")?.iter().map(|v| version(v)).collect::<Result<_>>()?,
            history,
            name,
        });
    }
    Ok(out)
}
