//! `cache-warmer`: on each ping (Knative PingSource) loads the newest
//! objects of the active version from the graph into the cache, so the first
//! lookups after a deploy or a cache flush are hits.

mod app;
mod handler;

pub use app::{build, router, AppState, Settings};
pub use handler::{handle, parse_ping, Outcome, Ping, PING_TYPES};
pub use shared::http::Application;
