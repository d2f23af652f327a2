//! A run's manifest (what, by which processor, how split) and its shard files.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

use super::RunId;
use crate::domain::{FeatureSetName, ModelVersion, ObjectUri};
use crate::{Error, Result};

/// `schema` of every manifest this version writes.
pub const MANIFEST_SCHEMA: &str = "sightgraph.backfill/v1";

/// Which images of the feature set a backfill covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Scope {
    /// Every image of the set.
    All,
    /// Images with a location under `gs://bucket/prefix`.
    Prefix(String),
}

impl Scope {
    /// `all` or `gs://bucket[/prefix]`.
    pub fn parse(s: &str) -> Result<Self> {
        if s == "all" {
            return Ok(Self::All);
        }
        let Some(rest) = s.strip_prefix("gs://") else {
            return Err(Error::invalid(format!("scope must be `all` or gs://bucket/prefix, got {s:?}")));
        };
        let bucket = rest.split('/').next().unwrap_or_default();
        ObjectUri::gcs(bucket, "x", None)?;
        if s.contains('#') || s.contains('\n') || s.len() > 1024 {
            return Err(Error::invalid(format!("scope {s:?} must not hold a generation or a newline")));
        }
        Ok(Self::Prefix(s.to_owned()))
    }

    /// The URI prefix images must have, if any.
    pub fn uri_prefix(&self) -> Option<&str> {
        match self {
            Self::All => None,
            Self::Prefix(p) => Some(p),
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.uri_prefix().unwrap_or("all"))
    }
}

impl TryFrom<String> for Scope {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Self::parse(&s)
    }
}

impl From<Scope> for String {
    fn from(s: Scope) -> String {
        s.to_string()
    }
}

/// `runs/<run>/manifest.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackfillManifest {
    /// [`MANIFEST_SCHEMA`].
    pub schema: String,
    /// The run.
    pub run: RunId,
    /// Feature set the documents are written to.
    pub feature_set: FeatureSetName,
    /// The version the processor must produce; a processor with other models refuses to run.
    pub model_version: ModelVersion,
    /// The processor that produces it: a container image in the cluster, a binary and model folder locally.
    pub processor: String,
    /// Which images.
    pub scope: Scope,
    /// Images in the plan.
    pub images: u64,
    /// Shard files (the Job's completions).
    pub shards: u32,
    /// Images per progress marker.
    pub chunk_size: u32,
    /// When the plan was made.
    pub created_at: DateTime<Utc>,
    /// Who asked (the admin token's name, or `cli`).
    pub created_by: String,
}

impl BackfillManifest {
    /// Checks the schema and the numbers a processor relies on.
    pub fn validate(&self) -> Result<()> {
        if self.schema != MANIFEST_SCHEMA {
            return Err(Error::invalid(format!("manifest schema {:?}, expected {MANIFEST_SCHEMA}", self.schema)));
        }
        if self.shards == 0 || self.chunk_size == 0 {
            return Err(Error::invalid("manifest has no shards or a zero chunk size"));
        }
        Ok(())
    }

    /// The shard holding image `i` of `images` split into `shards` contiguous parts.
    pub fn split(images: &[String], shards: u32) -> Vec<&[String]> {
        let shards = (shards.max(1) as usize).min(images.len().max(1));
        let (base, extra) = (images.len() / shards, images.len() % shards);
        let mut out = Vec::with_capacity(shards);
        let mut start = 0;
        for s in 0..shards {
            let len = base + usize::from(s < extra);
            out.push(&images[start..start + len]);
            start += len;
        }
        out
    }
}

/// A shard file's text: one URI a line.
pub fn encode_shard(uris: &[String]) -> String {
    let mut text = uris.join("\n");
    text.push('\n');
    text
}

/// The URIs of a shard file; every line must parse as an object URI.
pub fn decode_shard(text: &str) -> Result<Vec<ObjectUri>> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(n, line)| {
            ObjectUri::parse(line.trim()).map_err(|e| Error::invalid(format!("shard line {}: {e}", n + 1)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_all_or_a_gcs_prefix() {
        assert_eq!(Scope::parse("all").unwrap(), Scope::All);
        assert_eq!(Scope::parse("gs://raw/2024/").unwrap().uri_prefix(), Some("gs://raw/2024/"));
        for bad in ["", "everything", "/tmp/x", "gs://B/x", "gs://raw/x#12", "s3://raw/x"] {
            assert!(Scope::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn images_split_into_contiguous_shards_that_differ_by_at_most_one() {
        let images: Vec<String> = (0..7).map(|i| format!("gs://b/{i}")).collect();
        let shards = BackfillManifest::split(&images, 3);
        assert_eq!(shards.iter().map(|s| s.len()).collect::<Vec<_>>(), vec![3, 2, 2]);
        assert_eq!(shards.concat(), images, "in order, nothing lost");
        assert_eq!(BackfillManifest::split(&images[..1], 4).len(), 1, "never more shards than images");
    }

    #[test]
    fn shard_files_round_trip_and_a_bad_line_is_named() {
        let uris = vec!["gs://raw/a.jpg#1".to_owned(), "gs://raw/b c.jpg#2".to_owned()];
        let back = decode_shard(&encode_shard(&uris)).unwrap();
        assert_eq!(back.iter().map(|u| u.to_string()).collect::<Vec<_>>(), uris);
        let err = decode_shard("gs://raw/a.jpg#1\ngs://raw/b.jpg#x\n").unwrap_err().to_string();
        assert!(err.contains("line 2"), "{err}");
    }
}
