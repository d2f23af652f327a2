//! The model-upgrade workflow, used by `sightgraph backfill` (tools/sightgraph) and by
//! feature-service's admin routes.
//!
//! [`plan`] lists the images of a feature set that lack the target version and writes a
//! manifest with one URI list per shard; [`job`] builds the one Kubernetes Indexed Job
//! that runs `cv-processor batch` on every shard, which [`launch`] creates (or runs as
//! child processes locally); [`status`] reads the Job, the progress markers and the
//! graph's coverage; [`compare`] reports how two versions differ on the images both
//! processed; [`activate`] switches only to a version that covers enough images.

pub mod activate;
pub mod compare;
pub mod job;
pub mod launch;
pub mod plan;
pub mod settings;
pub mod status;

pub use settings::BackfillSettings;
