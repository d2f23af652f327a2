//! Nodes and bounded neighbourhoods for drawing, in the same shapes and
//! property names as the SQLite store.

use neo4rs::{query, BoltType, Graph};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

use crate::graph::walk::Walk;

use super::client::rows;
use super::convert::{column, to_f32};
use super::read::{images, objects};
use crate::domain::ObjectId;
use crate::graph::{GraphNode, GraphRelationship, Neighbourhood};
use crate::Result;

const FEATURES: &str = "
    UNWIND $ids AS id
    MATCH (f:Feature {id: id})
    OPTIONAL MATCH (f)-[:PRODUCED_BY]->(r:Run)
    WITH f, head(collect(r)) AS r
    RETURN f.id AS id, {object_id: f.object_id, model_version: f.model_version, dim: f.dim,
        embedding: CASE WHEN $with_embedding THEN f.embedding END, job_id: f.job_id, detector: f.detector,
        embedder: f.embedder, image_sha256: f.image_sha256, image_generation: f.image_generation,
        created_at: f.created_at, host: r.host, processor: r.processor, execution_provider: r.execution_provider,
        started_at: r.started_at, finished_at: r.finished_at, source_uri: r.uri} AS f";

const EDGES: &str = "
    UNWIND $ids AS id MATCH (:Image {id: id})-[r:CONTAINS]->(m:Object)
    RETURN id, type(r) AS kind, id AS start, m.id AS end, r.model_version AS model_version, null AS distance, null AS iou
    UNION ALL
    UNWIND $ids AS id MATCH (:Object {id: id})-[r:CONTAINS|HAS_FEATURE|NEAR|OVERLAPS]-()
    RETURN id, type(r) AS kind, startNode(r).id AS start, endNode(r).id AS end, r.model_version AS model_version,
           r.distance AS distance, r.iou AS iou
    UNION ALL
    UNWIND $ids AS id MATCH (o:Object)-[r:HAS_FEATURE]->(:Feature {id: id})
    RETURN id, type(r) AS kind, o.id AS start, id AS end, r.model_version AS model_version, null AS distance, null AS iou";

#[derive(Deserialize)]
struct FeatureRow {
    object_id: String,
    model_version: String,
    dim: i64,
    embedding: Option<Vec<f64>>,
    job_id: String,
    detector: String,
    embedder: String,
    image_sha256: String,
    image_generation: Option<i64>,
    created_at: String,
    host: Option<String>,
    processor: Option<String>,
    execution_provider: Option<String>,
    started_at: Option<String>,
    finished_at: Option<String>,
    source_uri: Option<String>,
}

impl FeatureRow {
    fn into_properties(self) -> Map<String, Value> {
        let mut props = to_map(json!({
            "object_id": self.object_id, "model_version": self.model_version, "dim": self.dim,
            "lineage": {
                "job_id": self.job_id, "detector": self.detector, "embedder": self.embedder,
                "image_sha256": self.image_sha256, "image_generation": self.image_generation,
                "created_at": self.created_at, "host": self.host, "processor": self.processor,
                "execution_provider": self.execution_provider, "started_at": self.started_at,
                "finished_at": self.finished_at, "source_uri": self.source_uri,
            }
        }));
        if let Some(e) = self.embedding {
            props.insert("embedding".into(), json!(to_f32(e)));
        }
        props
    }
}

