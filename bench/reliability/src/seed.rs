//! Objects that live in the graph: synthetic documents written to a Neo4j
//! under a feature set of the scenario's own.

use anyhow::Result;
use futures::StreamExt;
use shared::domain::{FeatureSetName, ObjectId};
use shared::graph::neo4j::Neo4jGraphStore;
use shared::graph::GraphStore;

use crate::docs::{document, version};
use shared::testing::random_u64;

/// What was written.
pub struct Seeded {
    /// The feature set (its first version is active).
    pub set: FeatureSetName,
    /// Every object id, in writing order.
    pub ids: Vec<ObjectId>,
}

impl Seeded {
    /// Writes `images` documents of `per_image` objects, four at a time.
    pub async fn write(uri: &str, password: &str, images: usize, per_image: usize) -> Result<Self> {
        let graph = Neo4jGraphStore::connect(uri, "neo4j", password, None, 4).await?;
        graph.ensure_schema().await?;
        let set = FeatureSetName::parse(&format!("reliability-{:016x}", random_u64()))?;
        let version = version();
        let docs: Vec<_> = (0..images).map(|_| document(&version, per_image)).collect();
        let results: Vec<_> = futures::stream::iter(docs.iter())
            .map(|d| graph.write_features(&set, d))
            .buffer_unordered(4)
            .collect()
            .await;
        for r in results {
            r?;
        }
        let ids = docs.iter().flat_map(|d| d.objects.iter().map(|o| o.id.clone())).collect();
        Ok(Self { set, ids })
    }
}
