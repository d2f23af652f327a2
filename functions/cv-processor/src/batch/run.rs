//! Processing a shard: a bounded pool of images in flight (read, decoded and
//! analysed by the one-image code path, whose model calls the batchers merge),
//! each document delivered through the sink, and a marker written per chunk
//! once all of it is delivered.

use chrono::Utc;
use serde::Serialize;
use shared::backfill::{BackfillStore, ChunkMarker, Failure};
use shared::domain::ObjectUri;
use shared::launcher::exit_codes;
use shared::schema::FeatureDocument;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::{mpsc, Semaphore};

use super::batcher::{ModelStats, StatsSnapshot};
use super::output::DocumentSink;
use super::shard::ShardPlan;
use crate::{Error, Processor, Result};

/// What one shard run did, printed as JSON at the end.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Run id.
    pub run: String,
    /// Shard index.
    pub shard: u32,
    /// Images in the shard.
    pub shard_images: usize,
    /// Images skipped because an earlier attempt finished their chunk.
    pub skipped: usize,
    /// Images processed now.
    pub images: usize,
    /// Documents delivered.
    pub delivered: usize,
    /// Unusable images (recorded in the markers, never retried).
    pub failed: usize,
    /// Images that hit a transient failure (their chunk is left for the retry).
    pub transient: usize,
    /// Wall seconds.
    pub seconds: f64,
    /// Images processed per second.
    pub images_per_s: f64,
    /// Execution provider.
    pub execution_provider: String,
    /// Milliseconds per processed image by stage: fetch, decode (and resize), detect, embed, write.
    pub stage_ms_per_image: BTreeMap<&'static str, f64>,
    /// Detector batching.
    pub detector: StatsSnapshot,
    /// Embedder batching.
    pub embedder: StatsSnapshot,
}

struct Outcome {
    chunk: u32,
    uri: String,
    result: Result<(FeatureDocument, f64)>,
}

#[derive(Default)]
struct Chunk {
    remaining: usize,
    delivered: u32,
    failed: Vec<Failure>,
    transient: bool,
}

/// Runs a shard with `workers` images in flight.
pub struct ShardRunner {
    /// The processor (its models batch across workers).
    pub processor: Arc<Processor>,
    /// Where documents go.
    pub sink: Arc<dyn DocumentSink>,
    /// The run folder (markers are written there).
    pub store: BackfillStore,
    /// Images in flight: being read, decoded, waiting for a batch or delivered.
    pub workers: usize,
    /// Host name for the markers.
    pub host: String,
    /// Detector batching numbers.
    pub detector_stats: Arc<ModelStats>,
    /// Embedder batching numbers.
    pub embedder_stats: Arc<ModelStats>,
}

