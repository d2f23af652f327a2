//! GCS "object finalized" CloudEvents (Eventarc, Knative) in any of the shapes real producers send.

use cloudevents::{AttributesReader, Event};
use serde::Deserialize;

use super::numbers::opt_i64;
use crate::domain::{JobName, ObjectUri};
use crate::{Error, Result};

/// CloudEvent type of a finalized object.
pub const GCS_FINALIZED: &str = "google.cloud.storage.object.v1.finalized";
/// First-generation Cloud Functions spelling of the same event.
pub const GCS_FINALIZED_LEGACY: &str = "google.storage.object.finalize";
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
    /// A well-formed event that needs no work (deleted, archived, …).
    Ignored {
        /// Why nothing happens, for the log.
        reason: String,
    },
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

const IMAGE_EXTENSIONS: [&str; 8] = ["jpg", "jpeg", "png", "webp", "gif", "bmp", "tif", "tiff"];

impl ObjectFinalized {
    /// Parses a CloudEvent; other GCS event types become [`GcsNotice::Ignored`].
    pub fn from_cloudevent(event: &Event) -> Result<GcsNotice> {
        let ty = event.ty();
        if ty != GCS_FINALIZED && ty != GCS_FINALIZED_LEGACY {
            if ty.starts_with(GCS_TYPE_PREFIX) || ty.starts_with("google.storage.object.") {
                return Ok(GcsNotice::Ignored { reason: format!("event type {ty} needs no processing") });
            }
            return Err(Error::invalid(format!("unsupported event type {ty:?}: expected {GCS_FINALIZED}")));
        }
        let data: StorageObjectData =
            match event.data() {
                None => StorageObjectData::default(),
                Some(cloudevents::Data::Json(v)) => serde_json::from_value(v.clone())
                    .map_err(|e| Error::invalid(format!("event data is not a GCS object: {e}")))?,
                Some(cloudevents::Data::Binary(b)) => serde_json::from_slice(b)
                    .map_err(|e| Error::invalid(format!("event data is not a GCS object: {e}")))?,
                Some(cloudevents::Data::String(s)) => serde_json::from_str(s)
                    .map_err(|e| Error::invalid(format!("event data is not a GCS object: {e}")))?,
            };
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
        Self::build(event.id().to_owned(), bucket, name, data)
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

    /// Whether the object is an image worth processing (by content type, else by extension).
    pub fn is_image(&self) -> bool {
        match self.content_type.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            Some(ct) => ct.to_ascii_lowercase().starts_with("image/"),
            None => {
                let ext = self.name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
                IMAGE_EXTENSIONS.contains(&ext.as_str())
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
        let deleted = event("google.cloud.storage.object.v1.deleted", src, Some("objects/a"), json!({}));
        assert!(matches!(ObjectFinalized::from_cloudevent(&deleted).unwrap(), GcsNotice::Ignored { .. }));
        let foreign = event("com.example.other", src, Some("objects/a"), json!({}));
        assert!(ObjectFinalized::from_cloudevent(&foreign).unwrap_err().to_string().contains("unsupported event type"));
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
    fn non_images_are_recognised_by_content_type() {
        let ev = event(GCS_FINALIZED, "//s/buckets/raw", Some("objects/a.jpg"), json!({"contentType":"text/plain"}));
        let GcsNotice::Finalized(o) = ObjectFinalized::from_cloudevent(&ev).unwrap() else { panic!() };
        assert!(!o.is_image());
    }
}
