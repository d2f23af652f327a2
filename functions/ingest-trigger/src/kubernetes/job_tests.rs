use super::*;
use crate::kubernetes::JobOutput;
use k8s_openapi::api::core::v1::{Container, EnvVar, PodSpec};
use shared::domain::{JobName, ObjectUri};
use shared::pubsub::TopicName;

pub(crate) const TOPIC: &str = "projects/sightgraph-dev/topics/sightgraph-dev-features-extracted";

pub(crate) fn template() -> JobTemplate {
    JobTemplate::example(JobOutput::PubSub(TopicName::parse(TOPIC).unwrap()))
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
    assert_eq!(spec.active_deadline_seconds, Some(1800), "a stuck pod cannot hold a GPU forever");
}

#[test]
fn bad_input_usage_and_configuration_exits_fail_the_job_at_once() {
    let job = build_job(&template(), &request());
    let rules = job.spec.as_ref().unwrap().pod_failure_policy.as_ref().expect("a podFailurePolicy").rules.clone();
    let fail = rules.iter().find(|r| r.action == "FailJob").expect("a FailJob rule");
    let codes = fail.on_exit_codes.as_ref().unwrap();
    assert_eq!(codes.container_name.as_deref(), Some("cv-processor"));
    assert_eq!(codes.operator, "In");
    assert_eq!(codes.values, vec![64, 65, 78]);
    assert!(fail.on_pod_conditions.is_none());
}

#[test]
fn transient_exits_count_against_the_backoff_limit_and_disruptions_do_not() {
    let job = build_job(&template(), &request());
    let rules = job.spec.as_ref().unwrap().pod_failure_policy.as_ref().unwrap().rules.clone();
    assert_eq!(rules.iter().map(|r| r.action.as_str()).collect::<Vec<_>>(), ["Ignore", "FailJob", "Count"]);
    let ignore = &rules[0];
    let condition = &ignore.on_pod_conditions.as_ref().unwrap()[0];
    assert_eq!((condition.type_.as_str(), condition.status.as_str()), ("DisruptionTarget", "True"));
    assert!(ignore.on_exit_codes.is_none());
    let count = rules[2].on_exit_codes.as_ref().unwrap();
    assert_eq!((count.container_name.as_deref(), count.operator.as_str()), (Some("cv-processor"), "In"));
    assert_eq!(count.values, vec![75]);
    let pod = pod(&job);
    assert_eq!(pod.restart_policy.as_deref(), Some("Never"), "podFailurePolicy requires restartPolicy Never");
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
fn the_container_runs_the_processor_on_the_image_and_publishes_to_the_topic() {
    let job = build_job(&template(), &request());
    let c = &pod(&job).containers[0];
    assert_eq!(c.image.as_deref(), Some("sightgraph/cv-processor:0.1.0"));
    let name = request().name.to_string();
    let expected = [
        "--image-uri",
        "gs://sightgraph-raw/photos/dog.jpg#1700000000000000",
        "--job-id",
        name.as_str(),
        "--publish",
        TOPIC,
    ];
    assert_eq!(c.args.as_deref().unwrap(), expected.map(String::from).as_slice());
    let env = env_of(c);
    assert_eq!(env["CV_PUBSUB_TOPIC"].value.as_deref(), Some(TOPIC));
    assert!(!env.contains_key("K_SINK"), "one output only");
}

#[test]
fn a_sink_template_posts_the_document_to_the_sink_instead() {
    let sink = "http://broker/sightgraph/default";
    let job = build_job(&JobTemplate { output: JobOutput::Sink(sink.into()), ..template() }, &request());
    let c = &pod(&job).containers[0];
    assert_eq!(c.args.as_deref().unwrap()[4..], ["--sink".to_string(), sink.to_string()]);
    let env = env_of(c);
    assert_eq!(env["K_SINK"].value.as_deref(), Some(sink));
    assert!(!env.contains_key("CV_PUBSUB_TOPIC"));
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
fn the_job_gets_its_topic_and_log_settings_and_no_graph_settings_or_secrets() {
    let job = build_job(&template(), &request());
    let c = &pod(&job).containers[0];
    let env = env_of(c);
    let names: Vec<&str> = env.keys().map(String::as_str).collect();
    assert_eq!(names, ["CV_PUBSUB_TOPIC", "LOG_FORMAT", "RUST_LOG"], "the processor never reads Neo4j");
    assert_eq!(env["CV_PUBSUB_TOPIC"].value.as_deref(), Some(TOPIC));
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
    assert_eq!(value["spec"]["activeDeadlineSeconds"], 1800);
    assert_eq!(value["spec"]["podFailurePolicy"]["rules"][1]["onExitCodes"]["values"], serde_json::json!([64, 65, 78]));
}
