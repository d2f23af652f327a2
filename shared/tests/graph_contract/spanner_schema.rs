//! Spanner only: the schema applied from the DDL files at start (idempotently), the parts
//! of the production DDL the emulator can check, and failures at start that name their cause.

use gcloud_gax::conn::Environment;
use gcloud_googleapis::spanner::admin::database::v1::UpdateDatabaseDdlRequest;
use gcloud_spanner::admin::client::Client as AdminClient;
use gcloud_spanner::admin::AdminClientConfig;
use gcloud_spanner::client::{Client, ClientConfig};
use gcloud_spanner::statement::Statement;
use shared::graph::spanner::schema::{PRODUCTION_DDL, SCHEMA_DDL};
use shared::graph::spanner::{DatabaseName, Endpoint, SpannerGraphStore, SpannerTarget, VectorSearch};
use shared::graph::GraphStore;
use shared::Error;

use crate::helpers::*;
use crate::stores::spanner_target;

fn emulator(target: &SpannerTarget) -> String {
    match &target.endpoint {
        Endpoint::Emulator(host) => host.clone(),
        Endpoint::Cloud => unreachable!("tests run on the emulator"),
    }
}

/// Statements of a DDL file, split as the store and terraform split them.
fn ddl(text: &str) -> Vec<String> {
    let body: Vec<&str> = text.lines().filter(|l| !l.trim_start().starts_with("--")).collect();
    body.join("\n").split(';').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect()
}

#[tokio::test]
async fn spanner_ensure_schema_applies_every_statement_once_and_again_changes_nothing() {
    // Arrange
    let Some(target) = spanner_target().await else { return };
    let store = SpannerGraphStore::connect(&target).await.unwrap();
    let before = store.missing_schema().await.unwrap();

    // Act
    store.ensure_schema().await.expect("first start");
    store.ensure_schema().await.expect("second start");

    // Assert
    assert_eq!(before, ddl(SCHEMA_DDL), "a new database lacks every statement of schema.sql, in file order");
    assert!(store.missing_schema().await.unwrap().is_empty(), "after a start nothing is missing");
    let scene = Scene::new();
    store.write_features(&scene.set, &scene.street()).await.expect("the schema serves writes");
}

#[tokio::test]
async fn spanner_the_production_views_are_valid_on_the_emulator_and_split_relations_by_kind() {
    // Arrange: the emulator refuses the vector index and the property graph, not the views.
    let Some(target) = spanner_target().await else { return };
    let store = SpannerGraphStore::connect(&target).await.unwrap();
    store.ensure_schema().await.unwrap();
    let scene = Scene::new();
    store.write_features(&scene.set, &scene.street()).await.unwrap();
    let views: Vec<String> = ddl(PRODUCTION_DDL).into_iter().filter(|s| s.starts_with("CREATE VIEW")).collect();
    let env = || Environment::Emulator(emulator(&target));

    // Act
    let admin = AdminClient::new(AdminClientConfig { environment: env(), ..Default::default() }).await.unwrap();
    let req = UpdateDatabaseDdlRequest {
        database: target.database.to_string(),
        statements: views.clone(),
        ..Default::default()
    };
    admin.database().update_database_ddl(req, None).await.unwrap().wait(None).await.expect("the views apply");
    let client =
        Client::new(target.database.as_str(), ClientConfig { environment: env(), ..Default::default() }).await.unwrap();
    let mut tx = client.single().await.unwrap();
    let sql =
        "SELECT (SELECT COUNT(*) FROM NearRelations) AS Near, (SELECT COUNT(*) FROM OverlapsRelations) AS Overlaps";
    let mut rows = tx.query(Statement::new(sql)).await.unwrap();
    let row = rows.next().await.unwrap().expect("one row");

    // Assert
    assert_eq!(views.len(), 2, "NEAR and OVERLAPS");
    let counts = (row.column_by_name::<i64>("Near").unwrap(), row.column_by_name::<i64>("Overlaps").unwrap());
    assert_eq!(counts, (2, 1), "the street's two NEAR relations and one OVERLAPS");
}

#[tokio::test]
async fn spanner_approximate_search_without_the_vector_index_stops_the_start() {
    // Arrange
    let Some(mut target) = spanner_target().await else { return };
    target.vector_search = VectorSearch::Approx;
    let store = SpannerGraphStore::connect(&target).await.unwrap();

    // Act
    let started = store.ensure_schema().await;

    // Assert
    let Err(Error::Invalid(message)) = started else { panic!("must refuse to start: {started:?}") };
    assert!(message.contains("SPANNER_VECTOR_SEARCH=approx") && message.contains("FeaturesByEmbedding"), "{message}");
}

#[tokio::test]
async fn spanner_an_unknown_database_is_unavailable_at_connect() {
    // Arrange
    let Some(target) = spanner_target().await else { return };
    let missing = DatabaseName::parse(&format!("{}/databases/never-created", target.database.instance())).unwrap();
    let target = SpannerTarget { database: missing, ..target };

    // Act
    let connected = SpannerGraphStore::connect(&target).await;

    // Assert
    match connected {
        Err(Error::Unavailable { backend: "spanner", message, .. }) => {
            assert!(message.contains("never-created"), "the message names the database: {message}")
        }
        other => panic!("an unknown database must be Unavailable (503 at start): {:?}", other.err()),
    }
}

#[tokio::test]
async fn spanner_database_wins_over_neo4j_uri_in_connect_graph() {
    // Arrange: both configured, Neo4j at a port where nothing listens.
    let Some(target) = spanner_target().await else { return };
    let mut settings = shared::config::GraphSettings::sqlite(":memory:");
    settings.neo4j.uri = Some("bolt://127.0.0.1:1".into());
    settings.spanner = shared::config::SpannerSettings {
        database: Some(target.database.to_string()),
        emulator_host: Some(emulator(&target)),
        ..Default::default()
    };

    // Act
    let store = shared::config::connect_graph(&settings).await.expect("Spanner is chosen and starts");

    // Assert
    assert_eq!(store.backend(), "spanner");
}
