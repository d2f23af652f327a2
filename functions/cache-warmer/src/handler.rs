//! The pure handler: which objects to load, and loading them.

use cloudevents::{AttributesReader, Event};
use serde::{Deserialize, Serialize};
use shared::cache::object_entry;
use shared::cloudevent::event_data;
use shared::{Error, Result};

use crate::AppState;

/// Event types that trigger a warm-up: Knative's PingSource and a manual one.
pub const PING_TYPES: [&str; 2] = ["dev.knative.sources.ping", "dev.sightgraph.cache.warm"];

/// The ping's optional payload.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ping {
    /// Overrides `WARM_LIMIT` for this run.
    #[serde(default)]
    pub limit: Option<usize>,
}

/// What a warm-up did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    /// Version warmed (None when nothing is ingested yet).
    pub model_version: Option<String>,
    /// Objects written to the cache.
    pub warmed: usize,
}

/// Accepts a ping CloudEvent; its data, if any, is a [`Ping`].
pub fn parse_ping(event: &Event) -> Result<Ping> {
    if !PING_TYPES.contains(&event.ty()) {
        return Err(Error::invalid(format!("unsupported event type {:?}: expected one of {PING_TYPES:?}", event.ty())));
    }
    Ok(event_data(event, "a ping ({\"limit\": n})")?.unwrap_or_default())
}

/// Loads the newest objects of the active version into the cache.
#[tracing::instrument(skip_all, err)]
pub async fn handle(ping: &Ping, state: &AppState) -> Result<Outcome> {
    let limit = ping.limit.unwrap_or(state.limit).clamp(1, state.limit.max(1));
    let Some(version) = state.backends.graph.active_version(&state.feature_set).await? else {
        return Ok(Outcome { model_version: None, warmed: 0 });
    };
    let objects = state.backends.graph.newest_objects(&version, limit).await?;
    let entries: Vec<_> = objects.iter().map(object_entry).collect();
    // NB: unlike lookups, a failed warm-up is worth retrying, so cache errors surface as 503.
    state.backends.cache.put_many(&entries, state.backends.cache_ttl).await?;
    tracing::info!(warmed = entries.len(), version = %version, "cache warmed");
    Ok(Outcome { model_version: Some(version.to_string()), warmed: entries.len() })
}
