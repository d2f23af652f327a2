//! `/backfills`: launch a backfill (admin), follow runs, compare versions (admin).

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use backfill::compare::{compare as compare_versions, render, DEFAULT_LIMIT};
use backfill::plan::{plan, Plan, PlanRequest};
use backfill::status::{manifest, progress, Progress};
use serde::Deserialize;
use serde_json::json;
use shared::backfill::{BackfillStore, RunId, Scope};
use shared::domain::{FeatureSetName, ModelVersion};
use shared::http::ApiError;
use std::collections::BTreeMap;
use std::sync::Arc;

use super::{bad_json, bad_query};
use crate::AppState;

fn off(what: &str) -> ApiError {
    ApiError(shared::Error::unavailable("backfill", "BACKFILL_ROOT is not set").context(what))
}

/// `POST /backfills` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LaunchRequest {
    feature_set: Option<FeatureSetName>,
    model_version: ModelVersion,
    /// The cv-processor image producing the version (default `JOB_IMAGE`).
    image: Option<String>,
    #[serde(default = "all")]
    scope: Scope,
    shards: Option<u32>,
}

fn all() -> Scope {
    Scope::All
}

/// `POST /backfills`: plan and launch one Indexed Job.
pub async fn launch(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Result<Json<LaunchRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let actor = state.admins.authenticate(&headers)?.to_owned();
    let Json(req) = body.map_err(bad_json)?;
    let b = &state.backfills;
    let (Some(store), Some(jobs)) = (&b.store, &b.jobs) else {
        return Err(off("backfills are launched with LAUNCHER=kubernetes"));
    };
    let set = req.feature_set.unwrap_or_else(|| state.active.set().clone());
    if &set != state.active.set() {
        // NB: documents carry no feature set; the ingestor writes them to its FEATURE_SET.
        let message = format!("the ingestor writes documents to feature set {}, not {set}", state.active.set());
        return Err(ApiError::invalid(message));
    }
    let Some(image) = req.image.or_else(|| std::env::var("JOB_IMAGE").ok()) else {
        return Err(ApiError::invalid("image: name the cv-processor image that produces the version"));
    };
    let request = PlanRequest {
        feature_set: set,
        model_version: req.model_version,
        processor: image,
        scope: req.scope,
        shards: req.shards,
        shard_size: b.settings.shard_size,
        chunk_size: b.settings.chunk_size,
        created_by: actor.clone(),
    };
    let (manifest, unusable) = match plan(state.backends.graph.as_ref(), store, &request).await? {
        Plan::Nothing { unusable } => {
            let body =
                json!({"launched": false, "reason": "every image in scope has the version", "unusable": unusable});
            return Ok(Json(body).into_response());
        }
        Plan::Run { manifest, unusable, .. } => (manifest, unusable),
    };
    let outcome = jobs.launch(&manifest, store.root()).await?;
    tracing::info!(run = %manifest.run, images = manifest.images, %actor, "backfill launched");
    let body = json!({"launched": true, "outcome": outcome, "job": backfill::job::job_name(&manifest),
                      "manifest": manifest, "unusable": unusable});
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// `GET /backfills` query.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusQuery {
    feature_set: Option<FeatureSetName>,
    model_version: Option<ModelVersion>,
}

/// `GET /backfills` (admin): the latest run of each version of the set (or of one version).
pub async fn status(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    query: Result<Query<StatusQuery>, QueryRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    // NB: runs name their Job, bucket paths and launching actor: admin only, like launches.
    state.admins.authenticate(&headers)?;
    let Query(q) = query.map_err(bad_query)?;
    let Some(store) = &state.backfills.store else { return Err(off("no backfill runs to show")) };
    let set = q.feature_set.unwrap_or_else(|| state.active.set().clone());
    let runs = latest_runs(&state, store, &set, q.model_version.as_ref()).await?;
    let runs: Vec<_> = runs.into_iter().map(|p| json!({"line": p.line(), "state": p.state(), "progress": p})).collect();
    Ok(Json(json!({"feature_set": set, "backfills": runs})))
}

async fn latest_runs(
    state: &AppState,
    store: &BackfillStore,
    set: &FeatureSetName,
    only: Option<&ModelVersion>,
) -> shared::Result<Vec<Progress>> {
    let mut newest: BTreeMap<String, shared::backfill::BackfillManifest> = BTreeMap::new();
    for entry in store.list(&format!("index/{set}/")).await? {
        let Some(run) = entry.rsplit('/').next().and_then(|r| RunId::parse(r).ok()) else { continue };
        let m = manifest(store, &run).await?;
        if only.is_some_and(|v| v != &m.model_version) {
            continue;
        }
        let key = m.model_version.to_string();
        if newest.get(&key).is_none_or(|n| m.created_at > n.created_at) {
            newest.insert(key, m);
        }
    }
    let mut out = Vec::new();
    for m in newest.into_values() {
        let job = match &state.backfills.jobs {
            Some(jobs) => {
                jobs.runs(set, &m.model_version).await?.into_iter().find(|(r, _)| r == &m.run).map(|(_, j)| j)
            }
            None => None,
        };
        out.push(progress(store, state.backends.graph.as_ref(), &m, job).await?);
    }
    out.sort_by_key(|p| std::cmp::Reverse(p.manifest.created_at));
    Ok(out)
}

/// `POST /backfills/compare` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompareRequest {
    feature_set: Option<FeatureSetName>,
    from: ModelVersion,
    to: ModelVersion,
    limit: Option<usize>,
}

/// `POST /backfills/compare`: the comparison report, with its table.
pub async fn compare(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Result<Json<CompareRequest>, JsonRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.admins.authenticate(&headers)?;
    let Json(req) = body.map_err(bad_json)?;
    let set = req.feature_set.unwrap_or_else(|| state.active.set().clone());
    let limit = req.limit.unwrap_or(DEFAULT_LIMIT);
    let report = compare_versions(state.backends.graph.as_ref(), &set, &req.from, &req.to, limit).await?;
    Ok(Json(json!({"table": render(&report), "report": report})))
}
