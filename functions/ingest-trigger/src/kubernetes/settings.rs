//! `JOB_*`: the template every processing Job is built from, validated at start.

use serde::Deserialize;
use shared::pubsub::TopicName;
use shared::{Error, Result};
use std::collections::BTreeMap;

use super::Quantity;

/// `JOB_*` as read from the environment; [`JobSettings::template`] validates it.
#[derive(Debug, Clone, Deserialize)]
pub struct JobSettings {
    /// Namespace for the Jobs; the client's own namespace when unset.
    pub namespace: Option<String>,
    /// `cv-processor` container image (required for the Kubernetes launcher).
    pub image: Option<String>,
    /// Service account the Job runs as.
    pub service_account: Option<String>,
    /// GPUs per Job (`nvidia.com/gpu` request and limit).
    #[serde(default = "default_gpu_count")]
    pub gpu_count: u32,
    /// CPU request.
    #[serde(default = "default_cpu_request")]
    pub cpu_request: String,
    /// Memory request.
    #[serde(default = "default_memory_request")]
    pub memory_request: String,
    /// Memory limit.
    #[serde(default = "default_memory_limit")]
    pub memory_limit: String,
    /// Pod retries before the Job fails.
    #[serde(default = "default_backoff_limit")]
    pub backoff_limit: i32,
    /// Seconds a finished Job is kept.
    #[serde(default = "default_ttl_seconds")]
    pub ttl_seconds: i32,
    /// Where the Job posts its feature document as a CloudEvent (a broker URL); one of
    /// this and `pubsub_topic` is required for the Kubernetes launcher.
    pub sink: Option<String>,
    /// Pub/Sub topic the Job publishes its feature document to (`projects/P/topics/T`):
    /// the durable hand-off to feature-ingestor.
    pub pubsub_topic: Option<String>,
    /// Seconds a Job may run in all (pending, pulling, every retry) before Kubernetes
    /// fails it (`activeDeadlineSeconds`): bounds a stuck pod.
    #[serde(default = "default_active_deadline_seconds")]
    pub active_deadline_seconds: i64,
    /// `key=value[,key=value]` node selector for GPU nodes; empty for none.
    #[serde(default = "default_node_selector")]
    pub node_selector: String,
    /// `RUST_LOG` inside the Job.
    #[serde(default = "default_rust_log")]
    pub rust_log: String,
}

fn default_gpu_count() -> u32 {
    1
}
fn default_cpu_request() -> String {
    "2".into()
}
fn default_memory_request() -> String {
    "4Gi".into()
}
fn default_memory_limit() -> String {
    "8Gi".into()
}
fn default_backoff_limit() -> i32 {
    2
}
fn default_ttl_seconds() -> i32 {
    3600
}
fn default_active_deadline_seconds() -> i64 {
    // NB: generous on purpose: it counts from the Job's start, so it includes scaling the
    // GPU pool up from zero and pulling the multi-GB CUDA image on a fresh node.
    1800
}
fn default_node_selector() -> String {
    "cloud.google.com/gke-accelerator=nvidia-tesla-t4".into()
}
fn default_rust_log() -> String {
    "info".into()
}

/// Where a Job hands its feature document on.
#[derive(Debug, Clone, PartialEq)]
pub enum JobOutput {
    /// Publish to a Pub/Sub topic (`--publish`): durable, acknowledged before exit 0.
    PubSub(TopicName),
    /// POST a CloudEvent to a URL (`--sink`).
    Sink(String),
}

/// A validated Job template: everything [`super::build_job`] needs besides the request.
#[derive(Debug, Clone, PartialEq)]
pub struct JobTemplate {
    /// Namespace override.
    pub namespace: Option<String>,
    /// Container image.
    pub image: String,
    /// Service account.
    pub service_account: Option<String>,
    /// GPUs per Job.
    pub gpu_count: u32,
    /// CPU request.
    pub cpu_request: Quantity,
    /// Memory request.
    pub memory_request: Quantity,
    /// Memory limit.
    pub memory_limit: Quantity,
    /// Pod retries.
    pub backoff_limit: i32,
    /// Seconds a finished Job is kept.
    pub ttl_seconds: i32,
    /// Where the feature document goes.
    pub output: JobOutput,
    /// `activeDeadlineSeconds`.
    pub active_deadline_seconds: i64,
    /// Node selector.
    pub node_selector: BTreeMap<String, String>,
    /// `RUST_LOG` inside the Job.
    pub rust_log: String,
}

