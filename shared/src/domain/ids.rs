//! Content-derived identifiers: the same bytes and model always give the same ids,
//! which is what makes every write idempotent.

use sha2::{Digest, Sha256};

use super::ModelVersion;
use crate::{Error, Result};

fn check_hex(s: &str, len: usize, what: &str) -> Result<()> {
    if s.len() == len && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        Ok(())
    } else {
        Err(Error::invalid(format!("{what} must be {len} lowercase hex characters, got {s:?}")))
    }
}

string_newtype!(
    /// An image id: the sha256 of the bytes, 64 lowercase hex characters.
    ImageId,
    |s| check_hex(s, 64, "image id (sha256 of the bytes)")
);
string_newtype!(
    /// An object id: 32 lowercase hex characters.
    ObjectId,
    |s| check_hex(s, 32, "object id")
);
string_newtype!(
    /// A feature id: 32 lowercase hex characters.
    FeatureId,
    |s| check_hex(s, 32, "feature id")
);

impl ImageId {
    /// The id of some image bytes: their sha256.
    pub fn of_bytes(bytes: &[u8]) -> Self {
        Self(hex::encode(Sha256::digest(bytes)))
    }
}

impl ObjectId {
    /// Derives an object's id from the image content, the model version and the
    /// detection itself. Box corners are quantised to 1e-4 so that float noise
    /// below what the model can resolve does not change the id.
    pub fn derive(image: &ImageId, version: &ModelVersion, category_id: u32, box_norm: [f32; 4]) -> Self {
        let mut h = Sha256::new();
        h.update(b"object\0");
        h.update(image.as_str());
        h.update(b"\0");
        h.update(version.as_str());
        h.update(b"\0");
        h.update(category_id.to_le_bytes());
        for v in box_norm {
            h.update(((v * 10_000.0).round() as i32).to_le_bytes());
        }
        Self(hex::encode(&h.finalize()[..16]))
    }
}

impl FeatureId {
    /// The id of the feature vector a model version computed for an object.
    pub fn derive(object: &ObjectId, version: &ModelVersion) -> Self {
        let mut h = Sha256::new();
        h.update(b"feature\0");
        h.update(object.as_str());
        h.update(b"\0");
        h.update(version.as_str());
        Self(hex::encode(&h.finalize()[..16]))
    }
}

/// Any node id the graph API accepts: images have 64-character ids, objects
/// and features 32; the two 32-character kinds come from different hash
/// domains and never collide.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum NodeId {
    /// An `Image` node.
    Image(ImageId),
    /// An `Object` or `Feature` node; the store tells which.
    Short(String),
}

impl NodeId {
    /// Parses either id form.
    pub fn parse(s: &str) -> Result<Self> {
        match s.len() {
            64 => Ok(Self::Image(ImageId::parse(s)?)),
            32 => {
                check_hex(s, 32, "node id")?;
                Ok(Self::Short(s.to_owned()))
            }
            _ => Err(Error::invalid(format!(
                "node id must be 64 (image) or 32 (object, feature) lowercase hex characters, got {s:?}"
            ))),
        }
    }

    /// The textual form.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Image(id) => id.as_str(),
            Self::Short(s) => s,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version() -> ModelVersion {
        ModelVersion::parse("det@1+emb@2").unwrap()
    }

    #[test]
    fn image_id_is_the_sha256_of_the_bytes() {
        let id = ImageId::of_bytes(b"abc");
        assert_eq!(id.as_str(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn object_ids_are_stable_under_sub_quantum_noise_and_differ_by_version() {
        let img = ImageId::of_bytes(b"x");
        let a = ObjectId::derive(&img, &version(), 1, [0.1, 0.2, 0.3, 0.4]);
        let b = ObjectId::derive(&img, &version(), 1, [0.100_001, 0.2, 0.3, 0.4]);
        let c = ObjectId::derive(&img, &ModelVersion::parse("det@2+emb@2").unwrap(), 1, [0.1, 0.2, 0.3, 0.4]);
        assert_eq!(a, b, "noise below 1e-4 must not change the id");
        assert_ne!(a, c, "another model version must give another id");
        assert_eq!(a.as_str().len(), 32);
    }

    #[test]
    fn malformed_ids_are_rejected_with_a_message() {
        for bad in ["", "ABC", "zz", &"a".repeat(31), &"A".repeat(32)] {
            let err = ObjectId::parse(bad).expect_err(bad);
            assert!(err.to_string().contains("32 lowercase hex"), "{bad}: {err}");
        }
    }

    #[test]
    fn node_ids_tell_images_from_short_ids() {
        assert!(matches!(NodeId::parse(&"a".repeat(64)).unwrap(), NodeId::Image(_)));
        assert!(matches!(NodeId::parse(&"b".repeat(32)).unwrap(), NodeId::Short(_)));
        assert!(NodeId::parse("../etc").is_err());
    }
}
