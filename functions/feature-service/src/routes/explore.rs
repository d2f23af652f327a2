//! Read-only exploration: pattern search, nodes, neighbourhoods, similar objects.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use shared::domain::{NodeId, ObjectId};
use shared::graph::PatternQuery;
use shared::http::ApiError;
use shared::Error;
use std::sync::Arc;

use super::{bad_json, bad_query};
use crate::lookup::resolve_version;
use crate::AppState;

/// Nodes a neighbourhood returns at most.
const MAX_NEIGHBOURHOOD: usize = 500;
/// Neighbours a similarity query returns at most.
const MAX_K: usize = 100;

/// `POST /query/pattern`.
pub async fn pattern(
    State(state): State<Arc<AppState>>,
    body: Result<Json<PatternQuery>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let Json(q) = body.map_err(bad_json)?;
    q.validate()?;
    let Some(version) = resolve_version(&state, q.version.clone()).await? else {
        return Ok(Json(json!({"model_version": null, "matches": [], "truncated": false, "next_cursor": null})));
    };
    let page = state.backends.graph.pattern_search(&q, &version).await?;
    let mut body = serde_json::to_value(&page).map_err(|e| Error::backend("json", e))?;
    body["model_version"] = json!(version);
    Ok(Json(body))
}

/// `GET /graph/node/{id}`.
pub async fn node(State(state): State<Arc<AppState>>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let id = NodeId::parse(&id)?;
    let node = state.backends.graph.node(&id).await?.ok_or_else(|| Error::NotFound(format!("node {}", id.as_str())))?;
    Ok(Json(json!({ "node": node })))
}

/// `?depth=1|2&limit=`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NeighbourhoodQuery {
    #[serde(default = "one")]
    depth: u8,
    #[serde(default = "default_limit")]
    limit: usize,
}

fn one() -> u8 {
    1
}

fn default_limit() -> usize {
    200
}

/// `GET /graph/neighbourhood/{id}`.
pub async fn neighbourhood(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    q: Result<Query<NeighbourhoodQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(q) = q.map_err(bad_query)?;
    if !(1..=2).contains(&q.depth) {
        return Err(ApiError::invalid(format!("depth must be 1 or 2, got {}", q.depth)));
    }
    if !(1..=MAX_NEIGHBOURHOOD).contains(&q.limit) {
        return Err(ApiError::invalid(format!("limit must be 1..={MAX_NEIGHBOURHOOD}")));
    }
    let id = NodeId::parse(&id)?;
    let n = state
        .backends
        .graph
        .neighbourhood(&id, q.depth, q.limit)
        .await?
        .ok_or_else(|| Error::NotFound(format!("node {}", id.as_str())))?;
    Ok(Json(serde_json::to_value(n).map_err(|e| Error::backend("json", e))?))
}

/// `?k=`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimilarQuery {
    #[serde(default = "default_k")]
    k: usize,
    #[serde(default)]
    version: Option<shared::domain::ModelVersion>,
}

fn default_k() -> usize {
    10
}

/// `GET /similar/{id}`: k nearest objects of the same model version by cosine.
pub async fn similar(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    q: Result<Query<SimilarQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(q) = q.map_err(bad_query)?;
    if !(1..=MAX_K).contains(&q.k) {
        return Err(ApiError::invalid(format!("k must be 1..={MAX_K}")));
    }
    let id = ObjectId::parse(&id)?;
    let target = state.backends.graph.object(&id).await?.ok_or_else(|| Error::NotFound(format!("object {id}")))?;
    if q.version.as_ref().is_some_and(|v| v != &target.model_version) {
        return Err(Error::NotFound(format!("object {id} has no features of that version")).into());
    }
    let results = state.backends.graph.nearest_objects(&id, q.k, state.similar_max_scan).await?.unwrap_or_default();
    Ok(Json(json!({"object_id": id, "model_version": target.model_version, "results": results})))
}
