//! The graph store: the source of truth for images, objects, features,
//! relations, lineage and feature-set versions.
//!
//! [`GraphStore`] is backend-free; `sqlite` is the embedded backend, `neo4j`
//! the production one and `spanner` the one that scales past one server.
//! [`crate::config::connect_graph`] is the one place that picks between them.

mod coverage;
mod guarded;
mod model;
pub mod neo4j;
mod pattern;
pub mod spanner;
pub mod sqlite;
mod store;
mod vector;
mod walk;

pub use coverage::{Coverage, ImageQuery, VersionCoverage, MAX_IMAGE_PAGE};
pub use guarded::BreakerGraph;
pub use model::{
    FeatureSetState, GraphCounts, GraphNode, GraphRelationship, ImageFeatures, ImageRecord, ImageSelector, Location,
    LocationRemoval, Neighbourhood, ObjectFeatures, Similar, VersionChange, WriteSummary,
};
pub use pattern::{ObjectPattern, PatternCursor, PatternMatch, PatternPage, PatternQuery, RelationPattern};
pub use store::{GraphStore, SharedGraph};
pub use vector::{VectorQuery, MAX_VECTOR_DIM, MAX_VECTOR_K};
