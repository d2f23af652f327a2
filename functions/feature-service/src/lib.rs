//! `feature-service`: online feature lookups for inference (cache first,
//! then the graph, then fill the cache), read-only graph exploration for the
//! UI, image bytes for display, audited version switches with a coverage check, and the
//! backfill workflow's admin routes (launch one Indexed Job, follow it, compare versions).

mod active;
mod auth;
mod backfills;
mod encoding;
mod feast;
mod lookup;
mod openapi;
mod routes;
mod settings;
mod startup;

pub use active::ActiveVersion;
pub use auth::AdminTokens;
pub use backfills::Backfills;
pub use encoding::frames;
pub use openapi::{OPENAPI_JSON, ROUTES};
pub use settings::{Settings, DEFAULT_NEAR_CACHE_BYTES, DEFAULT_NEAR_CACHE_TTL_SECONDS};
pub use shared::http::Application;
pub use startup::{build, router, AppState};
