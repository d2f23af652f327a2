//! The active model version, read from the graph and trusted for a few
//! seconds. When the graph is down the last known value keeps cache hits
//! flowing.

use shared::domain::{FeatureSetName, ModelVersion};
use shared::graph::GraphStore;
use shared::Result;
use std::sync::RwLock;
use std::time::{Duration, Instant};

/// A cached pointer to a feature set's active version.
pub struct ActiveVersion {
    set: FeatureSetName,
    ttl: Duration,
    value: RwLock<Option<(Option<ModelVersion>, Instant)>>,
}

impl ActiveVersion {
    /// A pointer for `set`, re-read after `ttl`.
    pub fn new(set: FeatureSetName, ttl: Duration) -> Self {
        Self { set, ttl, value: RwLock::new(None) }
    }

    /// The feature set.
    pub fn set(&self) -> &FeatureSetName {
        &self.set
    }

    /// The active version (None while the set has none).
    pub async fn get(&self, graph: &dyn GraphStore) -> Result<Option<ModelVersion>> {
        let cached = self.value.read().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some((v, at)) = &cached {
            if at.elapsed() < self.ttl {
                return Ok(v.clone());
            }
        }
        match graph.active_version(&self.set).await {
            Ok(v) => {
                self.store(v.clone());
                Ok(v)
            }
            Err(e) => match cached {
                Some((v, _)) => {
                    if !shared::breaker::is_rejection(&e) {
                        tracing::warn!(error = %e, "graph unreachable; using the last known active version");
                    }
                    Ok(v)
                }
                None => Err(e),
            },
        }
    }

    /// Records a value just written (after a switch in this process).
    pub fn store(&self, v: Option<ModelVersion>) {
        *self.value.write().unwrap_or_else(|p| p.into_inner()) = Some((v, Instant::now()));
    }
}
