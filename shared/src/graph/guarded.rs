//! A [`GraphStore`] behind a circuit breaker: while the backend is known to be
//! down, every call fails at once with `Unavailable` (503) instead of waiting
//! on it. The online lookups (`object`, `objects`, `active_version`) are also
//! bounded by a short timeout, so a hung server (stopped, not dead) costs a
//! lookup at most that bound and opens the breaker like a dead one.
//!
//! NB: a bounded lookup runs as a task of its own and is abandoned, not
//! cancelled, when the bound passes: a Bolt exchange cut off mid-way leaves
//! unread answers on its pooled connection, and the next query there would
//! read them (wrong results, seen as 404s and 500s).

use async_trait::async_trait;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use super::{
    Coverage, FeatureSetState, GraphCounts, GraphNode, GraphStore, ImageFeatures, ImageQuery, ImageRecord,
    ImageSelector, Location, LocationRemoval, Neighbourhood, ObjectFeatures, PatternPage, PatternQuery, Similar,
    VectorQuery, VersionChange, WriteSummary,
};
use crate::breaker::Breaker;
use crate::domain::{FeatureSetName, ImageId, ModelVersion, NodeId, ObjectId};
use crate::schema::FeatureDocument;
use crate::{Error, Result};

/// Any graph store, guarded by a breaker.
pub struct BreakerGraph {
    inner: Arc<dyn GraphStore>,
    breaker: Breaker,
    lookup_timeout: Duration,
}

impl BreakerGraph {
    /// Guards `inner`; `lookup_timeout` bounds the online lookups.
    pub fn new(inner: Arc<dyn GraphStore>, breaker: Breaker, lookup_timeout: Duration) -> Self {
        Self { inner, breaker, lookup_timeout }
    }

    /// The breaker (state, for tests and health output).
    pub fn breaker(&self) -> &Breaker {
        &self.breaker
    }

    /// Runs `op` on the inner store as its own task, waiting at most the lookup bound for it.
    async fn lookup<T, F, Fut>(&self, what: &str, op: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(Arc<dyn GraphStore>) -> Fut,
        Fut: Future<Output = Result<T>> + Send + 'static,
    {
        let (limit, backend) = (self.lookup_timeout, self.inner.backend());
        let Some(permit) = self.breaker.admit() else {
            return Err(crate::breaker::rejection(backend));
        };
        let task = tokio::spawn(op(self.inner.clone()));
        let out = match tokio::time::timeout(limit, task).await {
            Ok(Ok(result)) => result,
            Ok(Err(e)) => Err(Error::backend(backend, e).context(what)),
            Err(_) => {
                Err(Error::unavailable(backend, format!("took longer than {} ms", limit.as_millis())).context(what))
            }
        };
        match &out {
            Err(e @ Error::Unavailable { .. }) => permit.failure(e),
            _ => permit.success(),
        }
        out
    }
}

#[async_trait]
impl GraphStore for BreakerGraph {
    fn backend(&self) -> &'static str {
        self.inner.backend()
    }

    async fn ensure_schema(&self) -> Result<()> {
        // NB: start-up work with its own long bound; not a signal about request traffic.
        self.inner.ensure_schema().await
    }

    async fn write_features(&self, set: &FeatureSetName, doc: &FeatureDocument) -> Result<WriteSummary> {
        self.breaker.call(self.inner.write_features(set, doc)).await
    }

    async fn find_processed_by_md5(&self, md5_hash: &str, version: &ModelVersion) -> Result<Option<ImageRecord>> {
        self.breaker.call(self.inner.find_processed_by_md5(md5_hash, version)).await
    }

    async fn add_location(&self, image: &ImageId, location: &Location) -> Result<bool> {
        self.breaker.call(self.inner.add_location(image, location)).await
    }

    async fn remove_location(&self, uri: &str) -> Result<LocationRemoval> {
        self.breaker.call(self.inner.remove_location(uri)).await
    }

    async fn object(&self, id: &ObjectId) -> Result<Option<ObjectFeatures>> {
        let id = id.clone();
        self.lookup("reading an object", |g| async move { g.object(&id).await }).await
    }

