//! The one function that turns a planned run into a typed `batch/v1` Indexed Job
//! (compare `knative/examples/backfill-job.yaml`): one completion per shard, each pod
//! running `cv-processor batch` on the shard `JOB_COMPLETION_INDEX` names. The pod is
//! the per-image Job's (ingest-trigger `build_job`): same namespace, account, hardening,
//! GPU request and no Secret; so is the pod failure policy.

use ingest_trigger::kubernetes::{pod_failure_policy, JobOutput, JobTemplate};
use k8s_openapi::api::batch::v1::{Job, JobSpec};
use k8s_openapi::api::core::v1::{
    Capabilities, Container, EmptyDirVolumeSource, EnvVar, PodSecurityContext, PodSpec, PodTemplateSpec,
    ResourceRequirements, SeccompProfile, SecurityContext, Toleration, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
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
const GPU_RESOURCE: &str = "nvidia.com/gpu";
const NONROOT: i64 = 65532;

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
    let gpu = template.gpu_count > 0;
    let pod = PodSpec {
        restart_policy: Some("Never".into()),
        service_account_name: template.service_account.clone(),
        automount_service_account_token: Some(false),
        enable_service_links: Some(false),
        security_context: Some(PodSecurityContext {
            run_as_non_root: Some(true),
            run_as_user: Some(NONROOT),
            run_as_group: Some(NONROOT),
            fs_group: Some(NONROOT),
            seccomp_profile: Some(runtime_default()),
            ..Default::default()
        }),
        node_selector: (!template.node_selector.is_empty()).then(|| template.node_selector.clone()),
        tolerations: gpu.then(|| {
            vec![Toleration {
                key: Some(GPU_RESOURCE.into()),
                operator: Some("Exists".into()),
                effect: Some("NoSchedule".into()),
                ..Default::default()
            }]
        }),
        containers: vec![container(template, job)],
        volumes: Some(vec![Volume {
            name: "tmp".into(),
            empty_dir: Some(EmptyDirVolumeSource { size_limit: Some(Quantity("1Gi".into())), ..Default::default() }),
            ..Default::default()
        }]),
        ..Default::default()
    };
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
                spec: Some(pod),
            },
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn container(template: &JobTemplate, job: &BackfillJob<'_>) -> Container {
    let m = job.manifest;
    // NB: documents go where the per-image Job sends them: the topic, or the sink URL.
    let output = match &template.output {
        JobOutput::PubSub(topic) => ("--publish", topic.as_str(), "CV_PUBSUB_TOPIC"),
        JobOutput::Sink(url) => ("--sink", url.as_str(), "K_SINK"),
    };
    let args = [
        "batch",
        "--root",
        job.root,
        "--run",
        m.run.as_str(),
        "--batch-size",
        &job.batch_size.to_string(),
        output.0,
        output.1,
    ]
    .map(str::to_owned)
    .to_vec();
    let q = |s: &str| Quantity(s.to_owned());
    let mut requests = BTreeMap::from([
        ("cpu".to_owned(), q(template.cpu_request.as_str())),
        ("memory".to_owned(), q(template.memory_request.as_str())),
    ]);
    let mut limits = BTreeMap::from([("memory".to_owned(), q(template.memory_limit.as_str()))]);
    if template.gpu_count > 0 {
        let gpus = q(&template.gpu_count.to_string());
        requests.insert(GPU_RESOURCE.to_owned(), gpus.clone());
        limits.insert(GPU_RESOURCE.to_owned(), gpus);
    }
    let plain = |name: &str, value: &str| EnvVar { name: name.into(), value: Some(value.into()), ..Default::default() };
    Container {
        name: CONTAINER.into(),
        image: Some(m.processor.clone()),
        image_pull_policy: Some("IfNotPresent".into()),
        args: Some(args),
        // NB: like the per-image Job: no graph settings and no Secret; JOB_COMPLETION_INDEX
        // (the shard) is set by Kubernetes in every pod of an Indexed Job.
        env: Some(vec![plain(output.2, output.1), plain("RUST_LOG", &template.rust_log), plain("LOG_FORMAT", "json")]),
        resources: Some(ResourceRequirements { requests: Some(requests), limits: Some(limits), ..Default::default() }),
        security_context: Some(SecurityContext {
            run_as_non_root: Some(true),
            run_as_user: Some(NONROOT),
            run_as_group: Some(NONROOT),
            read_only_root_filesystem: Some(true),
            allow_privilege_escalation: Some(false),
            capabilities: Some(Capabilities { drop: Some(vec!["ALL".into()]), ..Default::default() }),
            seccomp_profile: Some(runtime_default()),
            ..Default::default()
        }),
        volume_mounts: Some(vec![VolumeMount { name: "tmp".into(), mount_path: "/tmp".into(), ..Default::default() }]),
        ..Default::default()
    }
}

fn runtime_default() -> SeccompProfile {
    SeccompProfile { type_: "RuntimeDefault".into(), ..Default::default() }
}

#[cfg(test)]
#[path = "job_tests.rs"]
pub(crate) mod tests;
