//! Redis backend (single node or cluster). Connections are made lazily and
//! re-made by the connection manager, so the process starts and keeps
//! serving while Redis is down; every call is bounded by a timeout so a dead
//! Redis costs milliseconds, not seconds.

use async_trait::async_trait;
use bytes::Bytes;
use redis::aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig};
use redis::cluster::ClusterClient;
use redis::cluster_async::ClusterConnection;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

use super::{CacheKey, FeatureCache};
use crate::{Error, Result};

const BACKEND: &str = "redis";
/// How long to wait before trying to connect again after a failure.
const RECONNECT_BACKOFF: Duration = Duration::from_millis(500);

/// Where Redis is.
#[derive(Debug, Clone)]
pub enum RedisTarget {
    /// One node, `redis://host:port`.
    Single(String),
    /// Cluster seed nodes.
    Cluster(Vec<String>),
}

#[derive(Clone)]
enum Conn {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
}

/// A Redis-backed [`FeatureCache`].
pub struct RedisCache {
    target: RedisTarget,
    password: Option<String>,
    ca_pem: Option<Vec<u8>>,
    timeout: Duration,
    conn: Mutex<(Option<Conn>, Option<Instant>)>,
    /// The established connection, read without awaiting the connect mutex on the hot path.
    ready: std::sync::RwLock<Option<Conn>>,
}

impl RedisCache {
    /// A cache that connects on first use. `timeout` bounds each operation.
    pub fn new(target: RedisTarget, password: Option<String>, timeout: Duration) -> Self {
        Self {
            target,
            password,
            ca_pem: None,
            timeout,
            conn: Mutex::new((None, None)),
            ready: std::sync::RwLock::new(None),
        }
    }

    /// Trusts this PEM CA bundle for `rediss://` (Memorystore's server CA).
    pub fn with_ca(mut self, pem: Option<Vec<u8>>) -> Self {
        self.ca_pem = pem;
        self
    }

    fn certificates(&self) -> Option<redis::TlsCertificates> {
        // NB: several rustls providers are compiled into the binaries; pick one explicitly before any TLS.
        let _ = rustls::crypto::ring::default_provider().install_default();
        self.ca_pem.clone().map(|pem| redis::TlsCertificates { client_tls: None, root_cert: Some(pem) })
    }

    fn with_password(&self, url: &str) -> Result<redis::ConnectionInfo> {
        let mut info: redis::ConnectionInfo = redis::IntoConnectionInfo::into_connection_info(url)
            .map_err(|e| Error::invalid(format!("REDIS_URL: {e}")))?;
        if let Some(p) = &self.password {
            let settings = info.redis_settings().clone().set_password(p.clone());
            info = info.set_redis_settings(settings);
        }
        Ok(info)
    }

