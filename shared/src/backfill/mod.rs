//! What a backfill run leaves in its bucket folder (or a local folder), read and
//! written by the planner and by `cv-processor batch`: the manifest, one URI list
//! per shard, and a progress marker per finished chunk of a shard.
//!
//! ```text
//! <root>/runs/<run>/manifest.json          BackfillManifest
//! <root>/runs/<run>/shards/00003.txt       one image URI a line
//! <root>/runs/<run>/progress/00003/000017-32-1.json   chunk 17 of shard 3: 32 images, 1 unusable
//! <root>/index/<set>/<version key>/<run>   every run of a version, for the next plan
//! ```

mod layout;
mod manifest;
mod progress;
mod store;

pub use layout::{index_prefix, version_key, RunId};
pub use manifest::{decode_shard, encode_shard, BackfillManifest, Scope, MANIFEST_SCHEMA};
pub use progress::{ChunkMarker, Failure, MarkerName, RunProgress};
pub use store::BackfillStore;