impl JobSettings {
    /// Validates the settings into a template; errors name the variable.
    pub fn template(&self) -> Result<JobTemplate> {
        let required = |value: &Option<String>, variable: &'static str| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| Error::setting(variable, "is required when LAUNCHER=kubernetes"))
        };
        let quantity =
            |text: &str, variable: &'static str| Quantity::parse(text).map_err(|e| Error::setting(variable, e));
        let memory_request = quantity(&self.memory_request, "JOB_MEMORY_REQUEST")?;
        let memory_limit = quantity(&self.memory_limit, "JOB_MEMORY_LIMIT")?;
        if memory_limit.value() < memory_request.value() {
            return Err(Error::setting(
                "JOB_MEMORY_LIMIT",
                format!("{memory_limit} is below JOB_MEMORY_REQUEST {memory_request}"),
            ));
        }
        if self.backoff_limit < 0 || self.ttl_seconds < 0 {
            return Err(Error::setting("JOB_BACKOFF_LIMIT/JOB_TTL_SECONDS", "must not be negative"));
        }
        if self.active_deadline_seconds <= 0 {
            return Err(Error::setting("JOB_ACTIVE_DEADLINE_SECONDS", "must be a positive number of seconds"));
        }
        Ok(JobTemplate {
            namespace: self.namespace.clone().filter(|n| !n.trim().is_empty()),
            image: required(&self.image, "JOB_IMAGE")?,
            service_account: self.service_account.clone().filter(|s| !s.trim().is_empty()),
            gpu_count: self.gpu_count,
            cpu_request: quantity(&self.cpu_request, "JOB_CPU_REQUEST")?,
            memory_request,
            memory_limit,
            backoff_limit: self.backoff_limit,
            ttl_seconds: self.ttl_seconds,
            output: self.output()?,
            active_deadline_seconds: self.active_deadline_seconds,
            node_selector: parse_selector(&self.node_selector)?,
            rust_log: self.rust_log.clone(),
        })
    }
}

impl JobSettings {
    fn output(&self) -> Result<JobOutput> {
        let set = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
        match (set(&self.pubsub_topic), set(&self.sink)) {
            (Some(topic), None) => TopicName::parse(&topic)
                .map(JobOutput::PubSub)
                .map_err(|e| Error::setting("JOB_PUBSUB_TOPIC", e.to_string())),
            (None, Some(sink)) => Ok(JobOutput::Sink(sink)),
            (Some(_), Some(_)) => Err(Error::setting(
                "JOB_PUBSUB_TOPIC/JOB_SINK",
                "set one of them: the topic (durable) or the sink URL, not both",
            )),
            (None, None) => Err(Error::setting(
                "JOB_PUBSUB_TOPIC/JOB_SINK",
                "one is required when LAUNCHER=kubernetes (JOB_PUBSUB_TOPIC, the durable hand-off, in production)",
            )),
        }
    }
}

fn parse_selector(text: &str) -> Result<BTreeMap<String, String>> {
    text.split(',')
        .map(str::trim)
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_owned(), v.trim().to_owned())),
            _ => Err(Error::setting("JOB_NODE_SELECTOR", format!("expected key=value, got {pair:?}"))),
        })
        .collect()
}

