//! The pure handler: a validated document in, graph and cache written.

use cloudevents::{AttributesReader, Event};
use serde::Serialize;
use shared::cache::{object_entry, put_best_effort};
use shared::cloudevent::event_data;
use shared::domain::LocationPolicy;
use shared::graph::{ObjectFeatures, WriteSummary};
use shared::schema::{FeatureDocument, EXTRACTED_EVENT_TYPE};
use shared::{Error, Result};

use crate::AppState;

/// What ingesting one document did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    /// Image id.
    pub image_id: String,
    /// Model version of the document.
    pub model_version: String,
    /// What the graph write changed.
    pub write: WriteSummary,
    /// Vectors written through to the cache (0 when the cache is down).
    pub cached: usize,
}

/// Turns a CloudEvent into a document validated against `policy`.
pub fn parse_document(event: &Event, policy: &LocationPolicy) -> Result<FeatureDocument> {
    if event.ty() != EXTRACTED_EVENT_TYPE {
        return Err(Error::invalid(format!(
            "unsupported event type {:?}: expected {EXTRACTED_EVENT_TYPE}",
            event.ty()
        )));
    }
    let doc: FeatureDocument =
        event_data(event, "a feature document")?.ok_or_else(|| Error::invalid("event carries no feature document"))?;
    doc.validate(policy)?;
    Ok(doc)
}

/// Writes the document to the graph (idempotent), then what the graph holds to the cache.
#[tracing::instrument(skip_all, fields(image = %doc.image.id, version = %doc.model.version, objects = doc.objects.len()), err)]
pub async fn handle(doc: &FeatureDocument, state: &AppState) -> Result<Outcome> {
    let write = state.backends.graph.write_features(&state.feature_set, doc).await?;
    // NB: a redelivered document may carry other floats than the first (a re-run on other
    // hardware); the graph keeps the first writer's, so the cache must get those, not ours.
    let ids: Vec<_> = doc.objects.iter().map(|o| o.id.clone()).collect();
    let stored: Vec<ObjectFeatures> = match state.backends.graph.objects(&ids).await {
        Ok(stored) => stored,
        Err(e) => {
            tracing::warn!(error = %shared::http::error_chain(&e), "reading back the written objects failed; the cache fills on lookup");
            Vec::new()
        }
    };
    let entries: Vec<_> = stored.iter().map(object_entry).collect();
    let cached = if !entries.is_empty()
        && put_best_effort(state.backends.cache.as_ref(), &entries, state.backends.cache_ttl).await
    {
        entries.len()
    } else {
        0
    };
    tracing::info!(created = write.objects_created, cached, "features ingested");
    Ok(Outcome { image_id: doc.image.id.to_string(), model_version: doc.model.version.to_string(), write, cached })
}
