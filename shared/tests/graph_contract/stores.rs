//! The stores under test: SQLite in memory, and the Neo4j and Spanner emulator of the test services.

use shared::graph::neo4j::Neo4jGraphStore;
use shared::graph::spanner::{SpannerGraphStore, SpannerTarget};
use shared::graph::sqlite::SqliteGraphStore;
use shared::graph::GraphStore;

/// A fresh in-memory SQLite store.
pub async fn sqlite() -> SqliteGraphStore {
    let store = SqliteGraphStore::in_memory().expect("open in-memory SQLite");
    store.ensure_schema().await.expect("SQLite schema");
    store
}

/// The test services' Neo4j (`NEO4J_URI`, `NEO4J_USER`, `NEO4J_PASSWORD`);
/// `None` only when `SIGHTGRAPH_SKIP_NEO4J=1`.
pub async fn neo4j() -> Option<Neo4jGraphStore> {
    let Ok(uri) = std::env::var("NEO4J_URI") else {
        if std::env::var("SIGHTGRAPH_SKIP_NEO4J").as_deref() == Ok("1") {
            eprintln!("note: SIGHTGRAPH_SKIP_NEO4J=1, skipping the Neo4j half of the graph contract");
            return None;
        }
        panic!(
            "NEO4J_URI is not set: start the test services with `scripts/services/all.sh up` and load \
             $SIGHTGRAPH_RUN/services.env, or run `just test` (SIGHTGRAPH_SKIP_NEO4J=1 skips these tests)"
        );
    };
    let user = std::env::var("NEO4J_USER").unwrap_or_else(|_| "neo4j".into());
    let password = std::env::var("NEO4J_PASSWORD").expect("NEO4J_PASSWORD must be set with NEO4J_URI");
    let store = Neo4jGraphStore::connect(&uri, &user, &password, None, 4)
        .await
        .unwrap_or_else(|e| panic!("connecting to Neo4j at {uri}: {e}"));
    store.ensure_schema().await.expect("Neo4j schema");
    Some(store)
}

/// The Neo4j store, or return from the test when it is skipped.
macro_rules! neo4j {
    () => {
        match $crate::stores::neo4j().await {
            Some(store) => store,
            None => return,
        }
    };
}

/// A fresh database on the test services' Spanner emulator, so each test sees only its own
/// data; `None` where the emulator is not installed (see `shared::testing::spanner_settings`).
pub async fn spanner_target() -> Option<SpannerTarget> {
    let settings = shared::testing::spanner_settings("contract").await?;
    Some(settings.target().expect("test settings are valid").expect("a database is set"))
}

/// A Spanner store on a fresh emulator database, schema applied.
pub async fn spanner() -> Option<SpannerGraphStore> {
    let target = spanner_target().await?;
    let store =
        SpannerGraphStore::connect(&target).await.unwrap_or_else(|e| panic!("connecting to {}: {e}", target.database));
    store.ensure_schema().await.expect("Spanner schema");
    Some(store)
}

/// The Spanner store, or return from the test when it is skipped.
macro_rules! spanner {
    () => {
        match $crate::stores::spanner().await {
            Some(store) => store,
            None => return,
        }
    };
}
