//! Starting a planned run and reading its state: one Indexed Job in the cluster
//! ([`kubernetes`]), its shards as child processes of the local launcher locally ([`local`]).

pub mod kubernetes;
pub mod local;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// Where a run stands, as its launcher knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state", content = "reason")]
pub enum RunState {
    /// Shards are queued or running.
    Running,
    /// Every shard finished.
    Complete,
    /// The run gave up (a permanent exit, or a shard's retries were used up).
    Failed(String),
}

/// A run's Job (or its local shards).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobState {
    /// Job name (the run's shards' prefix locally).
    pub name: String,
    /// Overall state.
    pub state: RunState,
    /// Shards running now.
    pub active: u32,
    /// Shards finished.
    pub succeeded: u32,
    /// Pods (attempts) that failed.
    pub failed: u32,
    /// Shards in all.
    pub completions: u32,
    /// When the first shard started.
    pub started_at: Option<DateTime<Utc>>,
    /// When it finished.
    pub finished_at: Option<DateTime<Utc>>,
}

/// What launching did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Launched {
    /// The Job (or shard processes) was created.
    Created,
    /// The Job of this run exists already; nothing new was started.
    AlreadyExists,
}
