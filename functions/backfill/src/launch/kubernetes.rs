//! Runs as Indexed Jobs in `sightgraph-jobs`, through the Kubernetes API: create the
//! Job (once per run), refuse a second backfill of a version while one runs, read state.

use ingest_trigger::kubernetes::{create_job, JobTemplate};
use k8s_openapi::api::batch::v1::Job;
use kube::api::{Api, ListParams};
use shared::backfill::{version_key, BackfillManifest, RunId};
use shared::domain::{FeatureSetName, ModelVersion};
use shared::launcher::LaunchOutcome;
use shared::{Error, Result};
use tracing::instrument;

use super::{JobState, Launched, RunState};
use crate::job::{build_indexed_job, BackfillJob, COMPONENT_LABEL, FEATURE_SET_LABEL, RUN_LABEL, VERSION_KEY_LABEL};

const BACKEND: &str = "kubernetes";

/// Backfill Jobs in one namespace.
pub struct KubernetesBackfills {
    jobs: Api<Job>,
    template: JobTemplate,
    parallelism: u32,
    batch_size: u32,
}

impl KubernetesBackfills {
    /// Jobs in the template's namespace (else the client's), `parallelism` pods at once.
    pub fn new(client: kube::Client, template: JobTemplate, parallelism: u32, batch_size: u32) -> Self {
        let jobs = match &template.namespace {
            Some(ns) => Api::namespaced(client, ns),
            None => Api::default_namespaced(client),
        };
        Self { jobs, template, parallelism, batch_size }
    }

    /// Connects with the in-cluster (or kubeconfig) credentials.
    pub async fn connect(template: JobTemplate, parallelism: u32, batch_size: u32) -> Result<Self> {
        // NB: several rustls crypto backends are compiled in, so one must be chosen explicitly.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = kube::Client::try_default()
            .await
            .map_err(|e| shared::Error::backend(BACKEND, e).context("building the Kubernetes client"))?;
        Ok(Self::new(client, template, parallelism, batch_size))
    }

    /// Creates the run's Job, unless another run of the same version is still going.
    #[instrument(skip_all, fields(run = %manifest.run), err(Display))]
    pub async fn launch(&self, manifest: &BackfillManifest, root: &str) -> Result<Launched> {
        for (run, state) in self.runs(&manifest.feature_set, &manifest.model_version).await? {
            if run != manifest.run && state.state == RunState::Running {
                return Err(Error::conflict(format!(
                    "backfill {} of {} is still running ({}/{} shards done): follow it with `backfill status`, \
                     or delete that Job to start over",
                    state.name, manifest.model_version, state.succeeded, state.completions
                )));
            }
        }
        let job = build_indexed_job(
            &self.template,
            &BackfillJob { manifest, root, parallelism: self.parallelism, batch_size: self.batch_size },
        );
        match create_job(&self.jobs, &job).await? {
            LaunchOutcome::Created => Ok(Launched::Created),
            LaunchOutcome::FailedBefore { reason } => Err(Error::conflict(format!(
                "the Job of run {} exists and has failed ({reason}): delete it to run the shards again",
                manifest.run
            ))),
            _ => Ok(Launched::AlreadyExists),
        }
    }

    /// Every backfill Job of a version, newest first.
    pub async fn runs(&self, set: &FeatureSetName, version: &ModelVersion) -> Result<Vec<(RunId, JobState)>> {
        let selector = format!(
            "{}={},{FEATURE_SET_LABEL}={set},{VERSION_KEY_LABEL}={}",
            COMPONENT_LABEL.0,
            COMPONENT_LABEL.1,
            version_key(version)
        );
        let list =
            self.jobs.list(&ListParams::default().labels(&selector)).await.map_err(|e| api_error("listing Jobs", e))?;
        let mut jobs: Vec<Job> = list.items;
        jobs.sort_by(|a, b| b.metadata.creation_timestamp.cmp(&a.metadata.creation_timestamp));
        Ok(jobs
            .iter()
            .filter_map(|j| {
                let run = j.metadata.labels.as_ref()?.get(RUN_LABEL).and_then(|r| RunId::parse(r).ok())?;
                Some((run, state_of(j)))
            })
            .collect())
    }
}

/// A Job's state from its status and conditions.
pub fn state_of(job: &Job) -> JobState {
    let status = job.status.clone().unwrap_or_default();
    let condition = |kind: &str| {
        status.conditions.as_deref().unwrap_or_default().iter().find(|c| c.type_ == kind && c.status == "True").cloned()
    };
    let state = match (condition("Complete"), condition("Failed")) {
        (Some(_), _) => RunState::Complete,
        (None, Some(c)) => RunState::Failed([c.reason, c.message].into_iter().flatten().collect::<Vec<_>>().join(": ")),
        (None, None) => RunState::Running,
    };
    let count = |v: Option<i32>| v.unwrap_or(0).max(0) as u32;
    JobState {
        name: job.metadata.name.clone().unwrap_or_default(),
        state,
        active: count(status.active),
        succeeded: count(status.succeeded),
        failed: count(status.failed),
        completions: count(job.spec.as_ref().and_then(|s| s.completions)),
        started_at: status.start_time.map(|t| to_chrono(&t)),
        finished_at: status.completion_time.map(|t| to_chrono(&t)),
    }
}

fn to_chrono(t: &k8s_openapi::apimachinery::pkg::apis::meta::v1::Time) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(t.0.as_second(), t.0.subsec_nanosecond().max(0) as u32).unwrap_or_default()
}

fn api_error(what: &str, e: kube::Error) -> Error {
    match e {
        kube::Error::Api(s) if s.code == 403 => Error::backend(BACKEND, s).context(format!(
            "RBAC is missing: {what} was forbidden; grant create, get and list on batch/v1 jobs (Role sightgraph-backfill-launcher)"
        )),
        kube::Error::Api(s) if s.code == 429 || s.code >= 500 => {
            let code = s.code;
            Error::unavailable(BACKEND, s).context(format!("{what} answered {code}"))
        }
        kube::Error::Api(s) => {
            let code = s.code;
            Error::backend(BACKEND, s).context(format!("{what} answered {code}"))
        }
        other => Error::unavailable(BACKEND, other).context(what),
    }
}

#[cfg(test)]
#[path = "kubernetes_tests.rs"]
mod tests;
