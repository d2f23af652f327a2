//! The one function that turns a [`JobRequest`] into a typed `batch/v1` Job
//! (compare `knative/examples/cv-processor-job.yaml`).

use k8s_openapi::api::batch::v1::{Job, JobSpec};
use k8s_openapi::api::core::v1::PodTemplateSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use sha2::{Digest, Sha256};
use shared::launcher::JobRequest;
use std::collections::BTreeMap;

use super::{pod_failure_policy, processor_pod, JobTemplate};

/// Label selecting every processing Job and pod.
pub const NAME_LABEL: (&str, &str) = ("app.kubernetes.io/name", "cv-processor");
/// Label with a short hash of the image URI (label values cannot hold the URI itself).
pub const IMAGE_URI_HASH_LABEL: &str = "sightgraph.dev/image-uri-hash";
/// Annotation with the full image URI.
pub const IMAGE_URI_ANNOTATION: &str = "sightgraph.dev/image-uri";
/// Annotation with the id of the event that asked for the run.
pub const EVENT_ID_ANNOTATION: &str = "sightgraph.dev/event-id";

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
    let args = ["--image-uri", uri.as_str(), "--job-id", request.name.as_str()];
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
                spec: Some(processor_pod(template, &template.image, &args)),
            },
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[cfg(test)]
#[path = "job_tests.rs"]
pub(crate) mod tests;
