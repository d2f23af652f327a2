//! The ONNX Runtime backends of [`Detector`] and [`Embedder`]: the library is
//! loaded from `ORT_DYLIB_PATH`, CUDA is tried first and CPU is the fallback.

use ort::environment::Environment;
use ort::ep::{ExecutionProvider, CUDA};
use ort::session::builder::{GraphOptimizationLevel, SessionBuilder};
use ort::session::Session;
use ort::value::TensorRef;
use std::path::Path;
use std::sync::Mutex;

use crate::models::{Detector, Embedder, RawDetections};
use crate::preprocess::Tensor;
use crate::{Error, Result};

/// A loaded ONNX Runtime and the session options every model shares.
pub struct OnnxRuntime {
    env: Environment,
    intra_threads: usize,
    cpu_only: bool,
}

impl OnnxRuntime {
    /// Loads the shared library; failure is a CONFIG error. `intra_threads` 0 lets ONNX Runtime choose.
    pub fn load(dylib: &Path, intra_threads: usize, cpu_only: bool) -> Result<Self> {
        if !dylib.is_file() {
            return Err(Error::config(format!(
                "ORT_DYLIB_PATH={} is not a file: run `just models` and `source scripts/models/env.sh`",
                dylib.display()
            )));
        }
        // NB: ONNX Runtime allows one environment per process, so processors share it.
        static ENVIRONMENT: Mutex<Option<Environment>> = Mutex::new(None);
        let mut shared = ENVIRONMENT.lock().unwrap_or_else(|p| p.into_inner());
        if shared.is_none() {
            let env = ort::init_from(dylib)
                .map_err(|e| Error::config(format!("cannot load ONNX Runtime: {e}")))?
                .with_name("cv-processor")
                .build()
                .map_err(|e| Error::config(format!("cannot start ONNX Runtime: {e}")))?;
            *shared = Some(env);
        }
        let env = shared.clone().expect("set above");
        Ok(Self { env, intra_threads, cpu_only })
    }

    fn builder(&self) -> Result<SessionBuilder> {
        let config = |e: ort::Error| Error::config(format!("ONNX Runtime session options: {e}"));
        let mut builder = Session::builder(&self.env)
            .map_err(config)?
            .with_optimization_level(GraphOptimizationLevel::All)
            .map_err(|e| config(e.into()))?
            .with_inter_threads(1)
            .map_err(|e| config(e.into()))?;
        if self.intra_threads > 0 {
            builder = builder.with_intra_threads(self.intra_threads).map_err(|e| config(e.into()))?;
        }
        Ok(builder)
    }

    /// Opens a model on CUDA when this ONNX Runtime has it and it starts, else on CPU.
    fn open(&self, path: &Path) -> Result<(Session, &'static str)> {
        if !self.cpu_only && CUDA::is_available().unwrap_or(false) {
            let cuda = self
                .builder()?
                .with_execution_providers([CUDA::default().build().error_on_failure()])
                .map_err(|e| e.to_string())
                .and_then(|mut b| b.commit_from_file(path).map_err(|e| e.to_string()));
            match cuda {
                Ok(session) => return Ok((session, "cuda")),
                Err(e) => tracing::warn!(model = %path.display(), error = %e, "CUDA unusable; falling back to CPU"),
            }
        }
        let session = self
            .builder()?
            .commit_from_file(path)
            .map_err(|e| Error::config(format!("cannot load model {}: {e}", path.display())))?;
        Ok((session, "cpu"))
    }
}

fn run(
    session: &Mutex<Session>,
    stage: &'static str,
    input: &Tensor,
    outputs: &[&str],
) -> Result<Vec<(Vec<i64>, Vec<f32>)>> {
    let err = |e: ort::Error| Error::runtime(stage, e);
    let value = TensorRef::from_array_view((input.shape, input.data.as_slice())).map_err(err)?;
    let mut session = session.lock().unwrap_or_else(|p| p.into_inner());
    let result = session.run(ort::inputs!["images" => value]).map_err(err)?;
    outputs
        .iter()
        .map(|name| {
            let value =
                result.get(name).ok_or_else(|| Error::runtime(stage, format!("model has no output {name:?}")))?;
            let (shape, data) = value.try_extract_tensor::<f32>().map_err(err)?;
            Ok((shape.to_vec(), data.to_vec()))
        })
        .collect()
}

