//! Nodes and bounded neighbourhoods for drawing, in the same shapes and property names as
//! the other stores: at most three queries to load any set of nodes, one per hop for edges.

use gcloud_spanner::client::Client;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

use super::client::{rows, stmt};
use super::convert::{Columns, Fields, Timestamp, Vector};
use super::read::{images, objects};
use crate::domain::ObjectId;
use crate::graph::walk::Walk;
use crate::graph::{GraphNode, GraphRelationship, Neighbourhood};
use crate::Result;

const FEATURES: &str = "
    SELECT f.FeatureId, f.ObjectId, f.ModelVersion, f.Dim, f.JobId, f.Detector, f.Embedder, f.ImageId,
           f.ImageGeneration, f.CreatedAt, IF(@with_embedding, f.Embedding, NULL) AS Embedding,
           IF(@with_embedding, f.OtherEmbedding, NULL) AS OtherEmbedding,
           r.Host, r.Processor, r.ExecutionProvider, r.StartedAt, r.FinishedAt, r.Uri
    FROM Features@{FORCE_INDEX=FeaturesById} AS f
    LEFT JOIN Runs AS r ON r.ImageId = f.ImageId AND r.ModelVersion = f.ModelVersion AND r.JobId = f.JobId
    WHERE f.FeatureId IN UNNEST(@ids)";

