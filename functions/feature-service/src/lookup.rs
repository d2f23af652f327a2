//! Cache-aside lookups: the cache first, the graph for misses (one query for
//! a whole batch), then fill the cache. Answers are built from the cached
//! value's parts (object JSON + raw vector) in the negotiated encoding,
//! never by parsing them.

use bytes::Bytes;
use metrics::{Counter, Histogram};
use shared::cache::{object_entry, put_best_effort, CacheKey, CachedObject};
use shared::domain::{ModelVersion, ObjectId};
use shared::{Error, Result};
use std::sync::OnceLock;
use std::time::Instant;

use crate::encoding::{object_body, BatchWriter, Encoding};
use crate::AppState;

/// Where an answer came from. The discriminants index [`LookupMetrics::lookups`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The hot tier.
    Cache = 0,
    /// The source of truth.
    Graph = 1,
}

impl Source {
    /// `"cache"` or `"graph"`.
    pub fn as_str(self) -> &'static str {
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
    metrics::counter!("sightgraph_cache_errors_total", "backend" => state.backends.cache.backend(), "op" => op)
        .increment(1);
    tracing::warn!(error = %shared::http::error_chain(&e), op, "cache unavailable; answering from the graph");
}

/// The lookup routes whose counts and latencies are recorded (the discriminant indexes
/// [`LookupMetrics::lookups`]).
#[derive(Debug, Clone, Copy)]
enum Route {
    Object = 0,
    Batch = 1,
}

/// Handles of the lookup metrics, registered once: finding a metric by name and labels on
/// every request cost about 1% of a near-cache hit's CPU. Registered on first use, which is
/// after `with_ops` installed the recorder (a request cannot arrive before the router exists).
struct LookupMetrics {
    hits: Counter,
    misses: Counter,
    /// Count and latency by route (object, batch) and source (cache, graph).
    lookups: [[(Counter, Histogram); 2]; 2],
}

fn lookup_metrics() -> &'static LookupMetrics {
    static HANDLES: OnceLock<LookupMetrics> = OnceLock::new();
    HANDLES.get_or_init(|| {
        let by_source = |route: &'static str| {
            [Source::Cache, Source::Graph].map(|source| {
                let source = source.as_str();
                (
                    metrics::counter!("sightgraph_lookups_total", "route" => route, "source" => source),
                    metrics::histogram!("sightgraph_lookup_duration_seconds", "route" => route, "source" => source),
                )
            })
        };
        LookupMetrics {
            hits: metrics::counter!("sightgraph_cache_hits_total"),
            misses: metrics::counter!("sightgraph_cache_misses_total"),
            lookups: [by_source("object"), by_source("batch")],
        }
    })
}

fn record(route: Route, source: Source, started: Instant) {
    let (count, duration) = &lookup_metrics().lookups[route as usize][source as usize];
    count.increment(1);
    duration.record(started.elapsed().as_secs_f64());
}

/// The version a lookup refers to: the explicit one or the active one.
pub async fn resolve_version(state: &AppState, explicit: Option<ModelVersion>) -> Result<Option<ModelVersion>> {
    match explicit {
        Some(v) => Ok(Some(v)),
        None => state.active.get(state.backends.graph.as_ref()).await,
    }
}

/// A cached value in format 2; anything else (a torn or foreign value) is counted and read as a miss.
fn readable(state: &AppState, value: bytes::Bytes) -> Option<CachedObject> {
    let parsed = CachedObject::parse(value);
    if parsed.is_none() {
        metrics::counter!("sightgraph_cache_unreadable_total", "backend" => state.backends.cache.backend())
            .increment(1);
    }
    parsed
}

/// One object, as the response body in `enc`.
pub async fn object(state: &AppState, id: &ObjectId, explicit: Option<ModelVersion>, enc: Encoding) -> Result<Bytes> {
    let started = Instant::now();
    let version = resolve_version(state, explicit.clone()).await?;
    if let Some(v) = &version {
        match state.backends.cache.get(&CacheKey::object(v, id)).await {
            Ok(Some(hit)) => {
                if let Some(hit) = readable(state, hit) {
                    lookup_metrics().hits.increment(1);
                    record(Route::Object, Source::Cache, started);
                    return Ok(object_body(enc, Source::Cache, v, &hit));
                }
            }
            Ok(None) => lookup_metrics().misses.increment(1),
            Err(e) => cache_error(state, "get", &e),
        }
    }
    let found = state.backends.graph.object(id).await?.ok_or_else(|| Error::NotFound(format!("object {id}")))?;
    if let Some(want) = &explicit {
        if want != &found.model_version {
            return Err(Error::NotFound(format!("object {id} has no features of version {want}")));
        }
    }
    let (key, value) = object_entry(&found);
    put_best_effort(state.backends.cache.as_ref(), &[(key, value.clone())], state.backends.cache_ttl).await;
    record(Route::Object, Source::Graph, started);
    let cached = CachedObject::parse(value).expect("the cache format reads its own values");
    Ok(object_body(enc, Source::Graph, &found.model_version, &cached))
}

/// Largest batch accepted in one call without embeddings (about 0.5 KB an object).
pub const MAX_BATCH: usize = 1000;
/// Largest batch accepted with embeddings: a 1280-d vector is about 15 KB of JSON, so about 4 MB.
pub const MAX_BATCH_WITH_EMBEDDINGS: usize = 256;

