//! Neo4j graph store over Bolt (neo4rs), the production backend. Same
//! semantics as the SQLite store; the contract suite in
//! `shared/tests/graph_contract` checks both.

mod client;
mod convert;
mod coverage;
mod explore;
mod locations;
mod nodes;
mod read;
mod schema;
mod similar;
mod versions;
mod write;

use async_trait::async_trait;
use neo4rs::{query, ConfigBuilder, Graph};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tracing::instrument;

use super::{
    Coverage, FeatureSetState, GraphCounts, GraphNode, GraphStore, ImageFeatures, ImageQuery, ImageRecord,
    ImageSelector, Location, LocationRemoval, Neighbourhood, ObjectFeatures, PatternPage, PatternQuery, SharedGraph,
    Similar, VectorQuery, VersionChange, WriteSummary,
};
use crate::domain::{FeatureSetName, ImageId, ModelVersion, NodeId, ObjectId};
use crate::schema::FeatureDocument;
use crate::{Error, Result};
use client::{map_err, within, CONNECT_TIMEOUT, OPERATION_TIMEOUT};

const BACKEND: &str = "neo4j";

/// Connects to Neo4j and checks the server answers a query, so an
/// unreachable or misconfigured server fails at start (`Unavailable`).
pub async fn connect(
    uri: &str,
    user: &str,
    password: &str,
    db: Option<&str>,
    max_connections: usize,
) -> Result<SharedGraph> {
    Ok(Arc::new(Neo4jGraphStore::connect(uri, user, password, db, max_connections).await?))
}

/// The Neo4j [`GraphStore`]: a pooled Bolt client.
pub struct Neo4jGraphStore {
    graph: Graph,
    /// The vector index over `Feature.embedding` is online.
    vector_index: AtomicBool,
}

impl Neo4jGraphStore {
    /// Connects; see [`connect`].
    #[instrument(skip_all, fields(uri = %uri), err)]
    pub async fn connect(
        uri: &str,
        user: &str,
        password: &str,
        db: Option<&str>,
        max_connections: usize,
    ) -> Result<Self> {
        let mut config =
            ConfigBuilder::default().uri(uri).user(user).password(password).max_connections(max_connections.max(1));
        if let Some(db) = db {
            config = config.db(db);
        }
        let config = config.build().map_err(|e| Error::invalid(format!("Neo4j settings: {e}")))?;
        within(CONNECT_TIMEOUT, "connecting to Neo4j", async {
            let graph = Graph::connect(config).await.map_err(map_err)?;
            // NB: the pool connects lazily; a real query makes a bad URI or password fail here.
            client::rows(&graph, query("RETURN 1 AS ok")).await?;
            let vector_index = schema::vector_index_online(&graph).await?;
            Ok(Self { graph, vector_index: AtomicBool::new(vector_index) })
        })
        .await
        .map_err(|e| match e {
            e @ Error::Unavailable { .. } => e.context(uri),
            other => other,
        })
    }

    /// Whether nearest-neighbour queries use the vector index.
    pub fn has_vector_index(&self) -> bool {
        self.vector_index.load(Ordering::Relaxed)
    }

    /// Runs one store operation under the time limit, naming it in backend errors.
    async fn op<T>(&self, what: &str, fut: impl std::future::Future<Output = Result<T>>) -> Result<T> {
        within(OPERATION_TIMEOUT, what, fut).await.map_err(|e| e.context(what))
    }
}

