//! The reliability suite: each scenario starts what it needs (its own Redis
//! or Neo4j through `scripts/services/`, the function binaries as child
//! processes, or the local stack in-process), injects one fault while real
//! traffic flows, and returns its figures with the goals checked.
//! `just reliability` runs the full forms and writes
//! `bench/results/reliability-<date>.md`; `tests/short.rs` runs the short
//! forms in `just test`.

pub mod docs;
pub mod duplicates;
pub mod images;
pub mod load;
pub mod neo4j_lookup;
pub mod neo4j_restart;
pub mod redis_outage;
pub mod report;
pub mod seed;
pub mod services;