/// What a lookup of one id found.
pub enum Fetched {
    /// A cache hit.
    Cache(CachedObject),
    /// Read from the graph (and written to the cache).
    Graph(CachedObject),
    /// Unknown id, or an object of another version than the explicit one.
    NotFound,
    /// Missed the cache while the graph is unavailable.
    Unavailable(String),
}

/// Many objects in one cache round trip (under `version`, when known) plus one
/// graph query for the misses, which are written back; results in `ids` order.
/// An unavailable graph marks the misses `Unavailable` rather than failing.
pub async fn fetch_many(
    state: &AppState,
    ids: &[ObjectId],
    version: Option<&ModelVersion>,
    explicit: Option<&ModelVersion>,
) -> Result<Vec<Fetched>> {
    let mut hits: Vec<Option<CachedObject>> = vec![None; ids.len()];
    if let (Some(v), false) = (version, ids.is_empty()) {
        let keys: Vec<CacheKey> = ids.iter().map(|id| CacheKey::object(v, id)).collect();
        match state.backends.cache.get_many(&keys).await {
            Ok(values) => hits = values.into_iter().map(|v| v.and_then(|v| readable(state, v))).collect(),
            Err(e) => cache_error(state, "get_many", &e),
        }
    }
    let misses: Vec<ObjectId> = ids.iter().zip(&hits).filter(|(_, h)| h.is_none()).map(|(id, _)| id.clone()).collect();
    lookup_metrics().hits.increment((ids.len() - misses.len()) as u64);
    lookup_metrics().misses.increment(misses.len() as u64);
    let mut from_graph: std::collections::HashMap<ObjectId, CachedObject> = Default::default();
    let mut graph_error: Option<Error> = None;
    if !misses.is_empty() {
        match state.backends.graph.objects(&misses).await {
            Ok(found) => {
                let mut fill = Vec::with_capacity(found.len());
                for o in found {
                    if explicit.is_some_and(|want| want != &o.model_version) {
                        continue;
                    }
                    let (key, value) = object_entry(&o);
                    fill.push((key, value.clone()));
                    from_graph.insert(o.id, CachedObject::parse(value).expect("the cache format reads its own values"));
                }
                put_best_effort(state.backends.cache.as_ref(), &fill, state.backends.cache_ttl).await;
            }
            Err(e @ Error::Unavailable { .. }) => graph_error = Some(e),
            Err(e) => return Err(e),
        }
    }
    Ok(ids
        .iter()
        .zip(hits)
        .map(|(id, hit)| match (hit, from_graph.remove(id), &graph_error) {
            (Some(h), _, _) => Fetched::Cache(h),
            (None, Some(g), _) => Fetched::Graph(g),
            (None, None, Some(e)) => Fetched::Unavailable(shared::http::client_message(e)),
            (None, None, None) => Fetched::NotFound,
        })
        .collect())
}

/// Many objects in one cache round trip plus one graph query; per-id status.
/// `embeddings: false` leaves the vectors out and allows larger batches.
pub async fn batch(
    state: &AppState,
    ids: &[String],
    explicit: Option<ModelVersion>,
    embeddings: bool,
    enc: Encoding,
) -> Result<Bytes> {
    let started = Instant::now();
    let max = if embeddings { MAX_BATCH_WITH_EMBEDDINGS } else { MAX_BATCH };
    if ids.len() > max {
        let hint = if embeddings { " with embeddings (\"embeddings\": false allows 1000)" } else { "" };
        return Err(Error::invalid(format!("at most {max} ids per batch{hint}, got {}", ids.len())));
    }
    let version = resolve_version(state, explicit.clone()).await?;
    let parsed: Vec<Result<ObjectId>> = ids.iter().map(|s| ObjectId::parse(s)).collect();
    let valid: Vec<ObjectId> = parsed.iter().filter_map(|r| r.as_ref().ok().cloned()).collect();
    let fetched = fetch_many(state, &valid, version.as_ref(), explicit.as_ref()).await?;
    let all_hits = fetched.iter().all(|f| matches!(f, Fetched::Cache(_)));
    let mut out = BatchWriter::new(enc, version.as_ref(), ids.len(), embeddings);
    let mut fetched = fetched.into_iter();
    for (raw, parsed) in ids.iter().zip(&parsed) {
        let id_json = serde_json::to_string(raw).expect("serialises");
        let other = |v: serde_json::Value| v.to_string().into_bytes();
        match (parsed, parsed.is_ok().then(|| fetched.next()).flatten()) {
            (Err(e), _) => {
                out.other(&other(serde_json::json!({"id": raw, "status": "invalid", "error": e.to_string()})))
            }
            (Ok(_), Some(Fetched::Cache(o))) => out.found(&id_json, Source::Cache, &o),
            (Ok(_), Some(Fetched::Graph(o))) => out.found(&id_json, Source::Graph, &o),
            (Ok(_), Some(Fetched::Unavailable(e))) => {
                out.other(&other(serde_json::json!({"id": raw, "status": "unavailable", "error": e})))
            }
            (Ok(_), Some(Fetched::NotFound) | None) => {
                out.other(format!("{{\"id\":{id_json},\"status\":\"not_found\"}}").as_bytes())
            }
        }
    }
    record(Route::Batch, if all_hits { Source::Cache } else { Source::Graph }, started);
    Ok(out.finish())
}
