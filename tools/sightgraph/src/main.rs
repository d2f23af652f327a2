//! `sightgraph`: the operator command line (see `--help`).

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = sightgraph::cli::Cli::parse();
    shared::telemetry::init(shared::telemetry::LogFormat::Pretty, "warn");
    match sightgraph::run(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
