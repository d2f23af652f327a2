//! Creates the processing Job; the one place that talks to the Kubernetes API.

use async_trait::async_trait;
use k8s_openapi::api::batch::v1::Job;
use kube::api::{Api, PostParams};
use shared::launcher::{JobLauncher, JobRequest, LaunchOutcome};
use shared::{Error, Result};
use tracing::instrument;

use super::{build_job, JobTemplate};

const BACKEND: &str = "kubernetes";

/// The Kubernetes [`JobLauncher`]: one Job per request, named after it.
pub struct KubernetesLauncher {
    jobs: Api<Job>,
    template: JobTemplate,
}

impl KubernetesLauncher {
    /// A launcher creating Jobs in the template's namespace, else the client's default one.
    pub fn new(client: kube::Client, template: JobTemplate) -> Self {
        let jobs = match &template.namespace {
            Some(ns) => Api::namespaced(client, ns),
            None => Api::default_namespaced(client),
        };
        Self { jobs, template }
    }

    /// Connects with the in-cluster (or kubeconfig) credentials.
    pub async fn connect(template: JobTemplate) -> Result<Self> {
        // NB: several rustls crypto backends are compiled in, so one must be chosen explicitly.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = kube::Client::try_default()
            .await
            .map_err(|e| Error::backend(BACKEND, e).context("building the Kubernetes client"))?;
        Ok(Self::new(client, template))
    }
}

#[async_trait]
impl JobLauncher for KubernetesLauncher {
    fn kind(&self) -> &'static str {
        BACKEND
    }

    async fn launch(&self, request: &JobRequest) -> Result<LaunchOutcome> {
        create_job(&self.jobs, &build_job(&self.template, request)).await
    }
}

/// Creates `job`. An existing Job of that name (409, a redelivered event) starts nothing:
/// it is read back to tell a failed run (`FailedBefore`, with its reason) from one that is
/// pending, running or done.
#[instrument(skip_all, fields(job = job.metadata.name.as_deref().unwrap_or("")), err(Display))]
pub async fn create_job(jobs: &Api<Job>, job: &Job) -> Result<LaunchOutcome> {
    let name = job.metadata.name.as_deref().unwrap_or_default();
    match jobs.create(&PostParams::default(), job).await {
        Ok(_) => {
            tracing::info!("job created");
            Ok(LaunchOutcome::Created)
        }
        Err(kube::Error::Api(status)) if status.code == 409 => existing_job(jobs, name).await,
        Err(e) => Err(api_error("creating", name, e)),
    }
}

/// The outcome an existing Job of this name means.
async fn existing_job(jobs: &Api<Job>, name: &str) -> Result<LaunchOutcome> {
    match jobs.get_opt(name).await {
        Ok(Some(job)) => match failure_of(&job) {
            Some(reason) => {
                tracing::warn!(%reason, "job exists and has failed; not relaunched");
                Ok(LaunchOutcome::FailedBefore { reason })
            }
            None => {
                tracing::info!("job exists already; nothing to do");
                Ok(LaunchOutcome::AlreadyExists)
            }
        },
        // NB: deleted between the create and the read (TTL cleanup, an operator): a retry creates it.
        Ok(None) => Err(Error::unavailable(BACKEND, format!("Job {name} existed a moment ago and is gone; retry"))),
        Err(e) => Err(api_error("reading", name, e)),
    }
}

/// The reason of a Job's `Failed=True` condition (`BackoffLimitExceeded`,
/// `PodFailurePolicy`, `DeadlineExceeded`, …) with its message, if it has failed.
pub fn failure_of(job: &Job) -> Option<String> {
    let conditions = job.status.as_ref()?.conditions.as_ref()?;
    let failed = conditions.iter().find(|c| c.type_ == "Failed" && c.status == "True")?;
    let reason = failed.reason.as_deref().unwrap_or("Failed");
    Some(match failed.message.as_deref().filter(|m| !m.is_empty()) {
        Some(message) => format!("{reason}: {message}"),
        None => reason.to_owned(),
    })
}

/// Maps an API error: 403 says which grant is missing and is not retried, 429/5xx and
/// connection failures are transient, anything else a backend error.
fn api_error(action: &str, name: &str, error: kube::Error) -> Error {
    match error {
        kube::Error::Api(status) if status.code == 403 => Error::backend(BACKEND, status).context(format!(
            "RBAC is missing: {action} Job {name} was forbidden; grant the service account \
             create, get on batch/v1 jobs in this namespace (Role sightgraph-job-launcher)"
        )),
        kube::Error::Api(status) if status.code == 429 || status.code >= 500 => {
            let code = status.code;
            Error::unavailable(BACKEND, status).context(format!("{action} Job {name} answered {code}"))
        }
        kube::Error::Api(status) => {
            let code = status.code;
            Error::backend(BACKEND, status).context(format!("{action} Job {name} answered {code}"))
        }
        e => Error::unavailable(BACKEND, e).context(format!("{action} Job {name}")),
    }
}

#[cfg(test)]
#[path = "launcher_tests.rs"]
mod tests;
