//! Where an image lives: `gs://bucket/name#generation`, or a local file in development.
//!
//! A GCS object name may contain `#` (and `%`), so the text form escapes both in the
//! name (`%23`, `%25`) and a `#` is only ever the separator before a decimal
//! generation: `gs://b/photo%231.jpg#123` is the object `photo#1.jpg`, generation 123.
//! Every valid location round-trips through [`ObjectUri::parse`] and `Display`.

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
    /// In the name, `%23` is `#` and `%25` is `%`; any other `%` stands for itself.
    pub fn parse(s: &str) -> Result<Self> {
        if let Some(rest) = s.strip_prefix("gs://") {
            let (path, generation) = match rest.rsplit_once('#') {
                Some((p, g)) => {
                    if g.is_empty() || !g.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(Error::invalid(format!(
                            "generation in {s:?} must be an integer, got {g:?} (a '#' in an object name is written %23)"
                        )));
                    }
                    let g = g
                        .parse::<i64>()
                        .map_err(|_| Error::invalid(format!("generation in {s:?} is out of range: {g:?}")))?;
                    (p, Some(g))
                }
                None => (rest, None),
            };
            if path.contains('#') {
                return Err(Error::invalid(format!(
                    "{s:?} has more than one '#': a '#' in an object name is written %23"
                )));
            }
            let (bucket, name) = path
                .split_once('/')
                .ok_or_else(|| Error::invalid(format!("{s:?} has no object name after the bucket")))?;
            return Self::gcs(bucket, &unescape_name(name), generation);
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
        let alnum = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        // NB: GCS's own rule; it also keeps `.`-only names (`...`) out of local bucket folders.
        let bucket_ok = (3..=222).contains(&bucket.len())
            && bucket.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_.".contains(&b))
            && alnum(bucket.bytes().next())
            && alnum(bucket.bytes().last());
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
            Self::Gcs { bucket, name, generation: Some(g) } => write!(f, "gs://{bucket}/{}#{g}", escape_name(name)),
            Self::Gcs { bucket, name, generation: None } => write!(f, "gs://{bucket}/{}", escape_name(name)),
            Self::Local(p) => write!(f, "file://{}", p.display()),
        }
    }
}

/// `%` → `%25`, `#` → `%23`: after this, a `#` in the text is always the generation separator.
fn escape_name(name: &str) -> std::borrow::Cow<'_, str> {
    if !name.contains(['%', '#']) {
        return name.into();
    }
    name.replace('%', "%25").replace('#', "%23").into()
}

/// The inverse of [`escape_name`]; a `%` not followed by `23` or `25` stands for itself.
fn unescape_name(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let (decoded, used) = match tail.get(..3) {
            Some("%23") => ('#', 3),
            Some("%25") => ('%', 3),
            _ => ('%', 1),
        };
        out.push(decoded);
        rest = &tail[used..];
    }
    out.push_str(rest);
    out
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
            ("gs://bucket/x#", "must be an integer"),
            ("gs://bucket/photo#1.jpg#123", "more than one '#'"),
            ("gs://-bucket/x", "invalid bucket"),
            ("gs://.../x", "invalid bucket"),
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

    #[test]
    fn a_hash_in_an_object_name_is_never_taken_for_a_generation() {
        let cases = [
            ("a#b.jpg", None, "gs://b-1/a%23b.jpg"),
            ("photo#1.jpg", Some(123), "gs://b-1/photo%231.jpg#123"),
            ("photo#123", None, "gs://b-1/photo%23123"),
            ("100%.jpg", Some(7), "gs://b-1/100%25.jpg#7"),
            ("a%23b", None, "gs://b-1/a%2523b"),
        ];
        for (name, generation, text) in cases {
            let uri = ObjectUri::gcs("b-1", name, generation).unwrap();

            assert_eq!(uri.to_string(), text, "{name:?} is written with its '#' and '%' escaped");
            assert_eq!(ObjectUri::parse(text).unwrap(), uri, "{text:?} parses back to {name:?}, {generation:?}");
        }
    }

    #[test]
    fn every_name_round_trips_through_its_text_form() {
        let alphabet = ['a', '#', '%', '2', '3', '5', '/', '.', '街'];
        let mut names = vec![String::new()];
        for _ in 0..4 {
            names = names.iter().flat_map(|n| alphabet.iter().map(move |c| format!("{n}{c}"))).collect();
        }
        for name in &names {
            for generation in [None, Some(0), Some(42)] {
                let uri = ObjectUri::gcs("bucket", name, generation).unwrap();
                assert_eq!(ObjectUri::parse(&uri.to_string()).unwrap(), uri, "{name:?} {generation:?}");
            }
        }
    }

    #[test]
    fn a_lone_percent_sign_stands_for_itself() {
        let uri = ObjectUri::parse("gs://bucket/100%41.jpg").unwrap();
        assert_eq!(uri, ObjectUri::gcs("bucket", "100%41.jpg", None).unwrap());
    }
}
