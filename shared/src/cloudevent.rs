//! A CloudEvent extractor whose rejection is the shared JSON 400, so every
//! function answers malformed events the same way.
//!
//! In binary mode the HTTP binding percent-encodes `ce-*` values outside
//! printable ASCII (and `%`, space, `"`); cloudevents-sdk 0.9 hands them on
//! still encoded, so they are decoded here before anything reads them. A
//! header with raw non-ASCII bytes breaks the binding and is refused by name.

use axum::extract::{FromRequest, Request};
use axum::http::HeaderMap;
use cloudevents::{AttributesWriter, Data, Event};
use serde::de::DeserializeOwned;

use crate::http::ApiError;
use crate::{Error, Result};

/// A CloudEvent in binary or structured content mode.
#[derive(Debug)]
pub struct CloudEvent(pub Event);

impl<S: Send + Sync> FromRequest<S> for CloudEvent {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        // NB: the body limit is the router's (tower-http), as with the SDK's own extractor.
        let body = axum::body::to_bytes(body, usize::MAX)
            .await
            .map_err(|e| ApiError::invalid(format!("cannot read the request body: {e}")))?;
        Ok(Self(event_from_http(&parts.headers, body.to_vec())?))
    }
}

/// Builds the event from headers and body, with binary-mode attributes decoded.
pub fn event_from_http(headers: &HeaderMap, body: Vec<u8>) -> Result<Event> {
    let decoded = decoded_attributes(headers)?;
    let mut event = cloudevents::binding::http::to_event(headers, body)
        .map_err(|e| Error::invalid(format!("request is not a CloudEvent: {e}")))?;
    for (name, value) in decoded {
        set_attribute(&mut event, &name, value)?;
    }
    Ok(event)
}

/// The event's data as `T`, whatever shape it came in: a JSON value (structured mode), bytes
/// (binary mode, or `data_base64` already decoded by the SDK) or a string holding JSON.
/// Absent data, JSON `null`, empty bytes and a blank string are `None`; the caller decides
/// whether that is a default or an error. `what` names `T` in the 400's message.
pub fn event_data<T: DeserializeOwned>(event: &Event, what: &str) -> Result<Option<T>> {
    let parsed = match event.data() {
        None => return Ok(None),
        Some(Data::Json(v)) if v.is_null() => return Ok(None),
        Some(Data::Binary(b)) if b.is_empty() => return Ok(None),
        Some(Data::String(s)) if s.trim().is_empty() => return Ok(None),
        Some(Data::Json(v)) => T::deserialize(v),
        Some(Data::Binary(b)) => serde_json::from_slice(b),
        Some(Data::String(s)) => serde_json::from_str(s),
    };
    parsed.map(Some).map_err(|e| Error::invalid(format!("event data is not {what}: {e}")))
}

fn is_structured(headers: &HeaderMap) -> bool {
    headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/cloudevents+json"))
}

/// Every binary-mode `ce-*` header (but `ce-specversion`) whose value changes when decoded.
fn decoded_attributes(headers: &HeaderMap) -> Result<Vec<(String, String)>> {
    if is_structured(headers) {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for (name, value) in headers {
        let Some(attribute) = name.as_str().strip_prefix("ce-") else { continue };
        let raw = value.as_bytes();
        if let Some(b) = raw.iter().find(|b| !(0x20..0x7f).contains(*b) && **b != b'\t') {
            return Err(Error::invalid(format!(
                "header {name} carries the raw byte 0x{b:02x}: the CloudEvents HTTP binding percent-encodes \
                 non-ASCII attribute values (e.g. %E8%A1%97)"
            )));
        }
        if attribute == "specversion" || !raw.contains(&b'%') {
            continue;
        }
        out.push((attribute.to_owned(), percent_decode(name.as_str(), raw)?));
    }
    Ok(out)
}

/// RFC 3986 percent-decoding of one header value into UTF-8.
pub fn percent_decode(header: &str, raw: &[u8]) -> Result<String> {
    let mut bytes = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'%' {
            let hex = raw.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
            let byte = hex.and_then(|h| u8::from_str_radix(h, 16).ok()).ok_or_else(|| {
                Error::invalid(format!("header {header} has a '%' not followed by two hex digits at byte {i}"))
            })?;
            bytes.push(byte);
            i += 3;
        } else {
            bytes.push(raw[i]);
            i += 1;
        }
    }
    String::from_utf8(bytes).map_err(|_| Error::invalid(format!("header {header} does not decode to UTF-8 text")))
}

