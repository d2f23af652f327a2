//! `sightgraph backfill activate`: the coverage-checked, audited switch.

use shared::domain::{FeatureSetName, ModelVersion};
use std::process::ExitCode;

use crate::cli::ActivateArgs;
use crate::context;

/// Runs the command; a refusal (too little coverage) exits 2 with the reason.
pub async fn run(args: &ActivateArgs) -> anyhow::Result<ExitCode> {
    let set = FeatureSetName::parse(&args.feature_set)?;
    let version = ModelVersion::parse(&args.version)?;
    let graph = context::graph().await?;
    match backfill::activate::activate(graph.as_ref(), &set, &version, &args.actor, args.min_coverage, args.force).await
    {
        Ok(change) => {
            let coverage = change.coverage.unwrap_or_default() * 100.0;
            let from = change.from.as_ref().map_or_else(|| "nothing".to_owned(), ToString::to_string);
            println!("{set}: {from} → {} by {} at {:.1}% coverage", change.to, change.actor, coverage);
            Ok(ExitCode::SUCCESS)
        }
        Err(shared::Error::Conflict(why)) => {
            eprintln!("refused: {why}");
            Ok(ExitCode::from(2))
        }
        Err(e) => Err(e.into()),
    }
}
