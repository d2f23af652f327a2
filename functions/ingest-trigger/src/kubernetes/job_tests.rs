use super::*;
use crate::kubernetes::Quantity as Qty;
use shared::domain::{JobName, ObjectUri};

pub(crate) fn template() -> JobTemplate {
    JobTemplate {
        namespace: Some("sightgraph-jobs".into()),
        image: "sightgraph/cv-processor:0.1.0".into(),
        service_account: Some("sightgraph-cv-processor".into()),
        gpu_count: 1,
        cpu_request: Qty::parse("2").unwrap(),
        memory_request: Qty::parse("4Gi").unwrap(),
        memory_limit: Qty::parse("8Gi").unwrap(),
        backoff_limit: 2,
        ttl_seconds: 3600,
        sink: "http://broker/sightgraph/default".into(),
        node_selector: BTreeMap::from([("cloud.google.com/gke-accelerator".into(), "nvidia-tesla-t4".into())]),
        rust_log: "info".into(),
    }
}

pub(crate) fn request() -> JobRequest {
    let uri = ObjectUri::parse("gs://sightgraph-raw/photos/dog.jpg#1700000000000000").unwrap();
    JobRequest {
        name: JobName::for_object("sightgraph-raw", "photos/dog.jpg", Some(1_700_000_000_000_000)),
        image_uri: uri,
        event_id: "evt-1".into(),
    }
}

fn pod(job: &Job) -> &PodSpec {
    job.spec.as_ref().unwrap().template.spec.as_ref().unwrap()
}

fn env_of(c: &Container) -> BTreeMap<String, EnvVar> {
    c.env.clone().unwrap().into_iter().map(|e| (e.name.clone(), e)).collect()
}

#[test]
fn the_job_is_named_after_the_request_with_retry_and_cleanup_from_config() {
    let job = build_job(&template(), &request());
    assert_eq!(job.metadata.name.as_deref(), Some(request().name.as_str()));
    assert_eq!(job.metadata.namespace.as_deref(), Some("sightgraph-jobs"));
    let spec = job.spec.as_ref().unwrap();
    assert_eq!(spec.backoff_limit, Some(2));
    assert_eq!(spec.ttl_seconds_after_finished, Some(3600));
}

#[test]
fn labels_select_the_processor_and_annotations_carry_the_full_uri_and_event() {
    let job = build_job(&template(), &request());
    let labels = job.metadata.labels.as_ref().unwrap();
    assert_eq!(labels["app.kubernetes.io/name"], "cv-processor");
    let hash = &labels[IMAGE_URI_HASH_LABEL];
    assert!(hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()), "{hash}");
    let annotations = job.metadata.annotations.as_ref().unwrap();
    assert_eq!(annotations[IMAGE_URI_ANNOTATION], "gs://sightgraph-raw/photos/dog.jpg#1700000000000000");
    assert_eq!(annotations[EVENT_ID_ANNOTATION], "evt-1");
    let pod_labels = job.spec.as_ref().unwrap().template.metadata.as_ref().unwrap().labels.as_ref().unwrap();
    assert_eq!(pod_labels["app.kubernetes.io/name"], "cv-processor", "the pod carries the label too");
}

#[test]
fn the_container_runs_the_processor_on_the_image_with_the_sink() {
    let job = build_job(&template(), &request());
    let c = &pod(&job).containers[0];
    assert_eq!(c.image.as_deref(), Some("sightgraph/cv-processor:0.1.0"));
    let name = request().name.to_string();
    let expected = [
        "--image-uri",
        "gs://sightgraph-raw/photos/dog.jpg#1700000000000000",
        "--job-id",
        name.as_str(),
        "--sink",
        "http://broker/sightgraph/default",
    ];
    assert_eq!(c.args.as_deref().unwrap(), expected.map(String::from).as_slice());
}

#[test]
fn gpu_cpu_and_memory_come_from_config_and_the_gpu_taint_is_tolerated() {
    let job = build_job(&template(), &request());
    let p = pod(&job);
    let resources = p.containers[0].resources.as_ref().unwrap();
    let (requests, limits) = (resources.requests.as_ref().unwrap(), resources.limits.as_ref().unwrap());
    assert_eq!(requests["cpu"].0, "2");
    assert_eq!(requests["memory"].0, "4Gi");
    assert_eq!(requests["nvidia.com/gpu"].0, "1");
    assert_eq!(limits["memory"].0, "8Gi");
    assert_eq!(limits["nvidia.com/gpu"].0, "1");
    assert!(!limits.contains_key("cpu"), "no CPU limit on purpose");
    let t = &p.tolerations.as_ref().unwrap()[0];
    assert_eq!(
        (t.key.as_deref(), t.operator.as_deref(), t.effect.as_deref()),
        (Some("nvidia.com/gpu"), Some("Exists"), Some("NoSchedule"))
    );
    assert_eq!(p.node_selector.as_ref().unwrap()["cloud.google.com/gke-accelerator"], "nvidia-tesla-t4");
}

#[test]
fn a_cpu_only_template_asks_for_no_gpu_and_tolerates_no_taint() {
    let job = build_job(&JobTemplate { gpu_count: 0, ..template() }, &request());
    let p = pod(&job);
    let resources = p.containers[0].resources.as_ref().unwrap();
    assert!(!resources.requests.as_ref().unwrap().contains_key("nvidia.com/gpu"));
    assert!(p.tolerations.is_none());
}

#[test]
fn the_job_gets_its_sink_and_log_settings_and_no_graph_settings_or_secrets() {
    let job = build_job(&template(), &request());
    let c = &pod(&job).containers[0];
    let env = env_of(c);
    let names: Vec<&str> = env.keys().map(String::as_str).collect();
    assert_eq!(names, ["K_SINK", "LOG_FORMAT", "RUST_LOG"], "the processor never reads Neo4j");
    assert_eq!(env["K_SINK"].value.as_deref(), Some("http://broker/sightgraph/default"));
    assert!(env.values().all(|e| e.value_from.is_none()), "no value comes from a Secret or elsewhere");
    assert!(c.env_from.is_none(), "no ConfigMap or Secret is mounted whole");
    let json = serde_json::to_string(&job).unwrap();
    assert!(!json.contains("secretKeyRef") && !json.contains("NEO4J"), "{json}");
}

#[test]
fn the_pod_is_locked_down() {
    let job = build_job(&template(), &request());
    let p = pod(&job);
    assert_eq!(p.restart_policy.as_deref(), Some("Never"));
    assert_eq!(p.automount_service_account_token, Some(false));
    assert_eq!(p.service_account_name.as_deref(), Some("sightgraph-cv-processor"));
    assert_eq!(p.security_context.as_ref().unwrap().run_as_non_root, Some(true));
    let sc = p.containers[0].security_context.as_ref().unwrap();
    assert_eq!(sc.run_as_non_root, Some(true));
    assert_eq!(sc.read_only_root_filesystem, Some(true));
    assert_eq!(sc.allow_privilege_escalation, Some(false));
    assert_eq!(sc.capabilities.as_ref().unwrap().drop.as_deref(), Some(&["ALL".to_string()][..]));
    let mount = &p.containers[0].volume_mounts.as_ref().unwrap()[0];
    assert_eq!(mount.mount_path, "/tmp", "a writable /tmp despite the read-only root");
}

#[test]
fn the_manifest_serialises_as_batch_v1() {
    let value = serde_json::to_value(build_job(&template(), &request())).unwrap();
    assert_eq!(value["apiVersion"], "batch/v1");
    assert_eq!(value["kind"], "Job");
    assert_eq!(value["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["nvidia.com/gpu"], "1");
}
