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
use std::sync::Arc;

use super::bad_json;
use crate::AppState;

/// `GET /versions`: each set with its versions, audit trail, and each version's coverage.
pub async fn list(State(state): State<Arc<AppState>>) -> Result<Response, ApiError> {
    let sets = state.backends.graph.feature_sets().await?;
    let mut out = Vec::with_capacity(sets.len());
    for set in sets {
        let coverage = state.backends.graph.version_coverage(&FeatureSetName::parse(&set.name)?).await?;
        let mut entry = serde_json::to_value(&set).map_err(|e| ApiError::invalid(e.to_string()))?;
        entry["coverage"] = serde_json::to_value(&coverage).map_err(|e| ApiError::invalid(e.to_string()))?;
        out.push(entry);
    }
    Ok(Json(json!({ "feature_sets": out, "min_coverage": state.backfills.min_coverage })).into_response())
}

/// `{"version": …, "force": false}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivateRequest {
    version: ModelVersion,
    /// Activate even when the version covers less than `ACTIVATION_MIN_COVERAGE` of the set.
    #[serde(default)]
    force: bool,
}

/// `POST /versions/{set}/activate`.
pub async fn activate(
    State(state): State<Arc<AppState>>,
    Path(set): Path<String>,
    headers: HeaderMap,
    body: Result<Json<ActivateRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    // NB: the audited actor is the name of the token that authenticated, never a request header.
    let actor = state.admins.authenticate(&headers)?;
    let set = FeatureSetName::parse(&set)?;
    let Json(req) = body.map_err(bad_json)?;
    let min = state.backfills.min_coverage;
    let change =
        backfill::activate::activate(state.backends.graph.as_ref(), &set, &req.version, actor, min, req.force).await?;
    if &set == state.active.set() {
        state.active.store(Some(change.to.clone()));
    }
    tracing::info!(feature_set = %set, to = %change.to, %actor, coverage = ?change.coverage, "active version switched");
    Ok(Json(json!({ "change": change })).into_response())
}

/// `POST /versions/{set}/rollback`.
pub async fn rollback(
    State(state): State<Arc<AppState>>,
    Path(set): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let actor = state.admins.authenticate(&headers)?;
    let set = FeatureSetName::parse(&set)?;
    let change = state.backends.graph.rollback_version(&set, actor).await?;
    if &set == state.active.set() {
        state.active.store(Some(change.to.clone()));
    }
    tracing::info!(feature_set = %set, to = %change.to, %actor, "active version rolled back");
    Ok(Json(json!({ "change": change })).into_response())
}
