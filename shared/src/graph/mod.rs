//! The graph store: the source of truth for images, objects, features,
//! relations, lineage and feature-set versions.
//!
//! [`GraphStore`] is backend-free; `sqlite` is the embedded backend and
//! `neo4j` the production one. [`crate::config::connect_graph`] is the one
//! place that picks between them.

mod coverage;
mod model;
pub mod neo4j;
mod pattern;
pub mod sqlite;
mod store;
mod vector;
mod walk;

pub use coverage::{Coverage, ImageQuery, VersionCoverage, MAX_IMAGE_PAGE};
pub use model::{
    FeatureSetState, GraphCounts, GraphNode, GraphRelationship, ImageFeatures, ImageRecord, ImageSelector, Location,
    Neighbourhood, ObjectFeatures, Similar, VersionChange, WriteSummary,
};
pub use pattern::{ObjectPattern, PatternMatch, PatternPage, PatternQuery, RelationPattern};
pub use store::{GraphStore, SharedGraph};
