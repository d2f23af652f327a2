//! The one place that picks the concrete [`JobLauncher`](shared::launcher::JobLauncher) from config.

use shared::launcher::{LocalLauncher, LocalLauncherConfig, SharedLauncher};
use shared::Result;
use std::sync::Arc;

use crate::kubernetes::KubernetesLauncher;
use crate::{LauncherKind, Settings};

/// Builds the launcher `LAUNCHER` names.
pub async fn connect_launcher(settings: &Settings) -> Result<SharedLauncher> {
    let launcher: SharedLauncher = match settings.launcher {
        LauncherKind::Kubernetes => Arc::new(KubernetesLauncher::connect(settings.job_template()?).await?),
        LauncherKind::Local => Arc::new(LocalLauncher::new(local_config(settings))?),
    };
    tracing::info!(launcher = launcher.kind(), "job launcher ready");
    Ok(launcher)
}

/// The local launcher's configuration: `LOCAL_*`, with the Job's retry rule.
pub fn local_config(settings: &Settings) -> LocalLauncherConfig {
    let local = &settings.local;
    LocalLauncherConfig {
        program: local.processor_bin.clone(),
        args: (local.sink.iter().flat_map(|s| ["--sink".to_owned(), s.clone()]))
            .chain(local.pubsub_topic.iter().flat_map(|t| ["--publish".to_owned(), t.clone()]))
            .collect(),
        env: vec![],
        max_concurrency: local.max_concurrency,
        backoff_limit: u32::try_from(settings.job.backoff_limit).unwrap_or(0),
        log_dir: local.log_dir.clone(),
    }
}
