//! `sightgraph backfill compare`: the report as JSON and a Markdown table in the
//! results folder, the table on stdout.

use anyhow::Context;
use backfill::compare::{compare, render};
use shared::backfill::version_key;
use shared::domain::{FeatureSetName, ModelVersion};
use std::process::ExitCode;

use crate::cli::CompareArgs;
use crate::context;

/// A file-name-safe short form: the detector's name and a hash of the whole version.
fn slug(version: &ModelVersion) -> String {
    let name = version.as_str().split('@').next().unwrap_or_default();
    format!("{name}-{}", &version_key(version)[2..8])
}

/// Runs the command.
pub async fn run(args: &CompareArgs) -> anyhow::Result<ExitCode> {
    let set = FeatureSetName::parse(&args.feature_set)?;
    let to = ModelVersion::parse(&args.to)?;
    let graph = context::graph().await?;
    let from = match &args.from {
        Some(from) => ModelVersion::parse(from)?,
        None => graph
            .active_version(&set)
            .await?
            .with_context(|| format!("{set} has no active version: name the version to compare from with --from"))?,
    };
    let report = compare(graph.as_ref(), &set, &from, &to, args.limit).await?;
    let table = render(&report);
    std::fs::create_dir_all(&args.out_dir).with_context(|| format!("creating {}", args.out_dir.display()))?;
    let stem = format!("compare-{}-to-{}-{}", slug(&from), slug(&to), report.generated_at.format("%Y-%m-%d"));
    let (json, md) = (args.out_dir.join(format!("{stem}.json")), args.out_dir.join(format!("{stem}.md")));
    std::fs::write(&json, serde_json::to_vec_pretty(&report)?)
        .with_context(|| format!("writing {}", json.display()))?;
    std::fs::write(&md, &table).with_context(|| format!("writing {}", md.display()))?;
    print!("{table}");
    println!("\nwritten: {} and {}", json.display(), md.display());
    Ok(ExitCode::SUCCESS)
}
