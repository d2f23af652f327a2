//! Runs the ONNX detector and embedder on one image and emits its feature document.
//!
//! Pipeline, one module a stage: [`source`] reads the object, [`decode`] checks
//! limits and orients, [`preprocess`] resizes like TF1 `ResizeBilinear`,
//! [`models`] defines the [`Detector`]/[`Embedder`] interfaces ([`onnx`] runs
//! them on ONNX Runtime, checked against [`manifest`]), [`nms`] selects
//! detections, [`color`] and [`relations`] add attributes, [`document`] derives
//! ids, and [`sink`] delivers the CloudEvent (to a URL or a Pub/Sub topic). [`Processor`] ties them together;
//! [`cli`] is the binary's command line: one image, [`batch`] (a backfill shard) and [`bench`].

pub mod batch;
pub mod bench;
pub mod cli;
pub mod color;
pub mod config;
pub mod decode;
pub mod document;
pub mod error;
pub mod labels;
pub mod manifest;
pub mod metadata;
pub mod models;
pub mod nms;
pub mod onnx;
pub mod preprocess;
pub mod processor;
pub mod relations;
pub mod sink;
pub mod source;

pub use config::{Config, Limits, StorageConfig, Thresholds};
pub use error::{Error, Result};
pub use models::{Detector, Embedder, RawDetections};
pub use processor::{Models, Processor};
