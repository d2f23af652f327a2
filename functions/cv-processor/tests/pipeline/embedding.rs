//! Embedding sanity: a crop and its mirror image are closer than crops of other classes.

use cv_processor::decode::decode;
use cv_processor::models::l2_normalise;
use cv_processor::preprocess::{embedder_input, Rect};
use cv_processor::Limits;
use image::{imageops, RgbImage};

use crate::helpers::{photo, process, processor};

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[tokio::test]
async fn a_crop_and_its_mirror_are_nearer_than_crops_of_other_classes() {
    let doc = process("dog.jpg").await;
    let bytes = std::fs::read(photo("dog.jpg")).unwrap();
    let image = decode("dog.jpg", &bytes, &Limits::default()).unwrap().rgb;
    let labels = ["bicycle", "dog", "car"];
    let crops: Vec<RgbImage> = labels
        .iter()
        .map(|label| {
            let o = doc.objects.iter().find(|o| o.label.as_str() == *label).unwrap();
            let r = Rect::from_norm(&o.box_norm, image.width(), image.height());
            imageops::crop_imm(&image, r.x, r.y, r.width, r.height).to_image()
        })
        .collect();
    let mut embed = |img: &RgbImage| {
        let mut v = processor().models().embedder.embed(&embedder_input(img, &[Rect::full(img)])).unwrap().remove(0);
        l2_normalise(&mut v);
        v
    };
    let originals: Vec<Vec<f32>> = crops.iter().map(&mut embed).collect();
    let mirrors: Vec<Vec<f32>> = crops.iter().map(|c| embed(&imageops::flip_horizontal(c))).collect();

    for (i, label) in labels.iter().enumerate() {
        let own = cosine(&originals[i], &mirrors[i]);
        for (j, other) in labels.iter().enumerate().filter(|(j, _)| *j != i) {
            let across = cosine(&originals[i], &originals[j]);
            assert!(own > across, "{label}: mirror cosine {own:.3} must beat {other} at {across:.3}");
        }
    }
}
