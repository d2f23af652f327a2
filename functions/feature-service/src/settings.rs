//! Everything the binary reads from the environment, loaded once and validated.

use secrecy::SecretString;
use serde::Deserialize;
use shared::config::{load, LocationSettings};
use shared::domain::LocationPolicy;
use shared::storage::StorageConfig;
use std::path::PathBuf;

use crate::auth::AdminTokens;
use backfill::BackfillSettings;

/// Settings without a prefix that only this function reads.
#[derive(Debug, Clone, Deserialize)]
struct ServiceVars {
    /// Bearer token for version switches, audited as actor `admin` (from a Secret).
    admin_token: Option<SecretString>,
    /// `name:token,…`: one bearer token per actor, each audited under its name (from a Secret).
    admin_tokens: Option<SecretString>,
    /// Seconds the active-version pointer is trusted before re-reading it.
    #[serde(default = "default_active_ttl")]
    active_version_ttl_seconds: u64,
    /// Local folder standing in for buckets (development); GCS otherwise.
    local_bucket_root: Option<PathBuf>,
    /// fake-gcs-server endpoint (tests).
    gcs_base_url: Option<String>,
    /// Folder with the built UI to serve at `/` (API routes take precedence).
    ui_dist: Option<PathBuf>,
    /// Most vectors `/similar` compares exactly where no vector index answers; 503 beyond.
    #[serde(default = "default_similar_max_scan")]
    similar_max_scan: usize,
    /// Share of the set's images a version must cover to be activated without `force`.
    #[serde(default = "default_min_coverage")]
    activation_min_coverage: f64,
    /// `kubernetes`: backfills run as Indexed Jobs (`JOB_*` is their template).
    launcher: Option<String>,
    /// Bytes of cached objects kept in process in front of Redis; 0 turns the near cache off.
    #[serde(default = "default_near_cache_bytes")]
    near_cache_bytes: u64,
    /// Seconds an object stays in the near cache at most.
    #[serde(default = "default_near_cache_ttl")]
    near_cache_ttl_seconds: u64,
}

/// `NEAR_CACHE_BYTES` when unset: about 10,000 objects with 1280-d vectors.
pub const DEFAULT_NEAR_CACHE_BYTES: u64 = 64 << 20;
/// `NEAR_CACHE_TTL_SECONDS` when unset.
pub const DEFAULT_NEAR_CACHE_TTL_SECONDS: u64 = 60;

fn default_near_cache_bytes() -> u64 {
    DEFAULT_NEAR_CACHE_BYTES
}

fn default_near_cache_ttl() -> u64 {
    DEFAULT_NEAR_CACHE_TTL_SECONDS
}

fn default_min_coverage() -> f64 {
    backfill::activate::DEFAULT_MIN_COVERAGE
}

fn default_similar_max_scan() -> usize {
    20_000
}

fn default_active_ttl() -> u64 {
    5
}

/// All settings of `feature-service`.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Server, graph and cache groups.
    pub common: shared::config::Settings,
    /// ADMIN_TOKEN / ADMIN_TOKENS.
    pub admins: AdminTokens,
    /// ACTIVE_VERSION_TTL_SECONDS.
    pub active_version_ttl_seconds: u64,
    /// LOCAL_BUCKET_ROOT / GCS_BASE_URL.
    pub storage: StorageConfig,
    /// ALLOWED_BUCKETS / LOCAL_BUCKET_ROOT: which stored locations `/images` reads.
    pub locations: LocationPolicy,
    /// UI_DIST.
    pub ui_dist: Option<PathBuf>,
    /// BACKFILL_*.
    pub backfill: BackfillSettings,
    /// ACTIVATION_MIN_COVERAGE.
    pub min_coverage: f64,
    /// LAUNCHER=kubernetes: backfills launch Indexed Jobs.
    pub kubernetes: bool,
    /// SIMILAR_MAX_SCAN.
    pub similar_max_scan: usize,
    /// NEAR_CACHE_BYTES (0: off).
    pub near_cache_bytes: u64,
    /// NEAR_CACHE_TTL_SECONDS.
    pub near_cache_ttl: std::time::Duration,
}

impl Settings {
    /// Loads and validates every group.
    pub fn from_env() -> shared::Result<Self> {
        let vars: ServiceVars = load("")?;
        let admins = AdminTokens::from_settings(vars.admin_token.as_ref(), vars.admin_tokens.as_ref())
            .map_err(shared::Error::invalid)?;
        if vars.similar_max_scan == 0 {
            return Err(shared::Error::invalid("SIMILAR_MAX_SCAN must be at least 1"));
        }
        let storage = StorageConfig {
            local_bucket_root: vars.local_bucket_root,
            gcs_base_url: vars.gcs_base_url,
            ..StorageConfig::default()
        };
        let min_coverage = vars.activation_min_coverage;
        if !(0.0..=1.0).contains(&min_coverage) {
            return Err(shared::Error::invalid(format!(
                "ACTIVATION_MIN_COVERAGE must lie in 0..=1, got {min_coverage}"
            )));
        }
        shared::config::in_range("NEAR_CACHE_BYTES", vars.near_cache_bytes, 0, 16 << 30)?;
        shared::config::in_range("NEAR_CACHE_TTL_SECONDS", vars.near_cache_ttl_seconds, 1, 86_400)?;
        let backfill = BackfillSettings::from_env()?;
        let kubernetes = vars.launcher.as_deref().is_some_and(|l| l.trim().eq_ignore_ascii_case("kubernetes"));
        Ok(Self {
            common: shared::config::Settings::from_env()?,
            admins,
            active_version_ttl_seconds: vars.active_version_ttl_seconds,
            storage,
            locations: LocationSettings::from_env()?.policy()?,
            ui_dist: vars.ui_dist,
            backfill,
            min_coverage,
            kubernetes,
            similar_max_scan: vars.similar_max_scan,
            near_cache_bytes: vars.near_cache_bytes,
            near_cache_ttl: std::time::Duration::from_secs(vars.near_cache_ttl_seconds),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> ServiceVars {
        envy::from_iter(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string()))).unwrap()
    }

    #[test]
    fn an_empty_admin_token_is_refused_at_start_naming_the_variable() {
        for (name, value) in [("ADMIN_TOKEN", ""), ("ADMIN_TOKENS", ""), ("ADMIN_TOKENS", " , ")] {
            let v = vars(&[(name, value)]);
            let err = AdminTokens::from_settings(v.admin_token.as_ref(), v.admin_tokens.as_ref()).unwrap_err();
            assert!(err.contains(name), "{name}={value:?}: {err}");
        }
        let unset = vars(&[]);
        let tokens = AdminTokens::from_settings(unset.admin_token.as_ref(), unset.admin_tokens.as_ref()).unwrap();
        assert_eq!(tokens.names().count(), 0, "unset disables version switches");
    }
}