fn to_map(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn graph_node(id: String, kind: &str, properties: Map<String, Value>) -> GraphNode {
    GraphNode { id, kind: kind.into(), labels: vec![kind.into()], properties }
}

/// Nodes by id, in the order asked; unknown ids are left out. Feature vectors only `with_embedding`.
async fn nodes(graph: &Graph, ids: &[String], with_embedding: bool) -> Result<Vec<GraphNode>> {
    let mut found: HashMap<String, GraphNode> = HashMap::new();
    let (image_ids, short): (Vec<String>, Vec<String>) = ids.iter().cloned().partition(|i| i.len() == 64);
    for img in images(graph, &image_ids).await? {
        let mut props = to_map(json!(img));
        props.remove("id");
        found.insert(img.id.to_string(), graph_node(img.id.to_string(), "Image", props));
    }
    let object_ids = short.iter().map(|s| ObjectId::parse(s)).collect::<Result<Vec<_>>>()?;
    for o in objects(graph, &object_ids, false).await? {
        let mut props = to_map(json!(o));
        props.remove("id");
        found.insert(o.id.to_string(), graph_node(o.id.to_string(), "Object", props));
    }
    let rest: Vec<BoltType> = short.iter().filter(|s| !found.contains_key(*s)).map(|s| s.as_str().into()).collect();
    if !rest.is_empty() {
        for row in rows(graph, query(FEATURES).param("ids", rest).param("with_embedding", with_embedding)).await? {
            let id: String = column(&row, "id")?;
            let props = column::<FeatureRow>(&row, "f")?.into_properties();
            found.insert(id.clone(), graph_node(id, "Feature", props));
        }
    }
    Ok(ids.iter().filter_map(|i| found.remove(i)).collect())
}

pub(super) async fn node(graph: &Graph, id: &str) -> Result<Option<GraphNode>> {
    Ok(nodes(graph, &[id.to_owned()], true).await?.pop())
}

#[derive(Deserialize)]
struct EdgeRow {
    /// The node whose edges were asked for.
    #[serde(rename = "id")]
    of: String,
    kind: String,
    start: String,
    end: String,
    model_version: Option<String>,
    distance: Option<f64>,
    iou: Option<f64>,
}

impl EdgeRow {
    fn into_relationship(self) -> GraphRelationship {
        let props = match self.kind.as_str() {
            "CONTAINS" | "HAS_FEATURE" => json!({"model_version": self.model_version}),
            _ => match (self.distance, self.iou) {
                (Some(d), _) => json!({"distance": d as f32}),
                (None, Some(i)) => json!({"iou": i as f32}),
                _ => json!({}),
            },
        };
        GraphRelationship {
            id: format!("{}:{}:{}", self.kind, self.start, self.end),
            kind: self.kind,
            start: self.start,
            end: self.end,
            properties: to_map(props),
        }
    }
}

/// Relationships touching each of `ids`, grouped by that id, in a stable order.
async fn edges_of(graph: &Graph, ids: &[String]) -> Result<HashMap<String, Vec<GraphRelationship>>> {
    let list: Vec<BoltType> = ids.iter().map(|i| i.as_str().into()).collect();
    let mut out: HashMap<String, Vec<GraphRelationship>> = HashMap::new();
    for row in rows(graph, query(EDGES).param("ids", list)).await? {
        let edge =
            row.to::<EdgeRow>().map_err(|e| crate::Error::backend(super::BACKEND, e).context("decoding edge"))?;
        out.entry(edge.of.clone()).or_default().push(edge.into_relationship());
    }
    for edges in out.values_mut() {
        edges.sort_by(|a, b| a.id.cmp(&b.id));
    }
    Ok(out)
}

/// Breadth-first up to `depth` hops, one query per hop, at most `limit` nodes.
pub(super) async fn neighbourhood(graph: &Graph, id: &str, depth: u8, limit: usize) -> Result<Option<Neighbourhood>> {
    let Some(centre) = node(graph, id).await? else { return Ok(None) };
    let mut walk = Walk::new(id, limit);
    let mut frontier = vec![id.to_owned()];
    for _ in 0..depth {
        if frontier.is_empty() {
            break;
        }
        let mut edges = edges_of(graph, &frontier).await?;
        let mut next = Vec::new();
        for current in &frontier {
            for e in edges.remove(current).unwrap_or_default() {
                next.extend(walk.step(current, e));
            }
        }
        frontier = next;
    }
    let mut nodes_out = vec![centre];
    // Vectors stay out of neighbourhoods; the inspector fetches them per node.
    nodes_out.extend(nodes(graph, walk.reached(), false).await?);
    Ok(Some(walk.finish(nodes_out)))
}
