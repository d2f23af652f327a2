use super::*;
use crate::preprocess::Tensor;
use crate::RawDetections;
use bytes::Bytes;
use image::{ImageFormat, Rgb, RgbImage};
use shared::domain::ObjectUri;
use std::collections::HashSet;

/// 150 small boxes of one class on a grid, none overlapping (NMS keeps them all), each scoring differently.
struct Crowd;

impl Detector for Crowd {
    fn detect(&self, _input: &Tensor) -> Result<RawDetections> {
        let (classes, anchors) = (1, 150);
        let boxes = (0..anchors)
            .flat_map(|i| {
                let (x, y) = ((i % 15) as f32 * 0.066, (i / 15) as f32 * 0.099);
                [y, x, y + 0.05, x + 0.05]
            })
            .collect();
        let scores = (0..anchors).map(|i| 0.45 + (i * 37 % anchors) as f32 / 400.0).collect();
        Ok(RawDetections { anchors, classes, scores, boxes })
    }

    fn execution_provider(&self) -> &'static str {
        "cpu"
    }
}

struct Flat;

impl Embedder for Flat {
    fn embed(&self, batch: &Tensor) -> Result<Vec<Vec<f32>>> {
        Ok((0..batch.shape[0]).map(|i| vec![1.0, i as f32]).collect())
    }

    fn execution_provider(&self) -> &'static str {
        "cpu"
    }
}

fn processor(max_detections: usize) -> Processor {
    let model = |name: &str| ModelRef {
        name: name.into(),
        package: "t".into(),
        package_version: "1".into(),
        sha256: "0".repeat(64),
    };
    let models = Models {
        version: ModelVersion::parse("det@1+emb@1").unwrap(),
        detector_ref: model("det"),
        embedder_ref: model("emb"),
        detector: Box::new(Crowd),
        embedder: Box::new(Flat),
    };
    let mut config = Config::new(None, None);
    config.limits.max_detections = max_detections;
    config.validate().unwrap();
    Processor::with_models(config, models)
}

fn crowded_png() -> Fetched {
    let mut png = std::io::Cursor::new(Vec::new());
    RgbImage::from_pixel(300, 300, Rgb([90, 90, 90])).write_to(&mut png, ImageFormat::Png).unwrap();
    Fetched {
        bytes: Bytes::from(png.into_inner()),
        bucket: Some("raw".into()),
        name: "crowd.png".into(),
        generation: Some(1),
    }
}

#[test]
fn a_crowded_image_keeps_only_the_best_scoring_detections_and_relates_only_those() {
    let uri = ObjectUri::parse("gs://raw/crowd.png#1").unwrap();
    let scores_of_all = Crowd.detect(&Tensor { shape: [1, 3, 1, 1], data: vec![] }).unwrap().scores;

    let doc = processor(100).analyse(&uri, crowded_png(), Instant::now(), 0.0).unwrap();

    assert_eq!(doc.objects.len(), 100, "150 detections capped at 100");
    let mut sorted = scores_of_all.clone();
    sorted.sort_by(|a, b| b.total_cmp(a));
    let kept: Vec<f32> = doc.objects.iter().map(|o| o.score).collect();
    assert_eq!(kept, sorted[..100], "the highest scores, best first");
    let ids: HashSet<_> = doc.objects.iter().map(|o| &o.id).collect();
    assert!(!doc.relations.is_empty());
    assert!(doc.relations.iter().all(|r| ids.contains(&r.from) && ids.contains(&r.to)), "relations join kept objects");
    doc.validate_content().expect("the capped document is valid");
}

#[test]
fn a_lower_cap_is_honoured() {
    let uri = ObjectUri::parse("gs://raw/crowd.png#1").unwrap();

    let doc = processor(7).analyse(&uri, crowded_png(), Instant::now(), 0.0).unwrap();

    assert_eq!(doc.objects.len(), 7);
}