    async fn objects(&self, ids: &[ObjectId]) -> Result<Vec<ObjectFeatures>> {
        let ids = ids.to_vec();
        self.lookup("reading objects", |g| async move { g.objects(&ids).await }).await
    }

    async fn image_features(&self, image: &ImageSelector, version: &ModelVersion) -> Result<Option<ImageFeatures>> {
        self.breaker.call(self.inner.image_features(image, version)).await
    }

    async fn newest_objects(&self, version: &ModelVersion, limit: usize) -> Result<Vec<ObjectFeatures>> {
        self.breaker.call(self.inner.newest_objects(version, limit)).await
    }

    async fn active_version(&self, set: &FeatureSetName) -> Result<Option<ModelVersion>> {
        let set = set.clone();
        self.lookup("reading the active version", |g| async move { g.active_version(&set).await }).await
    }

    async fn activate_version(
        &self,
        set: &FeatureSetName,
        version: &ModelVersion,
        actor: &str,
    ) -> Result<VersionChange> {
        self.breaker.call(self.inner.activate_version(set, version, actor)).await
    }

    async fn activate_version_with_coverage(
        &self,
        set: &FeatureSetName,
        version: &ModelVersion,
        actor: &str,
        coverage: f64,
    ) -> Result<VersionChange> {
        self.breaker.call(self.inner.activate_version_with_coverage(set, version, actor, coverage)).await
    }

    async fn rollback_version(&self, set: &FeatureSetName, actor: &str) -> Result<VersionChange> {
        self.breaker.call(self.inner.rollback_version(set, actor)).await
    }

    async fn version_coverage(&self, set: &FeatureSetName) -> Result<Coverage> {
        self.breaker.call(self.inner.version_coverage(set)).await
    }

    async fn list_images(&self, query: &ImageQuery) -> Result<Vec<ImageRecord>> {
        self.breaker.call(self.inner.list_images(query)).await
    }

    async fn feature_sets(&self) -> Result<Vec<FeatureSetState>> {
        self.breaker.call(self.inner.feature_sets()).await
    }

    async fn pattern_search(&self, query: &PatternQuery, version: &ModelVersion) -> Result<PatternPage> {
        self.breaker.call(self.inner.pattern_search(query, version)).await
    }

    async fn nearest_objects(&self, id: &ObjectId, k: usize, max_scan: usize) -> Result<Option<Vec<Similar>>> {
        self.breaker.call(self.inner.nearest_objects(id, k, max_scan)).await
    }

    async fn nearest_to_vector(&self, q: &VectorQuery) -> Result<Vec<Similar>> {
        self.breaker.call(self.inner.nearest_to_vector(q)).await
    }

    async fn node(&self, id: &NodeId) -> Result<Option<GraphNode>> {
        self.breaker.call(self.inner.node(id)).await
    }

    async fn neighbourhood(&self, id: &NodeId, depth: u8, limit: usize) -> Result<Option<Neighbourhood>> {
        self.breaker.call(self.inner.neighbourhood(id, depth, limit)).await
    }

    async fn counts(&self) -> Result<GraphCounts> {
        self.breaker.call(self.inner.counts()).await
    }

