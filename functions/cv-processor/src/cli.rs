//! The command line: every option also comes from the environment; errors map
//! to the exit codes in `shared::launcher::exit_codes`.

use clap::{Args, Parser, Subcommand};
use shared::launcher::exit_codes;
use shared::schema::FeatureDocument;
use shared::telemetry::LogFormat;
use std::path::PathBuf;

use crate::batch::BatchArgs;
use crate::bench::BenchArgs;
use crate::config::{Config, Limits, StorageConfig, Thresholds};
use crate::sink::{Sink, SinkMode, TopicSink};
use crate::{Error, Processor, Result};
use shared::storage::LocalFiles;

const ENV_HELP: &str = "\
Environment (each option above also names its variable):
  ORT_DYLIB_PATH        ONNX Runtime shared library (libonnxruntime.so), e.g. from `source scripts/models/env.sh`
  SIGHTGRAPH_MODEL_DIR  folder with manifest.json, detector.onnx, embedder.onnx (`just models` builds it)
  LOCAL_BUCKET_ROOT     development: read gs://BUCKET/NAME from LOCAL_BUCKET_ROOT/BUCKET/NAME
  GCS_BASE_URL          GCS endpoint override, e.g. a fake-gcs-server at http://127.0.0.1:4443 (dummy token)
  K_SINK                CloudEvent sink URL (Knative SinkBinding sets it)
  CV_PUBSUB_TOPIC       Pub/Sub topic to publish the document to (projects/P/topics/T); exit 0 only once stored
  PUBSUB_EMULATOR_HOST  host:port of the Pub/Sub emulator (tests, the local stack); no credentials are sent
  JOB_ID                job id recorded in lineage and in the event id (else a random UUID)
  RUST_LOG              log filter (default info); logs go to stderr
  LOG_FORMAT            json (cluster) or pretty (default)

Exit codes: 0 ok, 64 usage, 65 unusable image (do not retry), 75 transient failure (retry), 78 configuration.";

/// `cv-processor`: detect objects in one image, embed them, and emit the feature document.
#[derive(Debug, Parser)]
#[command(name = "cv-processor", version, about, after_long_help = ENV_HELP, after_help = ENV_HELP)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct Cli {
    /// A backfill shard or benchmarks instead of one image.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Image to process: gs://BUCKET/NAME[#GENERATION], file:///PATH or a local path.
    #[arg(long, env = "IMAGE_URI", required = true)]
    pub image_uri: Option<String>,
    /// Write the document to this file instead of stdout.
    #[arg(long, env = "CV_OUT")]
    pub out: Option<PathBuf>,
    /// POST the document as a CloudEvent to this URL.
    #[arg(long, env = "K_SINK", conflicts_with = "publish")]
    pub sink: Option<String>,
    /// Publish the document to this Pub/Sub topic (projects/P/topics/T), CloudEvent
    /// attributes as `ce-*` message attributes; exit 0 only once Pub/Sub has stored it.
    #[arg(long, env = "CV_PUBSUB_TOPIC")]
    pub publish: Option<String>,
    /// Pub/Sub emulator (host:port) for --publish; unset: the real API with Application Default Credentials.
    #[arg(long, env = "PUBSUB_EMULATOR_HOST")]
    pub pubsub_emulator_host: Option<String>,
    /// CloudEvents content mode for --sink.
    #[arg(long, env = "CV_SINK_MODE", value_enum, default_value_t = SinkMode::Binary)]
    pub sink_mode: SinkMode,
    /// Job id for lineage and the event id (default: a random UUID).
    #[arg(long, env = "JOB_ID")]
    pub job_id: Option<String>,
    /// Models, thresholds and limits.
    #[command(flatten)]
    pub pipeline: PipelineArgs,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Time the pipeline over the fixture photos on CPU and print JSON (images/s, median ms per stage).
    Bench(BenchArgs),
    /// Process one shard of a backfill run (many images, models loaded once, batched inference).
    Batch(BatchArgs),
}

