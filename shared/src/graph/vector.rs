//! Vector maths both backends share, so their similarity scores agree exactly,
//! the query-by-vector request every backend answers, and the bound on exact scans they
//! all apply.

use crate::domain::{Label, ModelVersion};
use crate::{Error, Result};

/// Refuses an exact scan of more than `max_scan` vectors (503): under load a full
/// scan per request would take the store down with it.
pub(crate) fn check_scan(candidates: u64, max_scan: usize, version: &ModelVersion) -> Result<()> {
    if candidates > max_scan as u64 {
        // NB: the sentence is what failed, not a cause: it goes in the message, which clients see.
        return Err(Error::Unavailable {
            backend: "similarity",
            message: format!(
                "finding neighbours among the {candidates} vectors of version {version} needs an exact scan, \
                 more than the bound of {max_scan} (SIMILAR_MAX_SCAN); no vector index can answer this query"
            ),
            source: None,
        });
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

/// Longest query vector accepted (the embedder's is 1280).
pub const MAX_VECTOR_DIM: usize = 4096;
/// Most results one query may ask for.
pub const MAX_VECTOR_K: usize = 100;

/// "The `k` stored objects of `version` most similar to `vector`", optionally
/// only those with `label` and a cosine of at least `min_score`.
#[derive(Debug, Clone, PartialEq)]
pub struct VectorQuery {
    /// The query embedding (any norm but zero).
    pub vector: Vec<f32>,
    /// Only objects of this model version.
    pub version: ModelVersion,
    /// How many results at most (1..=[`MAX_VECTOR_K`]).
    pub k: usize,
    /// Only objects with this label.
    pub label: Option<Label>,
    /// Only results with at least this cosine similarity (-1..=1).
    pub min_score: Option<f32>,
    /// Most vectors an exact scan may compare (`SIMILAR_MAX_SCAN`); a query that would scan
    /// more is refused (503) rather than run. Index searches are not bounded by it.
    pub max_scan: usize,
}

impl VectorQuery {
    /// Checks what can be checked without the store; errors name the field.
    pub fn validate(&self) -> Result<()> {
        if self.vector.is_empty() || self.vector.len() > MAX_VECTOR_DIM {
            return Err(Error::invalid(format!(
                "vector must have 1..={MAX_VECTOR_DIM} values, got {}",
                self.vector.len()
            )));
        }
        if let Some(i) = self.vector.iter().position(|x| !x.is_finite()) {
            return Err(Error::invalid(format!("vector[{i}] is not a finite number")));
        }
        if self.vector.iter().all(|x| *x == 0.0) {
            return Err(Error::invalid("vector is all zeros: it has no direction to compare"));
        }
        if !(1..=MAX_VECTOR_K).contains(&self.k) {
            return Err(Error::invalid(format!("k must be 1..={MAX_VECTOR_K}, got {}", self.k)));
        }
        if let Some(m) = self.min_score {
            if !(-1.0..=1.0).contains(&m) {
                return Err(Error::invalid(format!("min_score must be a number in -1..=1, got {m}")));
            }
        }
        Ok(())
    }

    /// The error a backend returns when the version's vectors have another length.
    pub fn wrong_dimension(&self, stored: usize) -> Error {
        Error::invalid(format!(
            "vector has {} values but version {} stores {stored}-d embeddings",
            self.vector.len(),
            self.version
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query() -> VectorQuery {
        VectorQuery {
            vector: vec![0.6, 0.8],
            version: ModelVersion::parse("v1").unwrap(),
            k: 10,
            label: None,
            min_score: None,
            max_scan: 1000,
        }
    }

    #[test]
    fn each_invalid_field_is_named_in_the_error() {
        let cases: Vec<(&str, VectorQuery)> = vec![
            ("vector must have", VectorQuery { vector: vec![], ..query() }),
            ("vector must have", VectorQuery { vector: vec![0.1; MAX_VECTOR_DIM + 1], ..query() }),
            ("vector[1] is not a finite", VectorQuery { vector: vec![0.1, f32::NAN], ..query() }),
            ("vector[0] is not a finite", VectorQuery { vector: vec![f32::INFINITY, 0.1], ..query() }),
            ("vector is all zeros", VectorQuery { vector: vec![0.0, -0.0], ..query() }),
            ("k must be", VectorQuery { k: 0, ..query() }),
            ("k must be", VectorQuery { k: MAX_VECTOR_K + 1, ..query() }),
            ("min_score must be", VectorQuery { min_score: Some(1.5), ..query() }),
            ("min_score must be", VectorQuery { min_score: Some(f32::NAN), ..query() }),
        ];
        for (expected, q) in cases {
            let err = q.validate().expect_err(expected).to_string();
            assert!(err.contains(expected), "{expected:?} not in {err:?}");
        }
        assert!(query().validate().is_ok());
    }
}
