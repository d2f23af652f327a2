//! Runs `cv-processor` as child processes with bounded concurrency, logs
//! captured per run, and the Kubernetes Job's retry rule (retry transient
//! failures up to a backoff limit).

use async_trait::async_trait;
use serde::Serialize;
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::process::Command;
use tokio::sync::{Notify, Semaphore};

use super::{exit_codes, JobLauncher, JobRequest, LaunchOutcome};
use crate::domain::JobName;
use crate::{Error, Result};

/// How to run the processor locally.
#[derive(Debug, Clone)]
pub struct LocalLauncherConfig {
    /// Path of the `cv-processor` binary.
    pub program: PathBuf,
    /// Extra arguments before the per-job ones (e.g. `--sink URL`).
    pub args: Vec<String>,
    /// Extra environment for the child.
    pub env: Vec<(String, String)>,
    /// Runs at once.
    pub max_concurrency: usize,
    /// Retries after a transient failure.
    pub backoff_limit: u32,
    /// Folder for `<job>.log` files.
    pub log_dir: PathBuf,
}

/// State of one local run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum LocalJobStatus {
    /// Waiting for a slot.
    Queued,
    /// Running (attempt number from 1).
    Running {
        /// Attempt number.
        attempt: u32,
    },
    /// Exited 0.
    Succeeded,
    /// Gave up.
    Failed {
        /// Last exit code (-1 when killed or not started).
        exit_code: i32,
    },
}

/// The local [`JobLauncher`].
pub struct LocalLauncher {
    config: LocalLauncherConfig,
    slots: Arc<Semaphore>,
    jobs: Arc<Mutex<HashMap<String, LocalJobStatus>>>,
    changed: Arc<Notify>,
}

impl LocalLauncher {
    /// A launcher; creates the log folder.
    pub fn new(config: LocalLauncherConfig) -> Result<Self> {
        std::fs::create_dir_all(&config.log_dir).map_err(|e| {
            Error::backend("local-launcher", e).context(format!("creating {}", config.log_dir.display()))
        })?;
        Ok(Self {
            slots: Arc::new(Semaphore::new(config.max_concurrency.max(1))),
            config,
            jobs: Arc::new(Mutex::new(HashMap::new())),
            changed: Arc::new(Notify::new()),
        })
    }

    /// Status of every run launched by this process.
    pub fn statuses(&self) -> HashMap<String, LocalJobStatus> {
        self.jobs.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Waits until no run is queued or running, or the timeout passes; true when idle.
    pub async fn wait_idle(&self, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.changed.notified();
            let busy =
                self.statuses().values().any(|s| matches!(s, LocalJobStatus::Queued | LocalJobStatus::Running { .. }));
            if !busy {
                return true;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return false;
            }
        }
    }

    fn set(jobs: &Mutex<HashMap<String, LocalJobStatus>>, changed: &Notify, name: &str, s: LocalJobStatus) {
        jobs.lock().unwrap_or_else(|p| p.into_inner()).insert(name.to_owned(), s);
        changed.notify_waiters();
    }
}

#[async_trait]
impl JobLauncher for LocalLauncher {
    fn kind(&self) -> &'static str {
        "local"
    }

    async fn launch(&self, request: &JobRequest) -> Result<LaunchOutcome> {
        let uri = request.image_uri.to_string();
        let args = vec!["--image-uri".to_owned(), uri, "--job-id".to_owned(), request.name.as_str().to_owned()];
        self.launch_args(&request.name, args, Vec::new())
    }
}

impl LocalLauncher {
    /// Starts a run of the processor with `args` (after the configured ones) and extra `env`,
    /// with the same queueing, retry rule and log file as [`JobLauncher::launch`]; a name
    /// already launched starts nothing. The backfill's shards run through this.
    pub fn launch_args(&self, name: &JobName, args: Vec<String>, env: Vec<(String, String)>) -> Result<LaunchOutcome> {
        let name = name.as_str().to_owned();
        {
            let mut jobs = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
            match jobs.get(&name) {
                Some(LocalJobStatus::Failed { exit_code }) => {
                    return Ok(LaunchOutcome::FailedBefore { reason: failure_reason(*exit_code) })
                }
                Some(_) => return Ok(LaunchOutcome::AlreadyExists),
                None => {}
            }
            jobs.insert(name.clone(), LocalJobStatus::Queued);
        }
        let (mut cfg, slots, jobs, changed) =
            (self.config.clone(), self.slots.clone(), self.jobs.clone(), self.changed.clone());
        cfg.args.extend(args);
        cfg.env.extend(env);
        tokio::spawn(async move {
            let Ok(_permit) = slots.acquire_owned().await else { return };
            let log_path = cfg.log_dir.join(format!("{name}.log"));
            let mut exit_code = -1;
            for attempt in 1..=cfg.backoff_limit + 1 {
                Self::set(&jobs, &changed, &name, LocalJobStatus::Running { attempt });
                exit_code = run_once(&cfg, &name, &log_path).await;
                if exit_code != exit_codes::TRANSIENT {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt))).await;
            }
            let status = if exit_code == 0 { LocalJobStatus::Succeeded } else { LocalJobStatus::Failed { exit_code } };
            match &status {
                LocalJobStatus::Succeeded => tracing::info!(job = %name, "local job succeeded"),
                _ => tracing::warn!(job = %name, exit_code, log = %log_path.display(), "local job failed"),
            }
            Self::set(&jobs, &changed, &name, status);
        });
        Ok(LaunchOutcome::Created)
    }
}

