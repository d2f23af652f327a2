//! [`ObjectReader`]: one store per bucket, built on first use; generations
//! pinned where the URI names one; size limits checked before the body is read;
//! local reads confined to the local bucket root ([`super::local`]).

use bytes::Bytes;
use futures::stream::{BoxStream, StreamExt};
use object_store::gcp::GoogleCloudStorageBuilder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as StorePath;
use object_store::{ClientOptions, GetOptions, GetResult, ObjectStore, RetryConfig};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::local::{plain_path, under_root, LocalFiles};
use crate::domain::ObjectUri;
use crate::{Error, Result};

/// Where `gs://` objects are read from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StorageConfig {
    /// Development: `gs://bucket/name` is read from `<root>/bucket/name`, never from outside it.
    pub local_bucket_root: Option<PathBuf>,
    /// A GCS emulator such as fake-gcs-server (plain HTTP, dummy bearer token).
    pub gcs_base_url: Option<String>,
    /// Which plain local paths may be read.
    pub local_files: LocalFiles,
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

/// An object whose size was checked and whose body is not read yet.
pub struct Opened {
    /// Size in bytes.
    pub size: u64,
    /// GCS generation that is being read, when the store reports it.
    pub generation: Option<i64>,
    uri: ObjectUri,
    result: GetResult,
}

impl std::fmt::Debug for Opened {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Opened").field("uri", &self.uri).field("size", &self.size).finish_non_exhaustive()
    }
}

impl Opened {
    /// The body in chunks, never more than the size that was checked.
    pub fn into_stream(self) -> BoxStream<'static, Result<Bytes>> {
        let (uri, size) = (self.uri.clone(), self.size);
        let mut seen = 0u64;
        self.result
            .into_stream()
            .map(move |chunk| {
                let chunk = chunk.map_err(|e| storage_error(&uri, e))?;
                seen += chunk.len() as u64;
                if seen > size {
                    return Err(Error::invalid(format!("{uri}: object grew past its {size} bytes while being read")));
                }
                Ok(chunk)
            })
            .boxed()
    }

    /// The whole body.
    pub async fn bytes(self) -> Result<Bytes> {
        let uri = self.uri.clone();
        self.result.bytes().await.map_err(|e| storage_error(&uri, e))
    }
}

/// Reads objects by URI.
#[derive(Debug, Default)]
pub struct ObjectReader {
    config: StorageConfig,
    stores: Mutex<HashMap<String, Arc<dyn ObjectStore>>>,
}

const STORAGE: &str = "storage";

fn storage_error(uri: &ObjectUri, e: object_store::Error) -> Error {
    match e {
        object_store::Error::NotFound { .. } => Error::NotFound(format!("{uri}: object not found")),
        other => Error::unavailable(STORAGE, other).context(format!("reading {uri}")),
    }
}

impl ObjectReader {
    /// A reader for the given settings.
    pub fn new(config: StorageConfig) -> Self {
        Self { config, stores: Mutex::new(HashMap::new()) }
    }

    /// Opens one object; refuses missing, empty and oversized objects before reading the body.
    #[tracing::instrument(skip_all, fields(uri = %uri))]
    pub async fn open(&self, uri: &ObjectUri, max_bytes: u64) -> Result<Opened> {
        let (store, path, options) = self.locate(uri)?;
        let result = store.get_opts(&path, options).await.map_err(|e| storage_error(uri, e))?;
        let size = result.meta.size;
        if size > max_bytes {
            return Err(Error::invalid(format!("{uri}: object is {size} bytes, more than the limit of {max_bytes}")));
        }
        if size == 0 {
            return Err(Error::invalid(format!("{uri}: object is empty (0 bytes)")));
        }
        let pinned = match uri {
            ObjectUri::Gcs { generation, .. } => *generation,
            ObjectUri::Local(_) => None,
        };
        let generation = result.meta.version.as_deref().and_then(|v| v.parse().ok()).or(pinned);
        Ok(Opened { size, generation, uri: uri.clone(), result })
    }

    /// Reads one object whole; refuses missing, empty and oversized objects.
    pub async fn fetch(&self, uri: &ObjectUri, max_bytes: u64) -> Result<Fetched> {
        let opened = self.open(uri, max_bytes).await?;
        let generation = opened.generation;
        let bytes = opened.bytes().await?;
        let (bucket, name) = match uri {
            ObjectUri::Gcs { bucket, name, .. } => (Some(bucket.clone()), name.clone()),
            ObjectUri::Local(p) => (None, p.display().to_string()),
        };
        Ok(Fetched { bytes, bucket, name, generation })
    }

