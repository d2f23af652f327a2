//! HTTP tests of `feature-ingestor`, each on its own server and store.

mod helpers;
mod ingest;
mod limits;
mod pubsub;
mod push_auth;
