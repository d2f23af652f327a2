//! Feature-set versions: the active pointer on `FeatureSets`, switches and rollbacks as one
//! read-write transaction each (read the pointer, check, write pointer and audit row), and
//! the audit trail in `VersionAudit`, stamped with the commit timestamp.

use gcloud_googleapis::spanner::v1::Mutation;
use gcloud_spanner::client::Client;
use gcloud_spanner::mutation::{insert, insert_or_update};
use gcloud_spanner::row::{Struct, TryFromStruct};
use gcloud_spanner::value::CommitTimestamp;

use super::client::{first, read_write, rows, stmt, tx_rows, TxError};
use super::convert::{version, Columns, Fields, Timestamp};
use crate::domain::{FeatureSetName, ModelVersion};
use crate::graph::{FeatureSetState, VersionChange};
use crate::{Error, Result};

/// A feature set as the write path reads it.
#[derive(Debug, Default)]
pub(super) struct SetState {
    /// The set's audit counter; `None` when the set does not exist yet.
    pub(super) audit_seq: Option<i64>,
    pub(super) active: Option<String>,
    /// The written version is already listed under the set.
    pub(super) version_known: bool,
}

fn audit_row(
    set: &FeatureSetName,
    seq: i64,
    from: Option<&str>,
    to: &str,
    actor: &str,
    coverage: Option<f64>,
) -> Mutation {
    insert(
        "VersionAudit",
        &["Name", "Seq", "FromVersion", "ToVersion", "Actor", "ChangedAt", "Coverage"],
        &[&set.as_str(), &seq, &from, &to, &actor, &CommitTimestamp::new(), &coverage],
    )
}

fn pointer_row(set: &FeatureSetName, active: &str, seq: i64) -> Mutation {
    insert_or_update("FeatureSets", &["Name", "ActiveVersion", "AuditSeq"], &[&set.as_str(), &active, &seq])
}

/// Adds the mutations that record `version` under `set`, activating it (actor `bootstrap`)
/// when the set has no active version yet. Returns whether it activated.
pub(super) fn register(state: &SetState, ms: &mut Vec<Mutation>, set: &FeatureSetName, v: &ModelVersion) -> bool {
    let activate = state.active.is_none();
    let seq = state.audit_seq.unwrap_or(0) + 1;
    if activate {
        // NB: the parent row first: interleaved children need it within the same commit.
        ms.push(pointer_row(set, v.as_str(), seq));
    }
    if !state.version_known {
        ms.push(insert(
            "FeatureSetVersions",
            &["Name", "Version", "FirstSeen"],
            &[&set.as_str(), &v.as_str(), &CommitTimestamp::new()],
        ));
    }
    if activate {
        ms.push(audit_row(set, seq, None, v.as_str(), "bootstrap", None));
    }
    activate
}

pub(super) async fn active(client: &Client, set: &FeatureSetName) -> Result<Option<ModelVersion>> {
    let q = stmt("SELECT s.ActiveVersion FROM FeatureSets AS s WHERE s.Name = @set", |s| {
        s.add_param("set", &set.as_str());
    });
    match first(client, q).await? {
        Some(row) => Columns::of(&row).get::<Option<String>>("ActiveVersion")?.as_deref().map(version).transpose(),
        None => Ok(None),
    }
}

/// The pointer, whether `@version` is listed, and the last switch's `from`.
const SWITCH_STATE: &str = "
    SELECT s.ActiveVersion, s.AuditSeq,
           EXISTS(SELECT 1 FROM FeatureSetVersions AS v WHERE v.Name = s.Name AND v.Version = @version) AS Known,
           (SELECT a.FromVersion FROM VersionAudit AS a WHERE a.Name = s.Name ORDER BY a.Seq DESC LIMIT 1) AS Previous
    FROM FeatureSets AS s WHERE s.Name = @set";

/// What to switch to: a named version, or the one active before the current one.
enum Target<'a> {
    Version(&'a ModelVersion),
    Previous,
}

