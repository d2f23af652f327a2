//! The `GraphStore` interface every backend implements with the same semantics.

use async_trait::async_trait;
use std::sync::Arc;

use super::{
    Coverage, FeatureSetState, GraphCounts, GraphNode, ImageFeatures, ImageQuery, ImageRecord, ImageSelector, Location,
    LocationRemoval, Neighbourhood, ObjectFeatures, PatternPage, PatternQuery, Similar, VectorQuery, VersionChange,
    WriteSummary,
};
use crate::domain::{FeatureSetName, ImageId, ModelVersion, NodeId, ObjectId};
use crate::schema::FeatureDocument;
use crate::Result;

/// A graph store shared between handlers.
pub type SharedGraph = Arc<dyn GraphStore>;

/// Graph operations the product needs. Writes are idempotent on the
/// content-derived ids: writing the same document twice changes nothing.
#[async_trait]
pub trait GraphStore: Send + Sync {
    /// Backend name for logs and metrics (`sqlite`, `neo4j`).
    fn backend(&self) -> &'static str;

    /// Creates constraints and indexes; safe to call on every start.
    async fn ensure_schema(&self) -> Result<()>;

    /// Writes one image's features in one transaction. The first version
    /// written to a feature set with no active version becomes active.
    async fn write_features(&self, set: &FeatureSetName, doc: &FeatureDocument) -> Result<WriteSummary>;

    /// The image with this MD5 (GCS `md5Hash`) already processed by `version`, if any.
    async fn find_processed_by_md5(&self, md5_hash: &str, version: &ModelVersion) -> Result<Option<ImageRecord>>;

    /// Records another place the same bytes live; true when it was new.
    async fn add_location(&self, image: &ImageId, location: &Location) -> Result<bool>;

    /// Records that the bytes are no longer stored at `uri` (`gs://bucket/name#generation`:
    /// that object generation was deleted). Objects, features and lineage stay: images
    /// read afterwards list the location no more, and one with no location left carries
    /// `deleted_at`. Idempotent (a second call says `removed: false`), and also for a
    /// location not known yet: the removal is kept as a tombstone, so a features document
    /// that arrives after the delete creates the image without that location.
    async fn remove_location(&self, uri: &str) -> Result<LocationRemoval>;

    /// One object with its feature vector.
    async fn object(&self, id: &ObjectId) -> Result<Option<ObjectFeatures>>;

    /// Many objects in one query; unknown ids are left out.
    async fn objects(&self, ids: &[ObjectId]) -> Result<Vec<ObjectFeatures>>;

    /// All objects and relations of an image under one model version.
    async fn image_features(&self, image: &ImageSelector, version: &ModelVersion) -> Result<Option<ImageFeatures>>;

    /// The most recently written objects of a version, newest first (cache warming).
    async fn newest_objects(&self, version: &ModelVersion, limit: usize) -> Result<Vec<ObjectFeatures>>;

    /// The active version of a feature set.
    async fn active_version(&self, set: &FeatureSetName) -> Result<Option<ModelVersion>>;

    /// Makes `version` active, atomically, with an audit record. Fails with
    /// `NotFound` when no feature of that version exists.
    async fn activate_version(
        &self,
        set: &FeatureSetName,
        version: &ModelVersion,
        actor: &str,
    ) -> Result<VersionChange>;

    /// [`GraphStore::activate_version`] recording in the audit the share of the set's images
    /// the version covers (checked by the caller against its threshold).
    async fn activate_version_with_coverage(
        &self,
        set: &FeatureSetName,
        version: &ModelVersion,
        actor: &str,
        coverage: f64,
    ) -> Result<VersionChange>;

    /// Re-activates the version that was active before the current one.
    async fn rollback_version(&self, set: &FeatureSetName, actor: &str) -> Result<VersionChange>;

    /// Every feature set with its versions and audit history.
    async fn feature_sets(&self) -> Result<Vec<FeatureSetState>>;

    /// Each version of a feature set with the number of the set's images it has processed.
    async fn version_coverage(&self, set: &FeatureSetName) -> Result<Coverage>;

    /// A page of a feature set's images by ascending id (backfill plans, comparisons).
    async fn list_images(&self, query: &ImageQuery) -> Result<Vec<ImageRecord>>;

    /// Structured pattern search ("person NEAR blue car").
    async fn pattern_search(&self, query: &PatternQuery, version: &ModelVersion) -> Result<PatternPage>;

    /// The `k` objects of the same model version most similar to `id` (cosine). Where no
    /// vector index can answer, the exact comparison scans at most `max_scan` vectors;
    /// past that it fails with `Unavailable` (503) instead of scanning them all.
    async fn nearest_objects(&self, id: &ObjectId, k: usize, max_scan: usize) -> Result<Option<Vec<Similar>>>;

    /// The stored objects most similar to a query vector: at most `q.k` objects of
    /// `q.version` (with `q.label` and a cosine ≥ `q.min_score` where given), best
    /// first, ties by object id, embeddings left out, `score` the cosine. Calls
    /// `q.validate()`; a vector whose length differs from the version's stored
    /// vectors is `Invalid` ([`VectorQuery::wrong_dimension`]); a version without
    /// features gives an empty list. Exact where the backend scans, approximate
    /// (an ANN index, recall measured in `bench/results/`) where it has one.
    async fn nearest_to_vector(&self, q: &VectorQuery) -> Result<Vec<Similar>>;

    /// One node with all its properties.
    async fn node(&self, id: &NodeId) -> Result<Option<GraphNode>>;

    /// Nodes and relationships up to `depth` hops away, at most `limit` nodes.
    async fn neighbourhood(&self, id: &NodeId, depth: u8, limit: usize) -> Result<Option<Neighbourhood>>;

    /// Node counts, for tests, the demo and health output.
    async fn counts(&self) -> Result<GraphCounts>;

    /// Stored image bytes' location for display: the first location of an image.
    async fn image(&self, id: &ImageId) -> Result<Option<ImageRecord>>;
}
