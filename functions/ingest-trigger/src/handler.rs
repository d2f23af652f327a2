//! The decision for one notice, free of HTTP: ignore it, record a duplicate's
//! new location, launch one processing run, or remove a deleted object's location.

use serde::Serialize;
use shared::events::{GcsNotice, ObjectFinalized};
use shared::graph::Location;
use shared::launcher::{JobRequest, LaunchOutcome};
use shared::Result;
use tracing::field::Empty;
use tracing::instrument;

use crate::AppState;

/// What handling a notice did; the response body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// A new run was started.
    Launched {
        /// The run's name.
        job: String,
        /// The image it processes.
        image_uri: String,
    },
    /// A run with this identity already exists (a redelivery); nothing started.
    AlreadyLaunched {
        /// The run's name.
        job: String,
    },
    /// A run with this identity exists and has failed for good (a redelivery); nothing
    /// started. An operator re-runs it (docs/deploy.md, "Re-running a failed image").
    FailedBefore {
        /// The run's name.
        job: String,
        /// Why it failed (the Job's `Failed` condition, or the local exit code).
        reason: String,
    },
    /// The bytes were already processed by the active model version; the new
    /// object was recorded as another location of that image.
    Deduplicated {
        /// The known image.
        image_id: String,
        /// The location recorded.
        location: String,
        /// False when the location was known already.
        location_added: bool,
    },
    /// The object generation was deleted: its location was removed from the graph
    /// (objects and features stay; an image with no location left is marked deleted).
    LocationRemoved {
        /// The removed location.
        location: String,
        /// The image stored there, when the graph knows it (yet).
        image_id: Option<String>,
        /// False when it had been removed before (a redelivery).
        removed: bool,
        /// Locations the image still has.
        remaining: usize,
        /// The image has no location left and is now marked deleted.
        image_deleted: bool,
    },
    /// Nothing to do.
    Ignored {
        /// Why, for the caller and the log.
        reason: String,
    },
}

impl Outcome {
    /// Short name for logs and metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Launched { .. } => "launched",
            Self::AlreadyLaunched { .. } => "already_launched",
            Self::FailedBefore { .. } => "failed_before",
            Self::Deduplicated { .. } => "deduplicated",
            Self::LocationRemoved { .. } => "location_removed",
            Self::Ignored { .. } => "ignored",
        }
    }
}

/// Handles one parsed notice.
#[instrument(skip_all, fields(event_id = Empty, uri = Empty, outcome = Empty), err(Display))]
pub async fn handle(notice: GcsNotice, state: &AppState) -> Result<Outcome> {
    let outcome = match notice {
        GcsNotice::Ignored { reason } => Outcome::Ignored { reason },
        GcsNotice::Finalized(object) => handle_object(&object, state).await?,
        GcsNotice::Deleted(object) => handle_deleted(&object, state).await?,
    };
    tracing::Span::current().record("outcome", outcome.kind());
    match &outcome {
        Outcome::Ignored { reason } => tracing::info!(%reason, "event ignored"),
        Outcome::FailedBefore { job, reason } => {
            tracing::warn!(%job, %reason, "the run for this object failed before; not relaunched")
        }
        _ => tracing::info!("event handled"),
    }
    Ok(outcome)
}

async fn handle_object(object: &ObjectFinalized, state: &AppState) -> Result<Outcome> {
    let span = tracing::Span::current();
    span.record("event_id", object.event_id.as_str());
    span.record("uri", tracing::field::display(object.uri()));
    if let Some(reason) = skip_reason(object, state) {
        return Ok(Outcome::Ignored { reason });
    }
    if let Some(outcome) = deduplicate(object, state).await? {
        return Ok(outcome);
    }
    let request = JobRequest { name: object.job_name(), image_uri: object.uri(), event_id: object.event_id.clone() };
    let job = request.name.to_string();
    Ok(match state.launcher.launch(&request).await? {
        LaunchOutcome::Created => Outcome::Launched { job, image_uri: request.image_uri.to_string() },
        LaunchOutcome::AlreadyExists => Outcome::AlreadyLaunched { job },
        LaunchOutcome::FailedBefore { reason } => Outcome::FailedBefore { job, reason },
    })
}

/// Removes a deleted object generation's location. Objects that could never have been
/// processed are ignored, so deletes of other files leave no trace.
async fn handle_deleted(object: &ObjectFinalized, state: &AppState) -> Result<Outcome> {
    let span = tracing::Span::current();
    span.record("event_id", object.event_id.as_str());
    span.record("uri", tracing::field::display(object.uri()));
    if let Some(why) = state.locations.bucket_refusal(&object.bucket) {
        return Ok(Outcome::Ignored { reason: format!("deleted {}: {why}", object.uri()) });
    }
    if let Some(why) = object.not_decodable_reason() {
        return Ok(Outcome::Ignored { reason: format!("deleted {} was never processed: {why}", object.uri()) });
    }
    let location = object.uri().to_string();
    let removal = state.graph.remove_location(&location).await?;
    tracing::info!(
        image_id = removal.image_id.as_ref().map(|i| i.as_str()),
        removed = removal.removed,
        remaining = removal.remaining,
        "location removed"
    );
    Ok(Outcome::LocationRemoved {
        location,
        image_id: removal.image_id.map(|i| i.to_string()),
        removed: removal.removed,
        remaining: removal.remaining,
        image_deleted: removal.deleted_at.is_some(),
    })
}

/// Why an object is not worth a run, if it is not.
fn skip_reason(object: &ObjectFinalized, state: &AppState) -> Option<String> {
    let uri = object.uri();
    if let Some(why) = state.locations.bucket_refusal(&object.bucket) {
        return Some(format!("{uri}: {why}"));
    }
    if let Some(why) = object.not_decodable_reason() {
        return Some(format!("{uri} is not an image to process: {why}"));
    }
    if object.size == Some(0) {
        return Some(format!("{uri} is empty"));
    }
    None
}

/// When the active model version already processed these bytes, records the
/// new location and says so.
async fn deduplicate(object: &ObjectFinalized, state: &AppState) -> Result<Option<Outcome>> {
    let Some(md5) = object.md5_hash.as_deref() else { return Ok(None) };
    let Some(version) = state.graph.active_version(&state.feature_set).await? else { return Ok(None) };
    let Some(image) = state.graph.find_processed_by_md5(md5, &version).await? else { return Ok(None) };
    let uri = object.uri().to_string();
    let location = Location {
        uri: uri.clone(),
        bucket: Some(object.bucket.clone()),
        name: object.name.clone(),
        generation: object.generation,
    };
    let location_added = state.graph.add_location(&image.id, &location).await?;
    tracing::info!(image_id = %image.id, %version, location_added, "bytes already processed; location recorded");
    Ok(Some(Outcome::Deduplicated { image_id: image.id.to_string(), location: uri, location_added }))
}

#[cfg(test)]
#[path = "handler_tests.rs"]
mod tests;
