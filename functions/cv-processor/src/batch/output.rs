//! Where batch mode delivers each image's document: the same [`Sink`] as the
//! one-image path (one CloudEvent per image, same ids), or a folder of JSON files.

use async_trait::async_trait;
use shared::schema::FeatureDocument;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::sink::{Sink, TopicSink};
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

#[async_trait]
impl DocumentSink for TopicSink {
    async fn deliver(&self, document: &FeatureDocument) -> Result<()> {
        TopicSink::deliver(self, document).await.map(|_message_id| ())
    }
}

/// Writes `<image id>.json` into a folder (tests, benchmarks, the GPU check).
#[derive(Debug, Clone)]
pub struct DirSink {
    dir: PathBuf,
}

/// Numbers the partial files, so two deliveries of one image never share one.
static PARTIALS: AtomicU64 = AtomicU64::new(0);

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
        // NB: written aside and renamed, so a reader never sees half a document; the aside name is
        // unique, since a retried or duplicated image may be delivered twice at once.
        let n = PARTIALS.fetch_add(1, Ordering::Relaxed);
        let partial = path.with_extension(format!("json.{}-{n}.partial", std::process::id()));
        tokio::fs::write(&partial, json).await.map_err(failure)?;
        tokio::fs::rename(&partial, &path).await.map_err(failure)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_document_delivered_twice_at_once_is_written_whole_both_times() {
        let dir = tempfile::tempdir().unwrap();
        let sink = DirSink::new(dir.path().to_owned()).unwrap();
        // NB: a binary-mode CloudEvent whose body is the document.
        let event: serde_json::Value =
            serde_json::from_str(include_str!("../../../../fixtures/events/features-extracted.dog.valid.json"))
                .unwrap();
        let doc: FeatureDocument = match &event["body"] {
            serde_json::Value::String(text) => serde_json::from_str(text).unwrap(),
            body => serde_json::from_value(body.clone()).unwrap(),
        };
        for _ in 0..20 {
            let (a, b) = tokio::join!(sink.deliver(&doc), sink.deliver(&doc));
            a.unwrap();
            b.unwrap();
        }
        let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(files, vec![std::ffi::OsString::from(format!("{}.json", doc.image.id))], "no partial left behind");
    }
}
