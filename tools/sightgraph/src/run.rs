//! `sightgraph backfill run`: plan, launch, follow.

use anyhow::{bail, Context};
use backfill::launch::local::LocalBackfills;
use backfill::launch::{Launched, RunState};
use backfill::plan::{plan, Plan, PlanRequest};
use backfill::status::progress;
use indicatif::{ProgressBar, ProgressStyle};
use shared::backfill::{BackfillManifest, BackfillStore, Scope};
use shared::graph::SharedGraph;
use shared::launcher::LocalLauncherConfig;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use crate::cli::{LauncherChoice, RunArgs};
use crate::context;

/// Runs the command.
pub async fn run(args: &RunArgs) -> anyhow::Result<ExitCode> {
    let settings = context::settings()?;
    let (set, version) = context::target(&args.target)?;
    let scope = Scope::parse(&args.scope)?;
    let graph = context::graph().await?;
    let store = context::store(args.root.as_deref(), &settings)?;
    let processor = match args.launcher {
        LauncherChoice::Local => {
            let dir = model_dir(args)?;
            check_model_version(&dir, version.as_str())?;
            format!("local:{}", dir.display())
        }
        LauncherChoice::Kubernetes => match args.image.clone().or_else(|| std::env::var("JOB_IMAGE").ok()) {
            Some(image) => image,
            None => bail!("--image (or JOB_IMAGE) names the cv-processor image that produces {version}"),
        },
    };
    let request = PlanRequest {
        feature_set: set.clone(),
        model_version: version.clone(),
        processor,
        scope,
        shards: args.shards,
        shard_size: settings.shard_size,
        chunk_size: settings.chunk_size,
        created_by: "cli".into(),
    };
    let manifest = match plan(graph.as_ref(), &store, &request).await? {
        Plan::Nothing { unusable } => {
            println!("nothing to do: every image of {set} in scope has {version} ({unusable} unusable images skipped)");
            return Ok(ExitCode::SUCCESS);
        }
        Plan::Run { manifest, existed, unusable } => {
            let again = if existed { " (planned before)" } else { "" };
            println!(
                "run {}{again}: {} images in {} shards, {unusable} known-unusable skipped; root {}",
                manifest.run,
                manifest.images,
                manifest.shards,
                store.root()
            );
            manifest
        }
    };
    match args.launcher {
        LauncherChoice::Local => local(args, &settings, graph, &store, &manifest).await,
        LauncherChoice::Kubernetes => cluster(args, &settings, graph, &store, &manifest).await,
    }
}

fn model_dir(args: &RunArgs) -> anyhow::Result<PathBuf> {
    let dir = args
        .model_dir
        .clone()
        .context("--model-dir (or SIGHTGRAPH_MODEL_DIR) names the models that produce the version")?;
    std::fs::canonicalize(&dir).with_context(|| format!("model folder {}", dir.display()))
}

fn check_model_version(dir: &Path, want: &str) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(dir.join("manifest.json"))
        .with_context(|| format!("reading {}/manifest.json", dir.display()))?;
    let manifest: serde_json::Value = serde_json::from_str(&text)?;
    let got = manifest["model_version"].as_str().unwrap_or_default();
    if got != want {
        bail!("{} holds models of version {got}, not {want}", dir.display());
    }
    Ok(())
}

async fn local(
    args: &RunArgs,
    settings: &backfill::BackfillSettings,
    graph: SharedGraph,
    store: &BackfillStore,
    manifest: &BackfillManifest,
) -> anyhow::Result<ExitCode> {
    let (sink, _ingestor) = match &args.sink {
        Some(url) => (url.clone(), None),
        None => {
            let (url, task) = crate::sink::embedded_ingestor(graph.clone(), manifest.feature_set.clone()).await?;
            (url, Some(task))
        }
    };
    let program = match &args.processor_bin {
        Some(p) => p.clone(),
        None => std::env::current_exe()?.with_file_name("cv-processor"),
    };
    let log_dir = match Path::new(store.root()) {
        root if root.is_dir() => root.join("logs").join(manifest.run.as_str()),
        _ => std::env::temp_dir().join("sightgraph-backfill").join(manifest.run.as_str()),
    };
    let config = LocalLauncherConfig {
        program,
        args: vec![],
        env: vec![("SIGHTGRAPH_MODEL_DIR".into(), model_dir(args)?.display().to_string())],
        max_concurrency: args.parallelism.unwrap_or(2).max(1) as usize,
        backoff_limit: 2,
        log_dir: log_dir.clone(),
    };
    let shards = LocalBackfills::new(config, sink, settings.batch_size)?;
    shards.launch(manifest, store.root())?;
    let bar = bar(manifest.images);
    loop {
        let state = shards.state(manifest);
        let now = progress(store, graph.as_ref(), manifest, Some(state.clone())).await?;
        bar.set_position(now.done);
        bar.set_message(format!("{} failed", now.failed));
        if state.state != RunState::Running {
            bar.finish_and_clear();
            println!("{}", now.line());
            if let RunState::Failed(_) = state.state {
                eprintln!("shard logs: {}", log_dir.display());
                return Ok(ExitCode::FAILURE);
            }
            return Ok(ExitCode::SUCCESS);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

async fn cluster(
    args: &RunArgs,
    settings: &backfill::BackfillSettings,
    graph: SharedGraph,
    store: &BackfillStore,
    manifest: &BackfillManifest,
) -> anyhow::Result<ExitCode> {
    let parallelism = args.parallelism.unwrap_or(settings.parallelism);
    let backfills = context::kubernetes(Some(&manifest.processor), settings, parallelism).await?;
    let launched = backfills.launch(manifest, store.root()).await?;
    let what = if launched == Launched::Created { "created" } else { "exists already" };
    println!("Job {} {what}: {} shards, {parallelism} at a time", backfill::job::job_name(manifest), manifest.shards);
    if args.no_wait {
        return Ok(ExitCode::SUCCESS);
    }
    crate::status::follow(&backfills, graph.as_ref(), store, manifest).await
}

/// The local progress bar: images done / total, images/s, ETA, failures.
pub fn bar(total: u64) -> ProgressBar {
    let bar = ProgressBar::new(total);
    let style = ProgressStyle::with_template("{spinner} {pos}/{len} images [{bar:30}] {per_sec} ETA {eta} {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    bar.set_style(style);
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}