#[async_trait]
impl GraphStore for Neo4jGraphStore {
    fn backend(&self) -> &'static str {
        BACKEND
    }

    #[instrument(skip_all, err)]
    async fn ensure_schema(&self) -> Result<()> {
        let online = within(Duration::from_secs(180), "creating the schema", schema::ensure(&self.graph)).await?;
        self.vector_index.store(online, Ordering::Relaxed);
        tracing::info!(vector_index = online, "neo4j schema ready");
        Ok(())
    }

    #[instrument(skip_all, fields(image = %doc.image.id, version = %doc.model.version), err)]
    async fn write_features(&self, set: &FeatureSetName, doc: &FeatureDocument) -> Result<WriteSummary> {
        self.op("writing features", write::write_features(&self.graph, set, doc)).await
    }

    async fn find_processed_by_md5(&self, md5_hash: &str, version: &ModelVersion) -> Result<Option<ImageRecord>> {
        self.op("finding by MD5", read::find_processed_by_md5(&self.graph, md5_hash, version)).await
    }

    async fn add_location(&self, image: &ImageId, location: &Location) -> Result<bool> {
        self.op("adding a location", write::add_location(&self.graph, image, location)).await
    }

    #[instrument(skip_all, err)]
    async fn remove_location(&self, uri: &str) -> Result<LocationRemoval> {
        self.op("removing a location", locations::remove_location(&self.graph, uri)).await
    }

    async fn object(&self, id: &ObjectId) -> Result<Option<ObjectFeatures>> {
        self.op("reading an object", async {
            Ok(read::objects(&self.graph, std::slice::from_ref(id), true).await?.pop())
        })
        .await
    }

    async fn objects(&self, ids: &[ObjectId]) -> Result<Vec<ObjectFeatures>> {
        self.op("reading objects", read::objects(&self.graph, ids, true)).await
    }

    async fn image_features(&self, image: &ImageSelector, version: &ModelVersion) -> Result<Option<ImageFeatures>> {
        self.op("reading image features", read::image_features(&self.graph, image, version)).await
    }

    async fn newest_objects(&self, version: &ModelVersion, limit: usize) -> Result<Vec<ObjectFeatures>> {
        self.op("reading newest objects", read::newest_objects(&self.graph, version, limit)).await
    }

    async fn active_version(&self, set: &FeatureSetName) -> Result<Option<ModelVersion>> {
        self.op("reading the active version", versions::active(&self.graph, set)).await
    }

    #[instrument(skip_all, fields(set = %set, version = %version, actor = %actor), err)]
    async fn activate_version(
        &self,
        set: &FeatureSetName,
        version: &ModelVersion,
        actor: &str,
    ) -> Result<VersionChange> {
        self.op("activating a version", versions::activate(&self.graph, set, version, actor)).await
    }

    #[instrument(skip_all, fields(set = %set, version = %version, actor = %actor, coverage), err)]
    async fn activate_version_with_coverage(
        &self,
        set: &FeatureSetName,
        version: &ModelVersion,
        actor: &str,
        coverage: f64,
    ) -> Result<VersionChange> {
        self.op("activating a version", coverage::activate_with_coverage(&self.graph, set, version, actor, coverage))
            .await
    }

    #[instrument(skip_all, fields(set = %set, actor = %actor), err)]
    async fn rollback_version(&self, set: &FeatureSetName, actor: &str) -> Result<VersionChange> {
        self.op("rolling back a version", versions::rollback(&self.graph, set, actor)).await
    }

    async fn feature_sets(&self) -> Result<Vec<FeatureSetState>> {
        self.op("reading feature sets", versions::feature_sets(&self.graph)).await
    }

    async fn version_coverage(&self, set: &FeatureSetName) -> Result<Coverage> {
        self.op("counting version coverage", coverage::coverage(&self.graph, set)).await
    }

    async fn list_images(&self, query: &ImageQuery) -> Result<Vec<ImageRecord>> {
        self.op("listing images", coverage::list_images(&self.graph, query)).await
    }

    #[instrument(skip_all, fields(version = %version), err)]
    async fn pattern_search(&self, query: &PatternQuery, version: &ModelVersion) -> Result<PatternPage> {
        self.op("searching patterns", explore::pattern_search(&self.graph, query, version)).await
    }

    #[instrument(skip_all, fields(object = %id, k = k), err)]
    async fn nearest_objects(&self, id: &ObjectId, k: usize, max_scan: usize) -> Result<Option<Vec<Similar>>> {
        let index = self.has_vector_index();
        self.op("finding nearest objects", explore::nearest(&self.graph, id, k, index, max_scan)).await
    }

    #[instrument(skip_all, fields(version = %q.version, k = q.k), err)]
    async fn nearest_to_vector(&self, q: &VectorQuery) -> Result<Vec<Similar>> {
        self.op("finding objects near a vector", similar::nearest_to_vector(&self.graph, q, self.has_vector_index()))
            .await
    }

    async fn node(&self, id: &NodeId) -> Result<Option<GraphNode>> {
        self.op("reading a node", nodes::node(&self.graph, id.as_str())).await
    }

    async fn neighbourhood(&self, id: &NodeId, depth: u8, limit: usize) -> Result<Option<Neighbourhood>> {
        self.op("reading a neighbourhood", nodes::neighbourhood(&self.graph, id.as_str(), depth, limit)).await
    }

    async fn counts(&self) -> Result<GraphCounts> {
        self.op("counting nodes", read::counts(&self.graph)).await
    }

    async fn image(&self, id: &ImageId) -> Result<Option<ImageRecord>> {
        self.op("reading an image", read::image_by_id(&self.graph, id)).await
    }
}
