//! Synthetic feature documents: fresh image bytes, `objects` objects with
//! unit vectors of the embedder's dimension, NEAR relations along a row.

use shared::schema::FeatureDocument;
use shared::testing::{random_document, random_u64};

/// The embedder's dimension (values of production size).
pub const DIM: usize = 1280;

/// A valid document of `version` with `objects` objects over fresh bytes.
pub fn document(version: &str, objects: usize) -> FeatureDocument {
    random_document("sightgraph-reliability", version, objects, DIM)
}

/// A fresh model version name (so a scenario's feature set starts with it active).
pub fn version() -> String {
    format!("rel@1+emb@{:08x}", random_u64() as u32)
}
