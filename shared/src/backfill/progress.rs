//! Progress markers: one small object per finished chunk of a shard, written by
//! `cv-processor batch` once every document of the chunk was delivered. Their names
//! carry the counts, so progress is a listing, not a read per marker.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// An image that can never be processed (the one-image path's exit 65), with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// The image URI from the shard.
    pub uri: String,
    /// Why it was refused.
    pub reason: String,
}

/// `progress/<shard>/<chunk>-<images>-<failed>.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChunkMarker {
    /// Shard index.
    pub shard: u32,
    /// Chunk index within the shard.
    pub chunk: u32,
    /// Images in the chunk.
    pub images: u32,
    /// Images whose document was delivered.
    pub delivered: u32,
    /// Unusable images.
    pub failed: Vec<Failure>,
    /// The pod (or host) that wrote it.
    pub host: String,
    /// When.
    pub finished_at: DateTime<Utc>,
}

/// The counts a marker's file name carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MarkerName {
    /// Shard index.
    pub shard: u32,
    /// Chunk index.
    pub chunk: u32,
    /// Images in the chunk.
    pub images: u32,
    /// Unusable images.
    pub failed: u32,
}

impl ChunkMarker {
    /// The marker's file name inside its shard's progress folder.
    pub fn file_name(&self) -> String {
        format!("{:06}-{}-{}.json", self.chunk, self.images, self.failed.len())
    }
}

impl MarkerName {
    /// Parses `…/<shard>/<chunk>-<images>-<failed>.json`; anything else is not a marker.
    pub fn parse(path: &str) -> Result<Self> {
        let bad = || Error::invalid(format!("{path:?} is not a progress marker"));
        let mut parts = path.rsplit('/');
        let file = parts.next().ok_or_else(bad)?;
        let shard = parts.next().and_then(|s| s.parse().ok()).ok_or_else(bad)?;
        let stem = file.strip_suffix(".json").ok_or_else(bad)?;
        let numbers: Vec<u32> =
            stem.split('-').map(str::parse).collect::<std::result::Result<_, _>>().map_err(|_| bad())?;
        let [chunk, images, failed] = numbers[..] else { return Err(bad()) };
        Ok(Self { shard, chunk, images, failed })
    }
}

/// Totals over a run's markers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunProgress {
    /// Images in finished chunks.
    pub done: u64,
    /// Of those, unusable.
    pub failed: u64,
    /// Finished chunks.
    pub chunks: u64,
}

impl RunProgress {
    /// Sums marker names (other paths are ignored).
    pub fn from_paths<'a>(paths: impl IntoIterator<Item = &'a str>) -> Self {
        paths.into_iter().filter_map(|p| MarkerName::parse(p).ok()).fold(Self::default(), |mut acc, m| {
            acc.done += u64::from(m.images);
            acc.failed += u64::from(m.failed);
            acc.chunks += 1;
            acc
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marker_names_carry_the_counts_and_sum_into_progress() {
        let marker = ChunkMarker {
            shard: 3,
            chunk: 17,
            images: 32,
            delivered: 31,
            failed: vec![Failure { uri: "gs://b/x#1".into(), reason: "corrupt".into() }],
            host: "pod".into(),
            finished_at: Utc::now(),
        };
        let path = format!("runs/bf-0123456789ab/progress/00003/{}", marker.file_name());
        assert_eq!(MarkerName::parse(&path).unwrap(), MarkerName { shard: 3, chunk: 17, images: 32, failed: 1 });
        let other = "runs/bf-0123456789ab/progress/00001/000000-32-0.json";
        let progress = RunProgress::from_paths([path.as_str(), other, "runs/x/manifest.json"]);
        assert_eq!(progress, RunProgress { done: 64, failed: 1, chunks: 2 });
    }
}
