//! `feature-service`: online feature lookups for inference (cache first,
//! then the graph, then fill the cache), read-only graph exploration for the
//! UI, image bytes for display, and audited version switches.

mod active;
mod app;
mod auth;
mod encoding;
mod feast;
mod lookup;
mod openapi;
mod routes;
mod settings;

pub use active::ActiveVersion;
pub use app::{build, router, AppState};
pub use auth::AdminTokens;
pub use encoding::frames;
pub use openapi::{OPENAPI_JSON, ROUTES};
pub use settings::Settings;
pub use shared::http::Application;
