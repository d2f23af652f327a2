//! Cross-image batching under the [`Detector`]/[`Embedder`] interfaces: each image's
//! worker calls the model as the one-image path does and waits; one inference thread
//! per process takes everything queued for a model (up to a limit) and runs it as one
//! batch, the two models in turn. While a batch runs, the workers decode the next
//! images, so the queues refill behind it.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::models::{Detector, Embedder, RawDetections};
use crate::onnx::{OnnxDetector, OnnxEmbedder};
use crate::preprocess::Tensor;
use crate::{Error, Result};

/// Time spent in one model and how it was batched.
#[derive(Debug, Default)]
pub struct ModelStats {
    busy_ns: AtomicU64,
    batches: AtomicU64,
    items: AtomicU64,
}

/// A snapshot of [`ModelStats`].
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct StatsSnapshot {
    /// Seconds the model ran.
    pub busy_s: f64,
    /// Calls into ONNX Runtime.
    pub batches: u64,
    /// Images (detector) or crops (embedder) run.
    pub items: u64,
}

impl ModelStats {
    fn record(&self, started: Instant, items: usize) {
        self.busy_ns.fetch_add(started.elapsed().as_nanos() as u64, Ordering::Relaxed);
        self.batches.fetch_add(1, Ordering::Relaxed);
        self.items.fetch_add(items as u64, Ordering::Relaxed);
    }

    /// The numbers so far.
    pub fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot {
            busy_s: self.busy_ns.load(Ordering::Relaxed) as f64 / 1e9,
            batches: self.batches.load(Ordering::Relaxed),
            items: self.items.load(Ordering::Relaxed),
        }
    }
}

struct Request<T> {
    input: Tensor,
    reply: SyncSender<Result<T>>,
}

/// A call into one of the two models.
enum Job {
    Detect(Request<RawDetections>),
    Embed(Request<Vec<Vec<f32>>>),
}

type RunBatch<T> = Box<dyn Fn(Vec<Tensor>) -> Result<Vec<T>> + Send>;

/// The queued calls of one model and how to run them as a batch.
struct Lane<T> {
    pending: VecDeque<Request<T>>,
    max_items: usize,
    stats: Arc<ModelStats>,
    run: RunBatch<T>,
}

impl<T> Lane<T> {
    fn new(max_items: usize, stats: Arc<ModelStats>, run: RunBatch<T>) -> Self {
        Self { pending: VecDeque::new(), max_items: max_items.max(1), stats, run }
    }

    /// Runs the oldest queued calls as one batch of at most `max_items` (at least one call),
    /// and answers each caller; does nothing when nothing is queued.
    fn run_next(&mut self) {
        let Some(first) = self.pending.pop_front() else { return };
        let mut items = first.input.shape[0];
        let mut batch = vec![first];
        while let Some(next) = self.pending.front() {
            if items + next.input.shape[0] > self.max_items {
                break;
            }
            items += next.input.shape[0];
            batch.extend(self.pending.pop_front());
        }
        let (inputs, replies): (Vec<Tensor>, Vec<SyncSender<Result<T>>>) =
            batch.into_iter().map(|r| (r.input, r.reply)).unzip();
        let started = Instant::now();
        match (self.run)(inputs) {
            Ok(results) if results.len() == replies.len() => {
                self.stats.record(started, items);
                for (reply, result) in replies.into_iter().zip(results) {
                    let _ = reply.send(Ok(result));
                }
            }
            Ok(results) => {
                let message = format!("{} results for {} requests", results.len(), replies.len());
                replies.into_iter().for_each(|r| drop(r.send(Err(Error::runtime("batch", &message)))));
            }
            Err(e) => {
                let message = e.to_string();
                replies.into_iter().for_each(|r| drop(r.send(Err(Error::runtime("batch", &message)))));
            }
        }
    }
}

struct Lanes {
    detector: Lane<RawDetections>,
    embedder: Lane<Vec<Vec<f32>>>,
}

impl Lanes {
    fn queue(&mut self, job: Job) {
        match job {
            Job::Detect(r) => self.detector.pending.push_back(r),
            Job::Embed(r) => self.embedder.pending.push_back(r),
        }
    }

    fn idle(&self) -> bool {
        self.detector.pending.is_empty() && self.embedder.pending.is_empty()
    }

    /// Until every sender is gone: whatever queued while the last batch ran is the next
    /// batch (no waiting for stragglers), the embedder's before the detector's.
    fn serve(&mut self, rx: &Receiver<Job>) {
        loop {
            if self.idle() {
                match rx.recv() {
                    Ok(job) => self.queue(job),
                    Err(_) => return,
                }
            }
            rx.try_iter().for_each(|job| self.queue(job));
            // NB: embeddings finish images already in flight, which frees their workers for new images.
            self.embedder.run_next();
            rx.try_iter().for_each(|job| self.queue(job));
            self.detector.run_next();
        }
    }
}

