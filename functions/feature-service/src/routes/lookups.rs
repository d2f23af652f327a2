//! `/features/*`: lookups for inference.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Json;
use serde::Deserialize;
use shared::domain::{ImageId, ModelVersion, ObjectId};
use shared::graph::ImageSelector;
use shared::http::ApiError;
use shared::Error;
use std::sync::Arc;

use super::{bad_json, bad_query, encoded};
use crate::encoding::Encoding;
use crate::lookup;
use crate::AppState;

/// `?version=&vector_encoding=`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionQuery {
    version: Option<ModelVersion>,
    vector_encoding: Option<String>,
}

/// `GET /features/object/{id}`.
pub async fn object(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    q: Result<Query<VersionQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = q.map_err(bad_query)?;
    let enc = Encoding::negotiate(q.vector_encoding.as_deref(), &headers)?;
    let id = ObjectId::parse(&id)?;
    Ok(encoded(enc, lookup::object(&state, &id, q.version, enc).await?))
}

/// `?uri=` or `?id=`, plus `?version=` and `?embeddings=false`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageQuery {
    uri: Option<String>,
    id: Option<ImageId>,
    version: Option<ModelVersion>,
    #[serde(default = "yes")]
    embeddings: bool,
}

fn yes() -> bool {
    true
}

/// `GET /features/image`.
pub async fn image(
    State(state): State<Arc<AppState>>,
    q: Result<Query<ImageQuery>, QueryRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let Query(q) = q.map_err(bad_query)?;
    let selector = match (q.uri, q.id) {
        (Some(uri), None) => {
            // NB: stored locations are in the canonical spelling (`#` in names escaped), so look that up.
            ImageSelector::Uri(shared::domain::ObjectUri::parse(&uri)?.to_string())
        }
        (None, Some(id)) => ImageSelector::Id(id),
        _ => return Err(ApiError::invalid("give exactly one of uri= or id=")),
    };
    let version = lookup::resolve_version(&state, q.version)
        .await?
        .ok_or_else(|| Error::NotFound("no features have been ingested yet".into()))?;
    let mut found = state
        .backends
        .graph
        .image_features(&selector, &version)
        .await?
        .ok_or_else(|| Error::NotFound(format!("image {selector:?}")))?;
    if !q.embeddings {
        found.objects.iter_mut().for_each(|o| o.embedding.clear());
    }
    let mut body = serde_json::to_value(&found).map_err(|e| Error::backend("json", e))?;
    body["source"] = "graph".into();
    Ok(Json(body))
}

/// `{"ids": [...], "version": …, "embeddings": bool}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchRequest {
    ids: Vec<String>,
    #[serde(default)]
    version: Option<ModelVersion>,
    /// `false` leaves the vectors out (and allows up to [`lookup::MAX_BATCH`] ids).
    #[serde(default = "yes")]
    embeddings: bool,
}

/// `?vector_encoding=` of a batch.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EncodingQuery {
    vector_encoding: Option<String>,
}

/// `POST /features/batch`.
pub async fn batch(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    q: Result<Query<EncodingQuery>, QueryRejection>,
    body: Result<Json<BatchRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = q.map_err(bad_query)?;
    let enc = Encoding::negotiate(q.vector_encoding.as_deref(), &headers)?;
    let Json(req) = body.map_err(bad_json)?;
    Ok(encoded(enc, lookup::batch(&state, &req.ids, req.version, req.embeddings, enc).await?))
}
