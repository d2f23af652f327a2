//! Reading the image's bytes through `shared::storage`, with the errors
//! mapped to the processor's retry semantics: a missing, empty or oversized
//! object is bad input; a storage outage is transient.

use shared::domain::ObjectUri;
pub use shared::storage::Fetched;
use shared::storage::ObjectReader;

use crate::config::StorageConfig;
use crate::{Error, Result};

/// Reads objects for the processor.
#[derive(Debug, Default)]
pub struct ObjectSource {
    reader: ObjectReader,
}

impl ObjectSource {
    /// A source with the given storage settings.
    pub fn new(config: StorageConfig) -> Self {
        Self { reader: ObjectReader::new(config) }
    }

    /// Reads one object, refusing objects larger than `max_bytes` before reading their body.
    pub async fn fetch(&self, uri: &ObjectUri, max_bytes: u64) -> Result<Fetched> {
        self.reader.fetch(uri, max_bytes).await.map_err(|e| match e {
            shared::Error::NotFound(m) | shared::Error::Invalid(m) => Error::bad_input(uri, m),
            other => Error::Storage { uri: uri.to_string(), message: shared::http::error_chain(&other) },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn missing_empty_and_oversized_objects_are_bad_input() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("empty"), b"").unwrap();
        std::fs::write(dir.path().join("big"), [0u8; 64]).unwrap();
        let source = ObjectSource::new(crate::Config::new(None, None).storage);
        let cases = [("missing", "not found"), ("empty", "empty"), ("big", "more than the limit")];
        for (file, why) in cases {
            let uri = ObjectUri::Local(dir.path().join(file));
            let err = source.fetch(&uri, 10).await.expect_err(file);
            assert!(matches!(err, Error::BadInput { .. }) && err.to_string().contains(why), "{file}: {err}");
        }
    }
}
