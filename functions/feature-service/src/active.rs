//! The active model version, read from the graph and trusted for a few
//! seconds. When the graph is down or slow the last known value keeps cache
//! hits flowing: once it is stale, one request at a time re-reads it while
//! the others go on with the last known value, and a failed re-read keeps
//! that value for another period instead of asking the failing graph on
//! every request.

use shared::domain::{FeatureSetName, ModelVersion};
use shared::graph::GraphStore;
use shared::Result;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::RwLock;
use std::time::{Duration, Instant};

/// A cached pointer to a feature set's active version.
pub struct ActiveVersion {
    set: FeatureSetName,
    ttl: Duration,
    value: RwLock<Option<(Option<ModelVersion>, Instant)>>,
    /// A request is re-reading the pointer.
    refreshing: AtomicBool,
}

/// Clears the refreshing flag however the re-read ends (cancelled requests included).
struct Refreshing<'a>(&'a AtomicBool);

impl Drop for Refreshing<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

impl ActiveVersion {
    /// A pointer for `set`, re-read after `ttl`.
    pub fn new(set: FeatureSetName, ttl: Duration) -> Self {
        Self { set, ttl, value: RwLock::new(None), refreshing: AtomicBool::new(false) }
    }

    /// The feature set.
    pub fn set(&self) -> &FeatureSetName {
        &self.set
    }

    /// The active version (None while the set has none).
    pub async fn get(&self, graph: &dyn GraphStore) -> Result<Option<ModelVersion>> {
        let cached = self.value.read().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some((v, at)) = &cached {
            if at.elapsed() < self.ttl || self.refreshing.swap(true, Ordering::AcqRel) {
                return Ok(v.clone());
            }
        }
        // NB: only set when a stale value exists; the very first read has nothing to fall back on.
        let _refreshing = cached.as_ref().map(|_| Refreshing(&self.refreshing));
        match graph.active_version(&self.set).await {
            Ok(v) => {
                self.store(v.clone());
                Ok(v)
            }
            Err(e) => match cached {
                Some((v, _)) => {
                    if !shared::breaker::is_rejection(&e) {
                        tracing::warn!(error = %shared::http::error_chain(&e), "graph unreachable; using the last known active version");
                    }
                    self.store(v.clone());
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
