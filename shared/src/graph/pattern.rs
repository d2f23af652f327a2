//! Structured pattern queries: "images with a person NEAR a blue car".
//!
//! Only typed values reach a backend; each backend compiles the query to
//! parameterised SQL or Cypher. Pages follow each other by key: a page ends
//! with a [`PatternCursor`] naming its last match, and the next page starts
//! after it, so no backend ever skips rows it has already sorted.

use serde::{Deserialize, Serialize};
use std::fmt;

use super::{ImageRecord, ObjectFeatures};
use crate::domain::{ColorName, ImageId, Label, ModelVersion, ObjectId};
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
    /// Start after this match (the previous page's `next_cursor`); the first page when absent.
    #[serde(default)]
    pub cursor: Option<PatternCursor>,
}

/// The key of one match, `(image id, subject id, object id)`, in the order pages follow.
/// Its text form `<image id>.<subject id>.<object id>` is what clients pass back unchanged.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PatternCursor {
    /// The match's image.
    pub image: ImageId,
    /// Its subject.
    pub subject: ObjectId,
    /// Its object.
    pub object: ObjectId,
}

impl PatternCursor {
    /// Parses the text form.
    pub fn parse(s: &str) -> Result<Self> {
        let bad = || Error::invalid(format!("cursor {s:?} is not one this API returned"));
        let mut parts = s.split('.');
        let (Some(i), Some(a), Some(b), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err(bad());
        };
        Ok(Self {
            image: ImageId::parse(i).map_err(|_| bad())?,
            subject: ObjectId::parse(a).map_err(|_| bad())?,
            object: ObjectId::parse(b).map_err(|_| bad())?,
        })
    }
}

impl fmt::Display for PatternCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.image, self.subject, self.object)
    }
}

impl TryFrom<String> for PatternCursor {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Self::parse(&s)
    }
}

impl From<PatternCursor> for String {
    fn from(c: PatternCursor) -> String {
        c.to_string()
    }
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
    /// Pass as `cursor` to get the next page; `None` on the last page.
    pub next_cursor: Option<PatternCursor>,
}

impl PatternPage {
    /// A page from the rows a backend fetched (up to `limit + 1`, in key order) and the matches built from them.
    pub(crate) fn from_rows(keys: &[PatternCursor], limit: u32, matches: Vec<PatternMatch>) -> Self {
        let truncated = keys.len() > limit as usize;
        // NB: the cursor is the last row of the page, even if its objects vanished before they were read.
        let next_cursor = truncated.then(|| keys[limit as usize - 1].clone());
        Self { matches, truncated, next_cursor }
    }
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
        assert_eq!((q.limit, &q.cursor), (20, &None));
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

    #[test]
    fn cursors_round_trip_and_anything_else_is_refused() {
        let text = format!("{}.{}.{}", "a".repeat(64), "b".repeat(32), "c".repeat(32));
        let q: PatternQuery = serde_json::from_value(json!({"relation": {"type": "NEAR"}, "cursor": text})).unwrap();
        assert_eq!(q.cursor.as_ref().map(ToString::to_string), Some(text));
        for bad in ["", "x.y.z", "offset=40", &format!("{}.{}", "a".repeat(64), "b".repeat(32))] {
            let err = serde_json::from_value::<PatternQuery>(json!({"relation": {"type": "NEAR"}, "cursor": bad}));
            assert!(err.unwrap_err().to_string().contains("not one this API returned"), "{bad:?}");
        }
    }
}
