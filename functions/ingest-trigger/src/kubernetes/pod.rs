//! The pod every processing Job runs, per image (ingest-trigger) and per backfill shard:
//! one hardened `cv-processor` container, no Secret, the template's GPU request, node
//! selector and toleration, and a bounded scratch `/tmp` (the root filesystem is read-only).

use k8s_openapi::api::core::v1::{
    Capabilities, Container, EmptyDirVolumeSource, EnvVar, PodSecurityContext, PodSpec, ResourceRequirements,
    SeccompProfile, SecurityContext, Toleration, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use std::collections::BTreeMap;

use super::failure_policy::CONTAINER;
use super::{JobOutput, JobTemplate};

/// The GPU resource and the taint GPU node pools carry.
pub const GPU_RESOURCE: &str = "nvidia.com/gpu";
const NONROOT: i64 = 65532;

/// The pod running `image` with `args`, followed by where the template sends documents
/// (`--publish <topic>` or `--sink <url>`).
pub fn processor_pod(template: &JobTemplate, image: &str, args: &[&str]) -> PodSpec {
    let gpu = template.gpu_count > 0;
    PodSpec {
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
        containers: vec![container(template, image, args)],
        volumes: Some(vec![Volume {
            name: "tmp".into(),
            empty_dir: Some(EmptyDirVolumeSource { size_limit: Some(Quantity("1Gi".into())), ..Default::default() }),
            ..Default::default()
        }]),
        ..Default::default()
    }
}

fn container(template: &JobTemplate, image: &str, args: &[&str]) -> Container {
    let (flag, value, variable) = match &template.output {
        JobOutput::PubSub(topic) => ("--publish", topic.as_str(), "CV_PUBSUB_TOPIC"),
        JobOutput::Sink(url) => ("--sink", url.as_str(), "K_SINK"),
    };
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
        image: Some(image.to_owned()),
        // NB: release tags are immutable (terraform registry.tf), so a cached image is the right one.
        image_pull_policy: Some("IfNotPresent".into()),
        args: Some(args.iter().chain([&flag, &value]).map(|a| a.to_string()).collect()),
        // NB: the processor reads its image and posts its document; it never touches the graph,
        // so the pod gets no graph settings and no Secret at all (a leaked pod spec or a
        // compromised model run learns no password).
        env: Some(vec![plain(variable, value), plain("RUST_LOG", &template.rust_log), plain("LOG_FORMAT", "json")]),
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
