//! The local stack: every function's router in one process, an in-memory
//! broker that routes CloudEvents by type as Knative's Broker and Triggers
//! do, the local job launcher, the graph store `connect_graph` picks (SQLite
//! unless `SPANNER_DATABASE` or `NEO4J_URI` is set) and an in-process cache.
//! With [`LocalPubSub`] the documents travel through the Pub/Sub emulator
//! instead, as in the cluster.

mod broker;
pub mod demo;
mod finalize;
mod pubsub;
mod stack;
mod watch;

pub use broker::{Broker, Subscription};
pub use finalize::finalize_event;
pub use pubsub::{LocalPubSub, Wiring};
pub use stack::{RunningStack, StackConfig};
pub use watch::watch_bucket;
