//! The CloudEvents Pub/Sub protocol binding, binary content mode: the event's data is the
//! message data, each attribute a `ce-<name>` message attribute, `datacontenttype` the
//! `Content-Type` attribute. It carries the CloudEvent identity (id, type, source, subject)
//! across Pub/Sub so consumers keep their validation and idempotency.

use chrono::{DateTime, Utc};
use cloudevents::{Event, EventBuilder, EventBuilderV10};
use std::collections::{BTreeMap, HashMap};

use crate::{Error, Result};

/// Pub/Sub allows attribute values up to 1024 bytes; longer optional ones are left out.
const MAX_ATTRIBUTE_VALUE: usize = 1024;

/// The `ce-*` attributes of a binary-mode event; `subject` is left out when it would
/// exceed Pub/Sub's attribute size (it is informational: the data names the object).
pub fn event_attributes(
    id: &str,
    source: &str,
    ty: &str,
    subject: Option<&str>,
    time: Option<DateTime<Utc>>,
) -> BTreeMap<String, String> {
    let mut attributes = BTreeMap::from([
        ("ce-specversion".to_owned(), "1.0".to_owned()),
        ("ce-id".to_owned(), id.to_owned()),
        ("ce-source".to_owned(), source.to_owned()),
        ("ce-type".to_owned(), ty.to_owned()),
        ("Content-Type".to_owned(), "application/json".to_owned()),
    ]);
    if let Some(subject) = subject.filter(|s| s.len() <= MAX_ATTRIBUTE_VALUE) {
        attributes.insert("ce-subject".to_owned(), subject.to_owned());
    }
    if let Some(time) = time {
        attributes.insert("ce-time".to_owned(), time.to_rfc3339());
    }
    attributes
}

/// Rebuilds the CloudEvent a binary-mode message carries; a message without the
/// required `ce-id`, `ce-source` and `ce-type` is not a CloudEvent (an error that
/// retrying cannot fix).
pub fn event_from_message(data: Vec<u8>, attributes: &HashMap<String, String>) -> Result<Event> {
    // NB: the binding says attribute names are case-insensitive.
    let attr = |name: &str| attributes.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str());
    let required = |name: &str| {
        attr(name).filter(|v| !v.is_empty()).ok_or_else(|| {
            Error::invalid(format!("Pub/Sub message lacks the {name} attribute: not a binary-mode CloudEvent"))
        })
    };
    if let Some(version) = attr("ce-specversion").filter(|v| *v != "1.0") {
        return Err(Error::invalid(format!("unsupported ce-specversion {version:?}: expected 1.0")));
    }
    let content_type = attr("Content-Type").or(attr("ce-datacontenttype")).unwrap_or("application/json");
    let mut builder = EventBuilderV10::new()
        .id(required("ce-id")?)
        .source(required("ce-source")?)
        .ty(required("ce-type")?)
        .data(content_type.to_owned(), data);
    if let Some(subject) = attr("ce-subject") {
        builder = builder.subject(subject);
    }
    if let Some(time) = attr("ce-time") {
        let time = DateTime::parse_from_rfc3339(time)
            .map_err(|e| Error::invalid(format!("ce-time {time:?} is not an RFC 3339 time: {e}")))?;
        builder = builder.time(time.with_timezone(&Utc));
    }
    builder.build().map_err(|e| Error::invalid(format!("Pub/Sub message is not a valid CloudEvent: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cloudevents::AttributesReader;

    #[test]
    fn attributes_round_trip_into_the_same_event_identity() {
        let time = DateTime::parse_from_rfc3339("2026-01-02T03:04:05Z").unwrap().with_timezone(&Utc);
        let attrs = event_attributes("job-1:abc", "/sightgraph/cv-processor", "dev.x", Some("gs://b/n#1"), Some(time));
        let event = event_from_message(b"{}".to_vec(), &attrs.into_iter().collect()).unwrap();

        assert_eq!((event.id(), event.ty(), event.subject()), ("job-1:abc", "dev.x", Some("gs://b/n#1")));
        assert_eq!(event.source().to_string(), "/sightgraph/cv-processor");
        assert_eq!(event.time(), Some(&time));
        assert_eq!(event.datacontenttype(), Some("application/json"));
    }

    #[test]
    fn an_overlong_subject_is_left_out_rather_than_failing_the_publish() {
        let long = format!("gs://b/{}", "x".repeat(1100));
        let attrs = event_attributes("1", "/s", "t", Some(&long), None);
        assert!(!attrs.contains_key("ce-subject"));
    }

    #[test]
    fn messages_that_are_not_cloudevents_are_rejected_naming_what_is_missing() {
        let cases: [(&[(&str, &str)], &str); 3] = [
            (&[("ce-source", "/s"), ("ce-type", "t")], "ce-id"),
            (&[("ce-id", "1"), ("ce-source", "/s"), ("ce-type", "t"), ("ce-specversion", "0.3")], "specversion"),
            (&[("ce-id", "1"), ("ce-source", "/s"), ("ce-type", "t"), ("ce-time", "yesterday")], "RFC 3339"),
        ];
        for (attrs, expected) in cases {
            let attrs = attrs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            let err = event_from_message(vec![], &attrs).unwrap_err();
            assert!(matches!(err, Error::Invalid(_)) && err.to_string().contains(expected), "{expected}: {err}");
        }
    }

    #[test]
    fn attribute_names_match_case_insensitively() {
        let attrs = [("CE-ID", "1"), ("Ce-Source", "/s"), ("ce-TYPE", "t")];
        let attrs = attrs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        assert_eq!(event_from_message(vec![], &attrs).unwrap().id(), "1");
    }
}
