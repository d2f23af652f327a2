//! The HTTP edge: one CloudEvent per document on `POST /`, Pub/Sub pushes on
//! `POST /pubsub/push` ([`push`]).

pub mod push;

use axum::extract::State;
use axum::Json;
use shared::cloudevent::CloudEvent;
use shared::http::ApiError;

use crate::handler::{handle, parse_document, Outcome};
use crate::AppState;

/// `POST /`: one CloudEvent per document.
pub async fn ingest(State(state): State<AppState>, CloudEvent(event): CloudEvent) -> Result<Json<Outcome>, ApiError> {
    let doc = parse_document(&event, &state.locations)?;
    Ok(Json(handle(&doc, &state).await?))
}
