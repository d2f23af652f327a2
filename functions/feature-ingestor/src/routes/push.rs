//! `POST /pubsub/push`: a document delivered by a Pub/Sub push subscription (the
//! CloudEvents Pub/Sub binding, binary mode: the document as data, `ce-*` attributes).
//!
//! Answers: 200 once the graph has committed the document (Pub/Sub acknowledges it);
//! 503/500 when a backend failed (Pub/Sub redelivers with backoff, then dead-letters after
//! the subscription's `max_delivery_attempts`). A message that can never succeed
//! (not a CloudEvent, wrong type, invalid document) is answered 200 at once, after
//! being moved to `PUBSUB_DEAD_LETTER_TOPIC` when one is set, else dropped with an error
//! log line: redelivering it would only fail again (docs/deploy.md, "Delivery guarantees").

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::Serialize;
use shared::events::PubSubPush;
use shared::http::ApiError;
use shared::pubsub::{event_from_message, OutgoingMessage};
use shared::schema::FeatureDocument;
use std::collections::BTreeMap;
use tracing::field::Empty;

use crate::handler::{handle, parse_document, Outcome};
use crate::AppState;

/// Attribute naming why a message was dead-lettered.
pub const REASON_ATTRIBUTE: &str = "sightgraph-dead-letter-reason";
/// Attribute with the dead-lettered message's original id.
pub const ORIGINAL_ID_ATTRIBUTE: &str = "sightgraph-original-message-id";
/// Attribute with the subscription it came through.
pub const SUBSCRIPTION_ATTRIBUTE: &str = "sightgraph-subscription";
const MAX_ATTRIBUTE: usize = 1024;

/// The answer to one push.
#[derive(Debug, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum PushOutcome {
    /// Written to the graph (or already there).
    Ingested(Outcome),
    /// Can never succeed; moved to the dead-letter topic.
    DeadLettered {
        /// Why.
        reason: String,
        /// Its id on the dead-letter topic.
        dead_letter_message_id: String,
    },
    /// Can never succeed; no dead-letter topic is configured, so it is dropped (logged).
    Dropped {
        /// Why.
        reason: String,
    },
}

impl PushOutcome {
    fn kind(&self) -> &'static str {
        match self {
            Self::Ingested(_) => "ingested",
            Self::DeadLettered { .. } => "dead_lettered",
            Self::Dropped { .. } => "dropped",
        }
    }
}

/// The push route alone, so that a layer (the OIDC token check) can wrap just it.
pub fn push_routes(state: AppState) -> Router {
    // NB: axum buffers bodies up to 2 MB by default; a push of a large document is bigger.
    Router::new()
        .route("/pubsub/push", post(pubsub_push))
        .layer(DefaultBodyLimit::max(crate::MAX_BODY_BYTES))
        .with_state(state)
}

/// `POST /pubsub/push`.
#[tracing::instrument(skip_all, fields(message_id = Empty, delivery_attempt = Empty, outcome = Empty))]
pub async fn pubsub_push(State(state): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    // NB: Pub/Sub always sends a well-formed envelope; anything else is a stray caller.
    let push: PubSubPush = serde_json::from_slice(&body)
        .map_err(|e| ApiError::invalid(format!("body is not a Pub/Sub push envelope: {e}")))?;
    let span = tracing::Span::current();
    span.record("message_id", push.message.id());
    if let Some(attempt) = push.delivery_attempt {
        span.record("delivery_attempt", attempt);
    }
    tracing::info!("pubsub message received");
    let outcome = match document(&push, &state) {
        Ok(doc) => match handle(&doc, &state).await {
            Ok(outcome) => PushOutcome::Ingested(outcome),
            Err(shared::Error::Invalid(why)) => dead_letter(&state, &push, &why).await?,
            Err(e) => {
                metrics::counter!("ingest_pubsub_total", "outcome" => "retry").increment(1);
                return Err(e.into());
            }
        },
        Err(why) => dead_letter(&state, &push, &why).await?,
    };
    span.record("outcome", outcome.kind());
    metrics::counter!("ingest_pubsub_total", "outcome" => outcome.kind()).increment(1);
    Ok((StatusCode::OK, Json(outcome)).into_response())
}

/// The validated document a message carries, or why it can never be ingested.
fn document(push: &PubSubPush, state: &AppState) -> Result<FeatureDocument, String> {
    let data = push.message.data_bytes().map_err(|e| e.to_string())?;
    let event = event_from_message(data, &push.message.attributes).map_err(|e| e.to_string())?;
    parse_document(&event, &state.locations).map_err(|e| e.to_string())
}

/// Moves a message that can never succeed out of the way: to the dead-letter topic when
/// one is configured (a failed publish is transient: Pub/Sub redelivers), else dropped.
async fn dead_letter(state: &AppState, push: &PubSubPush, reason: &str) -> Result<PushOutcome, ApiError> {
    let reason = truncate(reason);
    let Some(publisher) = &state.dead_letter else {
        tracing::error!(%reason, "message can never be ingested and no dead-letter topic is set; dropped");
        return Ok(PushOutcome::Dropped { reason });
    };
    let mut attributes: BTreeMap<String, String> =
        push.message.attributes.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    attributes.insert(REASON_ATTRIBUTE.into(), reason.clone());
    attributes.insert(ORIGINAL_ID_ATTRIBUTE.into(), push.message.id().to_owned());
    if let Some(subscription) = &push.subscription {
        attributes.insert(SUBSCRIPTION_ATTRIBUTE.into(), truncate(subscription));
    }
    // NB: undecodable base64 travels as the text it was, so nothing is lost.
    let data = push.message.data_bytes().unwrap_or_else(|_| push.message.data.clone().unwrap_or_default().into_bytes());
    let id = publisher.publish(&OutgoingMessage { data, attributes }).await.map_err(|e| {
        // NB: the boundary logs the error with its chain; this line adds why the message was moving.
        tracing::warn!(%reason, "cannot dead-letter the message; Pub/Sub will redeliver it");
        ApiError(shared::Error::unavailable("pubsub", e).context("dead-lettering the message"))
    })?;
    tracing::warn!(%reason, dead_letter_message_id = %id, topic = %publisher.topic(), "message dead-lettered");
    Ok(PushOutcome::DeadLettered { reason, dead_letter_message_id: id })
}

fn truncate(text: &str) -> String {
    let mut end = text.len().min(MAX_ATTRIBUTE);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}
