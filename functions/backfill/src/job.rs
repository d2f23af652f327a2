//! The one function that turns a planned run into a typed `batch/v1` Indexed Job
//! (compare `knative/examples/backfill-job.yaml`): one completion per shard, each pod
//! running `cv-processor batch` on the shard `JOB_COMPLETION_INDEX` names. The pod is
//! the per-image Job's (ingest-trigger `processor_pod`): same namespace, account, hardening,
//! GPU request and no Secret; so is the pod failure policy. Documents go where the per-image
//! Job sends them: the topic, or the sink URL.

use ingest_trigger::kubernetes::{pod_failure_policy, processor_pod, JobTemplate};
use k8s_openapi::api::batch::v1::{Job, JobSpec};
use k8s_openapi::api::core::v1::PodTemplateSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use shared::backfill::{version_key, BackfillManifest};
use std::collections::BTreeMap;

/// Label every backfill Job and pod carries.
pub const COMPONENT_LABEL: (&str, &str) = ("app.kubernetes.io/component", "backfill");
/// Label with the run id.
pub const RUN_LABEL: &str = "sightgraph.dev/backfill-run";
/// Label with the feature set.
pub const FEATURE_SET_LABEL: &str = "sightgraph.dev/feature-set";
/// Label with the model version's key (label values cannot hold `@` or `+`).
pub const VERSION_KEY_LABEL: &str = "sightgraph.dev/model-version-key";
/// Annotation with the full model version.
pub const VERSION_ANNOTATION: &str = "sightgraph.dev/model-version";
/// Annotation with the backfill root the pods read.
pub const ROOT_ANNOTATION: &str = "sightgraph.dev/backfill-root";
/// Annotation with the images in the run.
pub const IMAGES_ANNOTATION: &str = "sightgraph.dev/backfill-images";
const CONTAINER: &str = "cv-processor";

/// A planned run and how to run it.
#[derive(Debug, Clone)]
pub struct BackfillJob<'a> {
    /// The run's manifest (its `processor` is the container image).
    pub manifest: &'a BackfillManifest,
    /// The backfill root the pods read the manifest from.
    pub root: &'a str,
    /// Pods at once (capped by the shards).
    pub parallelism: u32,
    /// Images per detector call.
    pub batch_size: u32,
}

/// The Job's name: the run id, so planning the same work twice finds the Job there.
pub fn job_name(manifest: &BackfillManifest) -> String {
    format!("backfill-{}", manifest.run.as_str().trim_start_matches("bf-"))
}

/// Builds the Indexed Job of a run.
pub fn build_indexed_job(template: &JobTemplate, job: &BackfillJob<'_>) -> Job {
    let m = job.manifest;
    let pod_labels = BTreeMap::from([
        ("app.kubernetes.io/name".to_owned(), CONTAINER.to_owned()),
        (COMPONENT_LABEL.0.to_owned(), COMPONENT_LABEL.1.to_owned()),
        (RUN_LABEL.to_owned(), m.run.to_string()),
    ]);
    let mut labels = pod_labels.clone();
    labels.extend([
        ("app.kubernetes.io/part-of".to_owned(), "sightgraph".to_owned()),
        ("app.kubernetes.io/managed-by".to_owned(), "sightgraph-backfill".to_owned()),
        (FEATURE_SET_LABEL.to_owned(), m.feature_set.to_string()),
        (VERSION_KEY_LABEL.to_owned(), version_key(&m.model_version)),
    ]);
    let annotations = BTreeMap::from([
        (VERSION_ANNOTATION.to_owned(), m.model_version.to_string()),
        (ROOT_ANNOTATION.to_owned(), job.root.to_owned()),
        (IMAGES_ANNOTATION.to_owned(), m.images.to_string()),
        ("sightgraph.dev/backfill-scope".to_owned(), m.scope.to_string()),
        ("sightgraph.dev/created-by".to_owned(), m.created_by.clone()),
    ]);
    // NB: no graph settings and no Secret, like the per-image Job; JOB_COMPLETION_INDEX (the
    // shard) is set by Kubernetes in every pod of an Indexed Job.
    let (root, batch_size) = (job.root, job.batch_size.to_string());
    let args = ["batch", "--root", root, "--run", m.run.as_str(), "--batch-size", batch_size.as_str()];
    Job {
        metadata: ObjectMeta {
            name: Some(job_name(m)),
            namespace: template.namespace.clone(),
            labels: Some(labels),
            annotations: Some(annotations),
            ..Default::default()
        },
        spec: Some(JobSpec {
            completion_mode: Some("Indexed".into()),
            completions: Some(m.shards as i32),
            parallelism: Some(job.parallelism.clamp(1, m.shards.max(1)) as i32),
            // NB: retries count per shard, so one flaky shard cannot use up the others' retries.
            backoff_limit_per_index: Some(template.backoff_limit),
            // NB: the per-image Job's policy fits a shard too: a usage, bad-input (unreadable
            // manifest) or configuration exit fails at once, a transient one counts against the
            // shard's retries, and the retry skips the chunks the lost pod finished.
            pod_failure_policy: Some(pod_failure_policy()),
            ttl_seconds_after_finished: Some(template.ttl_seconds),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta { labels: Some(pod_labels), ..Default::default() }),
                spec: Some(processor_pod(template, &m.processor, &args)),
            },
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[cfg(test)]
#[path = "job_tests.rs"]
pub(crate) mod tests;
