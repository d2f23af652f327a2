//! HTTP tests of the real router on a free port, fed from `fixtures/events/`.

mod contract;
mod dedup;
mod fixtures;
mod helpers;
mod push_auth;
mod redelivery;
