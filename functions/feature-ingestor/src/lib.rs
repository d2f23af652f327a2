//! `feature-ingestor`: receives `dev.sightgraph.features.extracted`
//! CloudEvents and writes each document to the graph in one transaction,
//! then writes its vectors through to the cache.

mod app;
mod handler;

pub use app::{build, router, AppState, Settings, MAX_BODY_BYTES};
pub use handler::{handle, parse_document, Outcome};
pub use shared::http::Application;
