//! Incoming event formats, normalised to one typed [`ObjectFinalized`].

mod gcs;
mod numbers;
mod pubsub;

pub use gcs::{GcsNotice, ObjectFinalized, GCS_DELETED, GCS_DELETED_LEGACY, GCS_FINALIZED, GCS_FINALIZED_LEGACY};
pub use pubsub::PubSubPush;
