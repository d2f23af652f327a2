//! `ingest-trigger`: GCS object-finalized events in, one cv-processor run per image out.

use anyhow::Context;
use ingest_trigger::{build, Settings};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = Settings::from_env().context("reading settings")?;
    shared::telemetry::init(settings.server.log_format, "info");
    tracing::info!(launcher = ?settings.launcher, feature_set = %settings.server.feature_set, "starting ingest-trigger");
    let app = build(&settings).await.context("starting ingest-trigger")?;
    app.run_until_stopped().await.context("serving")?;
    Ok(())
}
