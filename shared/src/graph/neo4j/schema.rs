//! Constraints and indexes, created idempotently at start. The model mirrors
//! the SQLite tables: `Image -CONTAINS-> Object -HAS_FEATURE-> Feature`,
//! `NEAR`/`OVERLAPS` between objects, `Image -STORED_AT-> Location`,
//! `Run -PROCESSED-> Image`, `Feature -PRODUCED_BY-> Run`, and
//! `FeatureSet -HAS_VERSION-> ModelVersion`, `FeatureSet -AUDIT-> VersionChange`.
//! Every MERGE key is backed by a uniqueness constraint (`Run` and
//! `ModelVersion` by composite ones), so concurrent writers cannot duplicate a node.

use neo4rs::{query, Graph, Neo4jErrorKind};
use std::time::Duration;

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
    "CREATE INDEX run_model_version IF NOT EXISTS FOR (r:Run) ON (r.model_version)",
];

/// The MERGE keys of `Run` and `ModelVersion`: concurrent first writes of the
/// same key serialise on the constraint instead of each creating a node.
const KEY_CONSTRAINTS: &[(&str, &str)] = &[
    (
        "run_key_unique",
        "CREATE CONSTRAINT run_key_unique IF NOT EXISTS FOR (r:Run) REQUIRE (r.image_id, r.model_version, r.job_id) IS UNIQUE",
    ),
    (
        "model_version_key_unique",
        "CREATE CONSTRAINT model_version_key_unique IF NOT EXISTS FOR (v:ModelVersion) REQUIRE (v.feature_set, v.version) IS UNIQUE",
    ),
];

/// Before the key constraints exist: give older `ModelVersion` nodes their set, and merge the
/// duplicates earlier unconstrained MERGEs may have left (a constraint cannot be created over them).
const MIGRATE: &[&str] = &[
    // NB: the plain index on the Run key would clash with the constraint's own index.
    "DROP INDEX run_key IF EXISTS",
    "MATCH (s:FeatureSet)-[:HAS_VERSION]->(v:ModelVersion) WHERE v.feature_set IS NULL SET v.feature_set = s.name",
    "MATCH (v:ModelVersion) WITH v ORDER BY v.first_seen
     WITH v.feature_set AS set, v.version AS version, collect(v) AS vs WHERE size(vs) > 1
     UNWIND tail(vs) AS dup DETACH DELETE dup",
    "MATCH (r:Run) WITH r.image_id AS i, r.model_version AS m, r.job_id AS j, collect(r) AS rs WHERE size(rs) > 1
     WITH head(rs) AS keep, tail(rs) AS dups UNWIND dups AS dup
     OPTIONAL MATCH (f:Feature)-[:PRODUCED_BY]->(dup)
     WITH keep, dup, collect(f) AS fs
     FOREACH (f IN fs | MERGE (f)-[:PRODUCED_BY]->(keep))
     DETACH DELETE dup",
];

const VECTOR_DDL: &str = "CREATE VECTOR INDEX feature_embedding IF NOT EXISTS FOR (f:Feature) ON f.embedding \
    OPTIONS {indexConfig: {`vector.dimensions`: 1280, `vector.similarity_function`: 'cosine'}}";

/// Creates everything; returns whether the vector index is usable.
pub(super) async fn ensure(graph: &Graph) -> Result<bool> {
    for ddl in DDL.iter().chain([&super::locations::DDL]) {
        run_ddl(graph, ddl).await?;
    }
    if !has_constraints(graph, KEY_CONSTRAINTS.iter().map(|(name, _)| *name)).await? {
        for statement in MIGRATE {
            run_ddl(graph, statement).await?;
        }
        for (_, ddl) in KEY_CONSTRAINTS {
            run_ddl(graph, ddl).await?;
        }
    }
    match run_ddl(graph, VECTOR_DDL).await {
        Ok(()) => {}
        Err(e @ Error::Unavailable { .. }) => return Err(e),
        Err(e) => {
            tracing::warn!(error = %crate::http::error_chain(&e), "this server has no vector index; nearest_objects computes exact cosine");
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

/// Whether every named constraint exists.
async fn has_constraints(graph: &Graph, names: impl Iterator<Item = &str>) -> Result<bool> {
    let names: Vec<String> = names.map(str::to_owned).collect();
    let q =
        query("SHOW CONSTRAINTS YIELD name WHERE name IN $names RETURN count(*) AS n").param("names", names.clone());
    match rows(graph, q).await?.first() {
        Some(row) => Ok(column::<i64>(row, "n")? == names.len() as i64),
        None => Ok(false),
    }
}

/// Runs one schema statement; a rule another process created a moment ago is fine.
// NB: every function runs this at start, often at the same moment; concurrent schema
// changes can deadlock (a transient error), so those are tried again a few times.
async fn run_ddl(graph: &Graph, ddl: &str) -> Result<()> {
    let mut attempt = 1;
    loop {
        let mut tx = graph.start_txn().await.map_err(map_err)?;
        let result = match tx.run(query(ddl)).await {
            Ok(()) => tx.commit().await,
            Err(e) => Err(e),
        };
        match result {
            Ok(()) => return Ok(()),
            Err(neo4rs::Error::Neo4j(e)) if e.code().contains("AlreadyExists") => return Ok(()),
            Err(neo4rs::Error::Neo4j(e)) if matches!(e.kind(), Neo4jErrorKind::Transient) && attempt < 5 => {
                tracing::debug!(code = e.code(), attempt, "schema statement met a concurrent one; trying again");
                tokio::time::sleep(Duration::from_millis(100 * attempt)).await;
                attempt += 1;
            }
            Err(e) => return Err(map_err(e)),
        }
    }
}
