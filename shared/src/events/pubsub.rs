//! The original design's path: GCS notification → Pub/Sub → HTTP push envelope.

use base64::Engine;
use serde::Deserialize;
use std::collections::HashMap;

use super::gcs::{GcsNotice, ObjectFinalized, StorageObjectData};
use crate::{Error, Result};

/// A Pub/Sub push request body.
#[derive(Debug, Deserialize)]
pub struct PubSubPush {
    /// The message.
    pub message: PubSubMessage,
    /// `projects/<p>/subscriptions/<s>`.
    #[serde(default)]
    pub subscription: Option<String>,
    /// Delivery attempt, from 1; sent only by subscriptions with a dead-letter policy.
    #[serde(default, rename = "deliveryAttempt")]
    pub delivery_attempt: Option<u32>,
}

/// The pushed message; the emulator sends both spellings of id and time.
#[derive(Debug, Deserialize)]
pub struct PubSubMessage {
    /// Base64 payload (the object resource with `JSON_API_V1`).
    #[serde(default)]
    pub data: Option<String>,
    /// GCS notification attributes.
    #[serde(default)]
    pub attributes: HashMap<String, String>,
    #[serde(default, rename = "messageId")]
    message_id_camel: Option<String>,
    #[serde(default, rename = "message_id")]
    message_id_snake: Option<String>,
}

impl PubSubMessage {
    /// The message id in whichever spelling it came.
    pub fn id(&self) -> &str {
        self.message_id_camel.as_deref().or(self.message_id_snake.as_deref()).unwrap_or("")
    }

    /// The decoded payload (empty when the message has none).
    pub fn data_bytes(&self) -> Result<Vec<u8>> {
        match self.data.as_deref().filter(|d| !d.is_empty()) {
            None => Ok(Vec::new()),
            Some(b64) => base64::engine::general_purpose::STANDARD
                .decode(b64)
                .map_err(|e| Error::invalid(format!("message data is not base64: {e}"))),
        }
    }
}

impl PubSubPush {
    /// Parses the envelope; events other than `OBJECT_FINALIZE` become [`GcsNotice::Ignored`].
    pub fn to_notice(&self) -> Result<GcsNotice> {
        let attrs = &self.message.attributes;
        let event_type = attrs
            .get("eventType")
            .ok_or_else(|| Error::invalid("Pub/Sub message has no eventType attribute: not a GCS notification"))?;
        let deleted = event_type == "OBJECT_DELETE";
        if event_type != "OBJECT_FINALIZE" && !deleted {
            return Ok(GcsNotice::Ignored { reason: format!("GCS notification {event_type} needs no processing") });
        }
        let required = |k: &str| {
            attrs
                .get(k)
                .filter(|v| !v.is_empty())
                .cloned()
                .ok_or_else(|| Error::invalid(format!("GCS notification lacks the {k} attribute")))
        };
        let bucket = required("bucketId")?;
        let name = required("objectId")?;
        let mut data: StorageObjectData = match self.message.data.as_deref().filter(|d| !d.is_empty()) {
            Some(b64) => {
                let raw = base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .map_err(|e| Error::invalid(format!("message data is not base64: {e}")))?;
                if attrs.get("payloadFormat").map(String::as_str) == Some("NONE") {
                    StorageObjectData::default()
                } else {
                    serde_json::from_slice(&raw)
                        .map_err(|e| Error::invalid(format!("message data is not a GCS object resource: {e}")))?
                }
            }
            None => StorageObjectData::default(),
        };
        if let Some(g) = attrs.get("objectGeneration") {
            let g = g
                .parse::<i64>()
                .map_err(|_| Error::invalid(format!("objectGeneration must be an integer, got {g:?}")))?;
            data.generation = Some(g);
        }
        let notice = ObjectFinalized::build(self.message.id().to_owned(), bucket, name, data)?;
        Ok(if deleted { notice.into_deleted() } else { notice })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn push(attrs: serde_json::Value, data: Option<&str>) -> PubSubPush {
        serde_json::from_value(json!({
            "message": {"attributes": attrs, "data": data, "messageId": "7", "message_id": "7",
                        "publishTime": "2026-01-01T00:00:00Z", "publish_time": "2026-01-01T00:00:00Z"},
            "subscription": "projects/p/subscriptions/sub"
        }))
        .unwrap()
    }

    #[test]
    fn finalize_notifications_become_typed_events_with_both_id_spellings() {
        let resource = base64::engine::general_purpose::STANDARD
            .encode(json!({"contentType":"image/png","size":"10","md5Hash":"abc=="}).to_string());
        let p = push(
            json!({"eventType":"OBJECT_FINALIZE","bucketId":"raw","objectId":"x.png","objectGeneration":"42","payloadFormat":"JSON_API_V1"}),
            Some(&resource),
        );
        let GcsNotice::Finalized(o) = p.to_notice().unwrap() else { panic!() };
        assert_eq!((o.event_id.as_str(), o.generation, o.size), ("7", Some(42), Some(10)));
        assert_eq!(o.md5_hash.as_deref(), Some("abc=="));
    }

    #[test]
    fn other_notifications_are_ignored_and_missing_attributes_rejected() {
        let archived = push(json!({"eventType":"OBJECT_ARCHIVE","bucketId":"raw","objectId":"x"}), None);
        assert!(matches!(archived.to_notice().unwrap(), GcsNotice::Ignored { .. }));
        let del =
            push(json!({"eventType":"OBJECT_DELETE","bucketId":"raw","objectId":"x","objectGeneration":"3"}), None);
        let GcsNotice::Deleted(o) = del.to_notice().unwrap() else { panic!("a delete") };
        assert_eq!(o.uri().to_string(), "gs://raw/x#3");
        let missing = push(json!({"eventType":"OBJECT_FINALIZE","bucketId":"raw"}), None);
        assert!(missing.to_notice().unwrap_err().to_string().contains("objectId"));
        let bad = push(json!({"eventType":"OBJECT_FINALIZE","bucketId":"raw","objectId":"x"}), Some("%%%"));
        assert!(bad.to_notice().unwrap_err().to_string().contains("base64"));
    }
}
