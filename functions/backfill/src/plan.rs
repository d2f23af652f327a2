//! Planning a run: the images of the scope that lack the target version (minus those an
//! earlier run of the version found unusable), split into shards and written to the
//! backfill root. The run id derives from the plan, so planning the same work twice
//! finds the first run instead of making a second.

use chrono::Utc;
use shared::backfill::{
    encode_shard, index_prefix, BackfillManifest, BackfillStore, ChunkMarker, MarkerName, RunId, Scope, MANIFEST_SCHEMA,
};
use shared::domain::{FeatureSetName, ImageId, ModelVersion};
use shared::graph::{GraphStore, ImageQuery, ImageRecord};
use shared::{Error, Result};
use std::collections::HashSet;

use crate::settings::MAX_SHARDS;

/// Most images one run covers; a larger scope is finished by the next run.
pub const MAX_PLAN_IMAGES: usize = 2_000_000;
const PAGE: usize = 5_000;

/// What to backfill.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanRequest {
    /// Feature set the documents go to.
    pub feature_set: FeatureSetName,
    /// The version to produce.
    pub model_version: ModelVersion,
    /// What produces it: the cv-processor image (or, locally, binary and model folder).
    pub processor: String,
    /// Which images.
    pub scope: Scope,
    /// Shards wanted; default: one per `shard_size` images.
    pub shards: Option<u32>,
    /// Images per shard when `shards` is not given.
    pub shard_size: u32,
    /// Images per progress marker.
    pub chunk_size: u32,
    /// Who asked.
    pub created_by: String,
}

/// The outcome of planning.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// Every image of the scope has the version, or was found unusable before: launch nothing.
    Nothing {
        /// Images an earlier run recorded as unusable (skipped for good).
        unusable: u64,
    },
    /// A run to launch (or one planned before with exactly this work).
    Run {
        /// Its manifest.
        manifest: Box<BackfillManifest>,
        /// The manifest was already there (the same plan was made before).
        existed: bool,
        /// Images skipped as unusable in an earlier run.
        unusable: u64,
    },
}

/// Plans `request` against the graph and writes the run to `store`.
pub async fn plan(graph: &dyn GraphStore, store: &BackfillStore, request: &PlanRequest) -> Result<Plan> {
    let unusable = unusable_uris(store, &request.feature_set, &request.model_version).await?;
    let uris = missing_images(graph, request, &unusable).await?;
    let unusable = unusable.len() as u64;
    if uris.is_empty() {
        return Ok(Plan::Nothing { unusable });
    }
    let wanted = request.shards.unwrap_or_else(|| uris.len().div_ceil(request.shard_size.max(1) as usize) as u32);
    let shards = wanted.clamp(1, MAX_SHARDS).min(uris.len() as u32);
    let run = RunId::derive(
        &request.feature_set,
        &request.model_version,
        &request.processor,
        uris.iter().map(String::as_str),
    );
    match store.get(&run.manifest_path()).await {
        Ok(bytes) => {
            let manifest: BackfillManifest = serde_json::from_slice(&bytes)
                .map_err(|e| shared::Error::backend("backfill-store", e).context(run.manifest_path()))?;
            return Ok(Plan::Run { manifest: Box::new(manifest), existed: true, unusable });
        }
        Err(shared::Error::NotFound(_)) => {}
        Err(e) => return Err(e),
    }
    let parts = BackfillManifest::split(&uris, shards);
    for (index, part) in parts.iter().enumerate() {
        store.put(&run.shard_path(index as u32), encode_shard(part)).await?;
    }
    let manifest = BackfillManifest {
        schema: MANIFEST_SCHEMA.to_owned(),
        run: run.clone(),
        feature_set: request.feature_set.clone(),
        model_version: request.model_version.clone(),
        processor: request.processor.clone(),
        scope: request.scope.clone(),
        images: uris.len() as u64,
        shards: parts.len() as u32,
        chunk_size: request.chunk_size.max(1),
        created_at: Utc::now(),
        created_by: request.created_by.clone(),
    };
    // NB: the manifest is written after its shards, so a manifest that exists is complete.
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| shared::Error::invalid(e.to_string()))?;
    store.put(&run.manifest_path(), json).await?;
    store.put(&run.index_path(&request.feature_set, &request.model_version), run.as_str().to_owned()).await?;
    tracing::info!(run = %run, images = manifest.images, shards = manifest.shards, "backfill planned");
    Ok(Plan::Run { manifest: Box::new(manifest), existed: false, unusable })
}

/// The location a run reads an image from: the first one under the scope's prefix.
fn location_in_scope<'a>(image: &'a ImageRecord, scope: &Scope) -> &'a str {
    match scope.uri_prefix() {
        None => &image.uri,
        Some(prefix) => image.locations.iter().find(|l| l.starts_with(prefix)).unwrap_or(&image.uri),
    }
}

async fn missing_images(
    graph: &dyn GraphStore,
    request: &PlanRequest,
    unusable: &HashSet<String>,
) -> Result<Vec<String>> {
    let mut query = ImageQuery {
        uri_prefix: request.scope.uri_prefix().map(str::to_owned),
        without_version: Some(request.model_version.clone()),
        ..ImageQuery::all(&request.feature_set, PAGE)
    };
    let mut uris = Vec::new();
    loop {
        let page = graph.list_images(&query).await?;
        let last: Option<ImageId> = page.last().map(|i| i.id.clone());
        for image in &page {
            let uri = location_in_scope(image, &request.scope);
            if !unusable.contains(uri) {
                uris.push(uri.to_owned());
            }
        }
        if uris.len() > MAX_PLAN_IMAGES {
            return Err(Error::invalid(format!(
                "the scope holds more than {MAX_PLAN_IMAGES} images without {}: narrow it with a gs:// prefix",
                request.model_version
            )));
        }
        if page.len() < query.page_size() {
            return Ok(uris);
        }
        query.after = last;
    }
}

/// URIs that earlier runs of the version recorded as unusable (markers with failures).
pub async fn unusable_uris(
    store: &BackfillStore,
    set: &FeatureSetName,
    version: &ModelVersion,
) -> Result<HashSet<String>> {
    let mut out = HashSet::new();
    for entry in store.list(&index_prefix(set, version)).await? {
        let Some(run) = entry.rsplit('/').next().and_then(|r| RunId::parse(r).ok()) else { continue };
        for path in store.list(&run.progress_prefix()).await? {
            if MarkerName::parse(&path).is_ok_and(|m| m.failed > 0) {
                let marker: ChunkMarker = serde_json::from_slice(&store.get(&path).await?)
                    .map_err(|e| shared::Error::backend("backfill-store", e).context(&path))?;
                out.extend(marker.failed.into_iter().map(|f| f.uri));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
