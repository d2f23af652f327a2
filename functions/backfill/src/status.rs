//! Where a run stands: shards from its Job (or local processes), images from its
//! progress markers, coverage from the graph; one line for people, JSON for the UI.

use chrono::Utc;
use serde::Serialize;
use shared::backfill::{index_prefix, BackfillManifest, BackfillStore, RunId, RunProgress};
use shared::domain::{FeatureSetName, ModelVersion};
use shared::graph::GraphStore;
use shared::Result;

use crate::launch::{JobState, RunState};

/// A run's progress.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Progress {
    /// The run's manifest.
    pub manifest: BackfillManifest,
    /// Its Job, when the launcher knows it (a finished Job is deleted after its TTL).
    pub job: Option<JobState>,
    /// Images in the run.
    pub total: u64,
    /// Images in finished chunks (delivered or unusable).
    pub done: u64,
    /// Of those, unusable.
    pub failed: u64,
    /// Seconds since the run started.
    pub elapsed_s: f64,
    /// Images per second so far.
    pub images_per_s: f64,
    /// Seconds left at that rate.
    pub eta_s: Option<f64>,
    /// Images of the set with features of the version, per the graph.
    pub covered: u64,
    /// Images of the set.
    pub set_images: u64,
}

impl Progress {
    /// The run's state: its Job's, else what the markers say.
    pub fn state(&self) -> RunState {
        match &self.job {
            Some(job) => job.state.clone(),
            None if self.done >= self.total => RunState::Complete,
            None => RunState::Failed("no Job or process is running it (deleted, or its launcher stopped)".into()),
        }
    }

    /// `bf-…  running  1234/5000 images (24.7%)  12.3 images/s  ETA 5m06s  3 failed · graph: 4321/10000 (43.2%)`.
    pub fn line(&self) -> String {
        let pct = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 * 100.0 / b as f64 };
        let state = match self.state() {
            RunState::Running => "running".to_owned(),
            RunState::Complete => "complete".to_owned(),
            RunState::Failed(why) => format!("failed ({why})"),
        };
        let eta = self.eta_s.map_or_else(|| "-".to_owned(), duration);
        format!(
            "{}  {state}  {}/{} images ({:.1}%)  {:.1} images/s  ETA {eta}  {} failed · graph: {}/{} images have {} ({:.1}%)",
            self.manifest.run,
            self.done,
            self.total,
            pct(self.done, self.total),
            self.images_per_s,
            self.failed,
            self.covered,
            self.set_images,
            self.manifest.model_version,
            pct(self.covered, self.set_images),
        )
    }
}

/// `1h02m`, `5m06s`, `42s`.
pub fn duration(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    match (s / 3600, (s % 3600) / 60, s % 60) {
        (0, 0, sec) => format!("{sec}s"),
        (0, min, sec) => format!("{min}m{sec:02}s"),
        (h, min, _) => format!("{h}h{min:02}m"),
    }
}

/// Progress of the run of `manifest`, given what its launcher knows.
pub async fn progress(
    store: &BackfillStore,
    graph: &dyn GraphStore,
    manifest: &BackfillManifest,
    job: Option<JobState>,
) -> Result<Progress> {
    let markers = store.list_meta(&manifest.run.progress_prefix()).await?;
    let counts = RunProgress::from_paths(markers.iter().map(|(name, _)| name.as_str()));
    let coverage = graph.version_coverage(&manifest.feature_set).await?;
    let started = job.as_ref().and_then(|j| j.started_at).unwrap_or(manifest.created_at);
    // NB: a finished run's rate is over its own duration: the Job's, else until its last marker.
    let last_marker = markers.iter().map(|(_, at)| *at).max();
    let ended = match (job.as_ref().and_then(|j| j.finished_at), counts.done >= manifest.images) {
        (Some(at), _) => at,
        (None, true) => last_marker.unwrap_or_else(Utc::now),
        (None, false) => Utc::now(),
    };
    let elapsed_s = (ended - started).num_milliseconds().max(0) as f64 / 1e3;
    let images_per_s = if elapsed_s > 0.0 { counts.done as f64 / elapsed_s } else { 0.0 };
    let left = manifest.images.saturating_sub(counts.done);
    Ok(Progress {
        total: manifest.images,
        done: counts.done,
        failed: counts.failed,
        elapsed_s,
        images_per_s,
        eta_s: (images_per_s > 0.0).then(|| left as f64 / images_per_s),
        covered: coverage.images_of(&manifest.model_version),
        set_images: coverage.images,
        manifest: manifest.clone(),
        job,
    })
}

/// A run's manifest.
pub async fn manifest(store: &BackfillStore, run: &RunId) -> Result<BackfillManifest> {
    let bytes = store.get(&run.manifest_path()).await?;
    serde_json::from_slice(&bytes).map_err(|e| shared::Error::backend("backfill-store", e).context(run))
}

/// The newest run of a version, from the backfill root's index.
pub async fn latest_run(
    store: &BackfillStore,
    set: &FeatureSetName,
    version: &ModelVersion,
) -> Result<Option<BackfillManifest>> {
    let mut newest: Option<BackfillManifest> = None;
    for entry in store.list(&index_prefix(set, version)).await? {
        let Some(run) = entry.rsplit('/').next().and_then(|r| RunId::parse(r).ok()) else { continue };
        let m = manifest(store, &run).await?;
        if newest.as_ref().is_none_or(|n| m.created_at > n.created_at) {
            newest = Some(m);
        }
    }
    Ok(newest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_a_clock() {
        assert_eq!((duration(42.4), duration(306.0), duration(3720.0)), ("42s".into(), "5m06s".into(), "1h02m".into()));
    }
}
