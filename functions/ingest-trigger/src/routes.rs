//! The HTTP edge: each route parses its envelope into a [`GcsNotice`] and hands it to [`handle`].

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use shared::cloudevent::CloudEvent;
use shared::events::{GcsNotice, ObjectFinalized, PubSubPush};

use shared::http::ApiError;

use crate::{handle, AppState, Outcome};

/// `POST /`: a GCS CloudEvent in binary or structured mode.
pub async fn cloudevent(State(state): State<AppState>, CloudEvent(event): CloudEvent) -> Result<Response, ApiError> {
    let notice = ObjectFinalized::from_cloudevent(&event)?;
    respond(notice, &state, StatusCode::ACCEPTED).await
}

/// `POST /pubsub/push`: a Pub/Sub push envelope carrying a GCS notification.
pub async fn pubsub_push(State(state): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let push: PubSubPush = serde_json::from_slice(&body)
        .map_err(|e| shared::Error::invalid(format!("body is not a Pub/Sub push envelope: {e}")))?;
    // NB: the Pub/Sub emulator redelivers on 202 (real Pub/Sub acks it), so a launch answers 200 here.
    respond(push.to_notice()?, &state, StatusCode::OK).await
}

async fn respond(notice: GcsNotice, state: &AppState, launched: StatusCode) -> Result<Response, ApiError> {
    let outcome = handle(notice, state).await?;
    metrics::counter!("ingest_events_total", "outcome" => outcome.kind()).increment(1);
    let status = match outcome {
        Outcome::Launched { .. } => launched,
        _ => StatusCode::OK,
    };
    Ok((status, Json(outcome)).into_response())
}