#[cfg(any(test, feature = "testing"))]
impl JobTemplate {
    /// The GPU template the deploy manifests configure, writing to `output`: the one fixture of
    /// every crate's Job tests.
    pub fn example(output: JobOutput) -> Self {
        Self {
            namespace: Some("sightgraph-jobs".into()),
            image: "sightgraph/cv-processor:0.1.0".into(),
            service_account: Some("sightgraph-cv-processor".into()),
            gpu_count: 1,
            cpu_request: Quantity::parse("2").expect("a quantity"),
            memory_request: Quantity::parse("4Gi").expect("a quantity"),
            memory_limit: Quantity::parse("8Gi").expect("a quantity"),
            backoff_limit: 2,
            ttl_seconds: 3600,
            output,
            active_deadline_seconds: 1800,
            node_selector: BTreeMap::from([("cloud.google.com/gke-accelerator".into(), "nvidia-tesla-t4".into())]),
            rust_log: "info".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job_settings(vars: &[(&str, &str)]) -> JobSettings {
        envy::prefixed("JOB_").from_iter(vars.iter().map(|(k, v)| (k.to_string(), v.to_string()))).unwrap()
    }

    const MINIMAL: [(&str, &str); 2] = [("JOB_IMAGE", "cv:1"), ("JOB_SINK", "http://broker")];

    #[test]
    fn defaults_match_the_deployed_config_map() {
        let t = job_settings(&MINIMAL).template().unwrap();
        assert_eq!((t.gpu_count, t.backoff_limit, t.ttl_seconds), (1, 2, 3600));
        assert_eq!((t.cpu_request.as_str(), t.memory_request.as_str(), t.memory_limit.as_str()), ("2", "4Gi", "8Gi"));
        assert_eq!(t.node_selector["cloud.google.com/gke-accelerator"], "nvidia-tesla-t4");
        assert_eq!(t.active_deadline_seconds, 1800);
        assert_eq!(t.output, JobOutput::Sink("http://broker".into()));
    }

    #[test]
    fn the_document_goes_to_exactly_one_of_a_topic_or_a_sink() {
        let topic = ("JOB_PUBSUB_TOPIC", "projects/sightgraph-dev/topics/sightgraph-dev-features");
        let t = job_settings(&[("JOB_IMAGE", "cv:1"), topic]).template().unwrap();
        assert_eq!(t.output, JobOutput::PubSub(TopicName::parse(topic.1).unwrap()));
        type Vars<'a> = &'a [(&'a str, &'a str)];
        let cases: [(Vars, &str); 3] = [
            (&[("JOB_IMAGE", "cv:1"), topic, ("JOB_SINK", "http://broker")], "not both"),
            (&[("JOB_IMAGE", "cv:1")], "one is required"),
            (&[("JOB_IMAGE", "cv:1"), ("JOB_PUBSUB_TOPIC", "features")], "JOB_PUBSUB_TOPIC"),
        ];
        for (vars, expected) in cases {
            let err = job_settings(vars).template().expect_err(expected).to_string();
            assert!(err.contains(expected), "{vars:?}: {err}");
        }
    }

    #[test]
    fn bad_values_fail_naming_the_variable() {
        let cases = [
            (("JOB_CPU_REQUEST", "two"), "JOB_CPU_REQUEST"),
            (("JOB_MEMORY_REQUEST", "4 GB"), "JOB_MEMORY_REQUEST"),
            (("JOB_MEMORY_LIMIT", "1Gi"), "JOB_MEMORY_LIMIT"),
            (("JOB_NODE_SELECTOR", "gpu"), "JOB_NODE_SELECTOR"),
            (("JOB_IMAGE", " "), "JOB_IMAGE"),
            (("JOB_ACTIVE_DEADLINE_SECONDS", "0"), "JOB_ACTIVE_DEADLINE_SECONDS"),
        ];
        for (var, named) in cases {
            let mut vars = MINIMAL.to_vec();
            vars.retain(|(k, _)| *k != var.0);
            vars.push(var);
            let err = job_settings(&vars).template().expect_err(var.0).to_string();
            assert!(err.contains(named), "{var:?} must name {named}: {err}");
        }
    }

    #[test]
    fn an_empty_node_selector_means_none() {
        let mut vars = MINIMAL.to_vec();
        vars.push(("JOB_NODE_SELECTOR", ""));
        assert!(job_settings(&vars).template().unwrap().node_selector.is_empty());
    }
}
