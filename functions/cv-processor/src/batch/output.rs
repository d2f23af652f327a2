//! Where batch mode delivers each image's document: the same [`Sink`] as the
//! one-image path (one CloudEvent per image, same ids), or a folder of JSON files.

use async_trait::async_trait;
use shared::schema::FeatureDocument;
use std::path::PathBuf;

use crate::sink::Sink;
use crate::{Error, Result};

/// Delivers one document; returns only once it is accepted (at-least-once).
#[async_trait]
pub trait DocumentSink: Send + Sync {
    /// Delivers `document`.
    async fn deliver(&self, document: &FeatureDocument) -> Result<()>;
}

#[async_trait]
impl DocumentSink for Sink {
    async fn deliver(&self, document: &FeatureDocument) -> Result<()> {
        Sink::deliver(self, document).await
    }
}

/// Writes `<image id>.json` into a folder (tests, benchmarks, the GPU check).
#[derive(Debug, Clone)]
pub struct DirSink {
    dir: PathBuf,
}

impl DirSink {
    /// Creates the folder.
    pub fn new(dir: PathBuf) -> Result<Self> {
        std::fs::create_dir_all(&dir).map_err(|e| Error::config(format!("cannot create {}: {e}", dir.display())))?;
        Ok(Self { dir })
    }
}

#[async_trait]
impl DocumentSink for DirSink {
    async fn deliver(&self, document: &FeatureDocument) -> Result<()> {
        let path = self.dir.join(format!("{}.json", document.image.id));
        let failure =
            |e: std::io::Error| Error::Delivery { target: path.display().to_string(), message: e.to_string() };
        let json = serde_json::to_vec(document).map_err(|e| Error::Document(e.to_string()))?;
        // NB: written aside and renamed, so a reader never sees half a document.
        let partial = path.with_extension("json.partial");
        tokio::fs::write(&partial, json).await.map_err(failure)?;
        tokio::fs::rename(&partial, &path).await.map_err(failure)
    }
}
