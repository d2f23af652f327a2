//! The HTTP edge: a ping CloudEvent in, the warm-up's outcome out.

use axum::extract::State;
use axum::Json;
use shared::cloudevent::CloudEvent;
use shared::http::ApiError;

use crate::handler::{handle, parse_ping, Outcome};
use crate::AppState;

/// `POST /`: a ping (Knative PingSource, or a manual `dev.sightgraph.cache.warm`).
pub async fn ping(State(state): State<AppState>, CloudEvent(event): CloudEvent) -> Result<Json<Outcome>, ApiError> {
    let p = parse_ping(&event)?;
    Ok(Json(handle(&p, &state).await?))
}
