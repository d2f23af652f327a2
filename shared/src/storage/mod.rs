//! Reading image objects: GCS in production, a local folder standing in for
//! buckets in development (`<root>/<bucket>/<name>`), both through `object_store`.

use bytes::Bytes;
use object_store::local::LocalFileSystem;
use object_store::path::Path as StorePath;
use object_store::{ObjectStore, ObjectStoreExt};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crate::domain::ObjectUri;
use crate::{Error, Result};

/// Where `gs://` objects are read from.
#[derive(Debug, Clone)]
pub enum StorageSettings {
    /// Real GCS, or a fake-gcs-server at `base_url`.
    Gcs {
        /// Override of the GCS endpoint (fake-gcs-server in tests).
        base_url: Option<String>,
    },
    /// `<root>/<bucket>/<name>` on the local disk.
    LocalBuckets {
        /// Folder holding one sub-folder per bucket.
        root: PathBuf,
    },
}

/// Reads objects by URI; one store per bucket, built on first use.
pub struct ObjectReader {
    settings: StorageSettings,
    stores: Mutex<HashMap<String, Arc<dyn ObjectStore>>>,
}

impl ObjectReader {
    /// A reader for the given settings.
    pub fn new(settings: StorageSettings) -> Self {
        Self { settings, stores: Mutex::new(HashMap::new()) }
    }

    fn store_for(&self, bucket: &str) -> Result<Arc<dyn ObjectStore>> {
        let mut stores = self.stores.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = stores.get(bucket) {
            return Ok(s.clone());
        }
        let store: Arc<dyn ObjectStore> = match &self.settings {
            StorageSettings::LocalBuckets { root } => {
                let dir = root.join(bucket);
                Arc::new(
                    LocalFileSystem::new_with_prefix(&dir)
                        .map_err(|e| Error::NotFound(format!("bucket folder {}: {e}", dir.display())))?,
                )
            }
            StorageSettings::Gcs { base_url } => {
                let mut b = object_store::gcp::GoogleCloudStorageBuilder::from_env().with_bucket_name(bucket);
                if let Some(url) = base_url {
                    // NB: fake-gcs-server speaks plain HTTP and ignores credentials; a dummy token skips the metadata server.
                    b = b
                        .with_base_url(url)
                        .with_bearer_token("unused-by-fake-gcs")
                        .with_client_options(object_store::ClientOptions::new().with_allow_http(true));
                }
                Arc::new(b.build().map_err(|e| Error::invalid(format!("GCS client for bucket {bucket}: {e}")))?)
            }
        };
        stores.insert(bucket.to_owned(), store.clone());
        Ok(store)
    }

    /// Reads a whole object, refusing objects larger than `max_bytes`.
    pub async fn read(&self, uri: &ObjectUri, max_bytes: u64) -> Result<Bytes> {
        let (store, path): (Arc<dyn ObjectStore>, StorePath) = match uri {
            ObjectUri::Gcs { bucket, name, .. } => {
                // NB: Path::parse rejects `..` and empty segments, so a crafted object name cannot leave the bucket folder.
                let path = StorePath::parse(name).map_err(|e| Error::invalid(format!("object name {name:?}: {e}")))?;
                (self.store_for(bucket)?, path)
            }
            ObjectUri::Local(p) => {
                let bytes = tokio::fs::read(p).await.map_err(|e| match e.kind() {
                    std::io::ErrorKind::NotFound => Error::NotFound(format!("{}", p.display())),
                    _ => Error::unavailable("storage", format!("reading {}: {e}", p.display())),
                })?;
                if bytes.len() as u64 > max_bytes {
                    return Err(Error::invalid(format!("{} is {} bytes, over the {max_bytes}-byte limit", p.display(), bytes.len())));
                }
                return Ok(Bytes::from(bytes));
            }
        };
        let get = store.get(&path).await.map_err(|e| map_store_err(uri, e))?;
        if get.meta.size > max_bytes {
            return Err(Error::invalid(format!("{uri} is {} bytes, over the {max_bytes}-byte limit", get.meta.size)));
        }
        get.bytes().await.map_err(|e| map_store_err(uri, e))
    }
}

fn map_store_err(uri: &ObjectUri, e: object_store::Error) -> Error {
    match e {
        object_store::Error::NotFound { .. } => Error::NotFound(format!("{uri}")),
        object_store::Error::InvalidPath { .. } => Error::invalid(format!("{uri}: {e}")),
        other => Error::unavailable("storage", format!("reading {uri}: {other}")),
    }
}

/// MIME type from magic bytes.
pub fn sniff_content_type(bytes: &[u8]) -> &'static str {
    match bytes {
        [0xFF, 0xD8, 0xFF, ..] => "image/jpeg",
        [0x89, b'P', b'N', b'G', ..] => "image/png",
        [b'G', b'I', b'F', b'8', ..] => "image/gif",
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => "image/webp",
        [b'B', b'M', ..] => "image/bmp",
        [b'I', b'I', 0x2A, 0x00, ..] | [b'M', b'M', 0x00, 0x2A, ..] => "image/tiff",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn local_buckets_serve_files_and_refuse_traversal() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("raw/p")).unwrap();
        std::fs::write(root.path().join("raw/p/a.png"), b"\x89PNG....").unwrap();
        std::fs::write(root.path().join("secret.txt"), b"no").unwrap();
        let reader = ObjectReader::new(StorageSettings::LocalBuckets { root: root.path().into() });

        let ok = reader.read(&ObjectUri::parse("gs://raw/p/a.png").unwrap(), 1 << 20).await.unwrap();
        assert_eq!(sniff_content_type(&ok), "image/png");
        let escape = reader.read(&ObjectUri::parse("gs://raw/../secret.txt").unwrap(), 1 << 20).await;
        assert!(matches!(escape, Err(Error::Invalid(_))), "{escape:?}");
        let missing = reader.read(&ObjectUri::parse("gs://raw/none.png").unwrap(), 1 << 20).await;
        assert!(matches!(missing, Err(Error::NotFound(_))), "{missing:?}");
        let too_big = reader.read(&ObjectUri::parse("gs://raw/p/a.png").unwrap(), 3).await;
        assert!(matches!(too_big, Err(Error::Invalid(_))), "{too_big:?}");
    }
}