impl ShardRunner {
    /// Processes the pending chunks of `plan`; an error carries the exit code to use.
    pub async fn run(&self, plan: &ShardPlan) -> (Summary, Result<()>) {
        let started = Instant::now();
        let pending = plan.pending();
        let mut summary = Summary {
            run: plan.manifest.run.to_string(),
            shard: plan.shard,
            shard_images: plan.uris.len(),
            execution_provider: self.processor.models().execution_provider(),
            ..Summary::default()
        };
        summary.skipped = plan.uris.len() - pending.iter().map(|(_, c)| c.len()).sum::<usize>();
        let mut chunks: BTreeMap<u32, Chunk> =
            pending.iter().map(|(i, c)| (*i, Chunk { remaining: c.len(), ..Chunk::default() })).collect();
        let work: Vec<(u32, ObjectUri)> =
            pending.iter().flat_map(|(i, c)| c.iter().map(move |u| (*i, u.clone()))).collect();

        let (tx, mut rx) = mpsc::channel::<Outcome>(self.workers.max(1) * 2);
        let feeder = tokio::spawn(feed(work, self.workers.max(1), self.processor.clone(), self.sink.clone(), tx));
        let (mut stage_ms, mut first_error): (BTreeMap<&'static str, f64>, Option<Error>) = (BTreeMap::new(), None);
        while let Some(outcome) = rx.recv().await {
            summary.images += 1;
            let chunk = chunks.get_mut(&outcome.chunk).expect("every outcome belongs to a pending chunk");
            chunk.remaining -= 1;
            match outcome.result {
                Ok((doc, write_ms)) => {
                    summary.delivered += 1;
                    chunk.delivered += 1;
                    let t = &doc.timings;
                    for (stage, ms) in
                        [("fetch", t.fetch_ms), ("decode", t.decode_ms + t.preprocess_ms), ("write", write_ms)]
                    {
                        *stage_ms.entry(stage).or_default() += ms;
                    }
                }
                Err(e) if e.exit_code() == exit_codes::BAD_INPUT => {
                    tracing::warn!(uri = %outcome.uri, error = %e, "unusable image recorded, not retried");
                    summary.failed += 1;
                    chunk.failed.push(Failure { uri: outcome.uri, reason: e.to_string() });
                }
                Err(e) => {
                    tracing::error!(uri = %outcome.uri, error = %e, "image failed; its chunk is left for a retry");
                    summary.transient += 1;
                    chunk.transient = true;
                    if e.exit_code() == exit_codes::CONFIG || first_error.is_none() {
                        first_error = Some(e);
                    }
                }
            }
            if chunk.remaining == 0 && !chunk.transient {
                let marker = ChunkMarker {
                    shard: plan.shard,
                    chunk: outcome.chunk,
                    images: chunk.delivered + chunk.failed.len() as u32,
                    delivered: chunk.delivered,
                    failed: std::mem::take(&mut chunk.failed),
                    host: self.host.clone(),
                    finished_at: Utc::now(),
                };
                if let Err(e) = self.write_marker(plan, &marker).await {
                    first_error.get_or_insert(e);
                }
            }
        }
        let _ = feeder.await;
        summary.seconds = started.elapsed().as_secs_f64();
        summary.images_per_s = if summary.seconds > 0.0 { summary.images as f64 / summary.seconds } else { 0.0 };
        summary.detector = self.detector_stats.snapshot();
        summary.embedder = self.embedder_stats.snapshot();
        stage_ms.insert("detect", summary.detector.busy_s * 1e3);
        stage_ms.insert("embed", summary.embedder.busy_s * 1e3);
        let per_image = summary.images.max(1) as f64;
        summary.stage_ms_per_image =
            stage_ms.into_iter().map(|(k, v)| (k, (v / per_image * 1000.0).round() / 1000.0)).collect();
        (summary, first_error.map_or(Ok(()), Err))
    }

    async fn write_marker(&self, plan: &ShardPlan, marker: &ChunkMarker) -> Result<()> {
        let name = format!("{}{}", plan.manifest.run.shard_progress_prefix(plan.shard), marker.file_name());
        let json = serde_json::to_vec(marker).map_err(|e| Error::Document(e.to_string()))?;
        // NB: create-only: a retried pod that finds its marker never rewrites it, and the Jobs'
        // identity needs no right to replace objects.
        self.store
            .put_new(&name, json)
            .await
            .map(|_| ())
            .map_err(|e| Error::Storage { uri: format!("{}/{name}", self.store.root()), message: e.to_string() })
    }
}

/// Starts one task per image, at most `workers` at a time, in order.
async fn feed(
    work: Vec<(u32, ObjectUri)>,
    workers: usize,
    processor: Arc<Processor>,
    sink: Arc<dyn DocumentSink>,
    tx: mpsc::Sender<Outcome>,
) {
    let slots = Arc::new(Semaphore::new(workers));
    for (chunk, uri) in work {
        let Ok(permit) = slots.clone().acquire_owned().await else { return };
        let (processor, sink, tx) = (processor.clone(), sink.clone(), tx.clone());
        tokio::spawn(async move {
            let text = uri.to_string();
            let result = one(processor, sink.as_ref(), uri).await;
            drop(permit);
            let _ = tx.send(Outcome { chunk, uri: text, result }).await;
        });
    }
}

/// The one-image path for one URI, then delivery; returns the document and the delivery time.
async fn one(processor: Arc<Processor>, sink: &dyn DocumentSink, uri: ObjectUri) -> Result<(FeatureDocument, f64)> {
    let handle = tokio::runtime::Handle::current();
    // NB: analysis blocks (on the CPU and on the batchers), so it runs on a blocking thread;
    // `process_uri` is exactly what the one-image command runs.
    let doc = tokio::task::spawn_blocking(move || handle.block_on(processor.process_uri(&uri)))
        .await
        .map_err(|e| Error::runtime("batch", format!("worker failed: {e}")))??;
    let clock = Instant::now();
    sink.deliver(&doc).await?;
    Ok((doc, clock.elapsed().as_secs_f64() * 1e3))
}
