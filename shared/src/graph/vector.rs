//! Vector maths both backends share, so their similarity scores agree exactly,
//! and the bound on exact scans they both apply.

use crate::domain::ModelVersion;
use crate::{Error, Result};

/// Refuses an exact scan of more than `max_scan` vectors (503): under load a full
/// scan per request would take the store down with it.
pub(crate) fn check_scan(candidates: u64, max_scan: usize, version: &ModelVersion) -> Result<()> {
    if candidates > max_scan as u64 {
        return Err(Error::unavailable(
            "similarity",
            format!(
                "finding neighbours among the {candidates} vectors of version {version} needs an exact scan, \
                 more than the bound of {max_scan} (SIMILAR_MAX_SCAN); no vector index can answer this query"
            ),
        ));
    }
    Ok(())
}

/// Cosine similarity; embeddings are stored normalised but this stays correct if not.
pub(crate) fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let (mut dot, mut na, mut nb) = (0.0f32, 0.0f32, 0.0f32);
    for (x, y) in a.iter().zip(b) {
        dot += x * y;
        na += x * x;
        nb += y * y;
    }
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        dot / (na.sqrt() * nb.sqrt())
    }
}
