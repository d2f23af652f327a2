//! Cache-aside lookups: the cache first, the graph for misses (one query for
//! a whole batch), then fill the cache. Cache hits are answered by splicing
//! the stored JSON into the envelope, never parsing it.

use bytes::{BufMut, Bytes, BytesMut};
use shared::cache::{object_entry, put_best_effort, CacheKey};
use shared::domain::{ModelVersion, ObjectId};
use shared::graph::ObjectFeatures;
use shared::{Error, Result};
use std::time::Instant;

use crate::AppState;

/// Where an answer came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The hot tier.
    Cache,
    /// The source of truth.
    Graph,
}

impl Source {
    fn as_str(self) -> &'static str {
        match self {
            Source::Cache => "cache",
            Source::Graph => "graph",
        }
    }
}

fn cache_error(state: &AppState, op: &'static str, e: &Error) {
    // NB: refusals of an open breaker are counted by the breaker, which logged its opening once.
    if shared::breaker::is_rejection(e) {
        return;
    }
    metrics::counter!("sightgraph_cache_errors_total", "backend" => state.cache.backend(), "op" => op).increment(1);
    tracing::warn!(error = %e, op, "cache unavailable; answering from the graph");
}

fn record(route: &'static str, source: Source, started: Instant) {
    metrics::counter!("sightgraph_lookups_total", "route" => route, "source" => source.as_str()).increment(1);
    metrics::histogram!("sightgraph_lookup_duration_seconds", "route" => route, "source" => source.as_str())
        .record(started.elapsed().as_secs_f64());
}

/// `{"source":…,"model_version":…,"object":<object JSON>}` without re-encoding the object.
fn envelope(source: Source, version: &ModelVersion, object_json: &[u8]) -> Bytes {
    let mut out = BytesMut::with_capacity(object_json.len() + 96);
    out.put_slice(b"{\"source\":\"");
    out.put_slice(source.as_str().as_bytes());
    out.put_slice(b"\",\"model_version\":\"");
    // NB: ModelVersion's alphabet needs no JSON escaping.
    out.put_slice(version.as_str().as_bytes());
    out.put_slice(b"\",\"object\":");
    out.put_slice(object_json);
    out.put_u8(b'}');
    out.freeze()
}

/// The version a lookup refers to: the explicit one or the active one.
pub async fn resolve_version(state: &AppState, explicit: Option<ModelVersion>) -> Result<Option<ModelVersion>> {
    match explicit {
        Some(v) => Ok(Some(v)),
        None => state.active.get(state.graph.as_ref()).await,
    }
}

/// One object, as the response body.
pub async fn object(state: &AppState, id: &ObjectId, explicit: Option<ModelVersion>) -> Result<Bytes> {
    let started = Instant::now();
    let version = resolve_version(state, explicit.clone()).await?;
    if let Some(v) = &version {
        match state.cache.get(&CacheKey::object(v, id)).await {
            Ok(Some(hit)) => {
                metrics::counter!("sightgraph_cache_hits_total").increment(1);
                record("object", Source::Cache, started);
                return Ok(envelope(Source::Cache, v, &hit));
            }
            Ok(None) => metrics::counter!("sightgraph_cache_misses_total").increment(1),
            Err(e) => cache_error(state, "get", &e),
        }
    }
    let found = state.graph.object(id).await?.ok_or_else(|| Error::NotFound(format!("object {id}")))?;
    if let Some(want) = &explicit {
        if want != &found.model_version {
            return Err(Error::NotFound(format!("object {id} has no features of version {want}")));
        }
    }
    let (key, json) = object_entry(&found);
    put_best_effort(state.cache.as_ref(), &[(key, json.clone())], state.cache_ttl).await;
    record("object", Source::Graph, started);
    Ok(envelope(Source::Graph, &found.model_version, &json))
}

/// Largest batch accepted in one call.
pub const MAX_BATCH: usize = 1000;

