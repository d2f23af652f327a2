//! [`BackfillStore`]: a run folder in a bucket (`gs://bucket/prefix`) or on the local
//! disk, through `object_store`; small objects only (manifests, URI lists, markers).

use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use object_store::gcp::GoogleCloudStorageBuilder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as StorePath;
use object_store::{ClientOptions, ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload, RetryConfig};
use std::sync::Arc;
use std::time::Duration;

use crate::{Error, Result};

const BACKEND: &str = "backfill-store";
/// Largest object read back (a shard of a million URIs is ~100 MB; shards are far smaller).
const MAX_READ: u64 = 256 * 1024 * 1024;

/// The backfill root: where manifests, shards and progress markers live.
#[derive(Clone)]
pub struct BackfillStore {
    store: Arc<dyn ObjectStore>,
    prefix: String,
    root: String,
}

impl std::fmt::Debug for BackfillStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BackfillStore").field("root", &self.root).finish()
    }
}

impl BackfillStore {
    /// Opens `gs://bucket[/prefix]` (through `gcs_base_url` when set: an emulator) or a local folder,
    /// which is created.
    pub fn open(root: &str, gcs_base_url: Option<&str>) -> Result<Self> {
        let display = root.trim_end_matches('/').to_owned();
        if let Some(rest) = root.strip_prefix("gs://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            crate::domain::ObjectUri::gcs(bucket, "x", None)?;
            let retry =
                RetryConfig { max_retries: 4, retry_timeout: Duration::from_secs(30), ..RetryConfig::default() };
            let mut builder = GoogleCloudStorageBuilder::from_env().with_bucket_name(bucket).with_retry(retry);
            if let Some(url) = gcs_base_url {
                // NB: emulators speak plain HTTP and accept any token.
                builder = builder
                    .with_base_url(url)
                    .with_bearer_token("dummy")
                    .with_client_options(ClientOptions::new().with_allow_http(true));
            }
            let store = builder.build().map_err(|e| Error::invalid(format!("cannot open {root}: {e}")))?;
            return Ok(Self { store: Arc::new(store), prefix: normalise(prefix), root: display });
        }
        if root.contains("://") && !root.starts_with("file://") {
            return Err(Error::invalid(format!("backfill root {root:?} must be gs://bucket/prefix or a local folder")));
        }
        let dir = root.strip_prefix("file://").unwrap_or(root);
        std::fs::create_dir_all(dir).map_err(|e| Error::backend(BACKEND, e).context(format!("creating {dir}")))?;
        let store = LocalFileSystem::new_with_prefix(dir)
            .map_err(|e| Error::invalid(format!("cannot use {dir} as the backfill root: {e}")))?;
        Ok(Self { store: Arc::new(store), prefix: String::new(), root: display })
    }

    /// The root as given, for messages and child processes.
    pub fn root(&self) -> &str {
        &self.root
    }

    fn path(&self, name: &str) -> Result<StorePath> {
        StorePath::parse(format!("{}{name}", self.prefix))
            .map_err(|e| Error::invalid(format!("unusable backfill path {name:?}: {e}")))
    }

    fn failed(&self, what: &str, name: &str, e: object_store::Error) -> Error {
        match e {
            object_store::Error::NotFound { .. } => Error::NotFound(format!("{}/{name}", self.root)),
            other => Error::unavailable(BACKEND, other).context(format!("{what} {}/{name}", self.root)),
        }
    }

    /// Writes (or replaces) an object.
    pub async fn put(&self, name: &str, bytes: impl Into<Bytes>) -> Result<()> {
        let payload = PutPayload::from_bytes(bytes.into());
        self.store.put(&self.path(name)?, payload).await.map_err(|e| self.failed("writing", name, e))?;
        Ok(())
    }

    /// Creates an object unless it exists; false when it existed. Needs only create rights
    /// (GCS `roles/storage.objectCreator`), and a retried writer never replaces what it wrote.
    pub async fn put_new(&self, name: &str, bytes: impl Into<Bytes>) -> Result<bool> {
        let options = PutOptions { mode: PutMode::Create, ..PutOptions::default() };
        let payload = PutPayload::from_bytes(bytes.into());
        match self.store.put_opts(&self.path(name)?, payload, options).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::AlreadyExists { .. } | object_store::Error::Precondition { .. }) => Ok(false),
            Err(e) => Err(self.failed("creating", name, e)),
        }
    }

    /// Reads an object (`NotFound` when missing).
    pub async fn get(&self, name: &str) -> Result<Bytes> {
        let result = self.store.get(&self.path(name)?).await.map_err(|e| self.failed("reading", name, e))?;
        if result.meta.size > MAX_READ {
            return Err(Error::invalid(format!(
                "{}/{name} is {} bytes, more than {MAX_READ}",
                self.root, result.meta.size
            )));
        }
        result.bytes().await.map_err(|e| self.failed("reading", name, e))
    }

    /// Names (relative to the root) of the objects under `prefix`, sorted.
    pub async fn list(&self, prefix: &str) -> Result<Vec<String>> {
        Ok(self.list_meta(prefix).await?.into_iter().map(|(name, _)| name).collect())
    }

    /// [`BackfillStore::list`] with each object's last modification time.
    pub async fn list_meta(&self, prefix: &str) -> Result<Vec<(String, DateTime<Utc>)>> {
        let path = self.path(prefix.trim_end_matches('/'))?;
        let listed: Vec<_> = match self.store.list(Some(&path)).try_collect().await {
            Ok(listed) => listed,
            Err(object_store::Error::NotFound { .. }) => Vec::new(),
            Err(e) => return Err(self.failed("listing", prefix, e)),
        };
        let mut names: Vec<(String, DateTime<Utc>)> = listed
            .into_iter()
            .filter_map(|m| {
                let name = m.location.as_ref().strip_prefix(self.prefix.as_str())?.to_owned();
                Some((name, m.last_modified))
            })
            .collect();
        names.sort();
        Ok(names)
    }
}

fn normalise(prefix: &str) -> String {
    let trimmed = prefix.trim_matches('/');
    if trimmed.is_empty() {
        String::new()
    } else {
        format!("{trimmed}/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_local_root_writes_reads_lists_and_creates_only_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = BackfillStore::open(dir.path().join("root").to_str().unwrap(), None).unwrap();

        store.put("runs/a/manifest.json", "{}").await.unwrap();
        let first = store.put_new("runs/a/progress/00000/000000-2-0.json", "one").await.unwrap();
        let again = store.put_new("runs/a/progress/00000/000000-2-0.json", "two").await.unwrap();

        assert!(first && !again, "the second create finds the first");
        assert_eq!(&store.get("runs/a/progress/00000/000000-2-0.json").await.unwrap()[..], b"one");
        assert_eq!(store.list("runs/a/progress/").await.unwrap(), vec!["runs/a/progress/00000/000000-2-0.json"]);
        assert!(store.list("runs/missing/").await.unwrap().is_empty(), "an absent folder lists nothing");
        assert!(matches!(store.get("runs/missing").await, Err(Error::NotFound(_))));
    }

    #[test]
    fn only_gcs_and_local_roots_are_accepted() {
        assert!(BackfillStore::open("s3://bucket/x", None).is_err());
        assert!(BackfillStore::open("gs://Bad_Bucket/x", None).is_err());
    }
}
