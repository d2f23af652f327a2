//! `reliability`: runs the scenarios of the reliability suite and prints
//! their figures as markdown (what `just reliability` commits).

use clap::{Parser, ValueEnum};
use reliability::{duplicates, neo4j_lookup, neo4j_restart, redis_outage};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Scenario {
    /// 1: duplicates and reordering through the local stack.
    Duplicates,
    /// 2: Redis killed under load.
    RedisOutage,
    /// 3: Neo4j restarted during ingest.
    Neo4jRestart,
    /// 5: slow or dead Neo4j on the lookup path.
    Neo4jLookup,
}

/// Fault scenarios against real servers on this machine (loopback only); each prints its figures.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Scenarios to run, in order (all when none is given).
    #[arg(value_enum)]
    scenarios: Vec<Scenario>,
    /// The shortened forms `just test` runs.
    #[arg(long)]
    short: bool,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    shared::telemetry::init(Default::default(), "warn");
    let scenarios = if args.scenarios.is_empty() {
        vec![Scenario::Duplicates, Scenario::RedisOutage, Scenario::Neo4jRestart, Scenario::Neo4jLookup]
    } else {
        args.scenarios
    };
    let mut missed = 0;
    for s in scenarios {
        let work = tempfile::tempdir()?;
        eprintln!("running {s:?}{}", if args.short { " (short)" } else { "" });
        let (markdown, goals) = match s {
            Scenario::Duplicates => {
                let plan = if args.short { duplicates::Plan::short() } else { duplicates::Plan::full() };
                let f = duplicates::run(&plan, work.path()).await?;
                (f.markdown(), f.goals())
            }
            Scenario::RedisOutage => {
                let plan = if args.short { redis_outage::Plan::short() } else { redis_outage::Plan::full() };
                let f = redis_outage::run(&plan, work.path()).await?;
                (f.markdown(), f.goals())
            }
            Scenario::Neo4jRestart => {
                let plan = if args.short { neo4j_restart::Plan::short() } else { neo4j_restart::Plan::full() };
                let f = neo4j_restart::run(&plan, work.path()).await?;
                (f.markdown(), f.goals())
            }
            Scenario::Neo4jLookup => {
                let plan = if args.short { neo4j_lookup::Plan::short() } else { neo4j_lookup::Plan::full() };
                let f = neo4j_lookup::run(&plan, work.path()).await?;
                (f.markdown(), f.goals())
            }
        };
        println!("{markdown}");
        missed += goals.iter().filter(|(_, met)| !met).count();
    }
    if missed > 0 {
        eprintln!("{missed} goal(s) missed; see the figures above");
    }
    Ok(())
}
