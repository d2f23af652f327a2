//! HTTP tests of `feature-service`, each on its own server and store.

mod encodings;
mod explore;
mod feast;
mod helpers;
mod lookups;
mod openapi;
mod similar;
mod versions;
