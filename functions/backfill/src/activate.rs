//! Activation with a coverage check: a version that has processed too few of the set's
//! images would answer lookups for the rest with nothing, so it is refused unless forced;
//! the audit records who activated it and the coverage it had.

use shared::domain::{FeatureSetName, ModelVersion};
use shared::graph::{GraphStore, VersionChange};
use shared::{Error, Result};

/// Default share of the set's images a version must cover to be activated.
pub const DEFAULT_MIN_COVERAGE: f64 = 0.95;

/// Activates `version` when it covers at least `min_coverage` of the set's images, or when forced.
pub async fn activate(
    graph: &dyn GraphStore,
    set: &FeatureSetName,
    version: &ModelVersion,
    actor: &str,
    min_coverage: f64,
    force: bool,
) -> Result<VersionChange> {
    let coverage = graph.version_coverage(set).await?;
    let fraction = coverage.fraction_of(version);
    if fraction < min_coverage && !force {
        return Err(Error::conflict(format!(
            "{version} covers {}/{} images of {set} ({:.1}%), below the {:.1}% required to activate it: \
             finish its backfill, or force the switch",
            coverage.images_of(version),
            coverage.images,
            fraction * 100.0,
            min_coverage * 100.0
        )));
    }
    // NB: coverage only grows (features are never deleted), so the switch happens at a
    // coverage at least the one checked and recorded here.
    let change = graph.activate_version_with_coverage(set, version, actor, fraction).await?;
    tracing::info!(feature_set = %set, to = %version, %actor, coverage = fraction, forced = force, "version activated");
    Ok(change)
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::graph::sqlite::SqliteGraphStore;
    use shared::testing::sample_document;

    #[tokio::test]
    async fn a_version_below_the_threshold_is_refused_unless_forced_and_the_audit_keeps_the_coverage() {
        let graph = SqliteGraphStore::in_memory().unwrap();
        graph.ensure_schema().await.unwrap();
        let set = FeatureSetName::parse("default").unwrap();
        let (old, new) = (ModelVersion::parse("old@1").unwrap(), ModelVersion::parse("new@1").unwrap());
        for n in 0..4u8 {
            let uri = format!("gs://raw/{n}.jpg#1");
            graph.write_features(&set, &sample_document(&[n; 8], &uri, old.as_str())).await.unwrap();
            if n == 0 {
                graph.write_features(&set, &sample_document(&[n; 8], &uri, new.as_str())).await.unwrap();
            }
        }

        let refused = activate(&graph, &set, &new, "alice", 0.95, false).await;
        let forced = activate(&graph, &set, &new, "alice", 0.95, true).await.unwrap();

        let err = refused.unwrap_err();
        assert!(matches!(err, Error::Conflict(_)) && err.to_string().contains("1/4 images"), "{err}");
        assert_eq!((forced.actor.as_str(), forced.coverage), ("alice", Some(0.25)));
        assert_eq!(graph.active_version(&set).await.unwrap(), Some(new));
    }
}
