//! `feature-service` binary: settings, telemetry, serve.

use feature_service::{build, Settings};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    shared::telemetry::init(settings.server.log_format, "info");
    let app = build(&settings).await?;
    app.run_until_stopped().await?;
    Ok(())
}
