//! Everything the binary reads from the environment, loaded and validated once.

use serde::Deserialize;
use shared::auth::PushAuthSettings;
use shared::config::{load, GraphSettings, LocationSettings, ServerSettings};
use shared::domain::LocationPolicy;
use shared::{Error, Result};
use std::path::PathBuf;

use crate::kubernetes::{JobSettings, JobTemplate};

/// Where processing runs go (`LAUNCHER`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LauncherKind {
    /// Child processes on this machine (development, the local stack).
    #[default]
    Local,
    /// One Kubernetes Job per image.
    Kubernetes,
}

impl LauncherKind {
    /// Parses `LAUNCHER`'s value.
    pub fn parse(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" | "local" => Ok(Self::Local),
            "kubernetes" => Ok(Self::Kubernetes),
            other => Err(Error::setting("LAUNCHER", format!("expected local or kubernetes, got {other:?}"))),
        }
    }
}

#[derive(Deserialize)]
struct LauncherChoice {
    launcher: Option<String>,
}

/// Which routes this instance serves.
#[derive(Deserialize)]
struct RouteVars {
    /// Serve only `/pubsub/push` (a public ingest-trigger must not take unauthenticated CloudEvents).
    #[serde(default)]
    pubsub_push_only: bool,
}

/// `LOCAL_*`: how the local launcher runs `cv-processor`.
#[derive(Debug, Clone, Deserialize)]
pub struct LocalSettings {
    /// The processor binary (`LOCAL_PROCESSOR_BIN`).
    #[serde(default = "default_processor_bin")]
    pub processor_bin: PathBuf,
    /// Runs at once (`LOCAL_MAX_CONCURRENCY`).
    #[serde(default = "default_max_concurrency")]
    pub max_concurrency: usize,
    /// Folder for per-run logs (`LOCAL_LOG_DIR`).
    #[serde(default = "default_log_dir")]
    pub log_dir: PathBuf,
    /// Where runs send their feature documents (`LOCAL_SINK`, passed as `--sink`).
    pub sink: Option<String>,
    /// Pub/Sub topic runs publish their documents to instead (`LOCAL_PUBSUB_TOPIC`, passed
    /// as `--publish`; the runs inherit `PUBSUB_EMULATOR_HOST`).
    pub pubsub_topic: Option<String>,
}

fn default_processor_bin() -> PathBuf {
    "cv-processor".into()
}

fn default_max_concurrency() -> usize {
    2
}

fn default_log_dir() -> PathBuf {
    std::env::temp_dir().join("sightgraph-jobs")
}

/// The binary's settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `PORT`, `LOG_FORMAT`, `FEATURE_SET`.
    pub server: ServerSettings,
    /// `NEO4J_*`, `SQLITE_*`.
    pub graph: GraphSettings,
    /// `LAUNCHER`.
    pub launcher: LauncherKind,
    /// `JOB_*`.
    pub job: JobSettings,
    /// `LOCAL_*`.
    pub local: LocalSettings,
    /// `PUSH_AUTH_*`: who may post to `/pubsub/push`.
    pub push_auth: PushAuthSettings,
    /// `PUBSUB_PUSH_ONLY`: no CloudEvent route (the pubsub-push component makes the Service public).
    pub pubsub_push_only: bool,
    /// `ALLOWED_BUCKETS` / `LOCAL_BUCKET_ROOT`: events for other buckets are ignored.
    pub locations: LocationPolicy,
}

impl Settings {
    /// Loads every group and validates the one the chosen launcher needs.
    pub fn from_env() -> Result<Self> {
        let LauncherChoice { launcher } = load("")?;
        let RouteVars { pubsub_push_only } = load("")?;
        let launcher = LauncherKind::parse(launcher.as_deref().unwrap_or_default())?;
        let settings = Self {
            server: ServerSettings::from_env()?,
            graph: GraphSettings::from_env()?,
            launcher,
            job: load("JOB_")?,
            local: load("LOCAL_")?,
            push_auth: PushAuthSettings::from_env()?,
            pubsub_push_only,
            locations: LocationSettings::from_env()?.policy()?,
        };
        settings.validate()?;
        Ok(settings)
    }

