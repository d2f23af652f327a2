//! The Kubernetes launcher: one `batch/v1` Job per image.

mod failure_policy;
mod job;
mod launcher;
mod pod;
mod quantity;
mod settings;

pub use failure_policy::pod_failure_policy;
pub use job::build_job;
pub use launcher::{create_job, KubernetesLauncher};
pub use pod::{processor_pod, GPU_RESOURCE};
pub use quantity::Quantity;
pub use settings::{JobOutput, JobSettings, JobTemplate};