/// Options shared by processing and benchmarking.
#[derive(Debug, Clone, Args)]
pub struct PipelineArgs {
    /// Folder with manifest.json and the ONNX models.
    #[arg(long, env = "SIGHTGRAPH_MODEL_DIR")]
    pub model_dir: Option<PathBuf>,
    /// ONNX Runtime shared library to load.
    #[arg(long, env = "ORT_DYLIB_PATH")]
    pub ort_dylib: Option<PathBuf>,
    /// Keep detections scoring above this (0..1).
    #[arg(long, env = "CV_SCORE_THRESHOLD", default_value_t = Thresholds::default().score)]
    pub score_threshold: f32,
    /// Per-class NMS drops a box overlapping a better one by more than this IoU.
    #[arg(long, env = "CV_NMS_IOU", default_value_t = Thresholds::default().nms_iou)]
    pub nms_iou: f32,
    /// Objects whose normalised boxes are closer than this are NEAR.
    #[arg(long, env = "CV_NEAR_THRESHOLD", default_value_t = Thresholds::default().near)]
    pub near_threshold: f32,
    /// Largest object read, in bytes.
    #[arg(long, env = "CV_MAX_BYTES", default_value_t = Limits::default().max_bytes)]
    pub max_bytes: u64,
    /// Largest image decoded, in pixels (width × height), checked from the header.
    #[arg(long, env = "CV_MAX_PIXELS", default_value_t = Limits::default().max_pixels)]
    pub max_pixels: u64,
    /// Most objects kept per image, best scores first (1..=100); relations join only these.
    #[arg(long, env = "CV_MAX_DETECTIONS", default_value_t = Limits::default().max_detections)]
    pub max_detections: usize,
    /// ONNX Runtime intra-op threads per model (0: ONNX Runtime's default).
    #[arg(long, env = "CV_THREADS", default_value_t = 0)]
    pub threads: usize,
    /// Run on CPU even when CUDA is available.
    #[arg(long, env = "CV_CPU_ONLY")]
    pub cpu_only: bool,
    /// Development: folder standing in for GCS buckets.
    #[arg(long, env = "LOCAL_BUCKET_ROOT")]
    pub local_bucket_root: Option<PathBuf>,
    /// GCS endpoint override (fake-gcs-server).
    #[arg(long, env = "GCS_BASE_URL")]
    pub gcs_base_url: Option<String>,
    /// Log format: json or pretty.
    #[arg(long, env = "LOG_FORMAT", default_value = "pretty", value_parser = ["json", "pretty"])]
    pub log_format: String,
}

impl PipelineArgs {
    /// The processor settings these options describe.
    pub fn to_config(&self, job_id: Option<String>) -> Config {
        let mut config = Config::new(self.model_dir.clone(), self.ort_dylib.clone());
        config.intra_threads = self.threads;
        config.cpu_only = self.cpu_only;
        config.thresholds =
            Thresholds { score: self.score_threshold, nms_iou: self.nms_iou, near: self.near_threshold };
        config.limits =
            Limits { max_bytes: self.max_bytes, max_pixels: self.max_pixels, max_detections: self.max_detections };
        config.storage = StorageConfig {
            local_bucket_root: self.local_bucket_root.clone(),
            gcs_base_url: self.gcs_base_url.clone(),
            // NB: the command line names its own file; services read plain paths only under the root.
            local_files: LocalFiles::Anywhere,
        };
        config.job_id = job_id;
        config.host = host_name();
        config
    }

    fn log_format(&self) -> LogFormat {
        if self.log_format == "json" {
            LogFormat::Json
        } else {
            LogFormat::Pretty
        }
    }
}

fn host_name() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

/// Parses the command line, runs, and returns the process exit code.
pub async fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { exit_codes::USAGE } else { exit_codes::OK };
        }
    };
    let pipeline = match &cli.command {
        Some(Command::Bench(args)) => &args.pipeline,
        Some(Command::Batch(args)) => &args.pipeline,
        None => &cli.pipeline,
    };
    shared::telemetry::init(pipeline.log_format(), "info");
    let result = match &cli.command {
        Some(Command::Bench(args)) => crate::bench::run(args).await,
        Some(Command::Batch(args)) => crate::batch::run(args).await,
        None => process(&cli).await,
    };
    match result {
        Ok(()) => exit_codes::OK,
        Err(e) => {
            tracing::error!(error = %e, exit_code = e.exit_code(), "cv-processor failed");
            e.exit_code()
        }
    }
}

async fn process(cli: &Cli) -> Result<()> {
    let uri = cli.image_uri.as_deref().expect("clap requires --image-uri without a subcommand");
    // NB: a bad topic fails before the models load, as a configuration error.
    let topic = match &cli.publish {
        Some(topic) => Some(TopicSink::new(topic, publisher_config(cli))?),
        None => None,
    };
    let processor = Processor::new(cli.pipeline.to_config(cli.job_id.clone()))?;
    let document = processor.process(uri).await?;
    write(&document, cli.out.as_ref())?;
    if let Some(url) = &cli.sink {
        Sink::new(url, cli.sink_mode).deliver(&document).await?;
        tracing::info!(sink = %url, "document delivered");
    }
    if let Some(topic) = topic {
        let message_id = topic.deliver(&document).await?;
        tracing::info!(%message_id, "document published");
    }
    Ok(())
}

fn publisher_config(cli: &Cli) -> shared::pubsub::PublisherConfig {
    shared::pubsub::PublisherConfig {
        emulator_host: cli.pubsub_emulator_host.clone().filter(|h| !h.trim().is_empty()),
        ..Default::default()
    }
}

fn write(document: &FeatureDocument, out: Option<&PathBuf>) -> Result<()> {
    let target = out.map_or_else(|| "stdout".to_owned(), |p| p.display().to_string());
    let failure = |e: std::io::Error| Error::Delivery { target: target.clone(), message: e.to_string() };
    let mut json = serde_json::to_vec(document).map_err(|e| Error::Document(e.to_string()))?;
    json.push(b'\n');
    match out {
        Some(path) => std::fs::write(path, json).map_err(failure),
        None => std::io::Write::write_all(&mut std::io::stdout().lock(), &json).map_err(failure),
    }
}
