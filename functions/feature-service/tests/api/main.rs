//! HTTP tests of `feature-service`, each on its own server and store.

mod backfills;
mod deleted;
mod encodings;
mod explore;
mod feast;
mod helpers;
mod images;
mod lookups;
mod openapi;
mod similar;
mod versions;