fn set_attribute(event: &mut Event, name: &str, value: String) -> Result<()> {
    match name {
        "id" => {
            event.set_id(value);
        }
        "source" => {
            event.set_source(value);
        }
        "type" => {
            event.set_type(value);
        }
        "subject" => {
            event.set_subject(Some(value));
        }
        "dataschema" => {
            let url = url::Url::parse(&value)
                .map_err(|e| Error::invalid(format!("header ce-dataschema is not a URI once decoded: {e}")))?;
            event.set_dataschema(Some(url));
        }
        "time" => {
            let time = chrono::DateTime::parse_from_rfc3339(&value)
                .map_err(|e| Error::invalid(format!("header ce-time is not an RFC 3339 time once decoded: {e}")))?;
            event.set_time(Some(time.with_timezone(&chrono::Utc)));
        }
        extension => event.set_extension(extension, value),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use cloudevents::{AttributesReader, EventBuilder};

    fn binary(extra: &[(&'static str, &[u8])]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in [
            ("ce-specversion", "1.0"),
            ("ce-id", "1"),
            ("ce-type", "google.cloud.storage.object.v1.finalized"),
            ("ce-source", "//storage.googleapis.com/projects/_/buckets/raw"),
            ("content-type", "application/json"),
        ] {
            h.insert(k, HeaderValue::from_static(v));
        }
        for (k, v) in extra {
            h.insert(*k, HeaderValue::from_bytes(v).unwrap());
        }
        h
    }

    #[test]
    fn percent_encoded_attributes_are_decoded_before_use() {
        let headers = binary(&[
            ("ce-subject", b"objects/%E8%A1%97/a%20b%25.jpg"),
            ("ce-id", b"id%22quoted%22"),
            ("ce-traceparent", b"x%2Dy"),
        ]);

        let event = event_from_http(&headers, b"{}".to_vec()).unwrap();

        assert_eq!(event.subject(), Some("objects/\u{8857}/a b%.jpg"));
        assert_eq!(event.id(), "id\"quoted\"");
        assert_eq!(event.extension("traceparent").map(|v| v.to_string()), Some("x-y".into()));
    }

    #[test]
    fn raw_non_ascii_bytes_and_broken_escapes_are_refused_naming_the_header() {
        let cases: [(&'static str, &[u8], &str); 3] = [
            ("ce-subject", "objects/\u{8857}.jpg".as_bytes(), "raw byte 0xe8"),
            ("ce-subject", b"objects/100%.jpg", "not followed by two hex digits"),
            ("ce-subject", b"objects/%FF%FE.jpg", "does not decode to UTF-8"),
        ];
        for (name, value, why) in cases {
            let err = event_from_http(&binary(&[(name, value)]), Vec::new()).unwrap_err().to_string();
            assert!(err.contains(name) && err.contains(why), "{value:?}: {err}");
        }
    }

    #[test]
    fn event_data_reads_every_shape_the_bindings_deliver_and_treats_empty_as_none() {
        #[derive(serde::Deserialize, Debug, PartialEq)]
        struct Ping {
            limit: u32,
        }
        let with = |data: Option<Data>| {
            let mut event = cloudevents::EventBuilderV10::new().id("1").ty("t").source("/s").build().unwrap();
            if let Some(data) = data {
                event.set_data("application/json", data);
            }
            event
        };
        let base64 = br#"{"specversion":"1.0","id":"1","type":"t","source":"/s","data_base64":"eyJsaW1pdCI6M30="}"#;
        let structured: Event = serde_json::from_slice(base64).unwrap();
        let cases = [
            (with(Some(Data::Json(serde_json::json!({"limit": 3})))), Some(Ping { limit: 3 }), "JSON value"),
            (with(Some(Data::Binary(br#"{"limit":3}"#.to_vec()))), Some(Ping { limit: 3 }), "bytes"),
            (with(Some(Data::String(r#"{"limit":3}"#.into()))), Some(Ping { limit: 3 }), "string"),
            (structured, Some(Ping { limit: 3 }), "data_base64"),
            (with(None), None, "absent"),
            (with(Some(Data::Json(serde_json::Value::Null))), None, "null"),
            (with(Some(Data::Binary(Vec::new()))), None, "empty bytes"),
            (with(Some(Data::String(" ".into()))), None, "blank string"),
        ];
        for (event, want, shape) in cases {
            assert_eq!(event_data::<Ping>(&event, "a ping").unwrap(), want, "{shape}");
        }

        let err = event_data::<Ping>(&with(Some(Data::String("{".into()))), "a ping").unwrap_err();

        assert!(err.to_string().contains("event data is not a ping"), "{err}");
    }

    #[test]
    fn structured_mode_is_left_to_the_json_body() {
        let mut headers = HeaderMap::new();
        headers.insert("content-type", HeaderValue::from_static("application/cloudevents+json"));
        let body = br#"{"specversion":"1.0","id":"a%20b","type":"t","source":"/s","subject":"objects/%E8"}"#;

        let event = event_from_http(&headers, body.to_vec()).unwrap();

        assert_eq!((event.id(), event.subject()), ("a%20b", Some("objects/%E8")), "JSON strings are not encoded");
    }
}
