//! Turns GCS object-finalized events into one cv-processor run per image.
//!
//! An event arrives as a CloudEvent on `POST /` or as a Pub/Sub push on
//! `POST /pubsub/push` ([`routes`]), becomes a typed notice at the edge, and
//! [`handle`](handler::handle) decides: ignore it, record a duplicate's new
//! location, or launch a job ([`kubernetes`] in the cluster, a child process
//! locally).

pub mod handler;
pub mod kubernetes;
pub mod launchers;
pub mod routes;
pub mod settings;
pub mod startup;

#[cfg(test)]
mod fakes;

pub use handler::{handle, Outcome};
pub use settings::{LauncherKind, LocalSettings, Settings};
pub use shared::http::Application;
pub use startup::{bind, build, router, AppState};
