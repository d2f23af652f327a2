//! `cv-processor batch`: one shard of a backfill run in one process. The models load
//! once; images are read and decoded ahead by a small pool of workers while the
//! previous batch runs in ONNX Runtime; detector and embedder calls from different
//! images are merged into batches ([`batcher`]). Every image still goes through
//! [`Processor::process_uri`], so its document and ids are the one-image path's.

pub mod batcher;
pub mod output;
pub mod run;
pub mod shard;

use clap::Args;
use shared::backfill::{BackfillStore, RunId};
use std::path::PathBuf;
use std::sync::Arc;

use crate::cli::PipelineArgs;
use crate::config::Config;
use crate::manifest::Manifest;
use crate::onnx::{OnnxDetector, OnnxEmbedder, OnnxRuntime};
use crate::sink::{Sink, SinkMode, TopicSink};
use crate::{Error, Models, Processor, Result};
use batcher::{batching_models, ModelStats};
use output::{DirSink, DocumentSink};
use run::{ShardRunner, Summary};
use shard::ShardPlan;

/// Options of `cv-processor batch`.
#[derive(Debug, Args)]
pub struct BatchArgs {
    /// Backfill root holding the run: gs://BUCKET/PREFIX or a local folder.
    #[arg(long, env = "BACKFILL_ROOT")]
    pub root: String,
    /// Run id (bf-…), as in <root>/runs/<run>/manifest.json.
    #[arg(long, env = "BACKFILL_RUN")]
    pub run: String,
    /// Shard to process; an Indexed Job sets JOB_COMPLETION_INDEX in each pod.
    #[arg(long, env = "JOB_COMPLETION_INDEX")]
    pub shard_index: u32,
    /// Most images per detector call.
    #[arg(long, env = "CV_BATCH_SIZE", default_value_t = 8)]
    pub batch_size: usize,
    /// Most crops per embedder call.
    #[arg(long, env = "CV_MAX_CROPS", default_value_t = 64)]
    pub max_crops: usize,
    /// Images in flight (read, decoded, waiting for a batch, delivered); default twice the batch size.
    #[arg(long, env = "CV_WORKERS")]
    pub workers: Option<usize>,
    /// POST each document as a CloudEvent to this URL.
    #[arg(long, env = "K_SINK", conflicts_with_all = ["out_dir", "publish"])]
    pub sink: Option<String>,
    /// Publish each document to this Pub/Sub topic (projects/P/topics/T), as the per-image Job does.
    #[arg(long, env = "CV_PUBSUB_TOPIC", conflicts_with = "out_dir")]
    pub publish: Option<String>,
    /// Pub/Sub emulator (host:port) for --publish; unset: the real API with Application Default Credentials.
    #[arg(long, env = "PUBSUB_EMULATOR_HOST")]
    pub pubsub_emulator_host: Option<String>,
    /// CloudEvents content mode for --sink.
    #[arg(long, env = "CV_SINK_MODE", value_enum, default_value_t = SinkMode::Binary)]
    pub sink_mode: SinkMode,
    /// Write each document to DIR/<image id>.json instead of a sink.
    #[arg(long, env = "CV_OUT_DIR")]
    pub out_dir: Option<PathBuf>,
    /// Job id for lineage and event ids (default: <run>-s<shard>).
    #[arg(long, env = "JOB_ID")]
    pub job_id: Option<String>,
    /// Models, thresholds and limits.
    #[command(flatten)]
    pub pipeline: PipelineArgs,
}

/// A processor whose model calls are batched across workers, with the batchers' numbers.
pub fn batching_processor(
    config: Config,
    batch_size: usize,
    max_crops: usize,
) -> Result<(Processor, Arc<ModelStats>, Arc<ModelStats>)> {
    config.validate()?;
    let manifest = Manifest::load(config.model_dir()?)?;
    let runtime = OnnxRuntime::load(config.ort_dylib()?, config.intra_threads, config.cpu_only)?;
    let detector = OnnxDetector::open(&runtime, &manifest.detector_path)?;
    if !detector.batches() && batch_size > 1 {
        tracing::warn!("the detector's batch size is fixed at 1 (built before dynamic batches): images are pipelined but detected one at a time; `just models` rebuilds it");
    }
    let embedder = OnnxEmbedder::open(&runtime, &manifest.embedder_path)?;
    let (det_stats, emb_stats) = (Arc::new(ModelStats::default()), Arc::new(ModelStats::default()));
    let (detector, embedder) =
        batching_models(detector, embedder, (batch_size, max_crops), (det_stats.clone(), emb_stats.clone()));
    let models = Models {
        version: manifest.version,
        detector_ref: manifest.detector.to_ref(),
        embedder_ref: manifest.embedder.to_ref(),
        detector: Box::new(detector),
        embedder: Box::new(embedder),
    };
    Ok((Processor::with_models(config, models), det_stats, emb_stats))
}

/// Runs `cv-processor batch`: prints the summary as one JSON line on stdout.
pub async fn run(args: &BatchArgs) -> Result<()> {
    let run = RunId::parse(&args.run).map_err(|e| Error::config(format!("--run: {e}")))?;
    let sink: Arc<dyn DocumentSink> = match (&args.sink, &args.publish, &args.out_dir) {
        (Some(url), _, _) => Arc::new(Sink::new(url, args.sink_mode)),
        (None, Some(topic), _) => {
            let config = shared::pubsub::PublisherConfig {
                emulator_host: args.pubsub_emulator_host.clone().filter(|h| !h.trim().is_empty()),
                ..Default::default()
            };
            Arc::new(TopicSink::new(topic, config)?)
        }
        (None, None, Some(dir)) => Arc::new(DirSink::new(dir.clone())?),
        (None, None, None) => return Err(Error::config("batch needs --sink (K_SINK), --publish or --out-dir")),
    };
    let store = BackfillStore::open(&args.root, args.pipeline.gcs_base_url.as_deref())
        .map_err(|e| Error::config(format!("--root: {e}")))?;
    let plan = ShardPlan::load(&store, &run, args.shard_index).await?;
    let job_id = args.job_id.clone().unwrap_or_else(|| format!("{run}-s{}", args.shard_index));
    let config = args.pipeline.to_config(Some(job_id));
    let host = config.host.clone();
    let (processor, detector_stats, embedder_stats) = batching_processor(config, args.batch_size, args.max_crops)?;
    if processor.models().version != plan.manifest.model_version {
        return Err(Error::config(format!(
            "this processor's models are version {} but run {run} asks for {}: launch the image that produces it",
            processor.models().version,
            plan.manifest.model_version
        )));
    }
    let runner = ShardRunner {
        processor: Arc::new(processor),
        sink,
        store,
        workers: args.workers.unwrap_or(args.batch_size * 2).max(1),
        host,
        detector_stats,
        embedder_stats,
    };
    let (summary, outcome): (Summary, Result<()>) = runner.run(&plan).await;
    println!("{}", serde_json::to_string(&summary).map_err(|e| Error::Document(e.to_string()))?);
    outcome
}
