//! Where an image lives: `gs://bucket/name#generation`, or a local file in development.

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::{Error, Result};

/// A parsed object location.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum ObjectUri {
    /// An object in a bucket; `generation` pins one version of it.
    Gcs {
        /// Bucket name.
        bucket: String,
        /// Object name (may contain `/`).
        name: String,
        /// GCS generation, when known.
        generation: Option<i64>,
    },
    /// A file on the local disk (development only).
    Local(std::path::PathBuf),
}

impl ObjectUri {
    /// Parses `gs://bucket/name[#generation]`, `file:///path` or an absolute/relative path.
    pub fn parse(s: &str) -> Result<Self> {
        if let Some(rest) = s.strip_prefix("gs://") {
            let (path, generation) = match rest.rsplit_once('#') {
                Some((p, g)) => {
                    let g = g
                        .parse::<i64>()
                        .map_err(|_| Error::invalid(format!("generation in {s:?} must be an integer, got {g:?}")))?;
                    (p, Some(g))
                }
                None => (rest, None),
            };
            let (bucket, name) = path
                .split_once('/')
                .ok_or_else(|| Error::invalid(format!("{s:?} has no object name after the bucket")))?;
            return Self::gcs(bucket, name, generation);
        }
        if s.contains("://") && !s.starts_with("file://") {
            return Err(Error::invalid(format!("unsupported URI scheme in {s:?}: use gs:// or a local path")));
        }
        let path = s.strip_prefix("file://").unwrap_or(s);
        if path.is_empty() {
            return Err(Error::invalid("empty image URI"));
        }
        Ok(Self::Local(path.into()))
    }

    /// Builds a GCS location, checking bucket and object naming rules.
    pub fn gcs(bucket: &str, name: &str, generation: Option<i64>) -> Result<Self> {
        let bucket_ok = (3..=222).contains(&bucket.len())
            && bucket.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_.".contains(&b));
        if !bucket_ok {
            return Err(Error::invalid(format!("invalid bucket name {bucket:?}")));
        }
        if name.is_empty() || name.len() > 1024 || name.contains('\n') || name.contains('\r') {
            return Err(Error::invalid(format!("invalid object name {name:?}")));
        }
        if generation.is_some_and(|g| g < 0) {
            return Err(Error::invalid("generation must not be negative"));
        }
        Ok(Self::Gcs { bucket: bucket.to_owned(), name: name.to_owned(), generation })
    }

    /// The file name part, for display and content-type guesses.
    pub fn file_name(&self) -> &str {
        match self {
            Self::Gcs { name, .. } => name.rsplit('/').next().unwrap_or(name),
            Self::Local(p) => p.file_name().and_then(|n| n.to_str()).unwrap_or(""),
        }
    }
}

impl TryFrom<String> for ObjectUri {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Self::parse(&s)
    }
}

impl From<ObjectUri> for String {
    fn from(u: ObjectUri) -> String {
        u.to_string()
    }
}

impl fmt::Display for ObjectUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Gcs { bucket, name, generation: Some(g) } => write!(f, "gs://{bucket}/{name}#{g}"),
            Self::Gcs { bucket, name, generation: None } => write!(f, "gs://{bucket}/{name}"),
            Self::Local(p) => write!(f, "file://{}", p.display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gcs_uris_round_trip_with_and_without_generation() {
        for s in ["gs://raw-images/a/b.jpg#1587627537231057", "gs://raw-images/b.jpg"] {
            assert_eq!(ObjectUri::parse(s).unwrap().to_string(), s);
        }
    }

    #[test]
    fn bad_uris_are_rejected_with_the_reason() {
        let cases = [
            ("gs://bucket", "no object name"),
            ("gs://Bad_Bucket!/x", "invalid bucket"),
            ("gs://bucket/x#abc", "must be an integer"),
            ("http://example.com/x.jpg", "unsupported URI scheme"),
            ("", "empty"),
        ];
        for (input, why) in cases {
            let err = ObjectUri::parse(input).expect_err(input).to_string();
            assert!(err.contains(why), "{input:?}: expected {why:?} in {err:?}");
        }
    }

    #[test]
    fn local_paths_are_accepted_in_both_spellings() {
        assert_eq!(ObjectUri::parse("/tmp/x.png").unwrap(), ObjectUri::Local("/tmp/x.png".into()));
        assert_eq!(ObjectUri::parse("file:///tmp/x.png").unwrap(), ObjectUri::Local("/tmp/x.png".into()));
    }
}