    /// Fails with a message naming the variable when the chosen launcher cannot work.
    pub fn validate(&self) -> Result<()> {
        match self.launcher {
            LauncherKind::Kubernetes => self.job_template().map(drop),
            LauncherKind::Local if self.local.max_concurrency == 0 => {
                Err(Error::setting("LOCAL_MAX_CONCURRENCY", "must be at least 1"))
            }
            LauncherKind::Local if self.local.sink.is_some() && self.local.pubsub_topic.is_some() => {
                Err(Error::setting("LOCAL_PUBSUB_TOPIC/LOCAL_SINK", "set one of them, not both"))
            }
            LauncherKind::Local if self.local.pubsub_topic.is_some() => {
                let topic = self.local.pubsub_topic.as_deref().unwrap_or_default();
                shared::pubsub::TopicName::parse(topic)
                    .map(drop)
                    .map_err(|e| Error::setting("LOCAL_PUBSUB_TOPIC", e.to_string()))
            }
            LauncherKind::Local => Ok(()),
        }
    }

    /// The validated Job template (`JOB_*`).
    pub fn job_template(&self) -> Result<JobTemplate> {
        self.job.template()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(launcher: LauncherKind, job: &[(&str, &str)]) -> Settings {
        let vars = |v: &[(&str, &str)]| v.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>();
        Settings {
            server: envy::from_iter(vars(&[])).unwrap(),
            graph: GraphSettings {
                neo4j: envy::prefixed("NEO4J_").from_iter(vars(&[])).unwrap(),
                sqlite: envy::prefixed("SQLITE_").from_iter(vars(&[])).unwrap(),
                spanner: Default::default(),
            },
            launcher,
            job: envy::prefixed("JOB_").from_iter(vars(job)).unwrap(),
            local: envy::prefixed("LOCAL_").from_iter(vars(&[])).unwrap(),
            push_auth: envy::prefixed("PUSH_AUTH_").from_iter(vars(&[("PUSH_AUTH_DISABLED", "true")])).unwrap(),
            pubsub_push_only: false,
            locations: LocationPolicy::buckets(["sightgraph-raw"]).unwrap(),
        }
    }

    #[test]
    fn the_launcher_defaults_to_local_and_rejects_unknown_values_by_name() {
        assert_eq!(LauncherKind::parse("").unwrap(), LauncherKind::Local);
        assert_eq!(LauncherKind::parse("Kubernetes").unwrap(), LauncherKind::Kubernetes);
        let err = LauncherKind::parse("nomad").unwrap_err().to_string();
        assert!(err.contains("LAUNCHER"), "{err}");
    }

    #[test]
    fn local_settings_have_working_defaults() {
        let s = settings(LauncherKind::Local, &[]);
        assert_eq!(s.local.processor_bin, PathBuf::from("cv-processor"));
        assert_eq!(s.local.max_concurrency, 2);
        assert!(s.validate().is_ok(), "the local launcher needs no JOB_* settings");
    }

    #[test]
    fn the_kubernetes_launcher_requires_an_image_and_a_sink() {
        type Vars<'a> = &'a [(&'a str, &'a str)];
        let cases: [(Vars, Option<&str>); 3] = [
            (&[("JOB_SINK", "http://broker")], Some("JOB_IMAGE")),
            (&[("JOB_IMAGE", "cv:1")], Some("JOB_SINK")),
            (&[("JOB_IMAGE", "cv:1"), ("JOB_SINK", "http://broker")], None),
        ];
        for (vars, missing) in cases {
            let result = settings(LauncherKind::Kubernetes, vars).validate();
            match missing {
                Some(var) => assert!(result.unwrap_err().to_string().contains(var), "{vars:?} must name {var}"),
                None => assert!(result.is_ok(), "{vars:?} is complete: {result:?}"),
            }
        }
    }
}
