//! `feature-service` binary: settings, telemetry, serve.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    use feature_service::{build, Settings};
    Ok(shared::http::run(Settings::from_env, |s| &s.common.server, build).await?)
}
