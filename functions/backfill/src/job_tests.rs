use super::*;
use chrono::TimeZone;
use ingest_trigger::kubernetes::JobOutput;
use k8s_openapi::api::core::v1::PodSpec;
use shared::backfill::{RunId, Scope, MANIFEST_SCHEMA};
use shared::domain::{FeatureSetName, ModelVersion};

pub(crate) fn template() -> JobTemplate {
    JobTemplate::example(JobOutput::Sink("http://broker/sightgraph/default".into()))
}

pub(crate) fn manifest() -> BackfillManifest {
    BackfillManifest {
        schema: MANIFEST_SCHEMA.into(),
        run: RunId::parse("bf-0123456789ab").unwrap(),
        feature_set: FeatureSetName::parse("default").unwrap(),
        model_version: ModelVersion::parse("ssd_int8@1+mobilenet_v2@1").unwrap(),
        processor: "europe-docker.pkg.dev/p/sightgraph/cv-processor:0.2.0".into(),
        scope: Scope::All,
        images: 12_000,
        shards: 3,
        chunk_size: 32,
        created_at: chrono::Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap(),
        created_by: "alice".into(),
    }
}

pub(crate) fn built() -> Job {
    let m = manifest();
    build_indexed_job(
        &template(),
        &BackfillJob { manifest: &m, root: "gs://p-backfills/", parallelism: 5, batch_size: 16 },
    )
}

fn pod(job: &Job) -> &PodSpec {
    job.spec.as_ref().unwrap().template.spec.as_ref().unwrap()
}

#[test]
fn one_indexed_job_has_a_completion_per_shard_and_the_pools_parallelism_capped_by_the_shards() {
    let job = built();
    let spec = job.spec.as_ref().unwrap();
    assert_eq!(spec.completion_mode.as_deref(), Some("Indexed"));
    assert_eq!(spec.completions, Some(3));
    assert_eq!(spec.parallelism, Some(3), "5 GPUs but only 3 shards");
    let m = manifest();
    let wide = build_indexed_job(
        &template(),
        &BackfillJob {
            manifest: &BackfillManifest { shards: 40, ..m.clone() },
            root: "r",
            parallelism: 5,
            batch_size: 16,
        },
    );
    assert_eq!(wide.spec.unwrap().parallelism, Some(5), "40 shards run 5 at a time: the pool's size");
    assert_eq!((spec.backoff_limit_per_index, spec.backoff_limit), (Some(2), None), "retries count per shard");
    assert_eq!(spec.ttl_seconds_after_finished, Some(3600));
}

#[test]
fn the_job_is_named_after_the_run_and_labelled_for_status_and_for_finding_a_running_backfill() {
    let job = built();
    assert_eq!(job.metadata.name.as_deref(), Some("backfill-0123456789ab"));
    assert_eq!(job.metadata.namespace.as_deref(), Some("sightgraph-jobs"));
    let labels = job.metadata.labels.as_ref().unwrap();
    assert_eq!(labels[RUN_LABEL], "bf-0123456789ab");
    assert_eq!(labels[FEATURE_SET_LABEL], "default");
    assert_eq!(labels[VERSION_KEY_LABEL], version_key(&manifest().model_version));
    assert_eq!(labels[COMPONENT_LABEL.0], "backfill");
    let annotations = job.metadata.annotations.as_ref().unwrap();
    assert_eq!(annotations[VERSION_ANNOTATION], "ssd_int8@1+mobilenet_v2@1");
    assert_eq!(annotations[IMAGES_ANNOTATION], "12000");
    let pod_labels = job.spec.as_ref().unwrap().template.metadata.as_ref().unwrap().labels.as_ref().unwrap();
    assert_eq!(pod_labels["app.kubernetes.io/name"], "cv-processor", "the Jobs' NetworkPolicy selects it");
}

#[test]
fn each_pod_runs_cv_processor_batch_on_its_shard_of_the_run_with_the_requested_image() {
    let job = built();
    let c = &pod(&job).containers[0];
    assert_eq!(c.image.as_deref(), Some("europe-docker.pkg.dev/p/sightgraph/cv-processor:0.2.0"));
    let expected = [
        "batch",
        "--root",
        "gs://p-backfills/",
        "--run",
        "bf-0123456789ab",
        "--batch-size",
        "16",
        "--sink",
        "http://broker/sightgraph/default",
    ];
    assert_eq!(c.args.as_deref().unwrap(), expected.map(String::from).as_slice());
    let names: Vec<&str> = c.env.as_ref().unwrap().iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["K_SINK", "RUST_LOG", "LOG_FORMAT"], "the shard index comes from JOB_COMPLETION_INDEX");
}

