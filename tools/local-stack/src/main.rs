//! `sightgraph-local`: `serve` runs the local stack (`just dev`); `demo`
//! runs the pipeline end to end on the fixture photos (`just demo`).

use clap::{Parser, Subcommand};
use local_stack::{demo, watch_bucket, LocalPubSub, RunningStack, StackConfig};
use shared::config::GraphSettings;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Parser)]
#[command(version, about = "Sightgraph's local stack: every function in one process, no cloud, no server.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// The cv-processor binary (default: next to this one).
    #[arg(long, env = "LOCAL_PROCESSOR_BIN", global = true)]
    processor_bin: Option<PathBuf>,
    /// Log format: pretty or json.
    #[arg(long, env = "LOG_FORMAT", default_value = "pretty", global = true)]
    log_format: String,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the stack: API and UI, broker at /broker, functions under /functions/<name>.
    Serve {
        /// Interface to bind.
        #[arg(long, env = "HOST", default_value = "127.0.0.1")]
        host: String,
        /// Port.
        #[arg(long, env = "PORT", default_value_t = 8080)]
        port: u16,
        /// Folder standing in for buckets (`<root>/<bucket>/<name>`).
        #[arg(long, env = "LOCAL_BUCKET_ROOT", default_value = "fixtures/gcs")]
        bucket_root: PathBuf,
        /// SQLite database file (the store unless SPANNER_DATABASE or NEO4J_URI is set).
        #[arg(long, env = "SQLITE_PATH", default_value = ".run/sightgraph.db")]
        sqlite_path: PathBuf,
        /// Built UI to serve at / (API routes take precedence).
        #[arg(long, env = "UI_DIST", default_value = "ui/dist")]
        ui_dist: PathBuf,
        /// Announce new files in the bucket folder as finalize events.
        #[arg(long)]
        watch: bool,
        /// With --watch, also announce the files already there at start (loads the fixtures).
        #[arg(long, requires = "watch")]
        announce_existing: bool,
        /// Concurrent processing runs.
        #[arg(long, env = "LOCAL_MAX_CONCURRENCY", default_value_t = 2)]
        max_concurrency: usize,
        /// `name:token,…`: admin tokens for version switches and comparisons (none: they answer 401).
        #[arg(long, env = "ADMIN_TOKENS", hide_env_values = true)]
        admin_tokens: Option<String>,
        /// Hand documents to feature-ingestor through the Pub/Sub emulator (durable, as in
        /// the cluster) instead of the in-memory broker; needs PUBSUB_EMULATOR_HOST.
        #[arg(long, env = "LOCAL_PUBSUB")]
        pubsub: bool,
        /// The Pub/Sub emulator, host:port (`scripts/services/pubsub.sh start` prints it).
        #[arg(long, env = "PUBSUB_EMULATOR_HOST")]
        pubsub_emulator_host: Option<String>,
        /// Project for the emulator's topics and subscriptions.
        #[arg(long, env = "PUBSUB_PROJECT_ID", default_value = "sightgraph-local")]
        pubsub_project: String,
    },
    /// Run the whole pipeline on the fixture photos, print what was found, exit (the graph
    /// store as the functions pick it: SPANNER_DATABASE, NEO4J_URI, else SQLite in a temporary folder).
    Demo {
        /// The fixture buckets.
        #[arg(long, default_value = "fixtures/gcs")]
        fixtures: PathBuf,
        /// Seconds processing may take.
        #[arg(long, default_value_t = 600)]
        timeout_secs: u64,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let format = if cli.log_format == "json" {
        shared::telemetry::LogFormat::Json
    } else {
        shared::telemetry::LogFormat::Pretty
    };
    let processor_bin = match cli.processor_bin {
        Some(p) => p,
        None => std::env::current_exe()?.with_file_name("cv-processor"),
    };
    match cli.command {
        Command::Serve {
            host,
            port,
            bucket_root,
            sqlite_path,
            ui_dist,
            watch,
            announce_existing,
            max_concurrency,
            admin_tokens,
            pubsub,
            pubsub_emulator_host,
            pubsub_project,
        } => {
            let admins = feature_service::AdminTokens::from_settings(None, admin_tokens.map(Into::into).as_ref())
                .map_err(anyhow::Error::msg)?;
            shared::telemetry::init(format, "info");
            let pubsub = match (pubsub, pubsub_emulator_host.filter(|h| !h.trim().is_empty())) {
                (false, _) => None,
                (true, Some(emulator_host)) => Some(LocalPubSub { emulator_host, project: pubsub_project }),
                (true, None) => anyhow::bail!(
                    "--pubsub needs PUBSUB_EMULATOR_HOST: start the emulator with `scripts/services/pubsub.sh start`"
                ),
            };
            if let Some(dir) = sqlite_path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
            let log_dir = sqlite_path.with_file_name("jobs");
            let mut graph = GraphSettings::from_env()?;
            graph.sqlite.path = sqlite_path;
            let config = StackConfig {
                host,
                port,
                graph,
                bucket_root: bucket_root.clone(),
                processor_bin,
                ui_dist: Some(ui_dist),
                max_concurrency,
                log_dir,
                feature_set: Default::default(),
                admins,
                pubsub,
            };
            let stack = RunningStack::start(&config).await?;
            println!("Sightgraph local stack on http://{0}  (UI: http://{0}/, broker: http://{0}/broker)", stack.addr);
            if watch {
                tokio::spawn(watch_bucket(
                    bucket_root,
                    stack.url("/broker"),
                    Duration::from_secs(1),
                    announce_existing,
                ));
            }
            stack.wait().await
        }
        Command::Demo { fixtures, timeout_secs } => {
            shared::telemetry::init(format, "warn");
            let report = demo::run(&demo::DemoOptions {
                fixtures,
                processor_bin,
                timeout: Duration::from_secs(timeout_secs),
                graph: GraphSettings::from_env()?,
            })
            .await?;
            print!("{}", demo::render(&report));
            Ok(())
        }
    }
}
