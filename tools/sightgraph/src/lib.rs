//! The `sightgraph` command line: [`cli`] parses it; `backfill run` ([`run`]) plans a
//! backfill and launches it (child processes with a progress bar locally, one Indexed
//! Job in the cluster), [`status`] follows it, [`compare`] writes the comparison
//! report, [`activate`] switches the active version after the coverage check.

pub mod activate;
pub mod cli;
pub mod compare;
pub mod context;
pub mod run;
pub mod sink;
pub mod status;

use std::process::ExitCode;

use cli::{BackfillCommand, Cli, Command};

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Backfill { command } => match command {
            BackfillCommand::Run(args) => run::run(&args).await,
            BackfillCommand::Status(args) => status::run(&args).await,
            BackfillCommand::Compare(args) => compare::run(&args).await,
            BackfillCommand::Activate(args) => activate::run(&args).await,
        },
    }
}
