//! Sightgraph's common library.
//!
//! Every function crate builds on these pieces: the domain newtypes, the
//! versioned feature document that `cv-processor` emits, the CloudEvent
//! parsing for GCS notifications, and the storage, cache and job-launching
//! interfaces together with their backends.

pub mod auth;
pub mod backfill;
pub mod breaker;
pub mod cache;
pub mod cloudevent;
pub mod config;
pub mod domain;
pub mod error;
pub mod events;
pub mod graph;
pub mod http;
pub mod launcher;
pub mod metrics;
pub mod pubsub;
pub mod schema;
pub mod storage;
pub mod telemetry;
#[cfg(feature = "testing")]
pub mod testing;

pub use error::{Error, Result};
