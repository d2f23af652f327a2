//! HTTP tests of `feature-service`, each on its own server and store.

mod backfills;
mod explore;
mod helpers;
mod lookups;
mod openapi;
mod versions;