    async fn connect(&self) -> Result<Conn> {
        match &self.target {
            RedisTarget::Single(url) => {
                let info = self.with_password(url)?;
                let client = match self.certificates() {
                    Some(certs) => redis::Client::build_with_tls(info, certs),
                    None => redis::Client::open(info),
                }
                .map_err(|e| Error::invalid(format!("REDIS_URL: {e}")))?;
                let cfg = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(self.timeout))
                    .set_response_timeout(Some(self.timeout))
                    .set_number_of_retries(1);
                let cm = ConnectionManager::new_with_config(client, cfg)
                    .await
                    .map_err(|e| Error::unavailable(BACKEND, e))?;
                Ok(Conn::Single(cm))
            }
            RedisTarget::Cluster(urls) => {
                let infos = urls.iter().map(|u| self.with_password(u)).collect::<Result<Vec<_>>>()?;
                let mut builder = ClusterClient::builder(infos);
                if let Some(certs) = self.certificates() {
                    builder = builder.certs(certs);
                }
                let client = builder
                    .connection_timeout(self.timeout)
                    .response_timeout(self.timeout)
                    .build()
                    .map_err(|e| Error::invalid(e.to_string()))?;
                let c = client.get_async_connection().await.map_err(|e| Error::unavailable(BACKEND, e))?;
                Ok(Conn::Cluster(c))
            }
        }
    }

    async fn conn(&self) -> Result<Conn> {
        // NB: the managers are cheap clones of a multiplexed connection; every request
        // taking the async connect mutex serialised the hit path under concurrency.
        if let Some(c) = self.ready.read().unwrap_or_else(|p| p.into_inner()).as_ref() {
            return Ok(c.clone());
        }
        let mut guard = self.conn.lock().await;
        if let Some(c) = &guard.0 {
            return Ok(c.clone());
        }
        if guard.1.is_some_and(|t| t.elapsed() < RECONNECT_BACKOFF) {
            return Err(Error::unavailable(BACKEND, "not connected (retrying shortly)"));
        }
        guard.1 = Some(Instant::now());
        let c = tokio::time::timeout(self.timeout, self.connect())
            .await
            .map_err(|_| Error::unavailable(BACKEND, "connect timed out"))??;
        guard.0 = Some(c.clone());
        *self.ready.write().unwrap_or_else(|p| p.into_inner()) = Some(c.clone());
        Ok(c)
    }

    async fn run<T: redis::FromRedisValue>(&self, cmd: Cmd<'_>) -> Result<T> {
        let conn = self.conn().await?;
        let fut = async {
            match conn {
                Conn::Single(mut c) => cmd.query(&mut c).await,
                Conn::Cluster(mut c) => cmd.query(&mut c).await,
            }
        };
        match tokio::time::timeout(self.timeout, fut).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(Error::unavailable(BACKEND, e)),
            Err(_) => Err(Error::unavailable(BACKEND, format!("no answer within {:?}", self.timeout))),
        }
    }

    fn is_cluster(&self) -> bool {
        matches!(self.target, RedisTarget::Cluster(_))
    }
}

/// The few command shapes the cache sends.
enum Cmd<'a> {
    One(redis::Cmd),
    Pipe(redis::Pipeline, std::marker::PhantomData<&'a ()>),
}

impl Cmd<'_> {
    async fn query<T: redis::FromRedisValue, C: ConnectionLike + Send>(self, c: &mut C) -> redis::RedisResult<T> {
        match self {
            Cmd::One(cmd) => cmd.query_async(c).await,
            Cmd::Pipe(p, _) => p.query_async(c).await,
        }
    }
}

#[async_trait]
impl FeatureCache for RedisCache {
    fn backend(&self) -> &'static str {
        if self.is_cluster() {
            "redis-cluster"
        } else {
            "redis"
        }
    }

    async fn get(&self, key: &CacheKey) -> Result<Option<Bytes>> {
        let v: Option<Vec<u8>> = self.run(Cmd::One(redis::cmd("GET").arg(key.as_str()).clone())).await?;
        Ok(v.map(Bytes::from))
    }

    async fn get_many(&self, keys: &[CacheKey]) -> Result<Vec<Option<Bytes>>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        // NB: in a cluster redis-rs splits a cross-slot MGET per shard and
        // reassembles the answers in key order; a pipeline would be refused (CROSSSLOT).
        let mut c = redis::cmd("MGET");
        for k in keys {
            c.arg(k.as_str());
        }
        let values: Vec<Option<Vec<u8>>> = self.run(Cmd::One(c)).await?;
        Ok(values.into_iter().map(|v| v.map(Bytes::from)).collect())
    }

    async fn put_many(&self, entries: &[(CacheKey, Bytes)], ttl: Duration) -> Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let secs = ttl.as_secs().max(1);
        if self.is_cluster() {
            // NB: a cluster pipeline must stay within one slot; independent SETs go
            // out together over the multiplexed connection, each routed by its key.
            let sets = entries.iter().map(|(k, v)| {
                let mut c = redis::cmd("SET");
                c.arg(k.as_str()).arg(v.as_ref()).arg("EX").arg(secs);
                self.run::<()>(Cmd::One(c))
            });
            futures::future::try_join_all(sets).await?;
            return Ok(());
        }
        let mut p = redis::pipe();
        for (k, v) in entries {
            p.set_ex(k.as_str(), v.as_ref(), secs).ignore();
        }
        self.run::<()>(Cmd::Pipe(p, Default::default())).await
    }
}
