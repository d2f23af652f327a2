//! The one function that turns a [`JobRequest`] into a typed `batch/v1` Job
//! (compare `knative/examples/cv-processor-job.yaml`).

use k8s_openapi::api::batch::v1::{Job, JobSpec};
use k8s_openapi::api::core::v1::{
    Capabilities, Container, EmptyDirVolumeSource, EnvVar, PodSecurityContext, PodSpec, PodTemplateSpec,
    ResourceRequirements, SeccompProfile, SecurityContext, Toleration, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use sha2::{Digest, Sha256};
use shared::launcher::JobRequest;
use std::collections::BTreeMap;

use super::{pod_failure_policy, JobOutput, JobTemplate};

/// Label selecting every processing Job and pod.
pub const NAME_LABEL: (&str, &str) = ("app.kubernetes.io/name", "cv-processor");
/// Label with a short hash of the image URI (label values cannot hold the URI itself).
pub const IMAGE_URI_HASH_LABEL: &str = "sightgraph.dev/image-uri-hash";
/// Annotation with the full image URI.
pub const IMAGE_URI_ANNOTATION: &str = "sightgraph.dev/image-uri";
/// Annotation with the id of the event that asked for the run.
pub const EVENT_ID_ANNOTATION: &str = "sightgraph.dev/event-id";
/// The GPU resource and the taint GPU node pools carry.
pub const GPU_RESOURCE: &str = "nvidia.com/gpu";
const NONROOT: i64 = 65532;

/// Builds the Job that processes one image.
pub fn build_job(template: &JobTemplate, request: &JobRequest) -> Job {
    let uri = request.image_uri.to_string();
    let uri_hash = hex::encode(&Sha256::digest(uri.as_bytes())[..8]);
    let labels = BTreeMap::from([
        (NAME_LABEL.0.to_owned(), NAME_LABEL.1.to_owned()),
        ("app.kubernetes.io/part-of".to_owned(), "sightgraph".to_owned()),
        ("app.kubernetes.io/managed-by".to_owned(), "ingest-trigger".to_owned()),
        (IMAGE_URI_HASH_LABEL.to_owned(), uri_hash),
    ]);
    let annotations = BTreeMap::from([
        (IMAGE_URI_ANNOTATION.to_owned(), uri.clone()),
        (EVENT_ID_ANNOTATION.to_owned(), request.event_id.clone()),
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
        containers: vec![container(template, request, &uri)],
        volumes: Some(vec![Volume {
            name: "tmp".into(),
            empty_dir: Some(EmptyDirVolumeSource { size_limit: Some(Quantity("1Gi".into())), ..Default::default() }),
            ..Default::default()
        }]),
        ..Default::default()
    };
    Job {
        metadata: ObjectMeta {
            name: Some(request.name.to_string()),
            namespace: template.namespace.clone(),
            labels: Some(labels),
            annotations: Some(annotations),
            ..Default::default()
        },
        spec: Some(JobSpec {
            backoff_limit: Some(template.backoff_limit),
            ttl_seconds_after_finished: Some(template.ttl_seconds),
            active_deadline_seconds: Some(template.active_deadline_seconds),
            pod_failure_policy: Some(pod_failure_policy()),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(BTreeMap::from([(NAME_LABEL.0.to_owned(), NAME_LABEL.1.to_owned())])),
                    ..Default::default()
                }),
                spec: Some(pod),
            },
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn container(template: &JobTemplate, request: &JobRequest, uri: &str) -> Container {
    let output = match &template.output {
        JobOutput::PubSub(topic) => ["--publish", topic.as_str()],
        JobOutput::Sink(url) => ["--sink", url.as_str()],
    };
    let args = ["--image-uri", uri, "--job-id", request.name.as_str(), output[0], output[1]];
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
    Container {
        name: "cv-processor".into(),
        image: Some(template.image.clone()),
        // NB: release tags are immutable (terraform registry.tf), so a cached image is the right one.
        image_pull_policy: Some("IfNotPresent".into()),
        args: Some(args.iter().map(|a| a.to_string()).collect()),
        env: Some(env(template)),
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

/// NB: the processor reads its image and posts its document; it never touches Neo4j, so the
/// Job gets no graph settings and no Secret at all (a leaked pod spec or a compromised model
/// run learns no password).
fn env(template: &JobTemplate) -> Vec<EnvVar> {
    let plain = |name: &str, value: &str| EnvVar { name: name.into(), value: Some(value.into()), ..Default::default() };
    let output = match &template.output {
        JobOutput::PubSub(topic) => plain("CV_PUBSUB_TOPIC", topic.as_str()),
        JobOutput::Sink(url) => plain("K_SINK", url),
    };
    vec![output, plain("RUST_LOG", &template.rust_log), plain("LOG_FORMAT", "json")]
}

fn runtime_default() -> SeccompProfile {
    SeccompProfile { type_: "RuntimeDefault".into(), ..Default::default() }
}

#[cfg(test)]
#[path = "job_tests.rs"]
pub(crate) mod tests;
