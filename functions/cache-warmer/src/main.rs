//! `cache-warmer` binary: settings, telemetry, serve.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    use cache_warmer::{build, Settings};
    Ok(shared::http::run(Settings::from_env, |s| &s.common.server, build).await?)
}
