//! The Kubernetes launcher: one `batch/v1` Job per image.

mod job;
mod launcher;
mod quantity;
mod settings;

pub use job::build_job;
pub use launcher::{create_job, KubernetesLauncher};
pub use quantity::Quantity;
pub use settings::{JobSettings, JobTemplate};
