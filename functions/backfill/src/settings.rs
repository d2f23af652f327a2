//! `BACKFILL_*`: where runs are written and how they are split, validated at start.

use serde::Deserialize;
use shared::{Error, Result};

/// `BACKFILL_*` as read from the environment; unset variables keep the [`Default`] values.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default)]
pub struct BackfillSettings {
    /// Where manifests, shard lists and progress markers go: `gs://bucket/prefix` (the
    /// terraform bucket, in `sightgraph-infra`) or a local folder. Unset disables backfills.
    pub root: Option<String>,
    /// Pods at once; the cluster sets it to the GPU pool's total node bound
    /// (terraform `gpu_max_nodes`, in `sightgraph-infra`), so a backfill can use the whole
    /// pool and never asks for more GPUs than the cost cap allows.
    pub parallelism: u32,
    /// Images per shard: one pod's work, and what a lost pod redoes at most.
    pub shard_size: u32,
    /// Images per progress marker: what a retried pod redoes at most.
    pub chunk_size: u32,
    /// Images per detector call in the pods (`cv-processor batch --batch-size`).
    pub batch_size: u32,
}

/// Most shards of one run (an Indexed Job's completions stay far below the API's limit).
pub const MAX_SHARDS: u32 = 10_000;

impl Default for BackfillSettings {
    fn default() -> Self {
        Self { root: None, parallelism: 1, shard_size: 5000, chunk_size: 32, batch_size: 16 }
    }
}

impl BackfillSettings {
    /// Loads `BACKFILL_*` and validates it.
    pub fn from_env() -> Result<Self> {
        let settings: Self = shared::config::load("BACKFILL_")?;
        settings.validate()?;
        Ok(settings)
    }

    /// Checks the numbers; errors name the variable.
    pub fn validate(&self) -> Result<()> {
        let checks = [
            ("BACKFILL_PARALLELISM", self.parallelism, 1, 1000),
            ("BACKFILL_SHARD_SIZE", self.shard_size, 1, 1_000_000),
            ("BACKFILL_CHUNK_SIZE", self.chunk_size, 1, 10_000),
            ("BACKFILL_BATCH_SIZE", self.batch_size, 1, 256),
        ];
        for (name, value, min, max) in checks {
            if !(min..=max).contains(&value) {
                return Err(Error::invalid(format!("{name} must lie in {min}..={max}, got {value}")));
            }
        }
        if let Some(root) = &self.root {
            let local = !root.contains("://") || root.starts_with("file://");
            if !(root.starts_with("gs://") || local) || root.trim().is_empty() {
                return Err(Error::invalid(format!(
                    "BACKFILL_ROOT must be gs://bucket/prefix or a local folder, got {root:?}"
                )));
            }
        }
        Ok(())
    }

    /// The root, or why backfills are off.
    pub fn root(&self) -> Result<&str> {
        self.root
            .as_deref()
            .ok_or_else(|| Error::unavailable("backfill", "BACKFILL_ROOT is not set: backfills are disabled"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> std::result::Result<BackfillSettings, String> {
        let s: BackfillSettings = envy::prefixed("BACKFILL_")
            .from_iter(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
            .map_err(|e| e.to_string())?;
        s.validate().map_err(|e| e.to_string())?;
        Ok(s)
    }

    #[test]
    fn defaults_are_conservative_and_the_cluster_sets_the_pool_size() {
        let s = settings(&[]).unwrap();
        assert_eq!((s.parallelism, s.shard_size, s.chunk_size, s.batch_size), (1, 5000, 32, 16));
        let pool = settings(&[("BACKFILL_PARALLELISM", "5"), ("BACKFILL_ROOT", "gs://b/backfills")]).unwrap();
        assert_eq!((pool.parallelism, pool.root().unwrap()), (5, "gs://b/backfills"));
        assert!(s.root().is_err(), "no root: backfills are off");
    }

    #[test]
    fn out_of_range_values_are_refused_by_variable_name() {
        for (name, value) in [("BACKFILL_PARALLELISM", "0"), ("BACKFILL_CHUNK_SIZE", "0"), ("BACKFILL_ROOT", "s3://x")]
        {
            let err = settings(&[(name, value)]).unwrap_err();
            assert!(err.contains(name), "{name}={value}: {err}");
        }
    }
}
