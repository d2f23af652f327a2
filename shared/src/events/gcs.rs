//! GCS "object finalized" CloudEvents (Eventarc, Knative) in any of the shapes real producers send.

use cloudevents::{AttributesReader, Event};
use serde::Deserialize;

use super::numbers::opt_i64;
use crate::cloudevent::event_data;
use crate::domain::{JobName, ObjectUri};
use crate::{Error, Result};

/// CloudEvent type of a finalized object.
pub const GCS_FINALIZED: &str = "google.cloud.storage.object.v1.finalized";
/// First-generation Cloud Functions spelling of the same event.
pub const GCS_FINALIZED_LEGACY: &str = "google.storage.object.finalize";
/// CloudEvent type of a permanently deleted object generation (also sent for the old
/// generation when an object is overwritten in a bucket without versioning).
pub const GCS_DELETED: &str = "google.cloud.storage.object.v1.deleted";
/// First-generation spelling of the same event.
pub const GCS_DELETED_LEGACY: &str = "google.storage.object.delete";
const GCS_TYPE_PREFIX: &str = "google.cloud.storage.object.v1.";

/// A new object version in a bucket, whatever envelope it came in.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectFinalized {
    /// Delivery id (CloudEvent id or Pub/Sub message id), for logs.
    pub event_id: String,
    /// Bucket name.
    pub bucket: String,
    /// Object name.
    pub name: String,
    /// Object generation.
    pub generation: Option<i64>,
    /// Declared content type.
    pub content_type: Option<String>,
    /// Size in bytes.
    pub size: Option<i64>,
    /// Base64 MD5 of the content, as GCS computes it.
    pub md5_hash: Option<String>,
}

/// What an incoming GCS event asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum GcsNotice {
    /// An object to process.
    Finalized(ObjectFinalized),
    /// An object generation that no longer exists: its location is removed from the graph.
    Deleted(ObjectFinalized),
    /// A well-formed event that needs no work (deleted, archived, …).
    Ignored {
        /// Why nothing happens, for the log.
        reason: String,
    },
}

impl GcsNotice {
    /// The same object as a deletion.
    pub(crate) fn into_deleted(self) -> Self {
        match self {
            Self::Finalized(object) => Self::Deleted(object),
            other => other,
        }
    }
}

/// `StorageObjectData`, the fields Sightgraph uses.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StorageObjectData {
    pub bucket: Option<String>,
    pub name: Option<String>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub generation: Option<i64>,
    pub content_type: Option<String>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub size: Option<i64>,
    pub md5_hash: Option<String>,
}

// NB: exactly the formats the decoder reads (the `image` crate features in the workspace
// Cargo.toml); HEIC, AVIF, SVG, RAW and the like would only fail the run as bad input.
const IMAGE_EXTENSIONS: [&str; 11] = ["jpg", "jpeg", "jpe", "jfif", "png", "webp", "gif", "bmp", "dib", "tif", "tiff"];
const IMAGE_CONTENT_TYPES: [&str; 11] = [
    "image/jpeg",
    "image/jpg",
    "image/pjpeg",
    "image/png",
    "image/webp",
    "image/gif",
    "image/bmp",
    "image/x-bmp",
    "image/x-ms-bmp",
    "image/tiff",
    "image/tiff-fx",
];
/// Content types that say nothing about the format: the extension decides.
const GENERIC_CONTENT_TYPES: [&str; 3] =
    ["application/octet-stream", "binary/octet-stream", "application/x-www-form-urlencoded"];

impl ObjectFinalized {
    /// Parses a CloudEvent; other GCS event types become [`GcsNotice::Ignored`].
    pub fn from_cloudevent(event: &Event) -> Result<GcsNotice> {
        let ty = event.ty();
        let deleted = ty == GCS_DELETED || ty == GCS_DELETED_LEGACY;
        if ty != GCS_FINALIZED && ty != GCS_FINALIZED_LEGACY && !deleted {
            if ty.starts_with(GCS_TYPE_PREFIX) || ty.starts_with("google.storage.object.") {
                return Ok(GcsNotice::Ignored { reason: format!("event type {ty} needs no processing") });
            }
            return Err(Error::invalid(format!("unsupported event type {ty:?}: expected {GCS_FINALIZED}")));
        }
        let data: StorageObjectData = event_data(event, "a GCS object")?.unwrap_or_default();
        let (src_bucket, src_name) = location_from_attributes(&event.source().to_string(), event.subject());
        let bucket =
            data.bucket.clone().or(src_bucket).ok_or_else(|| {
                Error::invalid("event names no bucket: neither data.bucket nor a /buckets/<name> source")
            })?;
        let name = data
            .name
            .clone()
            .or(src_name)
            .ok_or_else(|| Error::invalid("event names no object: neither data.name, subject nor source"))?;
        let notice = Self::build(event.id().to_owned(), bucket, name, data)?;
        Ok(if deleted { notice.into_deleted() } else { notice })
    }

