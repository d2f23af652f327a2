//! HTTP tests of `feature-service`, each on its own server and store.

mod explore;
mod helpers;
mod images;
mod lookups;
mod openapi;
mod versions;