/// SSD-MobileNetV2 on ONNX Runtime.
pub struct OnnxDetector {
    session: Mutex<Session>,
    provider: &'static str,
    /// Whether the model's batch dimension is dynamic (models built before it was are fixed at 1).
    dynamic_batch: bool,
}

impl OnnxDetector {
    /// Opens `detector.onnx`.
    pub fn open(runtime: &OnnxRuntime, path: &Path) -> Result<Self> {
        let (session, provider) = runtime.open(path)?;
        let first_dim =
            session.inputs().first().and_then(|i| i.dtype().tensor_shape().and_then(|s| s.first().copied()));
        Ok(Self { session: Mutex::new(session), provider, dynamic_batch: first_dim.is_some_and(|d| d < 0) })
    }

    /// Whether [`OnnxDetector::detect_many`] runs a whole batch in one call (else one image at a time).
    pub fn batches(&self) -> bool {
        self.dynamic_batch
    }

    /// Raw detections of each image of an `[N,3,H,W]` batch, in order.
    pub fn detect_many(&self, batch: &Tensor) -> Result<Vec<RawDetections>> {
        let n = batch.shape[0];
        if n == 1 {
            return Ok(vec![self.detect(batch)?]);
        }
        if !self.dynamic_batch {
            let item = batch.data.len() / n.max(1);
            let [_, c, h, w] = batch.shape;
            return batch
                .data
                .chunks_exact(item.max(1))
                .map(|one| self.detect(&Tensor { shape: [1, c, h, w], data: one.to_vec() }))
                .collect();
        }
        let mut out = run(&self.session, "detector", batch, &["scores", "boxes"])?.into_iter();
        let ((score_shape, scores), (_, boxes)) = (out.next().expect("two outputs"), out.next().expect("two outputs"));
        let [got, anchors, classes] = score_shape[..] else {
            return Err(Error::runtime("detector", format!("scores have shape {score_shape:?}, expected [N,A,C]")));
        };
        let (anchors, classes) = (anchors as usize, classes as usize);
        if got as usize != n || boxes.len() != n * anchors * 4 {
            return Err(Error::runtime(
                "detector",
                format!("{got} results and {} box values for {n} images", boxes.len()),
            ));
        }
        Ok(scores
            .chunks_exact(anchors * classes)
            .zip(boxes.chunks_exact(anchors * 4))
            .map(|(s, b)| RawDetections { anchors, classes, scores: s.to_vec(), boxes: b.to_vec() })
            .collect())
    }
}

impl Detector for OnnxDetector {
    fn detect(&self, input: &Tensor) -> Result<RawDetections> {
        let mut out = run(&self.session, "detector", input, &["scores", "boxes"])?.into_iter();
        let ((score_shape, scores), (_, boxes)) = (out.next().expect("two outputs"), out.next().expect("two outputs"));
        let [_, anchors, classes] = score_shape[..] else {
            return Err(Error::runtime("detector", format!("scores have shape {score_shape:?}, expected [1,A,C]")));
        };
        let (anchors, classes) = (anchors as usize, classes as usize);
        if boxes.len() != anchors * 4 {
            return Err(Error::runtime("detector", format!("{} box values for {anchors} anchors", boxes.len())));
        }
        Ok(RawDetections { anchors, classes, scores, boxes })
    }

    fn execution_provider(&self) -> &'static str {
        self.provider
    }
}

/// MobileNetV2 feature extractor on ONNX Runtime.
pub struct OnnxEmbedder {
    session: Mutex<Session>,
    provider: &'static str,
}

impl OnnxEmbedder {
    /// Opens `embedder.onnx`.
    pub fn open(runtime: &OnnxRuntime, path: &Path) -> Result<Self> {
        let (session, provider) = runtime.open(path)?;
        Ok(Self { session: Mutex::new(session), provider })
    }
}

impl Embedder for OnnxEmbedder {
    fn embed(&self, batch: &Tensor) -> Result<Vec<Vec<f32>>> {
        if batch.shape[0] == 0 {
            return Ok(Vec::new());
        }
        let (shape, data) = run(&self.session, "embedder", batch, &["embeddings"])?.remove(0);
        let dim = shape.last().copied().unwrap_or(0) as usize;
        if dim == 0 || data.len() != batch.shape[0] * dim {
            return Err(Error::runtime(
                "embedder",
                format!("embeddings have shape {shape:?} for {} crops", batch.shape[0]),
            ));
        }
        Ok(data.chunks_exact(dim).map(<[f32]>::to_vec).collect())
    }

    fn execution_provider(&self) -> &'static str {
        self.provider
    }
}
