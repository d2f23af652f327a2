//! Neo4j's server-side transaction timeout (`db.transaction.timeout`, set by
//! `scripts/services/neo4j.sh` and `terraform/neo4j.tf`): a query the client
//! would wait on forever is ended by the server.

use neo4rs::{query, ConfigBuilder, Graph};
use std::time::{Duration, Instant};

/// The raw driver on the test services' Neo4j, or `None` when Neo4j is skipped.
async fn raw_neo4j() -> Option<Graph> {
    crate::stores::neo4j().await?;
    let uri = std::env::var("NEO4J_URI").ok()?;
    let user = std::env::var("NEO4J_USER").unwrap_or_else(|_| "neo4j".into());
    let password = std::env::var("NEO4J_PASSWORD").ok()?;
    let config = ConfigBuilder::default().uri(uri).user(user).password(password).max_connections(1).build().ok()?;
    Some(Graph::connect(config).await.expect("connect to Neo4j"))
}

/// `db.transaction.timeout` as the server reports it (`10s`, `30s`, `1m`).
async fn server_timeout(graph: &Graph) -> Duration {
    let mut rows = graph
        .execute(query("CALL dbms.listConfig('db.transaction.timeout') YIELD name, value RETURN value"))
        .await
        .unwrap();
    let row = rows.next().await.unwrap().expect("the setting is listed");
    let text: String = row.get("value").unwrap();
    let (number, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len()));
    let n: u64 = number.parse().unwrap_or_else(|_| panic!("unexpected timeout {text:?}"));
    match unit {
        "s" => Duration::from_secs(n),
        "m" => Duration::from_secs(60 * n),
        "ms" => Duration::from_millis(n),
        other => panic!("db.transaction.timeout is {text:?} (unit {other:?}): the server must end long transactions"),
    }
}

#[tokio::test]
async fn neo4j_the_server_ends_a_transaction_that_runs_past_its_timeout() {
    let Some(graph) = raw_neo4j().await else { return };
    let limit = server_timeout(&graph).await;
    assert!(limit > Duration::ZERO && limit <= Duration::from_secs(30), "timeout {limit:?}");
    // 10^10 rows: minutes of work unless the server stops it.
    let endless = "UNWIND range(1, 100000) AS a UNWIND range(1, 100000) AS b WITH a WHERE a < 0 RETURN count(a) AS n";

    let started = Instant::now();
    let outcome = tokio::time::timeout(limit + Duration::from_secs(30), async {
        let mut txn = graph.start_txn().await?;
        let mut stream = txn.execute(query(endless)).await?;
        stream.next(txn.handle()).await.map(|_| ())
    })
    .await
    .expect("the server must end the transaction, not the client's patience");

    let took = started.elapsed();
    let err = outcome.expect_err("the query cannot finish");
    let text = err.to_string();
    assert!(text.contains("TransactionTimedOut") || text.to_lowercase().contains("timed out"), "{text}");
    assert!(took >= limit && took < limit + Duration::from_secs(20), "ended after {took:?}, limit {limit:?}");
}
