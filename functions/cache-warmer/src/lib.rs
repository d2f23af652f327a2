//! `cache-warmer`: on each ping (Knative PingSource) loads the newest
//! objects of the active version from the graph into the cache, so the first
//! lookups after a deploy or a cache flush are hits.

mod handler;
mod routes;
mod settings;
mod startup;

pub use handler::{handle, parse_ping, Outcome, Ping, PING_TYPES};
pub use settings::Settings;
pub use shared::http::Application;
pub use startup::{build, router, AppState};
