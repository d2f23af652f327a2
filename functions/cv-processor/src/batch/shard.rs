//! One shard of a backfill run: the manifest, the shard's URIs split into chunks,
//! and the chunks a previous attempt already finished (their markers exist).

use shared::backfill::{decode_shard, BackfillManifest, BackfillStore, MarkerName, RunId};
use shared::domain::ObjectUri;
use std::collections::BTreeSet;

use crate::{Error, Result};

/// What this process has to do.
#[derive(Debug, Clone)]
pub struct ShardPlan {
    /// The run's manifest.
    pub manifest: BackfillManifest,
    /// This shard's index.
    pub shard: u32,
    /// Its images, in order.
    pub uris: Vec<ObjectUri>,
    /// Chunks whose markers exist: delivered by an earlier attempt.
    pub done: BTreeSet<u32>,
}

impl ShardPlan {
    /// Reads the manifest, the shard file and the shard's markers.
    pub async fn load(store: &BackfillStore, run: &RunId, shard: u32) -> Result<Self> {
        let read = |name: String| async move {
            store.get(&name).await.map_err(|e| match e {
                shared::Error::NotFound(m) => Error::config(format!("backfill file missing: {m}")),
                shared::Error::Invalid(m) => Error::bad_input(&name, m),
                other => Error::Storage {
                    uri: format!("{}/{name}", store.root()),
                    message: shared::http::error_chain(&other),
                },
            })
        };
        let manifest: BackfillManifest = serde_json::from_slice(&read(run.manifest_path()).await?)
            .map_err(|e| Error::bad_input(run.manifest_path(), e))?;
        manifest.validate().map_err(|e| Error::bad_input(run.manifest_path(), e))?;
        if &manifest.run != run {
            return Err(Error::bad_input(run.manifest_path(), format!("the manifest is of run {}", manifest.run)));
        }
        if shard >= manifest.shards {
            return Err(Error::config(format!(
                "shard {shard} does not exist: run {run} has {} shards",
                manifest.shards
            )));
        }
        let text = read(run.shard_path(shard)).await?;
        let text = std::str::from_utf8(&text).map_err(|e| Error::bad_input(run.shard_path(shard), e))?;
        let uris = decode_shard(text).map_err(|e| Error::bad_input(run.shard_path(shard), e))?;
        let listed = store
            .list(&run.shard_progress_prefix(shard))
            .await
            .map_err(|e| Error::Storage { uri: store.root().to_owned(), message: e.to_string() })?;
        let done = listed.iter().filter_map(|p| MarkerName::parse(p).ok()).map(|m| m.chunk).collect();
        Ok(Self { manifest, shard, uris, done })
    }

    /// The chunks still to process: `(chunk index, its URIs)`.
    pub fn pending(&self) -> Vec<(u32, &[ObjectUri])> {
        let size = self.manifest.chunk_size.max(1) as usize;
        self.uris.chunks(size).enumerate().map(|(i, c)| (i as u32, c)).filter(|(i, _)| !self.done.contains(i)).collect()
    }
}
