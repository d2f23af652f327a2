//! The model-upgrade workflow's dependencies: where runs are written, the Jobs that run
//! them (LAUNCHER=kubernetes), and the coverage a version needs to be activated. All
//! optional: without them the service still serves, and says what is off.

use backfill::launch::kubernetes::KubernetesBackfills;
use backfill::BackfillSettings;
use ingest_trigger::kubernetes::JobSettings;
use shared::backfill::BackfillStore;
use shared::storage::StorageConfig;

/// Backfill settings and backends.
pub struct Backfills {
    /// `BACKFILL_*`.
    pub settings: BackfillSettings,
    /// The backfill root; `None` without `BACKFILL_ROOT`.
    pub store: Option<BackfillStore>,
    /// Creates and reads the Indexed Jobs; `None` unless `LAUNCHER=kubernetes`.
    pub jobs: Option<KubernetesBackfills>,
    /// Share of the set's images a version needs to be activated without `force`.
    pub min_coverage: f64,
}

impl Backfills {
    /// No root and no Jobs: status and launches answer 503; activation needs `min_coverage`.
    pub fn disabled(min_coverage: f64) -> Self {
        Self { settings: BackfillSettings::default(), store: None, jobs: None, min_coverage }
    }

    /// A root, no Jobs: runs are listed and followed from their markers (the local stack).
    pub fn local(store: BackfillStore, min_coverage: f64) -> Self {
        Self { store: Some(store), ..Self::disabled(min_coverage) }
    }

    /// From the settings; connects to the Kubernetes API when `kubernetes` is set.
    pub async fn connect(
        settings: &BackfillSettings,
        storage: &StorageConfig,
        kubernetes: bool,
        min_coverage: f64,
    ) -> shared::Result<Self> {
        let store = match &settings.root {
            Some(root) => Some(BackfillStore::open(root, storage.gcs_base_url.as_deref())?),
            None => None,
        };
        let jobs = match (kubernetes, &store) {
            (true, Some(_)) => {
                let template = shared::config::load::<JobSettings>("JOB_")?.template()?;
                Some(KubernetesBackfills::connect(template, settings.parallelism, settings.batch_size).await?)
            }
            _ => None,
        };
        tracing::info!(root = ?settings.root, jobs = jobs.is_some(), parallelism = settings.parallelism, "backfills ready");
        Ok(Self { settings: settings.clone(), store, jobs, min_coverage })
    }
}