#[test]
fn the_pod_is_the_per_image_jobs_locked_down_gpu_pod_with_no_secret() {
    let job = built();
    let p = pod(&job);
    assert_eq!(p.restart_policy.as_deref(), Some("Never"), "podFailurePolicy requires Never");
    assert_eq!(p.automount_service_account_token, Some(false));
    assert_eq!(p.service_account_name.as_deref(), Some("sightgraph-cv-processor"));
    let sc = p.containers[0].security_context.as_ref().unwrap();
    assert_eq!(
        (sc.run_as_non_root, sc.read_only_root_filesystem, sc.allow_privilege_escalation),
        (Some(true), Some(true), Some(false))
    );
    let resources = p.containers[0].resources.as_ref().unwrap();
    assert_eq!(resources.limits.as_ref().unwrap()["nvidia.com/gpu"].0, "1");
    assert_eq!(p.tolerations.as_ref().unwrap()[0].key.as_deref(), Some("nvidia.com/gpu"));
    let json = serde_json::to_string(&job).unwrap();
    assert!(!json.contains("secretKeyRef") && !json.contains("NEO4J"), "{json}");
}

#[test]
fn the_pod_failure_policy_ignores_disruptions_fails_on_permanent_exits_and_counts_transient_ones() {
    let rules = built().spec.unwrap().pod_failure_policy.unwrap().rules;
    let summary: Vec<(String, Option<Vec<i32>>)> =
        rules.iter().map(|r| (r.action.clone(), r.on_exit_codes.as_ref().map(|c| c.values.clone()))).collect();
    assert_eq!(
        summary,
        vec![("Ignore".into(), None), ("FailJob".into(), Some(vec![64, 65, 78])), ("Count".into(), Some(vec![75])),]
    );
    assert_eq!(rules[0].on_pod_conditions.as_ref().unwrap()[0].type_, "DisruptionTarget");
    assert!(rules[1..]
        .iter()
        .all(|r| r.on_exit_codes.as_ref().unwrap().container_name.as_deref() == Some("cv-processor")));
}

#[test]
fn the_manifest_serialises_as_batch_v1() {
    let value = serde_json::to_value(built()).unwrap();
    assert_eq!((value["apiVersion"].as_str(), value["kind"].as_str()), (Some("batch/v1"), Some("Job")));
    assert_eq!(value["spec"]["completionMode"], "Indexed");
    assert_eq!(value["spec"]["podFailurePolicy"]["rules"][1]["onExitCodes"]["values"], serde_json::json!([64, 65, 78]));
}

/// `knative/examples/backfill-job.yaml`: a comment header, then the Job as JSON (which YAML reads).
const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../knative/examples/backfill-job.yaml");
const EXAMPLE_HEADER: &str = "\
# One backfill run as functions/backfill/src/job.rs builds it (regenerate: SIGHTGRAPH_WRITE_EXAMPLES=1
# cargo test -p backfill the_example). The template is knative/base/config.env's JOB_*; parallelism is the
# GPU pool's total (terraform gpu_max_nodes, BACKFILL_PARALLELISM). tests/deploy validates it offline
# against the Kubernetes schemas, the config map, the jobs namespace's policy and RBAC.
";

#[test]
fn the_example_indexed_job_in_knative_examples_is_exactly_what_the_launcher_builds() {
    let mut template = template();
    // NB: the dev overlay's JOB_PUBSUB_TOPIC: the Jobs hand documents over through Pub/Sub.
    let topic = "projects/sightgraph-dev/topics/sightgraph-dev-features-extracted";
    template.output = JobOutput::PubSub(shared::pubsub::TopicName::parse(topic).unwrap());
    let m = manifest();
    let job = build_indexed_job(
        &template,
        &BackfillJob { manifest: &m, root: "gs://sightgraph-prod-backfills/runs/", parallelism: 5, batch_size: 16 },
    );
    let built = serde_json::to_value(&job).unwrap();
    if std::env::var_os("SIGHTGRAPH_WRITE_EXAMPLES").is_some() {
        let text = format!("{EXAMPLE_HEADER}{}\n", serde_json::to_string_pretty(&built).unwrap());
        std::fs::write(EXAMPLE, text).unwrap();
    }
    let text = std::fs::read_to_string(EXAMPLE).expect("knative/examples/backfill-job.yaml exists");
    let body: String = text.lines().filter(|l| !l.starts_with('#')).collect::<Vec<_>>().join("\n");
    let example: serde_json::Value = serde_json::from_str(&body).expect("the example is JSON under its comments");
    assert_eq!(
        example, built,
        "regenerate the example: SIGHTGRAPH_WRITE_EXAMPLES=1 cargo test -p backfill the_example"
    );
}
