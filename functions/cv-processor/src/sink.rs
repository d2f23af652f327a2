//! Delivering the document as a CloudEvent (`dev.sightgraph.features.extracted`):
//! posted to a sink URL (Knative's `K_SINK`) by [`Sink`], or published to a Pub/Sub
//! topic by [`TopicSink`] (the durable hand-off: done only once Pub/Sub stored it).
//! Both retry transient failures with backoff.

use cloudevents::binding::reqwest::RequestBuilderExt;
use cloudevents::{Event, EventBuilder, EventBuilderV10};
use shared::pubsub::{event_attributes, OutgoingMessage, Publisher, PublisherConfig, TopicName};
use shared::schema::{FeatureDocument, EXTRACTED_EVENT_TYPE};
use std::time::Duration;
use tracing::instrument;

use crate::{Error, Result};

/// The event source every document is sent from.
pub const EVENT_SOURCE: &str = "/sightgraph/cv-processor";

/// CloudEvents HTTP content mode.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum SinkMode {
    /// Attributes in `ce-*` headers, the document as the body.
    #[default]
    Binary,
    /// The whole event as `application/cloudevents+json`.
    Structured,
}

/// A CloudEvent sink.
#[derive(Debug, Clone)]
pub struct Sink {
    url: String,
    mode: SinkMode,
    client: reqwest::Client,
    attempts: u32,
    backoff: Duration,
}

/// The event id `<job id>:<image id>`, which lets consumers spot redeliveries.
pub fn event_id(document: &FeatureDocument) -> String {
    format!("{}:{}", document.lineage.job_id, document.image.id)
}

/// The event for a document.
pub fn event_for(document: &FeatureDocument) -> Result<Event> {
    let data = serde_json::to_value(document).map_err(|e| Error::Document(e.to_string()))?;
    EventBuilderV10::new()
        .id(event_id(document))
        .source(EVENT_SOURCE)
        .ty(EXTRACTED_EVENT_TYPE)
        .subject(document.image.uri.clone())
        .time(document.lineage.finished_at)
        .data("application/json", data)
        .build()
        .map_err(|e| Error::Document(format!("cannot build the CloudEvent: {e}")))
}

impl Sink {
    /// A sink at `url` with 4 attempts, backoff from 250 ms.
    pub fn new(url: impl Into<String>, mode: SinkMode) -> Self {
        Self::with_retry(url, mode, 4, Duration::from_millis(250))
    }

    /// A sink with an explicit retry policy (`attempts` ≥ 1, backoff doubling from `backoff`).
    pub fn with_retry(url: impl Into<String>, mode: SinkMode, attempts: u32, backoff: Duration) -> Self {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap_or_default();
        Self { url: url.into(), mode, client, attempts: attempts.max(1), backoff }
    }

    /// Posts the document; retries connection errors, timeouts, 408, 429 and 5xx.
    #[instrument(skip_all, fields(sink = %self.url, image = %document.image.id))]
    pub async fn deliver(&self, document: &FeatureDocument) -> Result<()> {
        let event = event_for(document)?;
        let failure = |message: String| Error::Delivery { target: self.url.clone(), message };
        let mut delay = self.backoff;
        for attempt in 1..=self.attempts {
            let (retryable, message) = match self.send(event.clone()).await {
                Ok(status) if status.is_success() => return Ok(()),
                Ok(status) => {
                    let retry = status.is_server_error() || status.as_u16() == 408 || status.as_u16() == 429;
                    (retry, format!("sink answered {status}"))
                }
                Err(e) => (true, e),
            };
            if !retryable || attempt == self.attempts {
                return Err(failure(format!("{message} (attempt {attempt} of {})", self.attempts)));
            }
            tracing::warn!(attempt, error = %message, "sink delivery failed; retrying");
            tokio::time::sleep(delay).await;
            delay *= 2;
        }
        unreachable!("the loop returns on its last attempt")
    }

    async fn send(&self, event: Event) -> std::result::Result<reqwest::StatusCode, String> {
        let request = self.client.post(&self.url);
        let request = match self.mode {
            SinkMode::Binary => request.event(event).map_err(|e| e.to_string())?,
            SinkMode::Structured => request
                .header(reqwest::header::CONTENT_TYPE, "application/cloudevents+json")
                .body(serde_json::to_vec(&event).map_err(|e| e.to_string())?),
        };
        request.send().await.map(|r| r.status()).map_err(|e| e.to_string())
    }
}

/// The Pub/Sub message for a document: the document JSON as data, the CloudEvent
/// attributes as `ce-*` message attributes (the CloudEvents Pub/Sub binding, binary mode).
pub fn message_for(document: &FeatureDocument) -> Result<OutgoingMessage> {
    let data = serde_json::to_vec(document).map_err(|e| Error::Document(e.to_string()))?;
    let attributes = event_attributes(
        &event_id(document),
        EVENT_SOURCE,
        EXTRACTED_EVENT_TYPE,
        Some(&document.image.uri),
        Some(document.lineage.finished_at),
    );
    Ok(OutgoingMessage { data, attributes })
}

/// A Pub/Sub topic as the sink.
#[derive(Debug, Clone)]
pub struct TopicSink {
    publisher: Publisher,
}

impl TopicSink {
    /// A sink publishing to `topic` (`projects/P/topics/T`); through the emulator at
    /// `emulator_host` when given, else the real API with Application Default Credentials.
    pub fn new(topic: &str, config: PublisherConfig) -> Result<Self> {
        let topic = TopicName::parse(topic).map_err(|e| Error::config(format!("--publish: {e}")))?;
        let publisher = Publisher::new(topic, config).map_err(Error::config)?;
        Ok(Self { publisher })
    }

    /// Publishes the document; returns the message id once Pub/Sub has stored it. A
    /// document too large for Pub/Sub is bad input (65), a refusal such as a missing topic
    /// or permission a configuration error (78), anything else transient (75).
    #[instrument(skip_all, fields(topic = %self.publisher.topic(), image = %document.image.id))]
    pub async fn deliver(&self, document: &FeatureDocument) -> Result<String> {
        let message = message_for(document)?;
        self.publisher.publish(&message).await.map_err(|e| match e {
            shared::Error::Invalid(why) => Error::bad_input(&document.image.uri, why),
            e @ shared::Error::Backend { .. } => {
                Error::config(format!("Pub/Sub refused the document: {}", shared::http::error_chain(&e)))
            }
            other => Error::Delivery {
                target: self.publisher.topic().to_string(),
                message: shared::http::error_chain(&other),
            },
        })
    }
}
