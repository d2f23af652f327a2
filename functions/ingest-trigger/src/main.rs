//! `ingest-trigger` binary: settings, telemetry, serve.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    use ingest_trigger::{build, Settings};
    Ok(shared::http::run(Settings::from_env, |s| &s.server, build).await?)
}
