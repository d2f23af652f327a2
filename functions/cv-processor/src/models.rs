//! The model interfaces the pipeline depends on; they know nothing of ONNX Runtime,
//! so tests and other backends can stand in (see [`crate::onnx`] for the real ones).

use crate::preprocess::Tensor;
use crate::Result;

/// The detector's raw outputs for one image, before thresholding and NMS.
#[derive(Debug, Clone, PartialEq)]
pub struct RawDetections {
    /// Number of anchors (1917 for SSD-MobileNetV2 at 300×300).
    pub anchors: usize,
    /// Score columns per anchor; column k is COCO category id k+1.
    pub classes: usize,
    /// `anchors × classes` sigmoid scores, row-major.
    pub scores: Vec<f32>,
    /// `anchors × 4` boxes as `ymin, xmin, ymax, xmax`, normalised, unclipped.
    pub boxes: Vec<f32>,
}

/// Runs an object detector on a preprocessed `[1,3,H,W]` input.
pub trait Detector: Send + Sync {
    /// Raw scores and boxes for the image.
    fn detect(&self, input: &Tensor) -> Result<RawDetections>;

    /// Execution provider that runs the model (`cuda`, `cpu`, …), for lineage.
    fn execution_provider(&self) -> &'static str;
}

/// Embeds a batch of preprocessed `[N,3,H,W]` crops.
pub trait Embedder: Send + Sync {
    /// One raw (not normalised) vector per crop, in input order.
    fn embed(&self, batch: &Tensor) -> Result<Vec<Vec<f32>>>;

    /// Execution provider that runs the model, for lineage.
    fn execution_provider(&self) -> &'static str;
}

/// Scales a vector to unit length; the zero vector is left as it is.
pub fn l2_normalise(v: &mut [f32]) {
    let norm = v.iter().map(|x| f64::from(*x) * f64::from(*x)).sum::<f64>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x = (f64::from(*x) / norm) as f32);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalised_vectors_have_unit_length_and_zero_stays_zero() {
        let mut v = vec![3.0, 4.0];
        l2_normalise(&mut v);
        assert_eq!(v, vec![0.6, 0.8]);
        let mut zero = vec![0.0; 3];
        l2_normalise(&mut zero);
        assert_eq!(zero, vec![0.0; 3]);
    }
}