    pub(crate) fn build(event_id: String, bucket: String, name: String, d: StorageObjectData) -> Result<GcsNotice> {
        // Validates naming rules once, here at the edge.
        ObjectUri::gcs(&bucket, &name, d.generation)?;
        if d.size.is_some_and(|s| s < 0) {
            return Err(Error::invalid("size must not be negative"));
        }
        Ok(GcsNotice::Finalized(Self {
            event_id,
            bucket,
            name,
            generation: d.generation,
            content_type: d.content_type,
            size: d.size,
            md5_hash: d.md5_hash.filter(|h| !h.is_empty()),
        }))
    }

    /// `gs://bucket/name#generation`.
    pub fn uri(&self) -> ObjectUri {
        ObjectUri::Gcs { bucket: self.bucket.clone(), name: self.name.clone(), generation: self.generation }
    }

    /// The Job identity: a redelivery of this event maps to the same name.
    pub fn job_name(&self) -> JobName {
        JobName::for_object(&self.bucket, &self.name, self.generation)
    }

    /// Whether the object is an image the decoder reads (see [`Self::not_decodable_reason`]).
    pub fn is_image(&self) -> bool {
        self.not_decodable_reason().is_none()
    }

    /// Why the object is not an image the decoder reads, if it is not: its content type
    /// decides (parameters ignored), else, when that is missing or generic
    /// (`application/octet-stream`), its extension.
    pub fn not_decodable_reason(&self) -> Option<String> {
        let essence = self
            .content_type
            .as_deref()
            .map(|ct| ct.split(';').next().unwrap_or_default().trim().to_ascii_lowercase())
            .filter(|ct| !ct.is_empty() && !GENERIC_CONTENT_TYPES.contains(&ct.as_str()));
        match essence {
            Some(ct) if IMAGE_CONTENT_TYPES.contains(&ct.as_str()) => None,
            Some(ct) if ct.starts_with("image/") => Some(format!(
                "content type {ct} is an image format the decoder does not read (jpeg, png, webp, gif, bmp, tiff)"
            )),
            Some(ct) => Some(format!("content type {ct} is not an image")),
            None => {
                let ext = self.name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
                let content_type = self.content_type.as_deref().unwrap_or("none");
                match ext.as_str() {
                    e if IMAGE_EXTENSIONS.contains(&e) => None,
                    "" => Some(format!("no extension and content type {content_type}: not recognisably an image")),
                    e => {
                        Some(format!("extension .{e} (content type {content_type}) is not a format the decoder reads"))
                    }
                }
            }
        }
    }
}

