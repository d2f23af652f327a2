//! Running SQL on Spanner: single-use reads, read-write transactions retried while they
//! are ABORTED, time limits, and client errors mapped onto the crate's.

use chrono::{DateTime, Utc};
use gcloud_gax::grpc::{Code, Status};
use gcloud_gax::retry::TryAs;
use gcloud_spanner::client::{Client, Error as ClientError};
use gcloud_spanner::row::Row;
use gcloud_spanner::session::SessionError;
use gcloud_spanner::statement::Statement;
use gcloud_spanner::transaction_rw::ReadWriteTransaction;
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, Instant};

use super::BACKEND;
use crate::{Error, Result};

/// Longest any one store operation may take before it counts as unavailable.
pub(super) const OPERATION_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest connecting (the first query included) may take.
pub(super) const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);
/// How long a transaction is retried while Spanner aborts it (lock conflicts).
const ABORT_BUDGET: Duration = Duration::from_secs(20);

fn unavailable(code: Code) -> bool {
    matches!(
        code,
        Code::Unavailable
            | Code::DeadlineExceeded
            | Code::Cancelled
            | Code::ResourceExhausted
            | Code::Aborted
            | Code::Unauthenticated
            | Code::PermissionDenied
    )
}

/// Maps a gRPC status: transport, quota, auth and lock trouble is `Unavailable` (retry
/// later, 503); everything else is `Backend`.
pub(super) fn map_status(s: &Status) -> Error {
    let message = format!("{:?}: {}", s.code(), s.message());
    if unavailable(s.code()) {
        Error::unavailable(BACKEND, message)
    } else {
        Error::backend(BACKEND, message)
    }
}

pub(super) fn map_client(e: ClientError) -> Error {
    match &e {
        ClientError::GRPC(s) => map_status(s),
        ClientError::InvalidSession(_) | ClientError::Connection(_) => Error::unavailable(BACKEND, e),
        ClientError::InvalidConfig(m) => Error::invalid(format!("Spanner client settings: {m}")),
        _ => Error::backend(BACKEND, e),
    }
}

/// Runs `fut` under `limit`; running out of time is `Unavailable`.
pub(super) async fn within<T>(limit: Duration, what: &str, fut: impl Future<Output = Result<T>>) -> Result<T> {
    tokio::time::timeout(limit, fut)
        .await
        .map_err(|_| Error::unavailable(BACKEND, format!("took longer than {}s", limit.as_secs())).context(what))?
}

/// Runs one query in a single-use (strong) read and collects every row: one round trip.
pub(super) async fn rows(client: &Client, stmt: Statement) -> Result<Vec<Row>> {
    let mut tx = client.single().await.map_err(map_client)?;
    let mut iter = tx.query(stmt).await.map_err(|s| map_status(&s))?;
    let mut out = Vec::new();
    while let Some(row) = iter.next().await.map_err(|s| map_status(&s))? {
        out.push(row);
    }
    Ok(out)
}

/// The first row of a single-use query, if any.
pub(super) async fn first(client: &Client, stmt: Statement) -> Result<Option<Row>> {
    Ok(rows(client, stmt).await?.into_iter().next())
}

/// What a transaction body fails with: Spanner's own errors (an ABORTED one restarts the
/// transaction) or the store's (NotFound, Invalid…), which end it.
#[derive(Debug)]
pub(super) enum TxError {
    Spanner(ClientError),
    Store(Error),
}

impl From<Status> for TxError {
    fn from(s: Status) -> Self {
        Self::Spanner(ClientError::GRPC(s))
    }
}

impl From<SessionError> for TxError {
    fn from(e: SessionError) -> Self {
        Self::Spanner(ClientError::InvalidSession(e))
    }
}

impl From<Error> for TxError {
    fn from(e: Error) -> Self {
        Self::Store(e)
    }
}

impl TryAs<Status> for TxError {
    fn try_as(&self) -> Option<&Status> {
        match self {
            Self::Spanner(e) => e.try_as(),
            Self::Store(_) => None,
        }
    }
}

/// Runs one query inside a read-write transaction and collects every row.
pub(super) async fn tx_rows(tx: &mut ReadWriteTransaction, stmt: Statement) -> Result<Vec<Row>, TxError> {
    let mut iter = tx.query(stmt).await?;
    let mut out = Vec::new();
    while let Some(row) = iter.next().await? {
        out.push(row);
    }
    Ok(out)
}

/// A random duration in `[d/2, d]`, so writers that collided do not collide again in step.
fn jitter(d: Duration) -> Duration {
    // NB: every RandomState has fresh keys, so hashing nothing still gives a random number.
    let h = std::collections::hash_map::RandomState::new().build_hasher();
    let half = d / 2;
    half + Duration::from_nanos(h.finish() % (half.as_nanos() as u64).max(1))
}

/// Runs `body` in a read-write transaction and commits it; returns the commit timestamp.
/// `body` gets the transaction and hands it back with its result, so it may borrow its
/// arguments freely. An ABORTED transaction (a lock conflict; the emulator aborts every
/// concurrent one) runs again from the start, with jittered backoff, for up to 20 s.
pub(super) async fn read_write<T, F, Fut>(client: &Client, mut body: F) -> Result<(DateTime<Utc>, T)>
where
    F: FnMut(ReadWriteTransaction) -> Fut,
    Fut: Future<Output = (ReadWriteTransaction, Result<T, TxError>)>,
{
    let started = Instant::now();
    let mut backoff = Duration::from_millis(4);
    loop {
        let tx = client.begin_read_write_transaction().await.map_err(map_client)?;
        let (mut tx, result) = body(tx).await;
        let err = match tx.end(result, None).await {
            Ok((commit, value)) => return Ok((commit_time(commit.timestamp)?, value)),
            Err(TxError::Store(e)) => return Err(e),
            Err(TxError::Spanner(e)) => e,
        };
        let aborted = err.try_as().is_some_and(|s| s.code() == Code::Aborted);
        if !aborted || started.elapsed() >= ABORT_BUDGET {
            return Err(map_client(err));
        }
        tracing::debug!(backoff_ms = backoff.as_millis() as u64, "spanner aborted the transaction; running it again");
        tokio::time::sleep(jitter(backoff)).await;
        backoff = (backoff * 2).min(Duration::from_millis(250));
    }
}

fn commit_time(ts: Option<gcloud_spanner::value::Timestamp>) -> Result<DateTime<Utc>> {
    let ts = ts.ok_or_else(|| Error::backend(BACKEND, "the commit returned no timestamp"))?;
    DateTime::from_timestamp(ts.seconds, u32::try_from(ts.nanos).unwrap_or(0))
        .ok_or_else(|| Error::backend(BACKEND, format!("commit timestamp out of range: {}s", ts.seconds)))
}

/// A statement with its parameters: `stmt(sql, |s| { s.add_param(…); })`.
pub(super) fn stmt(sql: impl Into<String>, bind: impl FnOnce(&mut Statement)) -> Statement {
    let mut s = Statement::new(sql);
    bind(&mut s);
    s
}
