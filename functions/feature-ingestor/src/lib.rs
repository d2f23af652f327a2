//! `feature-ingestor`: receives `dev.sightgraph.features.extracted`
//! CloudEvents (`POST /`, [`app`]) or Pub/Sub pushes carrying them
//! (`POST /pubsub/push`, [`push`]) and writes each document to the graph in
//! one transaction, then writes its vectors through to the cache.

mod app;
mod handler;
pub mod push;

pub use app::{build, cloudevent_routes, router, routes, AppState, Settings, MAX_BODY_BYTES};
pub use handler::{handle, parse_document, Outcome};
pub use push::{push_routes, PushOutcome};
pub use shared::http::Application;
