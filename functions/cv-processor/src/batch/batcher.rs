//! Cross-image batching under the [`Detector`]/[`Embedder`] interfaces: each image's
//! worker calls the model as the one-image path does and waits; one inference thread
//! per model takes everything queued (up to a limit) and runs it as one batch. While a
//! batch runs, the workers decode the next images, so the queue refills behind it.

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

/// Runs batches of `Tensor` inputs on a thread of its own.
struct Queue<T> {
    tx: Mutex<Sender<Request<T>>>,
}

impl<T: Send + 'static> Queue<T> {
    /// Starts the thread; `run` gets the queued inputs (at most `max_items` by their first
    /// dimension, at least one request) and must answer one result per input, in order.
    fn start(
        name: &str,
        max_items: usize,
        stats: Arc<ModelStats>,
        run: impl Fn(Vec<Tensor>) -> Result<Vec<T>> + Send + 'static,
    ) -> Self {
        let (tx, rx) = channel::<Request<T>>();
        let thread = std::thread::Builder::new().name(format!("batch-{name}"));
        thread.spawn(move || serve(&rx, max_items.max(1), &stats, &run)).expect("spawning an inference thread");
        Self { tx: Mutex::new(tx) }
    }

    /// Queues one input and waits for its result.
    fn call(&self, stage: &'static str, input: Tensor) -> Result<T> {
        let (reply, answer) = sync_channel(1);
        let sent = self.tx.lock().unwrap_or_else(|p| p.into_inner()).send(Request { input, reply });
        sent.map_err(|_| Error::runtime(stage, "the inference thread has stopped"))?;
        answer.recv().map_err(|_| Error::runtime(stage, "the inference thread dropped the request"))?
    }
}

fn serve<T>(
    rx: &Receiver<Request<T>>,
    max_items: usize,
    stats: &ModelStats,
    run: &dyn Fn(Vec<Tensor>) -> Result<Vec<T>>,
) {
    let mut carried: Option<Request<T>> = None;
    loop {
        let first = match carried.take() {
            Some(r) => r,
            None => match rx.recv() {
                Ok(r) => r,
                Err(_) => return,
            },
        };
        let mut items = first.input.shape[0];
        let mut batch = vec![first];
        // NB: no waiting for stragglers: what queued while the last batch ran is the next batch.
        while items < max_items {
            match rx.try_recv() {
                Ok(r) if items + r.input.shape[0] > max_items => {
                    carried = Some(r);
                    break;
                }
                Ok(r) => {
                    items += r.input.shape[0];
                    batch.push(r);
                }
                Err(_) => break,
            }
        }
        let (inputs, replies): (Vec<Tensor>, Vec<SyncSender<Result<T>>>) =
            batch.into_iter().map(|r| (r.input, r.reply)).unzip();
        let started = Instant::now();
        match run(inputs) {
            Ok(results) if results.len() == replies.len() => {
                stats.record(started, items);
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

/// Stacks `[n_i, C, H, W]` tensors into one `[Σn_i, C, H, W]`.
pub fn stack(inputs: &[Tensor]) -> Tensor {
    let [_, c, h, w] = inputs.first().map_or([0, 3, 0, 0], |t| t.shape);
    let n = inputs.iter().map(|t| t.shape[0]).sum();
    let mut data = Vec::with_capacity(n * c * h * w);
    inputs.iter().for_each(|t| data.extend_from_slice(&t.data));
    Tensor { shape: [n, c, h, w], data }
}

/// A [`Detector`] whose calls from many workers run as batches of up to `max_batch` images.
pub struct BatchingDetector {
    queue: Queue<RawDetections>,
    provider: &'static str,
}

impl BatchingDetector {
    /// Batches calls into `model`.
    pub fn new(model: OnnxDetector, max_batch: usize, stats: Arc<ModelStats>) -> Self {
        let provider = model.execution_provider();
        let queue = Queue::start("detector", max_batch, stats, move |inputs| model.detect_many(&stack(&inputs)));
        Self { queue, provider }
    }
}

impl Detector for BatchingDetector {
    fn detect(&self, input: &Tensor) -> Result<RawDetections> {
        self.queue.call("detector", input.clone())
    }

    fn execution_provider(&self) -> &'static str {
        self.provider
    }
}

/// An [`Embedder`] whose crops from many images run as batches of up to `max_crops`.
pub struct BatchingEmbedder {
    queue: Queue<Vec<Vec<f32>>>,
    provider: &'static str,
}

impl BatchingEmbedder {
    /// Batches calls into `model`.
    pub fn new(model: OnnxEmbedder, max_crops: usize, stats: Arc<ModelStats>) -> Self {
        let provider = model.execution_provider();
        let queue = Queue::start("embedder", max_crops, stats, move |inputs: Vec<Tensor>| {
            let counts: Vec<usize> = inputs.iter().map(|t| t.shape[0]).collect();
            let mut vectors = model.embed(&stack(&inputs))?.into_iter();
            Ok(counts.into_iter().map(|k| vectors.by_ref().take(k).collect()).collect())
        });
        Self { queue, provider }
    }
}

impl Embedder for BatchingEmbedder {
    fn embed(&self, batch: &Tensor) -> Result<Vec<Vec<f32>>> {
        if batch.shape[0] == 0 {
            return Ok(Vec::new());
        }
        self.queue.call("embedder", batch.clone())
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

    #[test]
    fn what_queued_runs_together_up_to_the_limit_and_each_caller_gets_its_own_answer() {
        let (tx, rx) = channel();
        let mut answers = Vec::new();
        for (n, value) in [(1, 0.0), (2, 1.0), (2, 2.0), (2, 3.0)] {
            let (reply, answer) = sync_channel(1);
            tx.send(Request { input: tensor(n, value), reply }).unwrap();
            answers.push(answer);
        }
        drop(tx);
        let (stats, seen) = (ModelStats::default(), Mutex::new(Vec::new()));

        serve(&rx, 5, &stats, &|inputs: Vec<Tensor>| {
            seen.lock().unwrap().push(inputs.iter().map(|t| t.shape[0]).collect::<Vec<_>>());
            Ok(inputs.iter().map(|t| t.data[0]).collect::<Vec<f32>>())
        });

        let got: Vec<f32> = answers.iter().map(|a| a.recv().unwrap().unwrap()).collect();
        assert_eq!(got, vec![0.0, 1.0, 2.0, 3.0], "each caller gets the result of its own input");
        assert_eq!(seen.into_inner().unwrap(), vec![vec![1, 2, 2], vec![2]], "5 items at most, the rest next");
        assert_eq!((stats.snapshot().batches, stats.snapshot().items), (2, 7));
    }

    #[test]
    fn a_batch_never_exceeds_the_item_limit_and_a_failure_reaches_every_caller() {
        let stats = Arc::new(ModelStats::default());
        let queue: Queue<f32> = Queue::start("test", 3, stats, |inputs: Vec<Tensor>| {
            assert!(inputs.iter().map(|t| t.shape[0]).sum::<usize>() <= 3 || inputs.len() == 1);
            Err(Error::runtime("detector", "out of memory"))
        });
        let err = queue.call("t", tensor(2, 1.0)).unwrap_err().to_string();
        assert!(err.contains("out of memory"), "{err}");
    }

    #[test]
    fn stacking_concatenates_along_the_batch_dimension() {
        let t = stack(&[tensor(1, 1.0), tensor(2, 2.0)]);
        assert_eq!(t.shape, [3, 1, 1, 2]);
        assert_eq!(t.data, vec![1.0, 1.0, 2.0, 2.0, 2.0, 2.0]);
    }
}