/// The failure as an operator reads it: the exit code and what it means.
fn failure_reason(exit_code: i32) -> String {
    let meaning = match exit_code {
        exit_codes::USAGE => "usage error",
        exit_codes::BAD_INPUT => "bad input, not retried",
        exit_codes::TRANSIENT => "transient failure, retries exhausted",
        exit_codes::CONFIG => "configuration error, not retried",
        -1 => "killed or not started",
        _ => "unexpected failure",
    };
    format!("cv-processor exited with {exit_code} ({meaning})")
}

async fn run_once(cfg: &LocalLauncherConfig, name: &str, log_path: &std::path::Path) -> i32 {
    let log = match std::fs::OpenOptions::new().create(true).append(true).open(log_path) {
        Ok(f) => f,
        Err(e) => {
            tracing::error!(job = %name, error = %e, "cannot open job log");
            return -1;
        }
    };
    let Ok(log_err) = log.try_clone() else { return -1 };
    let mut cmd = Command::new(&cfg.program);
    cmd.args(&cfg.args)
        .envs(cfg.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::from(log))
        .stderr(Stdio::from(log_err))
        .kill_on_drop(true);
    match cmd.status().await {
        Ok(s) => s.code().unwrap_or(-1),
        Err(e) => {
            tracing::error!(job = %name, program = %cfg.program.display(), error = %e, "cannot start cv-processor");
            -1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{JobName, ObjectUri};

    fn launcher(dir: &std::path::Path, script: &str, max: usize) -> LocalLauncher {
        let program = dir.join("fake-processor.sh");
        std::fs::write(&program, format!("#!/bin/sh\n{script}\n")).unwrap();
        std::process::Command::new("chmod").arg("+x").arg(&program).status().unwrap();
        LocalLauncher::new(LocalLauncherConfig {
            program,
            args: vec![],
            env: vec![],
            max_concurrency: max,
            backoff_limit: 2,
            log_dir: dir.join("logs"),
        })
        .unwrap()
    }

    fn request(n: &str) -> JobRequest {
        JobRequest {
            name: JobName::parse(n).unwrap(),
            image_uri: ObjectUri::parse("gs://bucket/x.jpg#1").unwrap(),
            event_id: "e".into(),
        }
    }

    #[tokio::test]
    async fn the_same_job_name_launches_once_and_logs_are_captured() {
        let dir = tempfile::tempdir().unwrap();
        let l = launcher(dir.path(), "echo \"args: $*\"", 2);
        assert_eq!(l.launch(&request("cv-a")).await.unwrap(), LaunchOutcome::Created);
        assert_eq!(l.launch(&request("cv-a")).await.unwrap(), LaunchOutcome::AlreadyExists);
        assert!(l.wait_idle(Duration::from_secs(10)).await);
        assert_eq!(l.statuses()["cv-a"], LocalJobStatus::Succeeded);
        let log = std::fs::read_to_string(dir.path().join("logs/cv-a.log")).unwrap();
        assert!(log.contains("--image-uri gs://bucket/x.jpg#1 --job-id cv-a"), "{log}");
    }

    #[tokio::test]
    async fn transient_failures_are_retried_up_to_the_backoff_limit_and_bad_input_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let l = launcher(dir.path(), "echo run >> \"$(dirname $0)/count-$4\"; exit ${EXIT:-75}", 1);
        l.launch(&request("cv-t")).await.unwrap();
        assert!(l.wait_idle(Duration::from_secs(10)).await);
        assert_eq!(l.statuses()["cv-t"], LocalJobStatus::Failed { exit_code: 75 });
        let runs = std::fs::read_to_string(dir.path().join("count-cv-t")).unwrap();
        assert_eq!(runs.lines().count(), 3, "one run plus backoff_limit=2 retries");

        let bad = launcher(dir.path(), "echo run >> \"$(dirname $0)/count-$4\"; exit 65", 1);
        bad.launch(&request("cv-b")).await.unwrap();
        assert!(bad.wait_idle(Duration::from_secs(10)).await);
        let runs = std::fs::read_to_string(dir.path().join("count-cv-b")).unwrap();
        assert_eq!(runs.lines().count(), 1, "bad input is never retried");
    }

    #[tokio::test]
    async fn a_relaunch_of_a_failed_run_reports_the_failure_and_starts_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let l = launcher(dir.path(), "echo run >> \"$(dirname $0)/count-$4\"; exit 65", 1);
        l.launch(&request("cv-f")).await.unwrap();
        assert!(l.wait_idle(Duration::from_secs(10)).await);

        let again = l.launch(&request("cv-f")).await.unwrap();

        let LaunchOutcome::FailedBefore { reason } = again else { panic!("expected failed_before, got {again:?}") };
        assert!(reason.contains("65") && reason.contains("bad input"), "{reason}");
        let runs = std::fs::read_to_string(dir.path().join("count-cv-f")).unwrap();
        assert_eq!(runs.lines().count(), 1, "nothing new ran");
    }
}
