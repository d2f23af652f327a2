//! Publishing to a topic over the Pub/Sub REST API (`POST v1/{topic}:publish`).
//! `publish` returns only with the message id Pub/Sub assigned, i.e. once the message
//! is stored; transient failures (connection, timeout, 408, 429, 5xx) are retried with
//! doubling backoff. Credentials: none for the emulator, else Application Default
//! Credentials through `gcp_auth` (the GKE metadata server under Workload Identity).

use base64::Engine;
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::OnceCell;
use tracing::instrument;

use super::TopicName;
use crate::{Error, Result};

const BACKEND: &str = "pubsub";
const API: &str = "https://pubsub.googleapis.com";
const SCOPE: &str = "https://www.googleapis.com/auth/pubsub";
/// Pub/Sub's limit on one message (data plus attributes).
pub const MAX_MESSAGE_BYTES: usize = 10 * 1000 * 1000;

/// Where and how persistently to publish.
#[derive(Debug, Clone)]
pub struct PublisherConfig {
    /// `host:port` of the emulator; no credentials are sent there.
    pub emulator_host: Option<String>,
    /// Attempts per message (at least 1).
    pub attempts: u32,
    /// First backoff; doubles per attempt.
    pub backoff: Duration,
    /// Bound of one HTTP request.
    pub timeout: Duration,
}

impl Default for PublisherConfig {
    fn default() -> Self {
        Self { emulator_host: None, attempts: 5, backoff: Duration::from_millis(250), timeout: Duration::from_secs(30) }
    }
}

/// One message to publish.
#[derive(Debug, Clone, PartialEq)]
pub struct OutgoingMessage {
    /// The payload.
    pub data: Vec<u8>,
    /// String attributes.
    pub attributes: BTreeMap<String, String>,
}

impl OutgoingMessage {
    /// Bytes Pub/Sub counts against [`MAX_MESSAGE_BYTES`].
    pub fn size(&self) -> usize {
        self.data.len() + self.attributes.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>()
    }
}

/// A publisher bound to one topic.
#[derive(Clone)]
pub struct Publisher {
    topic: TopicName,
    url: String,
    emulator: bool,
    client: reqwest::Client,
    tokens: Arc<OnceCell<Arc<dyn gcp_auth::TokenProvider>>>,
    config: PublisherConfig,
}

impl std::fmt::Debug for Publisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Publisher").field("topic", &self.topic).field("url", &self.url).finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PublishResponse {
    #[serde(default)]
    message_ids: Vec<String>,
}

impl Publisher {
    /// A publisher for `topic`.
    pub fn new(topic: TopicName, config: PublisherConfig) -> Result<Self> {
        let (base, emulator) = match config.emulator_host.as_deref().map(str::trim).filter(|h| !h.is_empty()) {
            Some(host) if host.starts_with("http://") || host.starts_with("https://") => (host.to_owned(), true),
            Some(host) => (format!("http://{host}"), true),
            None => (API.to_owned(), false),
        };
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .build()
            .map_err(|e| Error::backend(BACKEND, e).context("building the HTTP client"))?;
        let url = format!("{}/v1/{}:publish", base.trim_end_matches('/'), topic);
        Ok(Self { topic, url, emulator, client, tokens: Arc::new(OnceCell::new()), config })
    }

    /// The topic.
    pub fn topic(&self) -> &TopicName {
        &self.topic
    }

    /// Publishes one message and returns its id once Pub/Sub has stored it.
    /// Errors: `Invalid` for a message over the size limit, `Backend` when Pub/Sub refuses
    /// it for good (missing topic, no permission, malformed), `Unavailable` when every
    /// attempt failed transiently.
    #[instrument(skip_all, fields(topic = %self.topic, bytes = message.data.len()), err(Display))]
    pub async fn publish(&self, message: &OutgoingMessage) -> Result<String> {
        if message.size() > MAX_MESSAGE_BYTES {
            return Err(Error::invalid(format!(
                "message of {} bytes exceeds Pub/Sub's {MAX_MESSAGE_BYTES}-byte limit",
                message.size()
            )));
        }
        let body = json!({"messages": [{
            "data": base64::engine::general_purpose::STANDARD.encode(&message.data),
            "attributes": message.attributes,
        }]});
        let attempts = self.config.attempts.max(1);
        let mut delay = self.config.backoff;
        for attempt in 1..=attempts {
            match self.send(&body).await {
                Ok(id) => return Ok(id),
                Err(e) if e.is_transient() && attempt < attempts => {
                    tracing::warn!(attempt, error = %crate::http::error_chain(&e), "publish failed; retrying");
                    tokio::time::sleep(delay).await;
                    delay *= 2;
                }
                Err(Error::Unavailable { backend, message, source }) => {
                    let message = format!("{message} (attempt {attempt} of {attempts})");
                    return Err(Error::Unavailable { backend, message, source });
                }
                Err(e) => return Err(e),
            }
        }
        unreachable!("the loop returns on its last attempt")
    }

    async fn send(&self, body: &serde_json::Value) -> Result<String> {
        let mut request = self.client.post(&self.url).json(body);
        if !self.emulator {
            request = request.bearer_auth(self.token().await?);
        }
        let response = request
            .send()
            .await
            .map_err(|e| Error::unavailable(BACKEND, e).context(format!("publishing to {}", self.topic)))?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        if status.is_success() {
            let parsed: PublishResponse = serde_json::from_str(&text).map_err(|e| {
                Error::unavailable(BACKEND, e).context(format!("unreadable publish answer: {text:.200}"))
            })?;
            return parsed.message_ids.into_iter().next().ok_or_else(|| {
                Error::unavailable(BACKEND, "the answer carries no message id")
                    .context(format!("publishing to {}", self.topic))
            });
        }
        let answer = format!("answered {status}: {text:.300}");
        let error = match status.as_u16() {
            408 | 429 | 500..=599 => Error::unavailable(BACKEND, answer),
            _ => Error::backend(BACKEND, answer),
        };
        Err(error.context(format!("publishing to {}", self.topic)))
    }

    async fn token(&self) -> Result<String> {
        let provider = self
            .tokens
            .get_or_try_init(|| async {
                gcp_auth::provider().await.map_err(|e| Error::unavailable(BACKEND, e).context("no GCP credentials"))
            })
            .await?;
        let token = provider
            .token(&[SCOPE])
            .await
            .map_err(|e| Error::unavailable(BACKEND, e).context("fetching an access token"))?;
        Ok(token.as_str().to_owned())
    }
}

#[cfg(test)]
#[path = "publisher_tests.rs"]
mod tests;
