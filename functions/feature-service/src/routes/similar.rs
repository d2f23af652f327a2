//! `POST /similar`: the stored objects most like a fresh embedding
//! (re-identification), through the graph store's own vector search.

use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use shared::domain::{Label, ModelVersion};
use shared::graph::{VectorQuery, MAX_VECTOR_DIM};
use shared::http::ApiError;
use std::sync::Arc;

use super::bad_json;
use crate::encoding::F32LE_BASE64;
use crate::lookup::resolve_version;
use crate::AppState;

/// `{"vector": [f32] | "<base64 f32le>", "k"?, "label"?, "version"?, "min_score"?}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimilarRequest {
    vector: Value,
    #[serde(default)]
    k: Option<Value>,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    min_score: Option<Value>,
}

/// Results when `k` is not given.
const DEFAULT_K: usize = 10;

/// The vector from a JSON array of numbers or a base64 string of little-endian f32.
fn vector(v: &Value) -> Result<Vec<f32>, ApiError> {
    match v {
        Value::Array(items) => {
            if items.len() > MAX_VECTOR_DIM {
                return Err(ApiError::invalid(format!("vector must have 1..={MAX_VECTOR_DIM} values")));
            }
            items
                .iter()
                .enumerate()
                .map(|(i, x)| match x.as_f64() {
                    // NB: a value beyond f32's range would turn into infinity; it is refused as such.
                    Some(f) if (f as f32).is_finite() => Ok(f as f32),
                    _ => Err(ApiError::invalid(format!("vector[{i}] is not a finite 32-bit float"))),
                })
                .collect()
        }
        Value::String(text) => {
            use base64::Engine;
            let raw = base64::engine::general_purpose::STANDARD
                .decode(text)
                .map_err(|e| ApiError::invalid(format!("vector is not {F32LE_BASE64}: {e}")))?;
            if raw.len() % 4 != 0 {
                return Err(ApiError::invalid(format!(
                    "vector is not {F32LE_BASE64}: {} bytes is not a whole number of floats",
                    raw.len()
                )));
            }
            Ok(raw.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
        }
        _ => Err(ApiError::invalid(format!("vector must be an array of numbers or a {F32LE_BASE64} string"))),
    }
}

fn k(v: Option<&Value>) -> Result<usize, ApiError> {
    match v {
        None | Some(Value::Null) => Ok(DEFAULT_K),
        Some(x) => x
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| ApiError::invalid(format!("k must be a whole number, got {x}"))),
    }
}

fn min_score(v: Option<&Value>) -> Result<Option<f32>, ApiError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(x) => x
            .as_f64()
            .map(|m| Some(m as f32))
            .ok_or_else(|| ApiError::invalid(format!("min_score must be a number, got {x}"))),
    }
}

fn field<T>(name: &str, r: shared::Result<T>) -> Result<T, ApiError> {
    r.map_err(|e| ApiError::invalid(format!("{name}: {e}")))
}

/// `POST /similar`.
pub async fn similar(
    State(state): State<Arc<AppState>>,
    body: Result<Json<SimilarRequest>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let Json(req) = body.map_err(bad_json)?;
    let vector = vector(&req.vector)?;
    let k = k(req.k.as_ref())?;
    let min_score = min_score(req.min_score.as_ref())?;
    let label = req.label.as_deref().map(|l| field("label", Label::parse(l))).transpose()?;
    let explicit = req.version.as_deref().map(|v| field("version", ModelVersion::parse(v))).transpose()?;
    let Some(version) = resolve_version(&state, explicit).await? else {
        return Ok(Json(json!({"model_version": null, "results": []})));
    };
    let q = VectorQuery { vector, version, k, label, min_score, max_scan: state.similar_max_scan };
    q.validate()?;
    let results = state.backends.graph.nearest_to_vector(&q).await?;
    Ok(Json(json!({"model_version": q.version, "results": results})))
}
