//! Embedded graph store on SQLite (bundled), for the local stack and tests.
//! Same semantics as the Neo4j store; the contract suite checks both.

mod codec;
mod coverage;
mod explore;
mod locations;
mod read;
mod schema;
mod similar;
mod versions;
mod write;

use async_trait::async_trait;
use rusqlite::Connection;
use std::path::Path;
use std::sync::{Arc, Mutex};

use super::{
    Coverage, FeatureSetState, GraphCounts, GraphNode, GraphStore, ImageFeatures, ImageQuery, ImageRecord,
    ImageSelector, Location, LocationRemoval, Neighbourhood, ObjectFeatures, PatternPage, PatternQuery, Similar,
    VectorQuery, VersionChange, WriteSummary,
};
use crate::domain::{FeatureSetName, ImageId, ModelVersion, NodeId, ObjectId};
use crate::schema::FeatureDocument;
use crate::{Error, Result};

const BACKEND: &str = "sqlite";

pub(crate) fn db_err(e: rusqlite::Error) -> Error {
    Error::backend(BACKEND, e)
}

/// The SQLite [`GraphStore`]. One connection behind a mutex: writes are
/// serialised anyway and reads are sub-millisecond at this scale.
#[derive(Clone)]
pub struct SqliteGraphStore {
    conn: Arc<Mutex<Connection>>,
}

impl SqliteGraphStore {
    /// Opens (creating if needed) the database at `path`; `:memory:` works.
    pub fn open(path: &Path) -> Result<Self> {
        let conn = Connection::open(path)
            .map_err(|e| Error::backend(BACKEND, e).context(format!("opening {}", path.display())))?;
        conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(db_err)?;
        Ok(Self { conn: Arc::new(Mutex::new(conn)) })
    }

    /// A fresh in-memory store (tests).
    pub fn in_memory() -> Result<Self> {
        Self::open(Path::new(":memory:"))
    }

    async fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut guard)
        })
        .await
        .map_err(|e| Error::backend(BACKEND, e).context("worker failed"))?
    }
}

#[async_trait]
impl GraphStore for SqliteGraphStore {
    fn backend(&self) -> &'static str {
        BACKEND
    }

    async fn ensure_schema(&self) -> Result<()> {
        self.with(|c| {
            c.execute_batch(schema::DDL).map_err(db_err)?;
            c.execute_batch(locations::DDL).map_err(db_err)?;
            coverage::migrate(c)
        })
        .await
    }

    async fn write_features(&self, set: &FeatureSetName, doc: &FeatureDocument) -> Result<WriteSummary> {
        let (set, doc) = (set.clone(), doc.clone());
        self.with(move |c| write::write_features(c, &set, &doc)).await
    }

    async fn find_processed_by_md5(&self, md5_hash: &str, version: &ModelVersion) -> Result<Option<ImageRecord>> {
        let (md5, version) = (md5_hash.to_owned(), version.clone());
        self.with(move |c| read::find_processed_by_md5(c, &md5, &version)).await
    }

    async fn add_location(&self, image: &ImageId, location: &Location) -> Result<bool> {
        let (image, location) = (image.clone(), location.clone());
        self.with(move |c| write::add_location(c, &image, &location)).await
    }

    async fn remove_location(&self, uri: &str) -> Result<LocationRemoval> {
        let uri = uri.to_owned();
        self.with(move |c| locations::remove_location(c, &uri)).await
    }

    async fn object(&self, id: &ObjectId) -> Result<Option<ObjectFeatures>> {
        let id = id.clone();
        self.with(move |c| Ok(read::objects(c, std::slice::from_ref(&id), true)?.pop())).await
    }

    async fn objects(&self, ids: &[ObjectId]) -> Result<Vec<ObjectFeatures>> {
        let ids = ids.to_vec();
        self.with(move |c| read::objects(c, &ids, true)).await
    }

    async fn image_features(&self, image: &ImageSelector, version: &ModelVersion) -> Result<Option<ImageFeatures>> {
        let (image, version) = (image.clone(), version.clone());
        self.with(move |c| read::image_features(c, &image, &version)).await
    }

    async fn newest_objects(&self, version: &ModelVersion, limit: usize) -> Result<Vec<ObjectFeatures>> {
        let version = version.clone();
        self.with(move |c| read::newest_objects(c, &version, limit)).await
    }

    async fn active_version(&self, set: &FeatureSetName) -> Result<Option<ModelVersion>> {
        let set = set.clone();
        self.with(move |c| versions::active(c, &set)).await
    }

    async fn activate_version(
        &self,
        set: &FeatureSetName,
        version: &ModelVersion,
        actor: &str,
    ) -> Result<VersionChange> {
        let (set, version, actor) = (set.clone(), version.clone(), actor.to_owned());
        self.with(move |c| versions::activate(c, &set, &version, &actor)).await
    }

    async fn activate_version_with_coverage(
        &self,
        set: &FeatureSetName,
        version: &ModelVersion,
        actor: &str,
        coverage: f64,
    ) -> Result<VersionChange> {
        let (set, version, actor) = (set.clone(), version.clone(), actor.to_owned());
        self.with(move |c| coverage::activate_with_coverage(c, &set, &version, &actor, coverage)).await
    }

    async fn rollback_version(&self, set: &FeatureSetName, actor: &str) -> Result<VersionChange> {
        let (set, actor) = (set.clone(), actor.to_owned());
        self.with(move |c| versions::rollback(c, &set, &actor)).await
    }

    async fn feature_sets(&self) -> Result<Vec<FeatureSetState>> {
        self.with(versions::feature_sets).await
    }

    async fn version_coverage(&self, set: &FeatureSetName) -> Result<Coverage> {
        let set = set.clone();
        self.with(move |c| coverage::coverage(c, &set)).await
    }

    async fn list_images(&self, query: &ImageQuery) -> Result<Vec<ImageRecord>> {
        let query = query.clone();
        self.with(move |c| coverage::list_images(c, &query)).await
    }

    async fn pattern_search(&self, query: &PatternQuery, version: &ModelVersion) -> Result<PatternPage> {
        let (query, version) = (query.clone(), version.clone());
        self.with(move |c| explore::pattern_search(c, &query, &version)).await
    }

    async fn nearest_objects(&self, id: &ObjectId, k: usize, max_scan: usize) -> Result<Option<Vec<Similar>>> {
        let id = id.clone();
        self.with(move |c| explore::nearest(c, &id, k, max_scan)).await
    }

    async fn nearest_to_vector(&self, q: &VectorQuery) -> Result<Vec<Similar>> {
        let q = q.clone();
        self.with(move |c| similar::nearest_to_vector(c, &q)).await
    }

    async fn node(&self, id: &NodeId) -> Result<Option<GraphNode>> {
        let id = id.clone();
        self.with(move |c| explore::node(c, id.as_str())).await
    }

    async fn neighbourhood(&self, id: &NodeId, depth: u8, limit: usize) -> Result<Option<Neighbourhood>> {
        let id = id.clone();
        self.with(move |c| explore::neighbourhood(c, id.as_str(), depth, limit)).await
    }

    async fn counts(&self) -> Result<GraphCounts> {
        self.with(|c| read::counts(c)).await
    }

    async fn image(&self, id: &ImageId) -> Result<Option<ImageRecord>> {
        let id = id.clone();
        self.with(move |c| read::image_by_id(c, &id)).await
    }
}
