//! Cloud Spanner graph store (gcloud-spanner over gRPC): the backend that scales past one
//! graph server. Same semantics as the SQLite and Neo4j stores; the contract suite in
//! `shared/tests/graph_contract` runs against it on the Cloud Spanner emulator.
//!
//! The schema (`ddl/schema.sql`) keys everything by the content-derived hex ids and
//! interleaves an image's locations, objects, features, relations and runs under it;
//! `ddl/production.sql` adds the vector index and the Spanner Graph property graph on real
//! Spanner only.

mod admin;
mod budget;
mod client;
mod convert;
mod coverage;
mod explore;
mod locations;
mod mutations;
mod names;
mod nodes;
mod read;
pub mod schema;
mod similar;
mod values;
mod versions;
mod write;

use async_trait::async_trait;
use gcloud_spanner::client::{Client, ClientConfig};
use gcloud_spanner::session::SessionConfig;
use std::sync::Arc;
use tracing::instrument;

use super::{
    Coverage, FeatureSetState, GraphCounts, GraphNode, GraphStore, ImageFeatures, ImageQuery, ImageRecord,
    ImageSelector, Location, LocationRemoval, Neighbourhood, ObjectFeatures, PatternPage, PatternQuery, SharedGraph,
    Similar, VectorQuery, VersionChange, WriteSummary,
};
use crate::domain::{FeatureSetName, ImageId, ModelVersion, NodeId, ObjectId};
use crate::schema::FeatureDocument;
use crate::{Error, Result};
use client::{map_client, within, CONNECT_TIMEOUT, OPERATION_TIMEOUT};

pub use admin::{create_database, create_scratch_database};
pub use budget::{first_write, MutationCount};
pub use names::{DatabaseName, Endpoint, VectorSearch};

const BACKEND: &str = "spanner";

/// How to reach the database.
#[derive(Debug, Clone)]
pub struct SpannerTarget {
    /// `projects/P/instances/I/databases/D`.
    pub database: DatabaseName,
    /// The emulator, or Cloud Spanner with Google credentials.
    pub endpoint: Endpoint,
    /// Exact `COSINE_DISTANCE` or the vector index (`APPROX_COSINE_DISTANCE`).
    pub vector_search: VectorSearch,
    /// Session pool bound.
    pub max_sessions: usize,
}

/// Connects and checks the database answers a query, so an unreachable instance or a
/// missing database fails at start (`Unavailable`).
pub async fn connect(target: &SpannerTarget) -> Result<SharedGraph> {
    Ok(Arc::new(SpannerGraphStore::connect(target).await?))
}

/// The Spanner [`GraphStore`]: a pooled session client.
pub struct SpannerGraphStore {
    client: Client,
    target: SpannerTarget,
}

impl SpannerGraphStore {
    /// Connects; see [`connect`].
    #[instrument(skip_all, fields(database = %target.database), err)]
    pub async fn connect(target: &SpannerTarget) -> Result<Self> {
        // NB: TLS to Cloud Spanner uses rustls' process-wide provider, as the Redis and
        // Kubernetes clients do; ring is the one this workspace builds.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let max = target.max_sessions.clamp(1, 400);
        let mut sessions = SessionConfig::default();
        sessions.max_opened = max;
        sessions.min_opened = max.min(4);
        let config = ClientConfig {
            environment: admin::environment(&target.endpoint, false).await?,
            session_config: sessions,
            ..ClientConfig::default()
        };
        let database = target.database.clone();
        let client = within(CONNECT_TIMEOUT, "connecting to Spanner", async {
            let client = Client::new(database.as_str(), config).await.map_err(map_client)?;
            // NB: sessions open in the background; a real query makes a bad name fail here.
            client::rows(&client, client::stmt("SELECT 1", |_| {})).await?;
            Ok(client)
        })
        .await
        .map_err(|e| match e {
            // NB: a database that refuses the first query is as good as absent: 503 at start.
            Error::Backend { message, source, .. } | Error::Unavailable { message, source, .. } => {
                Error::Unavailable { backend: BACKEND, message, source }.context(&database)
            }
            other => other,
        })?;
        Ok(Self { client, target: target.clone() })
    }

