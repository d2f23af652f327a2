//! Runs locally: every shard of a run as a child process of the local launcher
//! (`cv-processor batch`, shard index in `JOB_COMPLETION_INDEX` as in a pod), at
//! most `parallelism` at once, transient exits retried like the Job does.

use shared::backfill::BackfillManifest;
use shared::domain::JobName;
use shared::launcher::{LaunchOutcome, LocalJobStatus, LocalLauncher, LocalLauncherConfig};
use shared::Result;
use std::time::Duration;

use super::{JobState, Launched, RunState};

/// The shards of runs as child processes.
pub struct LocalBackfills {
    launcher: LocalLauncher,
    sink: String,
    batch_size: u32,
}

impl LocalBackfills {
    /// `config.program` is the cv-processor binary, `config.env` what the shards need besides
    /// this process's environment (model folder, bucket root), `config.max_concurrency` the parallelism.
    pub fn new(config: LocalLauncherConfig, sink: String, batch_size: u32) -> Result<Self> {
        Ok(Self { launcher: LocalLauncher::new(config)?, sink, batch_size })
    }

    /// Shard `index`'s process name.
    pub fn shard_name(manifest: &BackfillManifest, index: u32) -> Result<JobName> {
        JobName::parse(&format!("{}-s{index:05}", manifest.run))
    }

    /// Starts every shard of the run (a run started before in this process starts nothing).
    pub fn launch(&self, manifest: &BackfillManifest, root: &str) -> Result<Launched> {
        let mut outcome = Launched::AlreadyExists;
        for index in 0..manifest.shards {
            let args = [
                "batch",
                "--root",
                root,
                "--run",
                manifest.run.as_str(),
                "--batch-size",
                &self.batch_size.to_string(),
                "--sink",
                &self.sink,
            ]
            .map(str::to_owned)
            .to_vec();
            let env = vec![("JOB_COMPLETION_INDEX".to_owned(), index.to_string())];
            if self.launcher.launch_args(&Self::shard_name(manifest, index)?, args, env)? == LaunchOutcome::Created {
                outcome = Launched::Created;
            }
        }
        Ok(outcome)
    }

    /// The run's shards as one state.
    pub fn state(&self, manifest: &BackfillManifest) -> JobState {
        let prefix = format!("{}-s", manifest.run);
        let statuses: Vec<(String, LocalJobStatus)> =
            self.launcher.statuses().into_iter().filter(|(name, _)| name.starts_with(&prefix)).collect();
        let count = |f: &dyn Fn(&LocalJobStatus) -> bool| statuses.iter().filter(|(_, s)| f(s)).count() as u32;
        let failed: Vec<String> = statuses
            .iter()
            .filter_map(|(name, s)| match s {
                LocalJobStatus::Failed { exit_code } => Some(format!("{name} exited {exit_code}")),
                _ => None,
            })
            .collect();
        let succeeded = count(&|s| *s == LocalJobStatus::Succeeded);
        let state = if !failed.is_empty() {
            RunState::Failed(failed.join(", "))
        } else if succeeded == manifest.shards {
            RunState::Complete
        } else {
            RunState::Running
        };
        JobState {
            name: manifest.run.to_string(),
            state,
            active: count(&|s| matches!(s, LocalJobStatus::Running { .. })),
            succeeded,
            failed: failed.len() as u32,
            completions: manifest.shards,
            started_at: Some(manifest.created_at),
            finished_at: None,
        }
    }

    /// Waits until no shard is queued or running; false on timeout.
    pub async fn wait(&self, timeout: Duration) -> bool {
        self.launcher.wait_idle(timeout).await
    }
}
