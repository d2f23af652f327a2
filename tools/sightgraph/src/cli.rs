//! The command line; every option also reads its environment variable.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

const ENV_HELP: &str = "\
Environment: NEO4J_URI/NEO4J_USER/NEO4J_PASSWORD (else SQLITE_PATH, default sightgraph.db) name the graph;
BACKFILL_ROOT, BACKFILL_SHARD_SIZE, BACKFILL_CHUNK_SIZE, BACKFILL_BATCH_SIZE, BACKFILL_PARALLELISM shape runs;
JOB_* is the Job template in the cluster (as ingest-trigger's); LOCAL_BUCKET_ROOT, SIGHTGRAPH_MODEL_DIR and
ORT_DYLIB_PATH reach the local shards; REDIS_* is the cache the local run writes through.";

/// Sightgraph's operator command line.
#[derive(Debug, Parser)]
#[command(name = "sightgraph", version, about, after_help = ENV_HELP)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Fill a new model version for the images already in the graph, compare it, activate it.
    Backfill {
        /// The step.
        #[command(subcommand)]
        command: BackfillCommand,
    },
}

/// `sightgraph backfill …`.
#[derive(Debug, Subcommand)]
pub enum BackfillCommand {
    /// Plan the images lacking the version and run them: child processes here, or one Indexed Job.
    Run(RunArgs),
    /// The latest run of a version: shards, images done, images/s, ETA, failures, graph coverage.
    Status(StatusArgs),
    /// Compare two versions on the images both processed; writes JSON and a table.
    Compare(CompareArgs),
    /// Make a version active if it covers enough of the set's images (audited with its coverage).
    Activate(ActivateArgs),
}

/// Where shards run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LauncherChoice {
    /// Child processes of this command, with a progress bar.
    Local,
    /// One Indexed Job through the Kubernetes API (kubeconfig or in-cluster credentials).
    Kubernetes,
}

/// The version a command is about.
#[derive(Debug, Clone, Args)]
pub struct Target {
    /// Feature set.
    #[arg(long, env = "FEATURE_SET", default_value = "default")]
    pub feature_set: String,
    /// Model version to produce (as the processor's model manifest names it).
    #[arg(long)]
    pub model_version: String,
}

/// `backfill run`.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// Feature set and version.
    #[command(flatten)]
    pub target: Target,
    /// `all` images of the set, or those under gs://BUCKET/PREFIX.
    #[arg(long, default_value = "all")]
    pub scope: String,
    /// Where shards run.
    #[arg(long, env = "LAUNCHER", value_enum, default_value_t = LauncherChoice::Local)]
    pub launcher: LauncherChoice,
    /// Kubernetes: the cv-processor image that produces the version (default JOB_IMAGE).
    #[arg(long)]
    pub image: Option<String>,
    /// Local: the model folder that produces the version (its manifest.json must name it).
    #[arg(long, env = "SIGHTGRAPH_MODEL_DIR")]
    pub model_dir: Option<PathBuf>,
    /// Local: the cv-processor binary (default: next to this one).
    #[arg(long, env = "LOCAL_PROCESSOR_BIN")]
    pub processor_bin: Option<PathBuf>,
    /// Where runs are written (default BACKFILL_ROOT, else .run/backfills locally).
    #[arg(long, env = "BACKFILL_ROOT")]
    pub root: Option<String>,
    /// Shards (default: one per BACKFILL_SHARD_SIZE images).
    #[arg(long)]
    pub shards: Option<u32>,
    /// Shards at once (default BACKFILL_PARALLELISM in the cluster: the GPU pool's total; 2 locally).
    #[arg(long)]
    pub parallelism: Option<u32>,
    /// Where documents go (default: the broker in the cluster; locally a feature-ingestor this command runs).
    #[arg(long)]
    pub sink: Option<String>,
    /// Kubernetes: launch and return instead of following the run.
    #[arg(long)]
    pub no_wait: bool,
}

/// `backfill status`.
#[derive(Debug, Clone, Args)]
pub struct StatusArgs {
    /// Feature set and version.
    #[command(flatten)]
    pub target: Target,
    /// Where the run's Job lives (local runs are read from their markers).
    #[arg(long, env = "LAUNCHER", value_enum, default_value_t = LauncherChoice::Local)]
    pub launcher: LauncherChoice,
    /// Where runs are written.
    #[arg(long, env = "BACKFILL_ROOT")]
    pub root: Option<String>,
    /// Print the line again every few seconds until the run ends.
    #[arg(long)]
    pub watch: bool,
}

/// `backfill compare`.
#[derive(Debug, Clone, Args)]
pub struct CompareArgs {
    /// Feature set.
    #[arg(long, env = "FEATURE_SET", default_value = "default")]
    pub feature_set: String,
    /// Version compared from (default: the set's active version).
    #[arg(long)]
    pub from: Option<String>,
    /// Version compared to.
    #[arg(long)]
    pub to: String,
    /// Images compared at most.
    #[arg(long, default_value_t = backfill::compare::DEFAULT_LIMIT)]
    pub limit: usize,
    /// Folder for compare-<from>-<to>-<date>.json and .md.
    #[arg(long, default_value = "bench/results")]
    pub out_dir: PathBuf,
}

/// `backfill activate`.
#[derive(Debug, Clone, Args)]
pub struct ActivateArgs {
    /// Feature set.
    #[arg(long, env = "FEATURE_SET", default_value = "default")]
    pub feature_set: String,
    /// Version to activate.
    #[arg(long)]
    pub version: String,
    /// Share of the set's images the version must cover.
    #[arg(long, env = "ACTIVATION_MIN_COVERAGE", default_value_t = backfill::activate::DEFAULT_MIN_COVERAGE)]
    pub min_coverage: f64,
    /// Activate even below the threshold.
    #[arg(long)]
    pub force: bool,
    /// Name recorded in the audit trail.
    #[arg(long, default_value = "cli")]
    pub actor: String,
}
