//! Wiring: stores, launcher, every function's router and the broker on one port.

use axum::Router;
use shared::cache::MemoryCache;
use shared::config::{connect_graph, Backends, GraphSettings};
use shared::domain::{FeatureSetName, LocationPolicy};
use shared::graph::spanner::{create_database, Endpoint};
use shared::graph::SharedGraph;
use shared::launcher::{LocalLauncher, LocalLauncherConfig};
use shared::pubsub::{Publisher, PublisherConfig};
use shared::schema::EXTRACTED_EVENT_TYPE;
use shared::storage::{ObjectReader, StorageConfig};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

use crate::broker::{Broker, Subscription};
use crate::pubsub::{LocalPubSub, Wiring};

/// How to run the stack.
#[derive(Debug, Clone)]
pub struct StackConfig {
    /// Interface to bind (loopback by default).
    pub host: String,
    /// Port; 0 picks a free one.
    pub port: u16,
    /// The graph store: `connect_graph` picks Spanner, Neo4j or SQLite (`graph.sqlite.path`)
    /// as every function does.
    pub graph: GraphSettings,
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
    /// Hand documents to the ingestor through the Pub/Sub emulator instead of the
    /// in-memory broker (`--pubsub`); `None` keeps the in-memory path.
    pub pubsub: Option<LocalPubSub>,
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
    /// The topics and subscriptions on the emulator, with `--pubsub`.
    pub pubsub: Option<Wiring>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl RunningStack {
    /// Opens the stores, binds the port and starts serving in the background.
    pub async fn start(config: &StackConfig) -> anyhow::Result<Self> {
        let listener = TcpListener::bind((config.host.as_str(), config.port)).await?;
        let addr = listener.local_addr()?;
        create_emulator_database(&config.graph).await?;
        let graph: SharedGraph = connect_graph(&config.graph).await?;
        let cache = Arc::new(MemoryCache::new(100_000));
        let wiring = match &config.pubsub {
            Some(pubsub) => {
                let wiring = pubsub.wiring(addr.port())?;
                pubsub.create(&wiring, &format!("http://{addr}/functions/feature-ingestor/pubsub/push")).await?;
                Some(wiring)
            }
            None => None,
        };
        let mut env = vec![("LOCAL_BUCKET_ROOT".into(), config.bucket_root.display().to_string())];
        let (args, dead_letter) = match (&config.pubsub, &wiring) {
            (Some(pubsub), Some(wiring)) => {
                env.push(("PUBSUB_EMULATOR_HOST".into(), pubsub.emulator_host.clone()));
                let publisher =
                    PublisherConfig { emulator_host: Some(pubsub.emulator_host.clone()), ..Default::default() };
                let dead_letter = Publisher::new(wiring.dead_letter_topic.clone(), publisher)?;
                (vec!["--publish".into(), wiring.topic.to_string()], Some(dead_letter))
            }
            _ => (vec!["--sink".into(), format!("http://{addr}/broker")], None),
        };
        let launcher = Arc::new(LocalLauncher::new(LocalLauncherConfig {
            program: config.processor_bin.clone(),
            args,
            env,
            max_concurrency: config.max_concurrency,
            backoff_limit: 2,
            log_dir: config.log_dir.clone(),
        })?);
        let backends = Backends { graph: graph.clone(), cache: cache.clone(), cache_ttl: Duration::from_secs(3600) };
        // NB: development: any bucket folder under the root, and nothing outside it.
        let locations = Arc::new(LocationPolicy::development(&config.bucket_root));

        let trigger = ingest_trigger::router(ingest_trigger::AppState {
            graph: graph.clone(),
            launcher: launcher.clone(),
            feature_set: config.feature_set.clone(),
            // NB: the local stack binds loopback only and has no Pub/Sub in front of it.
            push_auth: shared::auth::PushAuth::disabled_for_development(),
            push_only: false,
            locations: locations.clone(),
        });
        let ingestor = feature_ingestor::router(feature_ingestor::AppState {
            backends: backends.clone(),
            feature_set: config.feature_set.clone(),
            dead_letter,
            // NB: loopback only; the emulator's pushes carry no token.
            push_auth: shared::auth::PushAuth::disabled_for_development(),
            locations: locations.clone(),
        });
        let warmer = cache_warmer::router(cache_warmer::AppState {
            backends: backends.clone(),
            feature_set: config.feature_set.clone(),
            limit: 10_000,
        });
        let service = feature_service::router(feature_service::AppState {
            backends: backends.clone(),
            active: Arc::new(feature_service::ActiveVersion::new(config.feature_set.clone(), Duration::from_secs(1))),
            images: Arc::new(ObjectReader::new(StorageConfig {
                local_bucket_root: Some(config.bucket_root.clone()),
                ..StorageConfig::default()
            })),
            admins: config.admins.clone(),
            locations,
            similar_max_scan: 20_000,
            // NB: `sightgraph backfill run` writes local runs next to the database by default
            // (.run/backfills), so the versions page shows them.
            backfills: Arc::new(feature_service::Backfills::local(
                shared::backfill::BackfillStore::open(
                    &config.graph.sqlite.path.with_file_name("backfills").display().to_string(),
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
        Ok(Self { addr, launcher, graph, cache, pubsub: wiring, server })
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

/// On the Spanner emulator a missing database is created, so `SPANNER_DATABASE=… just demo`
/// needs nothing else; real Spanner databases come from Terraform.
async fn create_emulator_database(graph: &GraphSettings) -> anyhow::Result<()> {
    let Some(target) = graph.spanner.target()? else { return Ok(()) };
    if !matches!(target.endpoint, Endpoint::Emulator(_)) {
        return Ok(());
    }
    let id = target.database.as_str().rsplit('/').next().unwrap_or_default();
    match create_database(&target.endpoint, target.database.instance(), id).await {
        Ok(_) => tracing::info!(database = %target.database, "created the database on the Spanner emulator"),
        // NB: the emulator's status is the error's cause, so the whole chain is read.
        Err(e) if shared::http::error_chain(&e).contains("AlreadyExists") => {}
        Err(e) => return Err(e.into()),
    }
    Ok(())
}
