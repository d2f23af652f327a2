//! Constraints and indexes, created idempotently at start. The model mirrors
//! the SQLite tables: `Image -CONTAINS-> Object -HAS_FEATURE-> Feature`,
//! `NEAR`/`OVERLAPS` between objects, `Image -STORED_AT-> Location`,
//! `Run -PROCESSED-> Image`, `Feature -PRODUCED_BY-> Run`, and
//! `FeatureSet -HAS_VERSION-> ModelVersion`, `FeatureSet -AUDIT-> VersionChange`.

use neo4rs::{query, Graph};

use super::client::{map_err, rows};
use super::convert::column;
use crate::{Error, Result};

/// Name of the vector index over `Feature.embedding`.
pub(super) const VECTOR_INDEX: &str = "feature_embedding";
/// Dimension of the embedder's vectors; features of another dimension are not indexed.
pub(super) const VECTOR_DIMENSIONS: usize = 1280;

const DDL: &[&str] = &[
    "CREATE CONSTRAINT image_id IF NOT EXISTS FOR (i:Image) REQUIRE i.id IS UNIQUE",
    "CREATE CONSTRAINT image_uri IF NOT EXISTS FOR (i:Image) REQUIRE i.uri IS UNIQUE",
    "CREATE CONSTRAINT object_id IF NOT EXISTS FOR (o:Object) REQUIRE o.id IS UNIQUE",
    "CREATE CONSTRAINT feature_id IF NOT EXISTS FOR (f:Feature) REQUIRE f.id IS UNIQUE",
    "CREATE CONSTRAINT location_uri IF NOT EXISTS FOR (l:Location) REQUIRE l.uri IS UNIQUE",
    "CREATE CONSTRAINT feature_set_name IF NOT EXISTS FOR (s:FeatureSet) REQUIRE s.name IS UNIQUE",
    "CREATE INDEX image_md5 IF NOT EXISTS FOR (i:Image) ON (i.md5_hash)",
    "CREATE INDEX object_label IF NOT EXISTS FOR (o:Object) ON (o.label)",
    "CREATE INDEX object_model_version IF NOT EXISTS FOR (o:Object) ON (o.model_version)",
    "CREATE INDEX feature_model_version IF NOT EXISTS FOR (f:Feature) ON (f.model_version)",
    "CREATE INDEX run_key IF NOT EXISTS FOR (r:Run) ON (r.image_id, r.model_version, r.job_id)",
    "CREATE INDEX run_model_version IF NOT EXISTS FOR (r:Run) ON (r.model_version)",
];

const VECTOR_DDL: &str = "CREATE VECTOR INDEX feature_embedding IF NOT EXISTS FOR (f:Feature) ON f.embedding \
    OPTIONS {indexConfig: {`vector.dimensions`: 1280, `vector.similarity_function`: 'cosine'}}";

/// Creates everything; returns whether the vector index is usable.
pub(super) async fn ensure(graph: &Graph) -> Result<bool> {
    for ddl in DDL.iter().chain([&super::locations::DDL]) {
        run_ddl(graph, ddl).await?;
    }
    match run_ddl(graph, VECTOR_DDL).await {
        Ok(()) => {}
        Err(e @ Error::Unavailable { .. }) => return Err(e),
        Err(e) => {
            tracing::warn!(error = %e, "this server has no vector index; nearest_objects computes exact cosine");
            return Ok(false);
        }
    }
    // NB: a new index populates in the background; queries against it fail until it is online.
    // Polled in short transactions: one long `db.awaitIndex` would outlive db.transaction.timeout.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while !vector_index_online(graph).await? {
        if std::time::Instant::now() >= deadline {
            return Err(Error::backend("neo4j", "the vector index feature_embedding is not online after 120 s"));
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    Ok(true)
}

/// Whether the vector index exists and is online.
pub(super) async fn vector_index_online(graph: &Graph) -> Result<bool> {
    let q = query("SHOW INDEXES YIELD name, type, state WHERE name = $name AND type = 'VECTOR' RETURN state")
        .param("name", VECTOR_INDEX);
    match rows(graph, q).await?.first() {
        Some(row) => Ok(column::<String>(row, "state")? == "ONLINE"),
        None => Ok(false),
    }
}

/// Runs one schema statement; a rule another process created a moment ago is fine.
// NB: processes starting together on a fresh database deadlock on the schema locks now and then;
// Neo4j reports that as transient, so the statement is retried a few times.
async fn run_ddl(graph: &Graph, ddl: &str) -> Result<()> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let mut tx = graph.start_txn().await.map_err(map_err)?;
        let result = match tx.run(query(ddl)).await {
            Ok(()) => tx.commit().await,
            Err(neo4rs::Error::Neo4j(e)) if e.code().contains("AlreadyExists") => return Ok(()),
            Err(e) => Err(e),
        };
        match result {
            Ok(()) => return Ok(()),
            Err(neo4rs::Error::Neo4j(e)) if e.code().starts_with("Neo.TransientError") && attempt < 5 => {
                tracing::debug!(code = e.code(), attempt, "schema statement retried");
                tokio::time::sleep(std::time::Duration::from_millis(100 * attempt)).await;
            }
            Err(e) => return Err(map_err(e)),
        }
    }
}
