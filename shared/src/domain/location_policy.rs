//! Which stored locations a function may accept, record or read.
//!
//! Built once at start from `ALLOWED_BUCKETS` and `LOCAL_BUCKET_ROOT`. Setting
//! `LOCAL_BUCKET_ROOT` is what makes a process a development one: then plain
//! paths under that folder are accepted too, and `ALLOWED_BUCKETS` may be left
//! unset (any bucket, since `gs://b/n` is read from `<root>/b/n` anyway). Without
//! it (the cluster) `ALLOWED_BUCKETS` is required and only `gs://` URIs in those
//! buckets pass.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

use super::ObjectUri;
use crate::{Error, Result};

/// The buckets a function accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BucketAllowList {
    /// Any bucket (development only, where buckets are folders under the local root).
    Any,
    /// Exactly these buckets.
    Only(BTreeSet<String>),
}

impl BucketAllowList {
    /// Whether `bucket` is on the list.
    pub fn allows(&self, bucket: &str) -> bool {
        match self {
            Self::Any => true,
            Self::Only(names) => names.contains(bucket),
        }
    }
}

/// The allow-list of locations, passed to [`crate::schema::FeatureDocument::validate`],
/// intake and the image route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocationPolicy {
    buckets: BucketAllowList,
    local_root: Option<PathBuf>,
}

impl LocationPolicy {
    /// The cluster's policy: `gs://` URIs in `buckets` only.
    pub fn buckets<S: AsRef<str>>(buckets: impl IntoIterator<Item = S>) -> Result<Self> {
        Ok(Self { buckets: Self::only(buckets)?, local_root: None })
    }

    /// Development: any bucket, and plain paths under `root`.
    pub fn development(root: impl AsRef<Path>) -> Self {
        Self { buckets: BucketAllowList::Any, local_root: Some(absolute_root(root.as_ref())) }
    }

    /// From the settings' text: `allowed_buckets` is `ALLOWED_BUCKETS` (comma-separated),
    /// `local_root` is `LOCAL_BUCKET_ROOT`. Errors name the variable.
    pub fn from_settings(allowed_buckets: Option<&str>, local_root: Option<&Path>) -> Result<Self> {
        let listed = allowed_buckets.map(|s| s.split(',').map(str::trim).filter(|b| !b.is_empty()).collect::<Vec<_>>());
        let buckets = match (listed, local_root) {
            (Some(names), _) if !names.is_empty() => Self::only(names)?,
            (_, Some(_)) => BucketAllowList::Any,
            (Some(_), None) => return Err(Error::invalid("ALLOWED_BUCKETS lists no bucket")),
            (None, None) => {
                return Err(Error::invalid(
                    "ALLOWED_BUCKETS is required outside development (LOCAL_BUCKET_ROOT unset): \
                     the comma-separated buckets whose objects may be processed and served",
                ))
            }
        };
        Ok(Self { buckets, local_root: local_root.map(absolute_root) })
    }

    fn only<S: AsRef<str>>(buckets: impl IntoIterator<Item = S>) -> Result<BucketAllowList> {
        let mut names = BTreeSet::new();
        for b in buckets {
            let b = b.as_ref();
            ObjectUri::gcs(b, "x", None)
                .map_err(|_| Error::invalid(format!("ALLOWED_BUCKETS: {b:?} is not a bucket name")))?;
            names.insert(b.to_owned());
        }
        if names.is_empty() {
            return Err(Error::invalid("ALLOWED_BUCKETS lists no bucket"));
        }
        Ok(BucketAllowList::Only(names))
    }

    /// Whether this is a development policy (`LOCAL_BUCKET_ROOT` set).
    pub fn is_development(&self) -> bool {
        self.local_root.is_some()
    }

    /// The buckets accepted.
    pub fn allowed_buckets(&self) -> &BucketAllowList {
        &self.buckets
    }

    /// The development root, absolute.
    pub fn local_root(&self) -> Option<&Path> {
        self.local_root.as_deref()
    }

    /// Why `bucket` is refused, if it is.
    pub fn bucket_refusal(&self, bucket: &str) -> Option<String> {
        match &self.buckets {
            BucketAllowList::Any => None,
            BucketAllowList::Only(names) if names.contains(bucket) => None,
            BucketAllowList::Only(names) => Some(format!(
                "bucket {bucket:?} is not in ALLOWED_BUCKETS ({})",
                names.iter().map(String::as_str).collect::<Vec<_>>().join(", ")
            )),
        }
    }

