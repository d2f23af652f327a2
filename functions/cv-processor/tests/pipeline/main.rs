//! Integration tests of the whole pipeline on the real models and fixture photos.
//! They need `ORT_DYLIB_PATH` and `SIGHTGRAPH_MODEL_DIR` (`just models`, then
//! `source scripts/models/env.sh`) and fail, not skip, without them.

mod bad_input;
mod batch;
mod cli;
mod embedding;
mod gcs;
mod golden;
mod helpers;
mod idempotency;
mod parity;
mod publish;
mod sink;
