//! Tracing setup shared by every binary: filter from `RUST_LOG`, JSON lines in
//! the cluster, human-readable output in development.

use serde::Deserialize;
use tracing_subscriber::{fmt, prelude::*, EnvFilter};

/// Log line format.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One JSON object per line (production).
    Json,
    /// Human-readable (development).
    #[default]
    Pretty,
}

/// Installs the global subscriber; later calls are no-ops (tests call it repeatedly).
pub fn init(format: LogFormat, default_filter: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let registry = tracing_subscriber::registry().with(filter);
    let result = match format {
        LogFormat::Json => registry
            .with(fmt::layer().json().flatten_event(true).with_current_span(true).with_writer(std::io::stderr))
            .try_init(),
        LogFormat::Pretty => registry.with(fmt::layer().compact().with_writer(std::io::stderr)).try_init(),
    };
    let _ = result;
}
