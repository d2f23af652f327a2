//! `PUBSUB_*`: where the Pub/Sub API is and what a consumer does with messages that can never succeed.

use serde::Deserialize;

use super::{PublisherConfig, TopicName};
use crate::{Error, Result};

/// `PUBSUB_*` as read from the environment.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PubSubSettings {
    /// `host:port` of the Pub/Sub emulator (`PUBSUB_EMULATOR_HOST`, the variable Google's
    /// clients read); unset in the cluster, where Workload Identity supplies the token.
    pub emulator_host: Option<String>,
    /// Topic a consumer moves undeliverable messages to at once (`PUBSUB_DEAD_LETTER_TOPIC`);
    /// unset: they are acknowledged and dropped with an error log line.
    pub dead_letter_topic: Option<String>,
    /// Serve only `POST /pubsub/push`, not the CloudEvent route (`PUBSUB_PUSH_ONLY`), for a
    /// consumer exposed to Pub/Sub through a public ingress.
    #[serde(default)]
    pub push_only: bool,
}

impl PubSubSettings {
    /// Loads `PUBSUB_*`.
    pub fn from_env() -> Result<Self> {
        let settings: Self = crate::config::load("PUBSUB_")?;
        settings.dead_letter_topic()?;
        Ok(settings)
    }

    /// The validated dead-letter topic, if one is set.
    pub fn dead_letter_topic(&self) -> Result<Option<TopicName>> {
        match self.dead_letter_topic.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            None => Ok(None),
            Some(t) => {
                TopicName::parse(t).map(Some).map_err(|e| Error::invalid(format!("PUBSUB_DEAD_LETTER_TOPIC: {e}")))
            }
        }
    }

    /// Publisher settings: the emulator when named, else the real API.
    pub fn publisher_config(&self) -> PublisherConfig {
        PublisherConfig {
            emulator_host: self.emulator_host.clone().filter(|h| !h.trim().is_empty()),
            ..PublisherConfig::default()
        }
    }
}
