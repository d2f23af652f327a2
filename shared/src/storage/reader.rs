//! [`ObjectReader`]: one store per bucket, built on first use; generations
//! pinned where the URI names one; size limits checked before the body is read.

use bytes::Bytes;
use object_store::gcp::GoogleCloudStorageBuilder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as StorePath;
use object_store::{ClientOptions, GetOptions, ObjectStore, RetryConfig};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::domain::ObjectUri;
use crate::{Error, Result};

/// Where `gs://` objects are read from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StorageConfig {
    /// Development: `gs://bucket/name` is read from `<root>/bucket/name`.
    pub local_bucket_root: Option<PathBuf>,
    /// A GCS emulator such as fake-gcs-server (plain HTTP, dummy bearer token).
    pub gcs_base_url: Option<String>,
}

/// An object's bytes and exactly which version was read.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The bytes.
    pub bytes: Bytes,
    /// Bucket, for GCS URIs.
    pub bucket: Option<String>,
    /// Object name or file path.
    pub name: String,
    /// GCS generation that was read, when the store reports it.
    pub generation: Option<i64>,
}

/// Reads objects by URI.
#[derive(Debug, Default)]
pub struct ObjectReader {
    config: StorageConfig,
    stores: Mutex<HashMap<String, Arc<dyn ObjectStore>>>,
}

const STORAGE: &str = "storage";

impl ObjectReader {
    /// A reader for the given settings.
    pub fn new(config: StorageConfig) -> Self {
        Self { config, stores: Mutex::new(HashMap::new()) }
    }

    /// Reads one object; refuses missing, empty and oversized objects.
    #[tracing::instrument(skip_all, fields(uri = %uri))]
    pub async fn fetch(&self, uri: &ObjectUri, max_bytes: u64) -> Result<Fetched> {
        let (store, path, options) = self.locate(uri)?;
        let storage_error = |e: object_store::Error| match e {
            object_store::Error::NotFound { .. } => Error::NotFound(format!("{uri}: object not found")),
            other => Error::unavailable(STORAGE, format!("reading {uri}: {other}")),
        };
        let result = store.get_opts(&path, options).await.map_err(storage_error)?;
        let size = result.meta.size;
        if size > max_bytes {
            return Err(Error::invalid(format!("{uri}: object is {size} bytes, more than the limit of {max_bytes}")));
        }
        if size == 0 {
            return Err(Error::invalid(format!("{uri}: object is empty (0 bytes)")));
        }
        let version = result.meta.version.clone();
        let bytes = result.bytes().await.map_err(storage_error)?;
        let (bucket, name, pinned) = match uri {
            ObjectUri::Gcs { bucket, name, generation } => (Some(bucket.clone()), name.clone(), *generation),
            ObjectUri::Local(p) => (None, p.display().to_string(), None),
        };
        let generation = version.and_then(|v| v.parse().ok()).or(pinned);
        Ok(Fetched { bytes, bucket, name, generation })
    }

    /// Reads one object's bytes.
    pub async fn read(&self, uri: &ObjectUri, max_bytes: u64) -> Result<Bytes> {
        Ok(self.fetch(uri, max_bytes).await?.bytes)
    }

    fn locate(&self, uri: &ObjectUri) -> Result<(Arc<dyn ObjectStore>, StorePath, GetOptions)> {
        match uri {
            ObjectUri::Gcs { bucket, name, generation } => {
                let options = match self.config.local_bucket_root {
                    Some(_) => GetOptions::default(),
                    None => GetOptions { version: generation.map(|g| g.to_string()), ..GetOptions::default() },
                };
                Ok((self.bucket_store(bucket)?, object_path(uri, name)?, options))
            }
            ObjectUri::Local(path) => {
                let absolute = std::fs::canonicalize(path)
                    .or_else(|_| std::path::absolute(path))
                    .map_err(|e| Error::invalid(format!("{uri}: cannot resolve the path: {e}")))?;
                let location = StorePath::from_absolute_path(&absolute)
                    .map_err(|e| Error::invalid(format!("{uri}: not a usable file path: {e}")))?;
                Ok((Arc::new(LocalFileSystem::new()), location, GetOptions::default()))
            }
        }
    }

    fn bucket_store(&self, bucket: &str) -> Result<Arc<dyn ObjectStore>> {
        let mut stores = self.stores.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = stores.get(bucket) {
            return Ok(s.clone());
        }
        let store: Arc<dyn ObjectStore> = match &self.config.local_bucket_root {
            Some(root) => {
                let dir = root.join(bucket);
                Arc::new(
                    LocalFileSystem::new_with_prefix(&dir)
                        .map_err(|e| Error::NotFound(format!("no local bucket folder {}: {e}", dir.display())))?,
                )
            }
            None => {
                // NB: a job should fail (and be retried by its launcher) within a minute, not hang for the default 3.
                let retry =
                    RetryConfig { max_retries: 4, retry_timeout: Duration::from_secs(30), ..RetryConfig::default() };
                let mut builder = GoogleCloudStorageBuilder::from_env().with_bucket_name(bucket).with_retry(retry);
                if let Some(url) = &self.config.gcs_base_url {
                    // NB: emulators speak plain HTTP and accept any token.
                    builder = builder
                        .with_base_url(url)
                        .with_bearer_token("dummy")
                        .with_client_options(ClientOptions::new().with_allow_http(true));
                }
                Arc::new(builder.build().map_err(|e| Error::invalid(format!("cannot open bucket {bucket}: {e}")))?)
            }
        };
        stores.insert(bucket.to_owned(), store.clone());
        Ok(store)
    }
}

// NB: `Path::parse` rejects `..` and empty segments, so a crafted name cannot leave the bucket folder.
fn object_path(uri: &ObjectUri, name: &str) -> Result<StorePath> {
    StorePath::parse(name).map_err(|e| Error::invalid(format!("{uri}: unusable object name: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(root: &std::path::Path) -> ObjectReader {
        ObjectReader::new(StorageConfig { local_bucket_root: Some(root.into()), gcs_base_url: None })
    }

    #[tokio::test]
    async fn a_gcs_uri_is_read_from_the_local_bucket_root_in_development() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("raw/photos")).unwrap();
        std::fs::write(dir.path().join("raw/photos/a.bin"), b"hello").unwrap();

        let got = local(dir.path()).fetch(&ObjectUri::parse("gs://raw/photos/a.bin#7").unwrap(), 100).await.unwrap();

        assert_eq!(&got.bytes[..], b"hello");
        assert_eq!((got.bucket.as_deref(), got.name.as_str(), got.generation), (Some("raw"), "photos/a.bin", Some(7)));
    }

    #[tokio::test]
    async fn missing_empty_oversized_and_escaping_objects_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("raw")).unwrap();
        std::fs::write(dir.path().join("raw/empty"), b"").unwrap();
        std::fs::write(dir.path().join("raw/big"), [0u8; 64]).unwrap();
        std::fs::write(dir.path().join("secret.txt"), b"no").unwrap();
        let reader = local(dir.path());
        let cases = [
            ("gs://raw/missing", "not found"),
            ("gs://raw/empty", "empty"),
            ("gs://raw/big", "more than the limit"),
            ("gs://raw/../secret.txt", "unusable object name"),
        ];
        for (uri, why) in cases {
            let err = reader.fetch(&ObjectUri::parse(uri).unwrap(), 10).await.expect_err(uri);
            assert!(matches!(err, Error::NotFound(_) | Error::Invalid(_)), "{uri}: {err:?}");
            assert!(err.to_string().contains(why), "{uri}: {err}");
        }
    }
}
