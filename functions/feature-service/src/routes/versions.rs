//! `/versions`: feature-set versions; switching and rolling back need an admin token, whose
//! name is the audited actor.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use shared::domain::{FeatureSetName, ModelVersion};
use shared::http::ApiError;

use super::bad_json;
use crate::AppState;

/// `GET /versions`.
pub async fn list(State(state): State<AppState>) -> Result<Response, ApiError> {
    let sets = state.graph.feature_sets().await?;
    Ok(Json(json!({ "feature_sets": sets })).into_response())
}

/// `{"version": …}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivateRequest {
    version: ModelVersion,
}

/// `POST /versions/{set}/activate`.
pub async fn activate(
    State(state): State<AppState>,
    Path(set): Path<String>,
    headers: HeaderMap,
    body: Result<Json<ActivateRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    // NB: the audited actor is the name of the token that authenticated, never a request header.
    let actor = state.admins.authenticate(&headers)?;
    let set = FeatureSetName::parse(&set)?;
    let Json(req) = body.map_err(bad_json)?;
    let change = state.graph.activate_version(&set, &req.version, actor).await?;
    if &set == state.active.set() {
        state.active.store(Some(change.to.clone()));
    }
    tracing::info!(feature_set = %set, to = %change.to, %actor, "active version switched");
    Ok(Json(json!({ "change": change })).into_response())
}

/// `POST /versions/{set}/rollback`.
pub async fn rollback(
    State(state): State<AppState>,
    Path(set): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let actor = state.admins.authenticate(&headers)?;
    let set = FeatureSetName::parse(&set)?;
    let change = state.graph.rollback_version(&set, actor).await?;
    if &set == state.active.set() {
        state.active.store(Some(change.to.clone()));
    }
    tracing::info!(feature_set = %set, to = %change.to, %actor, "active version rolled back");
    Ok(Json(json!({ "change": change })).into_response())
}