/// Switches the pointer; `coverage` is recorded in the audit row where the caller checked it.
async fn switch(
    client: &Client,
    set: &FeatureSetName,
    target: Target<'_>,
    actor: &str,
    coverage: Option<f64>,
) -> Result<VersionChange> {
    let wanted = match &target {
        Target::Version(v) => v.as_str().to_owned(),
        Target::Previous => String::new(),
    };
    let (at, (from, to)) = read_write(client, |mut tx| {
        let (wanted, target) = (wanted.as_str(), &target);
        async move {
            let result = async {
                let q = stmt(SWITCH_STATE, |s| {
                    s.add_param("set", &set.as_str());
                    s.add_param("version", &wanted);
                });
                let rows = tx_rows(&mut tx, q).await?;
                let Some(row) = rows.first() else {
                    return Err(TxError::Store(Error::NotFound(format!("feature set {set} has no versions"))));
                };
                let c = Columns::of(row);
                let from: Option<String> = c.get("ActiveVersion")?;
                let seq: i64 = c.get("AuditSeq")?;
                let to = match target {
                    Target::Version(v) if c.get::<bool>("Known")? => (*v).clone(),
                    Target::Version(v) => {
                        let msg = format!("feature set {set} has no features of version {v}");
                        return Err(TxError::Store(Error::NotFound(msg)));
                    }
                    Target::Previous => match c.get::<Option<String>>("Previous")? {
                        Some(p) => version(&p)?,
                        None => {
                            let msg = format!("feature set {set} has no earlier version to roll back to");
                            return Err(TxError::Store(Error::NotFound(msg)));
                        }
                    },
                };
                tx.buffer_write(vec![
                    pointer_row(set, to.as_str(), seq + 1),
                    audit_row(set, seq + 1, from.as_deref(), to.as_str(), actor, coverage),
                ]);
                Ok((from.as_deref().map(version).transpose()?, to))
            }
            .await;
            (tx, result)
        }
    })
    .await?;
    Ok(VersionChange { feature_set: set.to_string(), from, to, actor: actor.to_owned(), at, coverage })
}

pub(super) async fn activate(
    client: &Client,
    set: &FeatureSetName,
    to: &ModelVersion,
    actor: &str,
) -> Result<VersionChange> {
    switch(client, set, Target::Version(to), actor, None).await
}

/// [`activate`] recording the share of the set's images `to` covers in the audit row.
pub(super) async fn activate_with_coverage(
    client: &Client,
    set: &FeatureSetName,
    to: &ModelVersion,
    actor: &str,
    coverage: f64,
) -> Result<VersionChange> {
    switch(client, set, Target::Version(to), actor, Some(coverage)).await
}

/// Re-activates the version active before the current one, read in the same transaction.
pub(super) async fn rollback(client: &Client, set: &FeatureSetName, actor: &str) -> Result<VersionChange> {
    switch(client, set, Target::Previous, actor, None).await
}

const FEATURE_SETS: &str = "
    SELECT s.Name, s.ActiveVersion,
           ARRAY(SELECT v.Version FROM FeatureSetVersions AS v WHERE v.Name = s.Name
                 ORDER BY v.FirstSeen, v.Version) AS Versions,
           ARRAY(SELECT AS STRUCT a.FromVersion, a.ToVersion, a.Actor, a.ChangedAt, a.Coverage
                 FROM VersionAudit AS a WHERE a.Name = s.Name ORDER BY a.Seq DESC LIMIT 50) AS History
    FROM FeatureSets AS s
    WHERE EXISTS(SELECT 1 FROM FeatureSetVersions AS v WHERE v.Name = s.Name)
    ORDER BY s.Name";

/// One `History` element.
struct ChangeRow {
    from: Option<String>,
    to: String,
    actor: String,
    at: Timestamp,
    coverage: Option<f64>,
}

impl TryFromStruct for ChangeRow {
    fn try_from_struct(s: Struct<'_>) -> Result<Self, gcloud_spanner::row::Error> {
        Ok(Self {
            from: s.column_by_name("FromVersion")?,
            to: s.column_by_name("ToVersion")?,
            actor: s.column_by_name("Actor")?,
            at: s.column_by_name("ChangedAt")?,
            coverage: s.column_by_name("Coverage")?,
        })
    }
}

impl ChangeRow {
    fn into_change(self, name: &str) -> Result<VersionChange> {
        Ok(VersionChange {
            feature_set: name.to_owned(),
            from: self.from.as_deref().map(version).transpose()?,
            to: version(&self.to)?,
            actor: self.actor,
            at: self.at.0,
            coverage: self.coverage,
        })
    }
}

pub(super) async fn feature_sets(client: &Client) -> Result<Vec<FeatureSetState>> {
    let mut out = Vec::new();
    for row in rows(client, stmt(FEATURE_SETS, |_| {})).await? {
        let c = Columns::of(&row);
        let name: String = c.get("Name")?;
        out.push(FeatureSetState {
            active: c.get::<Option<String>>("ActiveVersion")?.as_deref().map(version).transpose()?,
            versions: c.get::<Vec<String>>("Versions")?.iter().map(|v| version(v)).collect::<Result<_>>()?,
            history: c
                .get::<Vec<ChangeRow>>("History")?
                .into_iter()
                .map(|h| h.into_change(&name))
                .collect::<Result<_>>()?,
            name,
        });
    }
    Ok(out)
}
