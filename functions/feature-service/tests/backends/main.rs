//! `feature-service` over the production backends: Neo4j and Redis of the
//! test services (`scripts/services/all.sh up`, or `just test`), and own
//! instances that tests stop mid-test to check the failure semantics.

mod helpers;
mod metrics;
mod neo4j_down;
mod production;
mod redis_down;