/// The thread that runs both models of a process, one batch at a time.
///
/// NB: one thread, not one per model: ONNX Runtime already runs each call on `CV_THREADS`
/// threads, and two model threads per process doubled that, so on a CPU node the shards'
/// inference threads outnumbered the cores and evicted each other's weights from the caches.
struct Engine {
    tx: Mutex<Sender<Job>>,
}

impl Engine {
    fn start(detector: Lane<RawDetections>, embedder: Lane<Vec<Vec<f32>>>) -> Self {
        let (tx, rx) = channel::<Job>();
        let mut lanes = Lanes { detector, embedder };
        let thread = std::thread::Builder::new().name("inference".into());
        thread.spawn(move || lanes.serve(&rx)).expect("spawning the inference thread");
        Self { tx: Mutex::new(tx) }
    }

    /// Queues one call and waits for its result.
    fn call<T>(&self, stage: &'static str, input: Tensor, job: impl FnOnce(Request<T>) -> Job) -> Result<T> {
        let (reply, answer) = sync_channel(1);
        let sent = self.tx.lock().unwrap_or_else(|p| p.into_inner()).send(job(Request { input, reply }));
        sent.map_err(|_| Error::runtime(stage, "the inference thread has stopped"))?;
        answer.recv().map_err(|_| Error::runtime(stage, "the inference thread dropped the request"))?
    }
}

/// Stacks `[n_i, C, H, W]` tensors into one `[Σn_i, C, H, W]` (a single one is moved, not copied).
pub fn stack(mut inputs: Vec<Tensor>) -> Tensor {
    if inputs.len() == 1 {
        return inputs.pop().expect("one input");
    }
    let [_, c, h, w] = inputs.first().map_or([0, 3, 0, 0], |t| t.shape);
    let n = inputs.iter().map(|t| t.shape[0]).sum();
    let mut data = Vec::with_capacity(n * c * h * w);
    inputs.iter().for_each(|t| data.extend_from_slice(&t.data));
    Tensor { shape: [n, c, h, w], data }
}

/// Both models behind one inference thread: detector calls from many workers run as
/// batches of up to `max_batch` images, embedder calls as batches of up to `max_crops` crops.
pub fn batching_models(
    detector: OnnxDetector,
    embedder: OnnxEmbedder,
    (max_batch, max_crops): (usize, usize),
    (detector_stats, embedder_stats): (Arc<ModelStats>, Arc<ModelStats>),
) -> (BatchingDetector, BatchingEmbedder) {
    let providers = (detector.execution_provider(), embedder.execution_provider());
    let detect: RunBatch<RawDetections> = Box::new(move |inputs| detector.detect_many(&stack(inputs)));
    let embed: RunBatch<Vec<Vec<f32>>> = Box::new(move |inputs: Vec<Tensor>| {
        let counts: Vec<usize> = inputs.iter().map(|t| t.shape[0]).collect();
        let mut vectors = embedder.embed(&stack(inputs))?.into_iter();
        Ok(counts.into_iter().map(|k| vectors.by_ref().take(k).collect()).collect())
    });
    let engine = Arc::new(Engine::start(
        Lane::new(max_batch, detector_stats, detect),
        Lane::new(max_crops, embedder_stats, embed),
    ));
    (
        BatchingDetector { engine: engine.clone(), provider: providers.0 },
        BatchingEmbedder { engine, provider: providers.1 },
    )
}

/// A [`Detector`] whose calls from many workers run as batches (see [`batching_models`]).
pub struct BatchingDetector {
    engine: Arc<Engine>,
    provider: &'static str,
}

impl Detector for BatchingDetector {
    fn detect(&self, input: &Tensor) -> Result<RawDetections> {
        self.engine.call("detector", input.clone(), Job::Detect)
    }

    fn execution_provider(&self) -> &'static str {
        self.provider
    }
}

/// An [`Embedder`] whose crops from many images run as batches (see [`batching_models`]).
pub struct BatchingEmbedder {
    engine: Arc<Engine>,
    provider: &'static str,
}

impl Embedder for BatchingEmbedder {
    fn embed(&self, batch: &Tensor) -> Result<Vec<Vec<f32>>> {
        if batch.shape[0] == 0 {
            return Ok(Vec::new());
        }
        self.engine.call("embedder", batch.clone(), Job::Embed)
    }

    fn execution_provider(&self) -> &'static str {
        self.provider
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tensor(n: usize, value: f32) -> Tensor {
        Tensor { shape: [n, 1, 1, 2], data: vec![value; n * 2] }
    }

    fn detections(value: f32) -> RawDetections {
        RawDetections { anchors: 1, classes: 1, scores: vec![value], boxes: vec![0.0; 4] }
    }