/// Bucket and object from `source` (`//storage.googleapis.com/projects/_/buckets/B[/objects/O]`)
/// and `subject` (`objects/O`).
fn location_from_attributes(source: &str, subject: Option<&str>) -> (Option<String>, Option<String>) {
    let after_buckets = source.split_once("/buckets/").map(|(_, rest)| rest);
    let (bucket, obj_in_source) = match after_buckets {
        Some(rest) => match rest.split_once("/objects/") {
            Some((b, o)) => (Some(b.to_owned()), Some(o.to_owned())),
            None => (Some(rest.trim_end_matches('/').to_owned()), None),
        },
        None => (None, None),
    };
    let from_subject = subject.and_then(|s| s.strip_prefix("objects/")).map(str::to_owned);
    (bucket.filter(|b| !b.is_empty()), from_subject.or(obj_in_source).filter(|o| !o.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cloudevents::{EventBuilder, EventBuilderV10};
    use serde_json::json;

    fn event(ty: &str, source: &str, subject: Option<&str>, data: serde_json::Value) -> Event {
        let mut b = EventBuilderV10::new().id("1").ty(ty).source(source).data("application/json", data);
        if let Some(s) = subject {
            b = b.subject(s);
        }
        b.build().unwrap()
    }

    #[test]
    fn string_and_number_integers_both_parse() {
        for (generation, size) in [(json!("1587627537231057"), json!("352")), (json!(1587627537231057_i64), json!(352))]
        {
            let ev = event(
                GCS_FINALIZED,
                "//storage.googleapis.com/projects/_/buckets/raw",
                Some("objects/a.jpg"),
                json!({"bucket":"raw","name":"a.jpg","generation":generation,"size":size,"contentType":"image/jpeg"}),
            );
            let GcsNotice::Finalized(o) = ObjectFinalized::from_cloudevent(&ev).unwrap() else { panic!() };
            assert_eq!((o.generation, o.size), (Some(1587627537231057), Some(352)));
        }
    }

    #[test]
    fn the_object_path_may_come_from_source_alone() {
        let ev =
            event(GCS_FINALIZED, "//storage.googleapis.com/projects/_/buckets/raw/objects/p/x.png", None, json!({}));
        let GcsNotice::Finalized(o) = ObjectFinalized::from_cloudevent(&ev).unwrap() else { panic!() };
        assert_eq!((o.bucket.as_str(), o.name.as_str()), ("raw", "p/x.png"));
        assert!(o.is_image(), "extension decides when no content type is given");
    }

    #[test]
    fn other_storage_events_are_ignored_and_foreign_types_rejected() {
        let src = "//storage.googleapis.com/projects/_/buckets/raw";
        let archived = event("google.cloud.storage.object.v1.archived", src, Some("objects/a"), json!({}));
        assert!(matches!(ObjectFinalized::from_cloudevent(&archived).unwrap(), GcsNotice::Ignored { .. }));
        let foreign = event("com.example.other", src, Some("objects/a"), json!({}));
        assert!(ObjectFinalized::from_cloudevent(&foreign).unwrap_err().to_string().contains("unsupported event type"));
    }

    #[test]
    fn a_deleted_object_generation_is_a_deletion_of_that_location() {
        let src = "//storage.googleapis.com/projects/_/buckets/raw";
        for ty in [GCS_DELETED, GCS_DELETED_LEGACY] {
            let ev = event(ty, src, Some("objects/a.jpg"), json!({"generation": "42", "contentType": "image/jpeg"}));
            let GcsNotice::Deleted(o) = ObjectFinalized::from_cloudevent(&ev).unwrap() else { panic!("{ty}") };
            assert_eq!(o.uri().to_string(), "gs://raw/a.jpg#42", "{ty}");
        }
    }

    #[test]
    fn malformed_data_names_the_problem() {
        let src = "//storage.googleapis.com/projects/_/buckets/raw";
        let bad_gen = event(GCS_FINALIZED, src, Some("objects/a"), json!({"generation":"twelve"}));
        assert!(ObjectFinalized::from_cloudevent(&bad_gen).unwrap_err().to_string().contains("expected an integer"));
        let no_name = event(GCS_FINALIZED, "//elsewhere", None, json!({}));
        assert!(ObjectFinalized::from_cloudevent(&no_name).unwrap_err().to_string().contains("no bucket"));
    }

    #[test]
    fn only_formats_the_decoder_reads_count_as_images_by_content_type_or_extension() {
        let object = |name: &str, content_type: Option<&str>| ObjectFinalized {
            event_id: "1".into(),
            bucket: "raw".into(),
            name: name.into(),
            generation: Some(1),
            content_type: content_type.map(str::to_owned),
            size: Some(10),
            md5_hash: None,
        };
        let cases = [
            ("a.jpg", Some("image/jpeg"), true),
            ("a", Some("image/png; charset=binary"), true),
            ("a.tif", Some("IMAGE/TIFF"), true),
            ("a.bmp", Some("image/x-ms-bmp"), true),
            ("a.webp", None, true),
            ("a.JPEG", Some("application/octet-stream"), true),
            ("a.gif", Some(""), true),
            ("a.heic", Some("image/heic"), false),
            ("a.jpg", Some("image/heic"), false),
            ("a.avif", Some("image/avif"), false),
            ("a.svg", Some("image/svg+xml"), false),
            ("a.heic", None, false),
            ("a.HEIF", Some("application/octet-stream"), false),
            ("a.avif", None, false),
            ("a.svg", None, false),
            ("a.cr2", None, false),
            ("README", None, false),
            ("a.jpg", Some("text/plain"), false),
        ];
        for (name, content_type, expected) in cases {
            let o = object(name, content_type);
            assert_eq!(o.is_image(), expected, "{name} as {content_type:?}: {:?}", o.not_decodable_reason());
        }
        let heic = object("a.heic", Some("image/heic")).not_decodable_reason().unwrap();
        assert!(heic.contains("image/heic") && heic.contains("does not read"), "{heic}");
        let svg = object("a.svg", None).not_decodable_reason().unwrap();
        assert!(svg.contains(".svg"), "{svg}");
    }

    #[test]
    fn non_images_are_recognised_by_content_type() {
        let ev = event(GCS_FINALIZED, "//s/buckets/raw", Some("objects/a.jpg"), json!({"contentType":"text/plain"}));
        let GcsNotice::Finalized(o) = ObjectFinalized::from_cloudevent(&ev).unwrap() else { panic!() };
        assert!(!o.is_image());
    }
}
