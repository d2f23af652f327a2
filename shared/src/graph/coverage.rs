//! Which images have features of which version: the backfill's plan, the
//! versions page's coverage and the comparison's sample all ask these.

use serde::{Deserialize, Serialize};

use crate::domain::{FeatureSetName, ImageId, ModelVersion};

/// Most images one [`ImageQuery`] page may ask for.
pub const MAX_IMAGE_PAGE: usize = 10_000;

/// A page of the images of a feature set, by ascending id.
///
/// An image belongs to a feature set when a run of one of the set's versions
/// processed it (an image without detections counts: the run is recorded).
#[derive(Debug, Clone, PartialEq)]
pub struct ImageQuery {
    /// The feature set whose images are listed.
    pub feature_set: FeatureSetName,
    /// Only images with a location (primary or another) starting with this, e.g. `gs://raw/2024/`.
    pub uri_prefix: Option<String>,
    /// Only images processed by every one of these versions.
    pub with_versions: Vec<ModelVersion>,
    /// Only images not processed by this version (what a backfill still has to do).
    pub without_version: Option<ModelVersion>,
    /// Only ids greater than this (the last id of the previous page).
    pub after: Option<ImageId>,
    /// Page size, 1..=[`MAX_IMAGE_PAGE`].
    pub limit: usize,
}

impl ImageQuery {
    /// Every image of `set`, first page of `limit`.
    pub fn all(set: &FeatureSetName, limit: usize) -> Self {
        Self {
            feature_set: set.clone(),
            uri_prefix: None,
            with_versions: Vec::new(),
            without_version: None,
            after: None,
            limit,
        }
    }

    /// The page size clamped to 1..=[`MAX_IMAGE_PAGE`].
    pub fn page_size(&self) -> usize {
        self.limit.clamp(1, MAX_IMAGE_PAGE)
    }
}

/// How many images of a feature set one version has processed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionCoverage {
    /// The version.
    pub version: ModelVersion,
    /// Images of the set it has processed.
    pub images: u64,
    /// `images` / the set's images (0 when the set has none).
    pub fraction: f64,
}

/// Every version of a feature set with its share of the set's images.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Coverage {
    /// The feature set.
    pub feature_set: String,
    /// Images processed by any of its versions.
    pub images: u64,
    /// Its versions, oldest first.
    pub versions: Vec<VersionCoverage>,
}

impl Coverage {
    /// Builds the fractions from per-version counts.
    pub fn new(set: &FeatureSetName, images: u64, counts: Vec<(ModelVersion, u64)>) -> Self {
        let fraction = |n: u64| if images == 0 { 0.0 } else { n as f64 / images as f64 };
        Self {
            feature_set: set.to_string(),
            images,
            versions: counts
                .into_iter()
                .map(|(version, n)| VersionCoverage { version, images: n, fraction: fraction(n) })
                .collect(),
        }
    }

    /// The share of the set's images `version` has processed (0 for an unknown version).
    pub fn fraction_of(&self, version: &ModelVersion) -> f64 {
        self.versions.iter().find(|v| &v.version == version).map_or(0.0, |v| v.fraction)
    }

    /// The number of images `version` has processed.
    pub fn images_of(&self, version: &ModelVersion) -> u64 {
        self.versions.iter().find(|v| &v.version == version).map_or(0, |v| v.images)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fractions_are_shares_of_the_sets_images_and_zero_for_an_empty_set() {
        let set = FeatureSetName::parse("s").unwrap();
        let (a, b) = (ModelVersion::parse("a@1").unwrap(), ModelVersion::parse("b@1").unwrap());
        let c = Coverage::new(&set, 4, vec![(a.clone(), 4), (b.clone(), 1)]);
        assert_eq!((c.fraction_of(&a), c.fraction_of(&b)), (1.0, 0.25));
        assert_eq!(c.fraction_of(&ModelVersion::parse("x@1").unwrap()), 0.0, "unknown version");
        let empty = Coverage::new(&set, 0, vec![(a.clone(), 0)]);
        assert_eq!(empty.fraction_of(&a), 0.0);
    }
}
