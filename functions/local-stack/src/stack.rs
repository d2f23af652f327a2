//! Wiring: stores, launcher, every function's router and the broker on one port.

use axum::Router;
use shared::cache::MemoryCache;
use shared::domain::FeatureSetName;
use shared::graph::sqlite::SqliteGraphStore;
use shared::graph::{GraphStore, SharedGraph};
use shared::launcher::{LocalLauncher, LocalLauncherConfig};
use shared::schema::EXTRACTED_EVENT_TYPE;
use shared::storage::{ObjectReader, StorageConfig};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

use crate::broker::{Broker, Subscription};

/// How to run the stack.
#[derive(Debug, Clone)]
pub struct StackConfig {
    /// Interface to bind (loopback by default).
    pub host: String,
    /// Port; 0 picks a free one.
    pub port: u16,
    /// SQLite database file.
    pub sqlite_path: PathBuf,
    /// Folder standing in for buckets (`<root>/<bucket>/<name>`).
    pub bucket_root: PathBuf,
    /// The `cv-processor` binary.
    pub processor_bin: PathBuf,
    /// Built UI to serve at `/`, when present.
    pub ui_dist: Option<PathBuf>,
    /// Processing runs at once.
    pub max_concurrency: usize,
    /// Folder for per-job logs.
    pub log_dir: PathBuf,
    /// Feature set served and deduplicated against.
    pub feature_set: FeatureSetName,
    /// Admin tokens for version switches and comparisons (none: those routes answer 401).
    pub admins: feature_service::AdminTokens,
}

/// The threshold the deployed service defaults to.
fn backfill_min_coverage() -> f64 {
    0.95
}

/// A started stack.
pub struct RunningStack {
    /// Where it listens.
    pub addr: SocketAddr,
    /// The local launcher (to wait for runs and read their status).
    pub launcher: Arc<LocalLauncher>,
    /// The graph store.
    pub graph: SharedGraph,
    /// The in-process cache.
    pub cache: Arc<MemoryCache>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl RunningStack {
    /// Opens the stores, binds the port and starts serving in the background.
    pub async fn start(config: &StackConfig) -> anyhow::Result<Self> {
        let listener = TcpListener::bind((config.host.as_str(), config.port)).await?;
        let addr = listener.local_addr()?;
        let sqlite = SqliteGraphStore::open(&config.sqlite_path)?;
        sqlite.ensure_schema().await?;
        let graph: SharedGraph = Arc::new(sqlite);
        let cache = Arc::new(MemoryCache::new(100_000));
        let launcher = Arc::new(LocalLauncher::new(LocalLauncherConfig {
            program: config.processor_bin.clone(),
            args: vec!["--sink".into(), format!("http://{addr}/broker")],
            env: vec![("LOCAL_BUCKET_ROOT".into(), config.bucket_root.display().to_string())],
            max_concurrency: config.max_concurrency,
            backoff_limit: 2,
            log_dir: config.log_dir.clone(),
        })?);
        let ttl = Duration::from_secs(3600);

        let trigger = ingest_trigger::router(ingest_trigger::AppState {
            graph: graph.clone(),
            launcher: launcher.clone(),
            feature_set: config.feature_set.clone(),
            // NB: the local stack binds loopback only and has no Pub/Sub in front of it.
            push_auth: shared::auth::PushAuth::disabled_for_development(),
            push_only: false,
        });
        let ingestor = feature_ingestor::router(feature_ingestor::AppState {
            graph: graph.clone(),
            cache: cache.clone(),
            cache_ttl: ttl,
            feature_set: config.feature_set.clone(),
        });
        let warmer = cache_warmer::router(cache_warmer::AppState {
            graph: graph.clone(),
            cache: cache.clone(),
            cache_ttl: ttl,
            feature_set: config.feature_set.clone(),
            limit: 10_000,
        });
        let service = feature_service::router(feature_service::AppState {
            graph: graph.clone(),
            cache: cache.clone(),
            cache_ttl: ttl,
            active: Arc::new(feature_service::ActiveVersion::new(config.feature_set.clone(), Duration::from_secs(1))),
            images: Arc::new(ObjectReader::new(StorageConfig {
                local_bucket_root: Some(config.bucket_root.clone()),
                gcs_base_url: None,
            })),
            admins: config.admins.clone(),
            // NB: `sightgraph backfill run` writes local runs next to the database by default
            // (.run/backfills), so the versions page shows them.
            backfills: Arc::new(feature_service::Backfills::local(
                shared::backfill::BackfillStore::open(
                    &config.sqlite_path.with_file_name("backfills").display().to_string(),
                    None,
                )?,
                backfill_min_coverage(),
            )),
        });
        let broker = Broker::new(vec![
            Subscription {
                event_type: shared::events::GCS_FINALIZED,
                name: "ingest-trigger",
                subscriber: trigger.clone(),
            },
            Subscription { event_type: EXTRACTED_EVENT_TYPE, name: "feature-ingestor", subscriber: ingestor.clone() },
            Subscription { event_type: cache_warmer::PING_TYPES[0], name: "cache-warmer", subscriber: warmer.clone() },
            Subscription { event_type: cache_warmer::PING_TYPES[1], name: "cache-warmer", subscriber: warmer.clone() },
        ]);
        let mut app = Router::new()
            .nest("/functions/ingest-trigger", trigger)
            .nest("/functions/feature-ingestor", ingestor)
            .nest("/functions/cache-warmer", warmer)
            .merge(broker.router())
            .merge(service);
        if let Some(dir) = &config.ui_dist {
            // NB: API routes win; every other GET falls through to the UI's files (index.html at /).
            app = app.fallback_service(tower_http::services::ServeDir::new(dir));
        }
        let server = tokio::spawn(async move { shared::http::serve(listener, app).await });
        tracing::info!(%addr, "local stack listening");
        Ok(Self { addr, launcher, graph, cache, server })
    }

    /// `http://<addr><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Serves until SIGTERM/Ctrl-C.
    pub async fn wait(self) -> anyhow::Result<()> {
        self.server.await??;
        Ok(())
    }
}