    /// The statements of `ddl/schema.sql` whose object this database lacks: all of them on
    /// a new database, none once [`GraphStore::ensure_schema`] has run.
    pub async fn missing_schema(&self) -> Result<Vec<String>> {
        let have = schema::existing(&self.client, false).await?;
        let wanted = schema::statements(schema::SCHEMA_DDL)?;
        Ok(wanted.into_iter().filter(|d| !have.contains(&d.creates)).map(|d| d.statement).collect())
    }

    /// Runs one store operation under the time limit, naming it in backend errors.
    async fn op<T>(&self, what: &str, fut: impl std::future::Future<Output = Result<T>>) -> Result<T> {
        within(OPERATION_TIMEOUT, what, fut).await.map_err(|e| e.context(what))
    }
}

#[async_trait]
impl GraphStore for SpannerGraphStore {
    fn backend(&self) -> &'static str {
        BACKEND
    }

    #[instrument(skip_all, err)]
    async fn ensure_schema(&self) -> Result<()> {
        let t = &self.target;
        let admin = admin::Admin::connect(&t.endpoint, &t.database).await?;
        let applied = within(
            std::time::Duration::from_secs(300),
            "creating the schema",
            schema::apply_missing(&self.client, &admin, &schema::statements(schema::SCHEMA_DDL)?, false),
        )
        .await?;
        let on_emulator = matches!(t.endpoint, Endpoint::Emulator(_));
        if !on_emulator {
            let production = schema::statements(schema::PRODUCTION_DDL)?;
            if let Err(e) = schema::apply_missing(&self.client, &admin, &production, true).await {
                tracing::warn!(error = %crate::http::error_chain(&e), "production DDL (vector index, property graph) was not applied");
            }
        }
        if t.vector_search == VectorSearch::Approx {
            let have = schema::existing(&self.client, false).await?;
            if !have.contains(&schema::SchemaObject::Index(schema::VECTOR_INDEX.into())) {
                return Err(Error::invalid(format!(
                    "SPANNER_VECTOR_SEARCH=approx needs the vector index {} (ddl/production.sql){}",
                    schema::VECTOR_INDEX,
                    if on_emulator { ", which the Spanner emulator cannot create" } else { "" }
                )));
            }
        }
        tracing::info!(applied, vector_search = ?t.vector_search, "spanner schema ready");
        Ok(())
    }

    #[instrument(skip_all, fields(image = %doc.image.id, version = %doc.model.version), err)]
    async fn write_features(&self, set: &FeatureSetName, doc: &FeatureDocument) -> Result<WriteSummary> {
        self.op("writing features", write::write_features(&self.client, set, doc)).await
    }

    async fn find_processed_by_md5(&self, md5_hash: &str, version: &ModelVersion) -> Result<Option<ImageRecord>> {
        self.op("finding by MD5", read::find_processed_by_md5(&self.client, md5_hash, version)).await
    }

    async fn add_location(&self, image: &ImageId, location: &Location) -> Result<bool> {
        self.op("adding a location", write::add_location(&self.client, image, location)).await
    }

    #[instrument(skip_all, err)]
    async fn remove_location(&self, uri: &str) -> Result<LocationRemoval> {
        self.op("removing a location", locations::remove_location(&self.client, uri)).await
    }

    async fn object(&self, id: &ObjectId) -> Result<Option<ObjectFeatures>> {
        self.op("reading an object", async {
            Ok(read::objects(&self.client, std::slice::from_ref(id), true).await?.pop())
        })
        .await
    }

    async fn objects(&self, ids: &[ObjectId]) -> Result<Vec<ObjectFeatures>> {
        self.op("reading objects", read::objects(&self.client, ids, true)).await
    }

    async fn image_features(&self, image: &ImageSelector, version: &ModelVersion) -> Result<Option<ImageFeatures>> {
        self.op("reading image features", read::image_features(&self.client, image, version)).await
    }

    async fn newest_objects(&self, version: &ModelVersion, limit: usize) -> Result<Vec<ObjectFeatures>> {
        self.op("reading newest objects", read::newest_objects(&self.client, version, limit)).await
    }

    async fn active_version(&self, set: &FeatureSetName) -> Result<Option<ModelVersion>> {
        self.op("reading the active version", versions::active(&self.client, set)).await
    }

    #[instrument(skip_all, fields(set = %set, version = %version, actor = %actor), err)]
    async fn activate_version(
        &self,
        set: &FeatureSetName,
        version: &ModelVersion,
        actor: &str,
    ) -> Result<VersionChange> {
        self.op("activating a version", versions::activate(&self.client, set, version, actor)).await
    }

    #[instrument(skip_all, fields(set = %set, to = %version, actor = %actor, coverage), err)]
    async fn activate_version_with_coverage(
        &self,
        set: &FeatureSetName,
        version: &ModelVersion,
        actor: &str,
        coverage: f64,
    ) -> Result<VersionChange> {
        let switch = versions::activate_with_coverage(&self.client, set, version, actor, coverage);
        self.op("activating a version", switch).await
    }

    #[instrument(skip_all, fields(set = %set, actor = %actor), err)]
    async fn rollback_version(&self, set: &FeatureSetName, actor: &str) -> Result<VersionChange> {
        self.op("rolling back a version", versions::rollback(&self.client, set, actor)).await
    }

    async fn feature_sets(&self) -> Result<Vec<FeatureSetState>> {
        self.op("reading feature sets", versions::feature_sets(&self.client)).await
    }

    async fn version_coverage(&self, set: &FeatureSetName) -> Result<Coverage> {
        self.op("counting coverage", coverage::coverage(&self.client, set)).await
    }

    async fn list_images(&self, query: &ImageQuery) -> Result<Vec<ImageRecord>> {
        self.op("listing images", coverage::list_images(&self.client, query)).await
    }

    #[instrument(skip_all, fields(version = %version), err)]
    async fn pattern_search(&self, query: &PatternQuery, version: &ModelVersion) -> Result<PatternPage> {
        self.op("searching patterns", explore::pattern_search(&self.client, query, version)).await
    }

    #[instrument(skip_all, fields(object = %id, k = k), err)]
    async fn nearest_objects(&self, id: &ObjectId, k: usize, max_scan: usize) -> Result<Option<Vec<Similar>>> {
        let search = self.target.vector_search;
        self.op("finding nearest objects", explore::nearest(&self.client, id, k, search, max_scan)).await
    }

    #[instrument(skip_all, fields(k = q.k), err)]
    async fn nearest_to_vector(&self, q: &VectorQuery) -> Result<Vec<Similar>> {
        let search = self.target.vector_search;
        self.op("finding objects near a vector", similar::nearest_to_vector(&self.client, q, search)).await
    }

    async fn node(&self, id: &NodeId) -> Result<Option<GraphNode>> {
        self.op("reading a node", nodes::node(&self.client, id.as_str())).await
    }

    async fn neighbourhood(&self, id: &NodeId, depth: u8, limit: usize) -> Result<Option<Neighbourhood>> {
        self.op("reading a neighbourhood", nodes::neighbourhood(&self.client, id.as_str(), depth, limit)).await
    }

    async fn counts(&self) -> Result<GraphCounts> {
        self.op("counting nodes", read::counts(&self.client)).await
    }

    async fn image(&self, id: &ImageId) -> Result<Option<ImageRecord>> {
        self.op("reading an image", read::image_by_id(&self.client, id)).await
    }
}
