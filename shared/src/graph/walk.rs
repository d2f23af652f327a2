//! Bookkeeping of a bounded breadth-first walk, shared by both backends'
//! `neighbourhood` so truncation and relationship filtering agree.

use std::collections::{HashMap, HashSet};

use super::{GraphNode, GraphRelationship, Neighbourhood};

/// Nodes reached so far, in discovery order, and the relationships among them.
pub(crate) struct Walk {
    seen: HashSet<String>,
    order: Vec<String>,
    rels: HashMap<String, GraphRelationship>,
    limit: usize,
    truncated: bool,
}

impl Walk {
    /// A walk from `centre` that keeps at most `limit` nodes (the centre included).
    pub(crate) fn new(centre: &str, limit: usize) -> Self {
        Self {
            seen: HashSet::from([centre.to_owned()]),
            order: vec![centre.to_owned()],
            rels: HashMap::new(),
            limit: limit.max(1),
            truncated: false,
        }
    }

    /// Records `edge`, seen from `current`; returns the node it newly reaches, if any.
    pub(crate) fn step(&mut self, current: &str, edge: GraphRelationship) -> Option<String> {
        let other = if edge.start == current { edge.end.clone() } else { edge.start.clone() };
        let mut reached = None;
        if !self.seen.contains(&other) {
            if self.order.len() >= self.limit {
                self.truncated = true;
            } else {
                self.seen.insert(other.clone());
                self.order.push(other.clone());
                reached = Some(other);
            }
        }
        self.rels.entry(edge.id.clone()).or_insert(edge);
        reached
    }

    /// Every node reached, the centre excluded, in discovery order.
    pub(crate) fn reached(&self) -> &[String] {
        &self.order[1..]
    }

    /// The neighbourhood: `nodes` as loaded by the backend, relationships among kept nodes, sorted.
    pub(crate) fn finish(self, nodes: Vec<GraphNode>) -> Neighbourhood {
        let seen = self.seen;
        let mut relationships: Vec<_> =
            self.rels.into_values().filter(|r| seen.contains(&r.start) && seen.contains(&r.end)).collect();
        relationships.sort_by(|a, b| a.id.cmp(&b.id));
        Neighbourhood { nodes, relationships, truncated: self.truncated }
    }
}