    type Log = Arc<Mutex<Vec<(&'static str, Vec<usize>)>>>;

    /// Lanes whose models record each batch (model, items per call) and answer with the first input value.
    fn recording_lanes(max_batch: usize, max_crops: usize, log: &Log) -> Lanes {
        let (d, e) = (log.clone(), log.clone());
        Lanes {
            detector: Lane::new(
                max_batch,
                Arc::default(),
                Box::new(move |inputs: Vec<Tensor>| {
                    d.lock().unwrap().push(("detect", inputs.iter().map(|t| t.shape[0]).collect()));
                    Ok(inputs.iter().map(|t| detections(t.data[0])).collect())
                }),
            ),
            embedder: Lane::new(
                max_crops,
                Arc::default(),
                Box::new(move |inputs: Vec<Tensor>| {
                    e.lock().unwrap().push(("embed", inputs.iter().map(|t| t.shape[0]).collect()));
                    Ok(inputs.iter().map(|t| vec![vec![t.data[0]]; t.shape[0]]).collect())
                }),
            ),
        }
    }

    #[test]
    fn what_queued_runs_together_up_to_the_limit_and_each_caller_gets_its_own_answer() {
        let (tx, rx) = channel();
        let mut answers = Vec::new();
        for (n, value) in [(1, 0.0), (2, 1.0), (2, 2.0), (2, 3.0)] {
            let (reply, answer) = sync_channel(1);
            tx.send(Job::Detect(Request { input: tensor(n, value), reply })).unwrap();
            answers.push(answer);
        }
        drop(tx);
        let log = Log::default();
        let mut lanes = recording_lanes(5, 64, &log);

        lanes.serve(&rx);

        let got: Vec<f32> = answers.iter().map(|a| a.recv().unwrap().unwrap().scores[0]).collect();
        assert_eq!(got, vec![0.0, 1.0, 2.0, 3.0], "each caller gets the result of its own input");
        assert_eq!(*log.lock().unwrap(), vec![("detect", vec![1, 2, 2]), ("detect", vec![2])], "5 items at most");
        let stats = lanes.detector.stats.snapshot();
        assert_eq!((stats.batches, stats.items), (2, 7));
    }

    #[test]
    fn one_thread_runs_both_models_and_queued_embeddings_go_before_new_detections() {
        let (tx, rx) = channel();
        let (mut detected, mut embedded) = (Vec::new(), Vec::new());
        for i in 0..3 {
            let (reply, answer) = sync_channel(1);
            tx.send(Job::Detect(Request { input: tensor(1, i as f32), reply })).unwrap();
            detected.push(answer);
            let (reply, answer) = sync_channel(1);
            tx.send(Job::Embed(Request { input: tensor(2, 10.0 + i as f32), reply })).unwrap();
            embedded.push(answer);
        }
        drop(tx);
        let log = Log::default();

        recording_lanes(8, 4, &log).serve(&rx);

        assert_eq!(
            *log.lock().unwrap(),
            vec![("embed", vec![2, 2]), ("detect", vec![1, 1, 1]), ("embed", vec![2])],
            "the embedder's queue first, each model batched up to its own limit"
        );
        let vectors: Vec<Vec<Vec<f32>>> = embedded.iter().map(|a| a.recv().unwrap().unwrap()).collect();
        assert_eq!(vectors, vec![vec![vec![10.0]; 2], vec![vec![11.0]; 2], vec![vec![12.0]; 2]]);
        let scores: Vec<f32> = detected.iter().map(|a| a.recv().unwrap().unwrap().scores[0]).collect();
        assert_eq!(scores, vec![0.0, 1.0, 2.0]);
    }

    #[test]
    fn a_batch_never_exceeds_the_item_limit_and_a_failure_reaches_every_caller() {
        fn failing<T>(model: &'static str) -> RunBatch<T> {
            Box::new(move |inputs: Vec<Tensor>| {
                assert!(inputs.iter().map(|t| t.shape[0]).sum::<usize>() <= 3 || inputs.len() == 1);
                Err(Error::runtime(model, "out of memory"))
            })
        }
        let engine = Engine::start(
            Lane::new(3, Arc::default(), failing("detector")),
            Lane::new(3, Arc::default(), failing("embedder")),
        );
        let err = engine.call("t", tensor(2, 1.0), Job::Detect).unwrap_err().to_string();
        assert!(err.contains("out of memory"), "{err}");
        let err = engine.call("t", tensor(2, 1.0), Job::Embed).unwrap_err().to_string();
        assert!(err.contains("out of memory"), "{err}");
    }

    #[test]
    fn stacking_concatenates_along_the_batch_dimension() {
        let t = stack(vec![tensor(1, 1.0), tensor(2, 2.0)]);
        assert_eq!(t.shape, [3, 1, 1, 2]);
        assert_eq!(t.data, vec![1.0, 1.0, 2.0, 2.0, 2.0, 2.0]);
    }
}
