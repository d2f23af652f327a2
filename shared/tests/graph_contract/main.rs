//! The graph store contract: each behaviour is written once as
//! `check_<behaviour>(&dyn GraphStore)` and run against every backend —
//! SQLite in memory, and the Neo4j and the Cloud Spanner emulator of the test
//! services (`scripts/services/all.sh up`, or `just test`).

mod helpers;
#[macro_use]
mod stores;
mod concurrency;
mod coverage;
mod locations;
mod lookups;
mod nodes;
mod patterns;
mod similarity;
mod spanner_schema;
mod timeouts;
mod versions;
mod writes;
