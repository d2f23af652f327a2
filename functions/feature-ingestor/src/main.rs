//! `feature-ingestor` binary: settings, telemetry, serve.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    use feature_ingestor::{build, Settings};
    Ok(shared::http::run(Settings::from_env, |s| &s.common.server, build).await?)
}
