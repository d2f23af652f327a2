//! Google Cloud Pub/Sub as a durable hand-off: a REST publisher that returns only
//! once Pub/Sub has acknowledged the message (its id received), the CloudEvents
//! Pub/Sub binding (attributes `ce-*`), and the settings both ends share.
//! `PUBSUB_EMULATOR_HOST` points everything at the local emulator (no credentials).

mod binding;
#[cfg(any(test, feature = "testing"))]
pub mod fake;
mod publisher;
mod settings;
mod topic;

pub use binding::{event_attributes, event_from_message};
pub use publisher::{OutgoingMessage, Publisher, PublisherConfig, MAX_MESSAGE_BYTES};
pub use settings::PubSubSettings;
pub use topic::TopicName;