fn to_map(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn graph_node(id: String, kind: &str, properties: Map<String, Value>) -> GraphNode {
    GraphNode { id, kind: kind.into(), labels: vec![kind.into()], properties }
}

fn rfc3339(t: Option<Timestamp>) -> Option<String> {
    t.map(|t| t.0.to_rfc3339())
}

fn feature_properties(c: &Columns<'_>) -> Result<Map<String, Value>> {
    let mut props = to_map(json!({
        "object_id": c.get::<String>("ObjectId")?, "model_version": c.get::<String>("ModelVersion")?,
        "dim": c.get::<i64>("Dim")?,
        "lineage": {
            "job_id": c.get::<String>("JobId")?, "detector": c.get::<String>("Detector")?,
            "embedder": c.get::<String>("Embedder")?, "image_sha256": c.get::<String>("ImageId")?,
            "image_generation": c.get::<Option<i64>>("ImageGeneration")?,
            "created_at": rfc3339(c.get::<Option<Timestamp>>("CreatedAt")?),
            "host": c.get::<Option<String>>("Host")?, "processor": c.get::<Option<String>>("Processor")?,
            "execution_provider": c.get::<Option<String>>("ExecutionProvider")?,
            "started_at": rfc3339(c.get::<Option<Timestamp>>("StartedAt")?),
            "finished_at": rfc3339(c.get::<Option<Timestamp>>("FinishedAt")?),
            "source_uri": c.get::<Option<String>>("Uri")?,
        }
    }));
    if let Some(v) = c.get::<Option<Vector>>("Embedding")?.or(c.get::<Option<Vector>>("OtherEmbedding")?) {
        props.insert("embedding".into(), json!(v.0));
    }
    Ok(props)
}

/// Nodes by id, in the order asked; unknown ids are left out. Feature vectors only `with_embedding`.
async fn nodes(client: &Client, ids: &[String], with_embedding: bool) -> Result<Vec<GraphNode>> {
    let mut found: HashMap<String, GraphNode> = HashMap::new();
    let (image_ids, short): (Vec<String>, Vec<String>) = ids.iter().cloned().partition(|i| i.len() == 64);
    for img in images(client, &image_ids).await? {
        let mut props = to_map(json!(img));
        props.remove("id");
        found.insert(img.id.to_string(), graph_node(img.id.to_string(), "Image", props));
    }
    let object_ids = short.iter().map(|s| ObjectId::parse(s)).collect::<Result<Vec<_>>>()?;
    for o in objects(client, &object_ids, false).await? {
        let mut props = to_map(json!(o));
        props.remove("id");
        found.insert(o.id.to_string(), graph_node(o.id.to_string(), "Object", props));
    }
    let rest: Vec<String> = short.into_iter().filter(|s| !found.contains_key(s)).collect();
    if !rest.is_empty() {
        let q = stmt(FEATURES, |s| {
            s.add_param("ids", &rest);
            s.add_param("with_embedding", &with_embedding);
        });
        for row in rows(client, q).await? {
            let c = Columns::of(&row);
            let id: String = c.get("FeatureId")?;
            found.insert(id.clone(), graph_node(id, "Feature", feature_properties(&c)?));
        }
    }
    Ok(ids.iter().filter_map(|i| found.remove(i)).collect())
}

pub(super) async fn node(client: &Client, id: &str) -> Result<Option<GraphNode>> {
    Ok(nodes(client, &[id.to_owned()], true).await?.pop())
}

/// Every relationship touching each id, as (`Owner`, kind, start, end, properties): an image's
/// CONTAINS; an object's CONTAINS, HAS_FEATURE, NEAR and OVERLAPS (all within its image's
/// interleaved rows); a feature's HAS_FEATURE.
const EDGES: &str = "
    SELECT o.ImageId AS Owner, 'CONTAINS' AS Kind, o.ImageId AS StartId, o.ObjectId AS EndId, o.ModelVersion,
           CAST(NULL AS FLOAT64) AS Distance, CAST(NULL AS FLOAT64) AS Iou
      FROM Objects AS o WHERE o.ImageId IN UNNEST(@images)
    UNION ALL
    SELECT o.ObjectId, 'CONTAINS', o.ImageId, o.ObjectId, o.ModelVersion, NULL, NULL
      FROM Objects@{FORCE_INDEX=ObjectsById} AS o WHERE o.ObjectId IN UNNEST(@short)
    UNION ALL
    SELECT o.ObjectId, 'HAS_FEATURE', o.ObjectId, f.FeatureId, f.ModelVersion, NULL, NULL
      FROM Objects@{FORCE_INDEX=ObjectsById} AS o
      JOIN Features AS f ON f.ImageId = o.ImageId AND f.ObjectId = o.ObjectId
      WHERE o.ObjectId IN UNNEST(@short)
    UNION ALL
    SELECT o.ObjectId, r.Kind, r.FromId, r.ToId, r.ModelVersion, r.Distance, r.Iou
      FROM Objects@{FORCE_INDEX=ObjectsById} AS o
      JOIN Relations AS r ON r.ImageId = o.ImageId AND (r.FromId = o.ObjectId OR r.ToId = o.ObjectId)
      WHERE o.ObjectId IN UNNEST(@short)
    UNION ALL
    SELECT f.FeatureId, 'HAS_FEATURE', f.ObjectId, f.FeatureId, f.ModelVersion, NULL, NULL
      FROM Features@{FORCE_INDEX=FeaturesById} AS f WHERE f.FeatureId IN UNNEST(@short)";

fn relationship(c: &Columns<'_>) -> Result<GraphRelationship> {
    let (kind, start, end): (String, String, String) = (c.get("Kind")?, c.get("StartId")?, c.get("EndId")?);
    let props = match kind.as_str() {
        "CONTAINS" | "HAS_FEATURE" => json!({"model_version": c.get::<String>("ModelVersion")?}),
        _ => match (c.get::<Option<f64>>("Distance")?, c.get::<Option<f64>>("Iou")?) {
            (Some(d), _) => json!({"distance": d as f32}),
            (None, Some(i)) => json!({"iou": i as f32}),
            _ => json!({}),
        },
    };
    Ok(GraphRelationship { id: format!("{kind}:{start}:{end}"), kind, start, end, properties: to_map(props) })
}

/// Relationships touching each of `ids`, grouped by that id, in a stable order.
async fn edges_of(client: &Client, ids: &[String]) -> Result<HashMap<String, Vec<GraphRelationship>>> {
    let (image_ids, short): (Vec<String>, Vec<String>) = ids.iter().cloned().partition(|i| i.len() == 64);
    let q = stmt(EDGES, |s| {
        s.add_param("images", &image_ids);
        s.add_param("short", &short);
    });
    let mut out: HashMap<String, Vec<GraphRelationship>> = HashMap::new();
    for row in rows(client, q).await? {
        let c = Columns::of(&row);
        out.entry(c.get::<String>("Owner")?).or_default().push(relationship(&c)?);
    }
    for edges in out.values_mut() {
        edges.sort_by(|a, b| a.id.cmp(&b.id));
    }
    Ok(out)
}

/// Breadth-first up to `depth` hops, one query per hop, at most `limit` nodes.
pub(super) async fn neighbourhood(client: &Client, id: &str, depth: u8, limit: usize) -> Result<Option<Neighbourhood>> {
    let Some(centre) = node(client, id).await? else { return Ok(None) };
    let mut walk = Walk::new(id, limit);
    let mut frontier = vec![id.to_owned()];
    for _ in 0..depth {
        if frontier.is_empty() {
            break;
        }
        let mut edges = edges_of(client, &frontier).await?;
        let mut next = Vec::new();
        for current in &frontier {
            for e in edges.remove(current).unwrap_or_default() {
                next.extend(walk.step(current, e));
            }
        }
        frontier = next;
    }
    let mut out = vec![centre];
    // Vectors stay out of neighbourhoods; the inspector fetches them per node.
    out.extend(nodes(client, walk.reached(), false).await?);
    Ok(Some(walk.finish(out)))
}
