//! HTTP tests of `feature-service`, each on its own server and store.

mod deleted;
mod explore;
mod helpers;
mod images;
mod lookups;
mod openapi;
mod versions;
