//! Launching one `cv-processor` run per image: a Kubernetes Job in the
//! cluster (in the `ingest-trigger` crate), a child process locally.

mod local;

use async_trait::async_trait;
use serde::Serialize;
use std::sync::Arc;

pub use local::{LocalJobStatus, LocalLauncher, LocalLauncherConfig};

use crate::domain::{JobName, ObjectUri};
use crate::Result;

/// A launcher shared between handlers.
pub type SharedLauncher = Arc<dyn JobLauncher>;

/// Exit codes `cv-processor` uses so launchers and operators can tell bad
/// input (never retry) from transient failure (retry).
pub mod exit_codes {
    /// Features extracted and delivered.
    pub const OK: i32 = 0;
    /// Command-line usage error.
    pub const USAGE: i32 = 64;
    /// The image is unusable (corrupt, too large, not an image): do not retry.
    pub const BAD_INPUT: i32 = 65;
    /// A dependency failed (storage, sink, runtime): retry later.
    pub const TRANSIENT: i32 = 75;
    /// Configuration or model files missing: fix the deployment.
    pub const CONFIG: i32 = 78;
}

/// One image to process.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobRequest {
    /// Identity of the run; launching the same name twice is a no-op.
    pub name: JobName,
    /// Image to read.
    pub image_uri: ObjectUri,
    /// The event that asked for it, for lineage.
    pub event_id: String,
}

/// What a launch did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LaunchOutcome {
    /// A new run was started.
    Created,
    /// A run with this name already exists (queued, running or done); nothing was started.
    AlreadyExists,
    /// A run with this name exists and has failed for good; nothing was started. Re-running
    /// it is an operator's decision (docs/deploy.md, "Re-running a failed image").
    FailedBefore {
        /// Why it failed, as the backend reports it (e.g. the Job's `Failed` condition).
        reason: String,
    },
}

/// Starts processing runs.
#[async_trait]
pub trait JobLauncher: Send + Sync {
    /// Launcher name for logs (`local`, `kubernetes`).
    fn kind(&self) -> &'static str;

    /// Starts a run unless one with the same name exists; says whether that one failed.
    async fn launch(&self, request: &JobRequest) -> Result<LaunchOutcome>;
}