    async fn image(&self, id: &ImageId) -> Result<Option<ImageRecord>> {
        self.breaker.call(self.inner.image(id)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::breaker::{is_rejection, BreakerSettings, State};
    use crate::graph::sqlite::SqliteGraphStore;
    use std::time::Instant;

    /// A store whose lookups hang, like a server stopped with SIGSTOP.
    struct Hung(SqliteGraphStore);

    #[async_trait]
    impl GraphStore for Hung {
        fn backend(&self) -> &'static str {
            "hung"
        }
        async fn ensure_schema(&self) -> Result<()> {
            self.0.ensure_schema().await
        }
        async fn write_features(&self, s: &FeatureSetName, d: &FeatureDocument) -> Result<WriteSummary> {
            self.0.write_features(s, d).await
        }
        async fn find_processed_by_md5(&self, m: &str, v: &ModelVersion) -> Result<Option<ImageRecord>> {
            self.0.find_processed_by_md5(m, v).await
        }
        async fn add_location(&self, i: &ImageId, l: &Location) -> Result<bool> {
            self.0.add_location(i, l).await
        }
        async fn object(&self, _: &ObjectId) -> Result<Option<ObjectFeatures>> {
            std::future::pending().await
        }
        async fn objects(&self, ids: &[ObjectId]) -> Result<Vec<ObjectFeatures>> {
            self.0.objects(ids).await
        }
        async fn image_features(&self, i: &ImageSelector, v: &ModelVersion) -> Result<Option<ImageFeatures>> {
            self.0.image_features(i, v).await
        }
        async fn newest_objects(&self, v: &ModelVersion, l: usize) -> Result<Vec<ObjectFeatures>> {
            self.0.newest_objects(v, l).await
        }
        async fn active_version(&self, s: &FeatureSetName) -> Result<Option<ModelVersion>> {
            self.0.active_version(s).await
        }
        async fn activate_version(&self, s: &FeatureSetName, v: &ModelVersion, a: &str) -> Result<VersionChange> {
            self.0.activate_version(s, v, a).await
        }
        async fn activate_version_with_coverage(
            &self,
            s: &FeatureSetName,
            v: &ModelVersion,
            a: &str,
            c: f64,
        ) -> Result<VersionChange> {
            self.0.activate_version_with_coverage(s, v, a, c).await
        }
        async fn version_coverage(&self, s: &FeatureSetName) -> Result<Coverage> {
            self.0.version_coverage(s).await
        }
        async fn list_images(&self, q: &ImageQuery) -> Result<Vec<ImageRecord>> {
            self.0.list_images(q).await
        }
        async fn rollback_version(&self, s: &FeatureSetName, a: &str) -> Result<VersionChange> {
            self.0.rollback_version(s, a).await
        }
        async fn feature_sets(&self) -> Result<Vec<FeatureSetState>> {
            self.0.feature_sets().await
        }
        async fn pattern_search(&self, q: &PatternQuery, v: &ModelVersion) -> Result<PatternPage> {
            self.0.pattern_search(q, v).await
        }
        async fn nearest_objects(&self, i: &ObjectId, k: usize, m: usize) -> Result<Option<Vec<Similar>>> {
            self.0.nearest_objects(i, k, m).await
        }
        async fn nearest_to_vector(&self, q: &VectorQuery) -> Result<Vec<Similar>> {
            self.0.nearest_to_vector(q).await
        }
        async fn remove_location(&self, u: &str) -> Result<LocationRemoval> {
            self.0.remove_location(u).await
        }
        async fn node(&self, i: &NodeId) -> Result<Option<GraphNode>> {
            self.0.node(i).await
        }
        async fn neighbourhood(&self, i: &NodeId, d: u8, l: usize) -> Result<Option<Neighbourhood>> {
            self.0.neighbourhood(i, d, l).await
        }
        async fn counts(&self) -> Result<GraphCounts> {
            self.0.counts().await
        }
        async fn image(&self, i: &ImageId) -> Result<Option<ImageRecord>> {
            self.0.image(i).await
        }
    }

    #[tokio::test]
    async fn a_hung_lookup_is_cut_at_the_bound_and_once_open_lookups_fail_at_once() {
        // Arrange
        let inner = Arc::new(Hung(SqliteGraphStore::in_memory().unwrap()));
        let settings = BreakerSettings { failures: 2, open_for: Duration::from_secs(60) };
        let graph = BreakerGraph::new(inner, Breaker::new("hung", settings), Duration::from_millis(50));
        let id = ObjectId::parse(&"cd".repeat(16)).unwrap();

        // Act
        let started = Instant::now();
        let first = graph.object(&id).await.unwrap_err();
        let bounded = started.elapsed();
        graph.object(&id).await.unwrap_err();
        let started = Instant::now();
        let refused = graph.object(&id).await.unwrap_err();
        let fast = started.elapsed();

        // Assert
        assert!(first.is_transient() && crate::http::error_chain(&first).contains("50 ms"), "{first:?}");
        assert!(bounded < Duration::from_secs(1), "the lookup bound holds: {bounded:?}");
        assert_eq!(graph.breaker().state(), State::Open);
        assert!(is_rejection(&refused), "{refused}");
        assert!(fast < Duration::from_millis(10), "an open breaker answers at once: {fast:?}");
    }
}
