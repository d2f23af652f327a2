//! Reading the image's bytes through `object_store`: GCS in production (or a
//! GCS emulator), a local bucket folder or a plain file in development.

use bytes::Bytes;
use object_store::gcp::GoogleCloudStorageBuilder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as StorePath;
use object_store::{ClientOptions, GetOptions, ObjectStore, RetryConfig};
use std::time::Duration;
use shared::domain::ObjectUri;
use tracing::instrument;

use crate::config::StorageConfig;
use crate::{Error, Result};

/// An object's bytes and where exactly they came from.
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

/// Reads objects; picks the concrete store from the URI and [`StorageConfig`].
#[derive(Debug, Clone, Default)]
pub struct ObjectSource {
    config: StorageConfig,
}

impl ObjectSource {
    /// A source with the given storage settings.
    pub fn new(config: StorageConfig) -> Self {
        Self { config }
    }

    /// Reads one object, refusing objects larger than `max_bytes` before reading their body.
    #[instrument(skip_all, fields(uri = %uri))]
    pub async fn fetch(&self, uri: &ObjectUri, max_bytes: u64) -> Result<Fetched> {
        let (store, path, mut options) = self.locate(uri)?;
        let storage_error = |e: object_store::Error| match e {
            object_store::Error::NotFound { .. } => Error::bad_input(uri, "object not found"),
            other => Error::Storage { uri: uri.to_string(), message: other.to_string() },
        };
        options.head = false;
        let result = store.get_opts(&path, options).await.map_err(storage_error)?;
        let size = result.meta.size;
        if size > max_bytes {
            return Err(Error::bad_input(uri, format!("object is {size} bytes, more than the limit of {max_bytes}")));
        }
        if size == 0 {
            return Err(Error::bad_input(uri, "object is empty (0 bytes)"));
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

    fn locate(&self, uri: &ObjectUri) -> Result<(Box<dyn ObjectStore>, StorePath, GetOptions)> {
        let config_error = |e: object_store::Error| Error::config(format!("cannot open the store for {uri}: {e}"));
        match uri {
            ObjectUri::Gcs { bucket, name, .. } if self.config.local_bucket_root.is_some() => {
                let root = self.config.local_bucket_root.as_ref().expect("checked by the guard").join(bucket);
                let store = LocalFileSystem::new_with_prefix(&root)
                    .map_err(|e| Error::bad_input(uri, format!("no local bucket folder {}: {e}", root.display())))?;
                Ok((Box::new(store), object_path(uri, name)?, GetOptions::default()))
            }
            ObjectUri::Gcs { bucket, name, generation } => {
                // NB: a job should fail (and be retried by its launcher) within a minute, not hang for the default 3.
                let retry = RetryConfig { max_retries: 4, retry_timeout: Duration::from_secs(30), ..RetryConfig::default() };
                let mut builder = GoogleCloudStorageBuilder::from_env().with_bucket_name(bucket).with_retry(retry);
                if let Some(url) = &self.config.gcs_base_url {
                    // NB: emulators speak plain HTTP and accept any token.
                    builder = builder
                        .with_base_url(url)
                        .with_bearer_token("dummy")
                        .with_client_options(ClientOptions::new().with_allow_http(true));
                }
                let store = builder.build().map_err(config_error)?;
                let options = GetOptions { version: generation.map(|g| g.to_string()), ..GetOptions::default() };
                Ok((Box::new(store), object_path(uri, name)?, options))
            }
            ObjectUri::Local(path) => {
                let absolute = std::fs::canonicalize(path)
                    .or_else(|_| std::path::absolute(path))
                    .map_err(|e| Error::bad_input(uri, format!("cannot resolve the path: {e}")))?;
                let location = StorePath::from_absolute_path(&absolute)
                    .map_err(|e| Error::bad_input(uri, format!("not a usable file path: {e}")))?;
                Ok((Box::new(LocalFileSystem::new()), location, GetOptions::default()))
            }
        }
    }
}

// NB: `Path::parse` rejects `..` and empty segments, so a crafted name cannot leave the bucket folder.
fn object_path(uri: &ObjectUri, name: &str) -> Result<StorePath> {
    StorePath::parse(name).map_err(|e| Error::bad_input(uri, format!("unusable object name: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_gcs_uri_is_read_from_the_local_bucket_root_in_development() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("raw/photos")).unwrap();
        std::fs::write(dir.path().join("raw/photos/a.bin"), b"hello").unwrap();
        let source = ObjectSource::new(StorageConfig { local_bucket_root: Some(dir.path().into()), gcs_base_url: None });

        let got = source.fetch(&ObjectUri::parse("gs://raw/photos/a.bin#7").unwrap(), 100).await.unwrap();

        assert_eq!(&got.bytes[..], b"hello");
        assert_eq!((got.bucket.as_deref(), got.name.as_str(), got.generation), (Some("raw"), "photos/a.bin", Some(7)));
    }

    #[tokio::test]
    async fn missing_empty_and_oversized_objects_are_bad_input() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("empty"), b"").unwrap();
        std::fs::write(dir.path().join("big"), [0u8; 64]).unwrap();
        let source = ObjectSource::default();
        let cases = [("missing", "not found"), ("empty", "empty"), ("big", "more than the limit")];
        for (file, why) in cases {
            let uri = ObjectUri::Local(dir.path().join(file));
            let err = source.fetch(&uri, 10).await.expect_err(file);
            assert!(matches!(err, Error::BadInput { .. }) && err.to_string().contains(why), "{file}: {err}");
        }
    }
}
