//! Running Cypher: explicit transactions, whole result sets, time limits, and
//! neo4rs errors mapped onto the crate's (unreachable → `Unavailable`).

use neo4rs::{Graph, Neo4jClientErrorKind, Neo4jErrorKind, Query, Row, Txn};
use std::future::Future;
use std::time::Duration;

use super::BACKEND;
use crate::{Error, Result};

/// Longest any one store operation may take before it counts as unavailable.
pub(super) const OPERATION_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest connecting (first query included) may take.
pub(super) const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Maps a driver error: transport, authentication and transient server
/// errors are `Unavailable` (retry later, 503); everything else is `Backend`.
pub(super) fn map_err(e: neo4rs::Error) -> Error {
    use neo4rs::Error as N;
    let unavailable = match &e {
        N::IOError { .. } | N::ConnectionError | N::AuthenticationError(_) | N::UnsupportedVersion(_) => true,
        // NB: a transaction the server ended at db.transaction.timeout is "too slow right now": 503.
        N::Neo4j(n) => {
            matches!(
                n.kind(),
                Neo4jErrorKind::Transient
                    | Neo4jErrorKind::Client(Neo4jClientErrorKind::Security(_) | Neo4jClientErrorKind::SessionExpired)
            ) || n.code().contains("TransactionTimedOut")
        }
        _ => false,
    };
    if unavailable {
        Error::unavailable(BACKEND, e)
    } else {
        Error::backend(BACKEND, e)
    }
}

/// Runs `fut` under `limit`; running out of time is `Unavailable`.
pub(super) async fn within<T>(limit: Duration, what: &str, fut: impl Future<Output = Result<T>>) -> Result<T> {
    tokio::time::timeout(limit, fut)
        .await
        .map_err(|_| Error::unavailable(BACKEND, format!("took longer than {}s", limit.as_secs())).context(what))?
}

/// One explicit transaction; dropped without [`Tx::commit`] it rolls back
/// (the pool resets the connection before reuse).
pub(super) struct Tx(Txn);

impl Tx {
    pub(super) async fn begin(graph: &Graph) -> Result<Self> {
        graph.start_txn().await.map(Self).map_err(map_err)
    }

    /// Runs a query and collects every row.
    pub(super) async fn rows(&mut self, q: Query) -> Result<Vec<Row>> {
        let mut stream = self.0.execute(q).await.map_err(map_err)?;
        let mut out = Vec::new();
        while let Some(row) = stream.next(self.0.handle()).await.map_err(map_err)? {
            out.push(row);
        }
        Ok(out)
    }

    /// Runs a query for its effects.
    pub(super) async fn run(&mut self, q: Query) -> Result<()> {
        self.0.run(q).await.map_err(map_err)
    }

    pub(super) async fn commit(self) -> Result<()> {
        self.0.commit().await.map_err(map_err)
    }
}

/// Runs one read query in its own transaction and collects every row.
// NB: not `Graph::execute`: it retries pool errors (refused connections, bad
// passwords) for up to a minute, which would turn "down" into "slow".
pub(super) async fn rows(graph: &Graph, q: Query) -> Result<Vec<Row>> {
    let mut tx = Tx::begin(graph).await?;
    let rows = tx.rows(q).await?;
    tx.commit().await?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::super::Neo4jGraphStore;
    use crate::Error;

    #[tokio::test]
    async fn an_unreachable_server_is_unavailable_not_a_backend_failure() {
        // Port 1 on loopback: nothing listens there.
        let err = Neo4jGraphStore::connect("bolt://127.0.0.1:1", "neo4j", "secret", None, 1).await.err();
        assert!(
            matches!(&err, Some(Error::Unavailable { backend: "neo4j", .. })),
            "connection failures must map to Unavailable (503): {err:?}"
        );
    }
}