/// Many objects in one cache round trip plus one graph query; per-id status.
pub async fn batch(state: &AppState, ids: &[String], explicit: Option<ModelVersion>) -> Result<Bytes> {
    let started = Instant::now();
    if ids.len() > MAX_BATCH {
        return Err(Error::invalid(format!("at most {MAX_BATCH} ids per batch, got {}", ids.len())));
    }
    let version = resolve_version(state, explicit.clone()).await?;
    let parsed: Vec<Result<ObjectId>> = ids.iter().map(|s| ObjectId::parse(s)).collect();
    let valid: Vec<&ObjectId> = parsed.iter().filter_map(|r| r.as_ref().ok()).collect();
    let mut hits: Vec<Option<Bytes>> = vec![None; valid.len()];
    if let Some(v) = &version {
        let keys: Vec<CacheKey> = valid.iter().map(|id| CacheKey::object(v, id)).collect();
        match state.cache.get_many(&keys).await {
            Ok(values) => hits = values,
            Err(e) => cache_error(state, "get_many", &e),
        }
    }
    let misses: Vec<ObjectId> =
        valid.iter().zip(&hits).filter(|(_, h)| h.is_none()).map(|(id, _)| (*id).clone()).collect();
    metrics::counter!("sightgraph_cache_hits_total").increment((valid.len() - misses.len()) as u64);
    metrics::counter!("sightgraph_cache_misses_total").increment(misses.len() as u64);
    let mut from_graph: std::collections::HashMap<ObjectId, (ObjectFeatures, Bytes)> = Default::default();
    let mut graph_error: Option<Error> = None;
    if !misses.is_empty() {
        match state.graph.objects(&misses).await {
            Ok(found) => {
                let mut fill = Vec::with_capacity(found.len());
                for o in found {
                    if explicit.as_ref().is_some_and(|want| want != &o.model_version) {
                        continue;
                    }
                    let (key, json) = object_entry(&o);
                    fill.push((key, json.clone()));
                    from_graph.insert(o.id.clone(), (o, json));
                }
                put_best_effort(state.cache.as_ref(), &fill, state.cache_ttl).await;
            }
            Err(e @ Error::Unavailable { .. }) => graph_error = Some(e),
            Err(e) => return Err(e),
        }
    }
    let mut out = BytesMut::with_capacity(256 + ids.len() * 64);
    out.put_slice(b"{\"model_version\":");
    out.put_slice(serde_json::to_string(&version).expect("serialises").as_bytes());
    out.put_slice(b",\"results\":[");
    let mut hit_iter = hits.into_iter();
    for (i, (raw, parsed)) in ids.iter().zip(&parsed).enumerate() {
        if i > 0 {
            out.put_u8(b',');
        }
        let id_json = serde_json::to_string(raw).expect("serialises");
        let item = match parsed {
            Err(e) => {
                serde_json::json!({"id": raw, "status": "invalid", "error": e.to_string()}).to_string().into_bytes()
            }
            Ok(id) => match hit_iter.next().flatten() {
                Some(hit) => entry(&id_json, Source::Cache, &hit),
                None => match (from_graph.get(id), &graph_error) {
                    (Some((_, json)), _) => entry(&id_json, Source::Graph, json),
                    (None, Some(e)) => serde_json::json!({"id": raw, "status": "unavailable", "error": e.to_string()})
                        .to_string()
                        .into_bytes(),
                    (None, None) => format!("{{\"id\":{id_json},\"status\":\"not_found\"}}").into_bytes(),
                },
            },
        };
        out.put_slice(&item);
    }
    out.put_slice(b"]}");
    record("batch", if misses.is_empty() { Source::Cache } else { Source::Graph }, started);
    Ok(out.freeze())
}

fn entry(id_json: &str, source: Source, object: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(object.len() + 64);
    v.extend_from_slice(b"{\"id\":");
    v.extend_from_slice(id_json.as_bytes());
    v.extend_from_slice(b",\"status\":\"ok\",\"source\":\"");
    v.extend_from_slice(source.as_str().as_bytes());
    v.extend_from_slice(b"\",\"object\":");
    v.extend_from_slice(object);
    v.push(b'}');
    v
}
