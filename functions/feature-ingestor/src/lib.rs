//! `feature-ingestor`: receives `dev.sightgraph.features.extracted`
//! CloudEvents (`POST /`) or Pub/Sub pushes carrying them
//! (`POST /pubsub/push`, [`push`]) and writes each document to the graph in
//! one transaction, then writes its vectors through to the cache.

mod handler;
mod routes;
mod settings;
mod startup;

pub use handler::{handle, parse_document, Outcome};
pub use routes::push;
pub use routes::push::{push_routes, PushOutcome};
pub use settings::Settings;
pub use shared::http::Application;
pub use startup::{build, cloudevent_routes, router, routes, AppState, MAX_BODY_BYTES};
