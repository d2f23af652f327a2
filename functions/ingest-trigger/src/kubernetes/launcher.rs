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
            .map_err(|e| Error::backend(BACKEND, format!("building the Kubernetes client: {e}")))?;
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

/// Creates `job`; an existing Job of that name (409) counts as success.
#[instrument(skip_all, fields(job = job.metadata.name.as_deref().unwrap_or("")), err(Display))]
pub async fn create_job(jobs: &Api<Job>, job: &Job) -> Result<LaunchOutcome> {
    let name = job.metadata.name.as_deref().unwrap_or_default();
    match jobs.create(&PostParams::default(), job).await {
        Ok(_) => {
            tracing::info!("job created");
            Ok(LaunchOutcome::Created)
        }
        Err(kube::Error::Api(status)) if status.code == 409 => {
            tracing::info!("job exists already; nothing to do");
            Ok(LaunchOutcome::AlreadyExists)
        }
        Err(kube::Error::Api(status)) if status.code == 403 => Err(Error::backend(
            BACKEND,
            format!(
                "RBAC is missing: creating Job {name} was forbidden; grant the service account \
                 create on batch/v1 jobs in this namespace (Role sightgraph-job-launcher): {}",
                status.message
            ),
        )),
        Err(kube::Error::Api(status)) if status.code == 429 || status.code >= 500 => {
            Err(Error::unavailable(BACKEND, format!("creating Job {name}: {} {}", status.code, status.message)))
        }
        Err(kube::Error::Api(status)) => {
            Err(Error::backend(BACKEND, format!("creating Job {name}: {} {}", status.code, status.message)))
        }
        Err(e) => Err(Error::unavailable(BACKEND, format!("creating Job {name}: {e}"))),
    }
}

#[cfg(test)]
#[path = "launcher_tests.rs"]
mod tests;
