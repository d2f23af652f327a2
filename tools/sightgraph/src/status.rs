//! `sightgraph backfill status`: the latest run of a version, as one line.

use anyhow::bail;
use backfill::launch::kubernetes::KubernetesBackfills;
use backfill::launch::RunState;
use backfill::status::{latest_run, manifest, progress};
use shared::backfill::{BackfillManifest, BackfillStore};
use shared::graph::GraphStore;
use std::process::ExitCode;
use std::time::Duration;

use crate::cli::{LauncherChoice, StatusArgs};
use crate::context;

/// Runs the command.
pub async fn run(args: &StatusArgs) -> anyhow::Result<ExitCode> {
    let settings = context::settings()?;
    let (set, version) = context::target(&args.target)?;
    let graph = context::graph().await?;
    let store = context::store(args.root.as_deref(), &settings)?;
    match args.launcher {
        LauncherChoice::Kubernetes => {
            let backfills = context::kubernetes(None, &settings, settings.parallelism).await?;
            let Some((run, _)) = backfills.runs(&set, &version).await?.into_iter().next() else {
                bail!("no backfill Job of {version} in the cluster (finished Jobs are deleted after JOB_TTL_SECONDS)");
            };
            let m = manifest(&store, &run).await?;
            if args.watch {
                return follow(&backfills, graph.as_ref(), &store, &m).await;
            }
            let job = backfills.runs(&set, &version).await?.into_iter().find(|(r, _)| r == &run).map(|(_, j)| j);
            println!("{}", progress(&store, graph.as_ref(), &m, job).await?.line());
        }
        LauncherChoice::Local => {
            let Some(m) = latest_run(&store, &set, &version).await? else {
                bail!("no backfill of {version} under {}", store.root());
            };
            loop {
                let now = progress(&store, graph.as_ref(), &m, None).await?;
                println!("{}", now.line());
                if !args.watch || now.done >= now.total {
                    break;
                }
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints the run's line every 5 s until its Job ends; fails when the Job failed.
pub async fn follow(
    backfills: &KubernetesBackfills,
    graph: &dyn GraphStore,
    store: &BackfillStore,
    m: &BackfillManifest,
) -> anyhow::Result<ExitCode> {
    loop {
        let job = backfills
            .runs(&m.feature_set, &m.model_version)
            .await?
            .into_iter()
            .find(|(run, _)| run == &m.run)
            .map(|(_, j)| j);
        let now = progress(store, graph, m, job).await?;
        println!("{}", now.line());
        match now.state() {
            RunState::Running => tokio::time::sleep(Duration::from_secs(5)).await,
            RunState::Complete => return Ok(ExitCode::SUCCESS),
            RunState::Failed(_) => return Ok(ExitCode::FAILURE),
        }
    }
}
