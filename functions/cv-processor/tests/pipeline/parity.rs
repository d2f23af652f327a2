//! Parity with the Python reference (`fixtures/reference/`, produced by
//! `scripts/models/reference.py`): same detections one-to-one, same embedder numbers.

use cv_processor::decode::decode;
use cv_processor::preprocess::{embedder_input, Rect};
use cv_processor::Limits;
use serde_json::Value;

use crate::helpers::{bbox, box_diff, photo, process, processor};

#[tokio::test]
async fn every_reference_detection_is_matched_one_to_one() {
    let reference = crate::helpers::reference_detections();
    let images = reference["images"].as_object().unwrap();
    let (mut worst_score, mut worst_box) = (0.0f32, 0.0f32);
    for (name, want) in images {
        let doc = process(name).await;
        assert_eq!(
            (doc.image.width, doc.image.height),
            (want["width"].as_u64().unwrap() as u32, want["height"].as_u64().unwrap() as u32),
            "{name} size"
        );
        let want = want["detections"].as_array().unwrap();
        assert_eq!(
            doc.objects.len(),
            want.len(),
            "{name}: {} detections, reference has {}",
            doc.objects.len(),
            want.len()
        );
        let mut used = vec![false; doc.objects.len()];
        for r in want {
            let (label, score, b) =
                (r["label"].as_str().unwrap(), r["score"].as_f64().unwrap() as f32, bbox(&r["box_norm"]));
            let best = doc
                .objects
                .iter()
                .enumerate()
                .filter(|(i, o)| {
                    !used[*i] && o.label.as_str() == label && o.category_id as u64 == r["category_id"].as_u64().unwrap()
                })
                .min_by(|(_, a), (_, c)| box_diff(&a.box_norm, &b).total_cmp(&box_diff(&c.box_norm, &b)));
            let (i, o) = best.unwrap_or_else(|| panic!("{name}: no {label} left to match {score:.3}"));
            let (ds, db) = ((o.score - score).abs(), box_diff(&o.box_norm, &b));
            assert!(ds <= 0.01 && db <= 0.01, "{name} {label}: score {:.4} vs {score:.4}, box off by {db:.4}", o.score);
            used[i] = true;
            (worst_score, worst_box) = (worst_score.max(ds), worst_box.max(db));
        }
    }
    eprintln!("parity: worst score difference {worst_score:.5}, worst box difference {worst_box:.5}");
}

#[test]
fn the_whole_image_embedding_of_dog_jpg_matches_the_reference() {
    let reference: Value =
        serde_json::from_str(include_str!("../../../../fixtures/reference/embeddings.json")).unwrap();
    let want = &reference["images"]["dog.jpg"];
    let bytes = std::fs::read(photo("dog.jpg")).unwrap();
    let decoded = decode("dog.jpg", &bytes, &Limits::default()).unwrap();

    let batch = embedder_input(&decoded.rgb, &[Rect::full(&decoded.rgb)]);
    let raw = processor().models().embedder.embed(&batch).unwrap().remove(0);

    assert_eq!(raw.len(), reference["dim"].as_u64().unwrap() as usize);
    let norm = raw.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>().sqrt();
    let want_norm = want["l2_norm"].as_f64().unwrap();
    assert!((norm - want_norm).abs() / want_norm < 0.01, "norm {norm} vs {want_norm}");
    for (i, w) in want["first_8"].as_array().unwrap().iter().enumerate() {
        let w = w.as_f64().unwrap() as f32;
        assert!((raw[i] - w).abs() <= 0.02 + 0.02 * w.abs(), "value {i}: {} vs {w}", raw[i]);
    }
    eprintln!("embedder parity: norm {norm:.4} vs {want_norm:.4}; first 8 {:?}", &raw[..8]);
}