    /// Reads one object's bytes.
    pub async fn read(&self, uri: &ObjectUri, max_bytes: u64) -> Result<Bytes> {
        Ok(self.fetch(uri, max_bytes).await?.bytes)
    }

    fn locate(&self, uri: &ObjectUri) -> Result<(Arc<dyn ObjectStore>, StorePath, GetOptions)> {
        let root = self.config.local_bucket_root.as_deref();
        let real = match (uri, root) {
            (ObjectUri::Gcs { bucket, name, generation }, None) => {
                let options = GetOptions { version: generation.map(|g| g.to_string()), ..GetOptions::default() };
                return Ok((self.bucket_store(bucket)?, object_path(uri, name)?, options));
            }
            (ObjectUri::Gcs { bucket, name, .. }, Some(root)) => {
                let relative = PathBuf::from(bucket).join(object_path(uri, name)?.as_ref());
                under_root(root, &relative, uri)?
            }
            (ObjectUri::Local(path), root) => plain_path(path, root, self.config.local_files, uri)?,
        };
        let location = StorePath::from_absolute_path(&real)
            .map_err(|e| Error::invalid(format!("{uri}: not a usable file path: {e}")))?;
        Ok((Arc::new(LocalFileSystem::new()), location, GetOptions::default()))
    }

    fn bucket_store(&self, bucket: &str) -> Result<Arc<dyn ObjectStore>> {
        let mut stores = self.stores.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = stores.get(bucket) {
            return Ok(s.clone());
        }
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
        let store: Arc<dyn ObjectStore> =
            Arc::new(builder.build().map_err(|e| Error::invalid(format!("cannot open bucket {bucket}: {e}")))?);
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
        ObjectReader::new(StorageConfig { local_bucket_root: Some(root.into()), ..StorageConfig::default() })
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

    #[cfg(unix)]
    #[tokio::test]
    async fn a_symlink_out_of_the_bucket_root_is_refused_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        std::fs::create_dir_all(root.join("raw")).unwrap();
        std::fs::write(dir.path().join("secret.txt"), b"private").unwrap();
        std::os::unix::fs::symlink(dir.path().join("secret.txt"), root.join("raw/link.jpg")).unwrap();
        std::os::unix::fs::symlink(dir.path(), root.join("escape")).unwrap();
        let reader = local(&root);

        for uri in ["gs://raw/link.jpg", "gs://escape/secret.txt"] {
            let err = reader.fetch(&ObjectUri::parse(uri).unwrap(), 100).await.expect_err(uri);

            assert!(err.to_string().contains("outside the local bucket root"), "{uri}: {err}");
        }
    }

    #[tokio::test]
    async fn plain_local_paths_are_read_only_under_the_root_unless_the_caller_allows_any() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        std::fs::create_dir_all(root.join("raw")).unwrap();
        std::fs::write(root.join("raw/in.bin"), b"inside").unwrap();
        std::fs::write(dir.path().join("out.bin"), b"outside").unwrap();
        let inside = ObjectUri::Local(root.join("raw/in.bin"));
        let outside = ObjectUri::Local(dir.path().join("out.bin"));
        let dotted = ObjectUri::Local(root.join("raw/../../out.bin"));

        assert_eq!(&local(&root).read(&inside, 100).await.unwrap()[..], b"inside");
        for uri in [&outside, &dotted] {
            let err = local(&root).read(uri, 100).await.expect_err("outside the root");
            assert!(err.to_string().contains("outside the local bucket root"), "{uri}: {err}");
        }
        let no_root = ObjectReader::new(StorageConfig::default());
        let err = no_root.read(&outside, 100).await.expect_err("services never read plain paths without a root");
        assert!(err.to_string().contains("not readable here"), "{err}");
        let cli = ObjectReader::new(StorageConfig { local_files: LocalFiles::Anywhere, ..StorageConfig::default() });
        assert_eq!(&cli.read(&outside, 100).await.unwrap()[..], b"outside");
    }

    #[tokio::test]
    async fn an_opened_object_streams_its_bytes_in_chunks() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("raw")).unwrap();
        let body: Vec<u8> = (0..100_000u32).map(|i| i as u8).collect();
        std::fs::write(dir.path().join("raw/big.bin"), &body).unwrap();

        let opened = local(dir.path()).open(&ObjectUri::parse("gs://raw/big.bin").unwrap(), 1 << 20).await.unwrap();
        let size = opened.size;
        let chunks: Vec<Bytes> = opened.into_stream().map(|c| c.unwrap()).collect().await;

        assert_eq!(size, 100_000);
        assert!(chunks.len() > 1, "read in several chunks, not one buffer");
        assert_eq!(chunks.concat(), body);
    }
}
