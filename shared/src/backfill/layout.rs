//! Names inside the backfill root: content-derived run ids and the paths of a run's files.

use sha2::{Digest, Sha256};

use crate::domain::{string_newtype, FeatureSetName, ModelVersion};
use crate::{Error, Result};

fn check_run_id(s: &str) -> Result<()> {
    let ok = s.len() == 15
        && s.starts_with("bf-")
        && s[3..].bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !ok {
        return Err(Error::invalid(format!("{s:?} is not a backfill run id (bf- and 12 hex digits)")));
    }
    Ok(())
}

string_newtype!(
    /// A run's id, `bf-` and 12 hex digits derived from what it does: planning the same
    /// images for the same version and processor twice gives the same id (and Job name).
    RunId,
    check_run_id
);

impl RunId {
    /// The id of a run of `version` of `set` by `processor` over `uris` (in plan order).
    pub fn derive<'a>(
        set: &FeatureSetName,
        version: &ModelVersion,
        processor: &str,
        uris: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        let mut h = Sha256::new();
        for part in [set.as_str(), version.as_str(), processor] {
            h.update(part.as_bytes());
            h.update(b"\0");
        }
        for uri in uris {
            h.update(uri.as_bytes());
            h.update(b"\n");
        }
        Self(format!("bf-{}", hex::encode(&h.finalize()[..6])))
    }

    /// `runs/<run>/manifest.json`.
    pub fn manifest_path(&self) -> String {
        format!("runs/{}/manifest.json", self.0)
    }

    /// `runs/<run>/shards/<index>.txt`.
    pub fn shard_path(&self, index: u32) -> String {
        format!("runs/{}/shards/{index:05}.txt", self.0)
    }

    /// `runs/<run>/progress/` (every shard).
    pub fn progress_prefix(&self) -> String {
        format!("runs/{}/progress/", self.0)
    }

    /// `runs/<run>/progress/<index>/` (one shard).
    pub fn shard_progress_prefix(&self, index: u32) -> String {
        format!("runs/{}/progress/{index:05}/", self.0)
    }

    /// `index/<set>/<version key>/<run>`: marks the run as one of the version's.
    pub fn index_path(&self, set: &FeatureSetName, version: &ModelVersion) -> String {
        format!("{}{}", index_prefix(set, version), self.0)
    }
}

/// `index/<set>/<version key>/`: where the runs of a version are listed.
pub fn index_prefix(set: &FeatureSetName, version: &ModelVersion) -> String {
    format!("index/{}/{}/", set.as_str(), version_key(version))
}

/// A short path-safe key for a model version (`@` and `+` are awkward in object paths).
pub fn version_key(version: &ModelVersion) -> String {
    format!("v-{}", hex::encode(&Sha256::digest(version.as_str().as_bytes())[..8]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_plan_gives_the_same_run_id_and_any_difference_another() {
        let set = FeatureSetName::parse("default").unwrap();
        let v = ModelVersion::parse("d@1+e@1").unwrap();
        let id = |uris: &[&str], image: &str| RunId::derive(&set, &v, image, uris.iter().copied());
        let a = id(&["gs://b/1#1", "gs://b/2#1"], "cv:1");
        assert_eq!(a, id(&["gs://b/1#1", "gs://b/2#1"], "cv:1"));
        assert_ne!(a, id(&["gs://b/1#1"], "cv:1"), "fewer images");
        assert_ne!(a, id(&["gs://b/1#1", "gs://b/2#1"], "cv:2"), "another processor image");
        assert_eq!(RunId::parse(a.as_str()).unwrap(), a);
        assert_eq!(a.shard_path(3), format!("runs/{a}/shards/00003.txt"));
    }

    #[test]
    fn run_ids_are_checked_when_parsed() {
        for bad in ["", "bf-", "bf-0123456789ab0", "xx-0123456789ab", "bf-0123456789AB", "bf-../../etc/pa"] {
            assert!(RunId::parse(bad).is_err(), "{bad:?}");
        }
    }
}
