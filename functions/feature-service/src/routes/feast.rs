//! `POST /get-online-features`: Feast's feature-server read API over
//! Sightgraph's objects (the `objects` view of [`crate::feast`]), so Feast's
//! SDK with `online_store: {type: remote, path: <this service>}` reads them.

use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::response::Response;
use axum::Json;
use serde::Deserialize;
use serde_json::Value;
use shared::domain::ObjectId;
use shared::http::ApiError;
use shared::Error;
use std::collections::HashMap;
use std::sync::Arc;

use super::{bad_json, json_bytes};
use crate::feast::{render, Row, ENTITY, FEATURES, SERVICES, VIEW};
use crate::lookup::{fetch_many, resolve_version, Fetched, MAX_BATCH, MAX_BATCH_WITH_EMBEDDINGS};
use crate::AppState;

/// Feast's `GetOnlineFeaturesRequest` (unknown fields are ignored, as Feast's server does).
#[derive(Debug, Deserialize)]
pub struct FeastRequest {
    entities: HashMap<String, Value>,
    #[serde(default)]
    feature_service: Option<String>,
    #[serde(default)]
    features: Vec<String>,
    #[serde(default)]
    full_feature_names: bool,
    #[serde(default)]
    include_feature_view_version_metadata: bool,
}

/// The requested feature names, checked against the view.
fn features(req: &FeastRequest) -> Result<Vec<&'static str>, ApiError> {
    if let Some(name) = &req.feature_service {
        // NB: like Feast's server, a feature service wins over a feature list.
        return SERVICES.iter().find(|(n, _)| n == name).map(|(_, f)| f.to_vec()).ok_or_else(|| {
            Error::NotFound(format!("feature service {name:?} (known: object_features, object_attributes)")).into()
        });
    }
    if req.features.is_empty() {
        return Err(ApiError::invalid("give features ([\"objects:label\", …]) or a feature_service"));
    }
    if req.features.len() > FEATURES.len() * 4 {
        return Err(ApiError::invalid(format!("at most {} feature references", FEATURES.len() * 4)));
    }
    req.features
        .iter()
        .map(|r| {
            let (view, name) = r
                .split_once(':')
                .ok_or_else(|| ApiError::invalid(format!("features: {r:?} is not a view:feature reference")))?;
            if view != VIEW {
                return Err(ApiError::invalid(format!(
                    "features: unknown feature view {view:?} (Sightgraph serves {VIEW:?})"
                )));
            }
            FEATURES.iter().find(|f| **f == name).copied().ok_or_else(|| {
                ApiError::invalid(format!(
                    "features: {VIEW:?} has no feature {name:?} (it has {})",
                    FEATURES.join(", ")
                ))
            })
        })
        .collect()
}

/// The entity values: `{"object_id": [<string>, …]}` and nothing else.
/// At most [`MAX_BATCH`] rows, or [`MAX_BATCH_WITH_EMBEDDINGS`] when the vectors are asked for.
fn entity_ids(req: &FeastRequest, wants_embedding: bool) -> Result<Vec<String>, ApiError> {
    if let Some(other) = req.entities.keys().find(|k| *k != ENTITY) {
        return Err(ApiError::invalid(format!("entities: unknown join key {other:?} (the entity is {ENTITY:?})")));
    }
    let Some(Value::Array(values)) = req.entities.get(ENTITY) else {
        return Err(ApiError::invalid(format!("entities.{ENTITY} must be a list of object ids")));
    };
    let max = if wants_embedding { MAX_BATCH_WITH_EMBEDDINGS } else { MAX_BATCH };
    if values.len() > max {
        let hint = if wants_embedding { " with the embedding feature" } else { "" };
        return Err(ApiError::invalid(format!("entities.{ENTITY}: at most {max} rows{hint}, got {}", values.len())));
    }
    values
        .iter()
        .enumerate()
        .map(|(i, v)| match v {
            Value::String(s) => Ok(s.clone()),
            _ => Err(ApiError::invalid(format!("entities.{ENTITY}[{i}] must be a string"))),
        })
        .collect()
}

/// `POST /get-online-features`.
pub async fn get_online_features(
    State(state): State<Arc<AppState>>,
    body: Result<Json<FeastRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(req) = body.map_err(bad_json)?;
    let features = features(&req)?;
    let ids = entity_ids(&req, features.contains(&"embedding"))?;
    let parsed: Vec<Option<ObjectId>> = ids.iter().map(|s| ObjectId::parse(s).ok()).collect();
    let valid: Vec<ObjectId> = parsed.iter().flatten().cloned().collect();
    let version = resolve_version(&state, None).await?;
    let mut fetched = fetch_many(&state, &valid, version.as_ref(), None).await?.into_iter();
    let mut rows = Vec::with_capacity(ids.len());
    for id in &parsed {
        let row = match id.as_ref().and_then(|_| fetched.next()) {
            Some(Fetched::Cache(o) | Fetched::Graph(o)) => {
                Row::present(o).ok_or_else(|| Error::backend("cache", "a cached object's JSON does not parse"))?
            }
            Some(Fetched::Unavailable(e)) => return Err(Error::unavailable(state.backends.graph.backend(), e).into()),
            Some(Fetched::NotFound) | None => Row::NotFound,
        };
        rows.push(row);
    }
    let wants_embedding = features.contains(&"embedding");
    metrics::counter!("sightgraph_feast_rows_total", "embedding" => if wants_embedding { "yes" } else { "no" })
        .increment(rows.len() as u64);
    Ok(json_bytes(render(&features, req.full_feature_names, req.include_feature_view_version_metadata, &ids, &rows)))
}
