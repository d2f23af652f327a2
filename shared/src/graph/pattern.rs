//! Structured pattern queries: "images with a person NEAR a blue car".
//!
//! Only typed values reach a backend; each backend compiles the query to
//! parameterised SQL or Cypher.

use serde::{Deserialize, Serialize};

use super::{ImageRecord, ObjectFeatures};
use crate::domain::{ColorName, Label, ModelVersion};
use crate::schema::{Relation, RelationKind};
use crate::{Error, Result};

/// Largest page a pattern query returns.
pub const MAX_LIMIT: u32 = 100;

/// Constraints on one side of the pattern; all optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectPattern {
    /// Class label.
    #[serde(default)]
    pub label: Option<Label>,
    /// Dominant colour.
    #[serde(default)]
    pub color: Option<ColorName>,
}

/// The relation between the two sides.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelationPattern {
    /// NEAR or OVERLAPS.
    #[serde(rename = "type")]
    pub kind: RelationKind,
    /// Upper bound on the NEAR distance.
    #[serde(default)]
    pub max_distance: Option<f32>,
}

/// The whole query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatternQuery {
    /// First object.
    #[serde(default)]
    pub subject: ObjectPattern,
    /// Relation.
    pub relation: RelationPattern,
    /// Second object.
    #[serde(default)]
    pub object: ObjectPattern,
    /// Model version; the active one when absent.
    #[serde(default)]
    pub version: Option<ModelVersion>,
    /// Page size (1..=100, default 20).
    #[serde(default = "default_limit")]
    pub limit: u32,
    /// Matches to skip.
    #[serde(default)]
    pub offset: u32,
}

fn default_limit() -> u32 {
    20
}

impl PatternQuery {
    /// Checks the bounds serde cannot express.
    pub fn validate(&self) -> Result<()> {
        if !(1..=MAX_LIMIT).contains(&self.limit) {
            return Err(Error::invalid(format!("limit must be 1..={MAX_LIMIT}, got {}", self.limit)));
        }
        if let Some(d) = self.relation.max_distance {
            if !d.is_finite() || d < 0.0 {
                return Err(Error::invalid("relation.max_distance must be a non-negative number"));
            }
        }
        if self.offset > 100_000 {
            return Err(Error::invalid("offset must be at most 100000"));
        }
        Ok(())
    }

    /// Whether a relation's distance satisfies the bound.
    pub fn distance_ok(&self, distance: Option<f32>) -> bool {
        match (self.relation.max_distance, distance) {
            (Some(max), Some(d)) => d <= max,
            (Some(_), None) => self.relation.kind != RelationKind::Near,
            (None, _) => true,
        }
    }
}

impl ObjectPattern {
    /// Whether an object satisfies this side.
    pub fn matches(&self, o: &ObjectFeatures) -> bool {
        self.label.as_ref().is_none_or(|l| l == &o.label) && self.color.is_none_or(|c| c == o.color.name)
    }
}

/// One match.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatternMatch {
    /// The image.
    pub image: ImageRecord,
    /// Object matching `subject`.
    pub subject: ObjectFeatures,
    /// Object matching `object`.
    pub object: ObjectFeatures,
    /// The relation joining them.
    pub relation: Relation,
}

/// A page of matches, ordered by image id then subject and object ids.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatternPage {
    /// Matches on this page.
    pub matches: Vec<PatternMatch>,
    /// More matches exist after this page.
    pub truncated: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn queries_parse_from_the_documented_json_and_unknown_fields_are_rejected() {
        let q: PatternQuery = serde_json::from_value(json!({
            "subject": {"label": "person"}, "relation": {"type": "NEAR", "max_distance": 0.2},
            "object": {"label": "car", "color": "blue"}
        }))
        .unwrap();
        assert_eq!((q.limit, q.offset), (20, 0));
        q.validate().unwrap();
        let bad = serde_json::from_value::<PatternQuery>(json!({"relation": {"type": "NEAR"}, "cypher": "MATCH (n)"}));
        assert!(bad.is_err());
    }

    #[test]
    fn bounds_are_checked() {
        let mut q: PatternQuery = serde_json::from_value(json!({"relation": {"type": "NEAR"}})).unwrap();
        q.limit = 0;
        assert!(q.validate().is_err());
        q.limit = 5;
        q.relation.max_distance = Some(-1.0);
        assert!(q.validate().is_err());
    }
}