    /// Accepts `uri` or says why not (400).
    pub fn check(&self, uri: &ObjectUri) -> Result<()> {
        match uri {
            ObjectUri::Gcs { bucket, .. } => match self.bucket_refusal(bucket) {
                None => Ok(()),
                Some(why) => Err(Error::invalid(format!("{uri}: {why}"))),
            },
            ObjectUri::Local(path) => {
                let Some(root) = &self.local_root else {
                    return Err(Error::invalid(format!(
                        "{uri}: local paths are accepted only in development (LOCAL_BUCKET_ROOT), use gs://"
                    )));
                };
                if !is_lexically_under(path, root) {
                    return Err(Error::invalid(format!(
                        "{uri}: a local path must be absolute, without '..', under LOCAL_BUCKET_ROOT ({})",
                        root.display()
                    )));
                }
                Ok(())
            }
        }
    }

    /// Parses `text` and accepts it, or says why not.
    pub fn check_text(&self, text: &str) -> Result<ObjectUri> {
        let uri = ObjectUri::parse(text)?;
        self.check(&uri)?;
        Ok(uri)
    }
}

// NB: canonical when it exists, so paths the processor canonicalised compare equal.
fn absolute_root(root: &Path) -> PathBuf {
    std::fs::canonicalize(root).or_else(|_| std::path::absolute(root)).unwrap_or_else(|_| root.to_owned())
}

// NB: a check on the text only; the reader resolves symlinks and refuses what leaves the root.
fn is_lexically_under(path: &Path, root: &Path) -> bool {
    path.is_absolute() && !path.components().any(|c| c == Component::ParentDir) && path.starts_with(root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cluster_accepts_only_listed_buckets_and_no_local_paths() {
        let policy = LocationPolicy::from_settings(Some("raw-images, more"), None).unwrap();

        assert!(policy.check_text("gs://raw-images/a/b.jpg#1").is_ok());
        assert!(policy.check_text("gs://more/x.png").is_ok());
        let refused = [
            ("gs://someone-elses-bucket/x.jpg", "not in ALLOWED_BUCKETS (more, raw-images)"),
            ("/etc/passwd", "only in development"),
            ("file:///etc/passwd", "only in development"),
        ];
        for (uri, why) in refused {
            let err = policy.check_text(uri).expect_err(uri).to_string();
            assert!(err.contains(why), "{uri}: expected {why:?} in {err:?}");
        }
    }

    #[test]
    fn allowed_buckets_is_required_outside_development_and_checked_by_name() {
        let cases =
            [(None, "ALLOWED_BUCKETS is required"), (Some(" , "), "lists no bucket"), (Some("Bad!"), "\"Bad!\"")];
        for (value, why) in cases {
            let err = LocationPolicy::from_settings(value, None).expect_err("refused").to_string();
            assert!(err.contains("ALLOWED_BUCKETS") && err.contains(why), "{value:?}: {err}");
        }
    }

    #[test]
    fn development_accepts_any_bucket_and_paths_under_the_root_only() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        let policy = LocationPolicy::from_settings(None, Some(&root)).unwrap();

        assert!(policy.is_development());
        assert!(policy.check_text("gs://whatever/x.jpg").is_ok());
        assert!(policy.check(&ObjectUri::Local(root.join("raw/x.jpg"))).is_ok());
        for outside in [PathBuf::from("/etc/passwd"), root.join("raw/../../x"), PathBuf::from("relative/x.jpg")] {
            let err = policy.check(&ObjectUri::Local(outside.clone())).expect_err("outside").to_string();
            assert!(err.contains("under LOCAL_BUCKET_ROOT"), "{outside:?}: {err}");
        }
    }

    #[test]
    fn development_with_a_list_still_checks_buckets() {
        let policy = LocationPolicy::from_settings(Some("raw"), Some(Path::new("/srv/buckets"))).unwrap();
        assert!(policy.check_text("gs://raw/x.jpg").is_ok());
        assert!(policy.check_text("gs://other/x.jpg").is_err());
    }
}
