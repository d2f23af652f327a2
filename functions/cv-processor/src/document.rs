//! Assembling the feature document: image identity, content-derived object and
//! feature ids, pixel boxes, labels.

use base64::Engine;
use md5::{Digest, Md5};
use shared::domain::{FeatureId, ImageId, Label, ModelVersion, ObjectId, ObjectUri};
use shared::schema::{BBox, ColorAttr, DetectedObject, ImageInfo};

use crate::labels::coco_label;
use crate::nms::Detection;
use crate::source::Fetched;

/// MD5 of the bytes, base64, as GCS reports `md5Hash`.
pub fn md5_base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Md5::digest(bytes))
}

/// Identity and size of the image; `uri` carries the generation actually read.
pub fn image_info(uri: &ObjectUri, fetched: &Fetched, width: u32, height: u32, content_type: &str) -> ImageInfo {
    let uri = match uri {
        ObjectUri::Gcs { bucket, name, .. } => {
            ObjectUri::Gcs { bucket: bucket.clone(), name: name.clone(), generation: fetched.generation }
        }
        local => local.clone(),
    };
    ImageInfo {
        id: ImageId::of_bytes(&fetched.bytes),
        uri: uri.to_string(),
        bucket: fetched.bucket.clone(),
        name: fetched.name.clone(),
        generation: fetched.generation,
        width,
        height,
        content_type: content_type.to_owned(),
        size_bytes: fetched.bytes.len() as u64,
        md5_hash: md5_base64(&fetched.bytes),
    }
}

/// The COCO label of a detection; unknown ids (none in the 80-class model) become `class-<id>`.
pub fn label_of(category_id: u32) -> Label {
    let text = coco_label(category_id).map_or_else(|| format!("class-{category_id}"), str::to_owned);
    Label::parse(&text).expect("COCO labels and class-<digits> are valid labels")
}

/// One detected object with its ids derived from the image, model version, class and box.
pub fn object(
    image: &ImageInfo,
    version: &ModelVersion,
    detection: &Detection,
    color: ColorAttr,
    embedding: Vec<f32>,
) -> DetectedObject {
    let b = detection.box_norm;
    let id = ObjectId::derive(&image.id, version, detection.category_id, b.as_array());
    let (w, h) = (image.width as f32, image.height as f32);
    DetectedObject {
        feature_id: FeatureId::derive(&id, version),
        id,
        label: label_of(detection.category_id),
        category_id: detection.category_id,
        score: detection.score,
        box_px: BBox { x_min: b.x_min * w, y_min: b.y_min * h, x_max: b.x_max * w, y_max: b.y_max * h },
        box_norm: b,
        color,
        embedding,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use shared::domain::ColorName;

    #[test]
    fn md5_is_base64_like_gcs_md5hash() {
        assert_eq!(md5_base64(b""), "1B2M2Y8AsgTpgAmY7PhCfg==");
    }

    #[test]
    fn the_uri_records_the_generation_that_was_read() {
        let fetched = Fetched {
            bytes: Bytes::from_static(b"abc"),
            bucket: Some("raw".into()),
            name: "a.jpg".into(),
            generation: Some(42),
        };
        let info = image_info(&ObjectUri::parse("gs://raw/a.jpg").unwrap(), &fetched, 4, 3, "image/jpeg");
        assert_eq!(info.uri, "gs://raw/a.jpg#42");
        assert_eq!((info.size_bytes, info.id.as_str().len()), (3, 64));
    }

    #[test]
    fn objects_get_pixel_boxes_and_ids_that_validate() {
        let fetched = Fetched { bytes: Bytes::from_static(b"x"), bucket: None, name: "x".into(), generation: None };
        let info = image_info(&ObjectUri::parse("/tmp/x").unwrap(), &fetched, 200, 100, "image/png");
        let version = ModelVersion::parse("d@1+e@1").unwrap();
        let det = Detection {
            category_id: 18,
            score: 0.9,
            box_norm: BBox { x_min: 0.5, y_min: 0.5, x_max: 1.0, y_max: 1.0 },
        };
        let color = ColorAttr { name: ColorName::Brown, fraction: 0.5 };
        let o = object(&info, &version, &det, color, vec![1.0]);
        assert_eq!(o.label.as_str(), "dog");
        assert_eq!(o.box_px, BBox { x_min: 100.0, y_min: 50.0, x_max: 200.0, y_max: 100.0 });
        assert_eq!(o.feature_id, FeatureId::derive(&o.id, &version));
        assert_eq!(label_of(12).as_str(), "class-12");
    }
}
