//! `feature-service` binary: settings, telemetry, serve.

// NB: the hit path allocates a few small buffers per request (headers, the answer); mimalloc's
// thread-local free lists cost less than glibc's arenas there (bench/serving/notes.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    use feature_service::{build, Settings};
    Ok(shared::http::run(Settings::from_env, |s| &s.common.server, build).await?)
}
