//! What every command needs: the graph, the backfill settings and root, the Job template.

use anyhow::Context;
use backfill::launch::kubernetes::KubernetesBackfills;
use backfill::BackfillSettings;
use ingest_trigger::kubernetes::JobSettings;
use shared::backfill::BackfillStore;
use shared::config::{connect_graph, GraphSettings};
use shared::domain::{FeatureSetName, ModelVersion};
use shared::graph::SharedGraph;

use crate::cli::Target;

/// The root of local runs when BACKFILL_ROOT is unset (next to the local stack's database).
pub const LOCAL_ROOT: &str = ".run/backfills";

/// The graph the functions use (NEO4J_* or SQLITE_PATH).
pub async fn graph() -> anyhow::Result<SharedGraph> {
    let settings = GraphSettings::from_env()?;
    connect_graph(&settings).await.context("connecting to the graph")
}

/// `BACKFILL_*`.
pub fn settings() -> anyhow::Result<BackfillSettings> {
    Ok(BackfillSettings::from_env()?)
}

/// The backfill root: the option, else BACKFILL_ROOT, else [`LOCAL_ROOT`].
pub fn store(root: Option<&str>, settings: &BackfillSettings) -> anyhow::Result<BackfillStore> {
    let root = root.or(settings.root.as_deref()).unwrap_or(LOCAL_ROOT);
    let gcs_base_url = std::env::var("GCS_BASE_URL").ok().filter(|u| !u.is_empty());
    BackfillStore::open(root, gcs_base_url.as_deref()).with_context(|| format!("opening the backfill root {root}"))
}

/// The feature set and version of a command.
pub fn target(t: &Target) -> anyhow::Result<(FeatureSetName, ModelVersion)> {
    Ok((FeatureSetName::parse(&t.feature_set)?, ModelVersion::parse(&t.model_version)?))
}

/// Backfill Jobs with the JOB_* template (its image replaced by `image` when given).
pub async fn kubernetes(
    image: Option<&str>,
    settings: &BackfillSettings,
    parallelism: u32,
) -> anyhow::Result<KubernetesBackfills> {
    let mut job: JobSettings = shared::config::load("JOB_")?;
    if let Some(image) = image {
        job.image = Some(image.to_owned());
    }
    let template = job.template()?;
    Ok(KubernetesBackfills::connect(template, parallelism, settings.batch_size).await?)
}
