//! A CloudEvent over HTTP, binary or structured mode, through the extractor's decoding
//! and the GCS parsing: whatever arrives, the answer is an event, a typed notice or an
//! error, and every notice's location survives its text form.
//!
//! Input: header lines `name: value` (raw bytes), an empty line, then the body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared::cloudevent::event_from_http;
use shared::domain::ObjectUri;
use shared::events::{GcsNotice, ObjectFinalized};

fuzz_target!(|data: &[u8]| {
    let (head, body) = match data.windows(2).position(|w| w == b"\n\n") {
        Some(at) => (&data[..at], &data[at + 2..]),
        None => (data, &[][..]),
    };
    let mut headers = http::HeaderMap::new();
    for line in head.split(|&b| b == b'\n') {
        let Some(colon) = line.iter().position(|&b| b == b':') else { continue };
        let (name, value) = (&line[..colon], line[colon + 1..].trim_ascii_start());
        let (Ok(name), Ok(value)) = (http::HeaderName::from_bytes(name), http::HeaderValue::from_bytes(value)) else {
            continue;
        };
        headers.append(name, value);
    }
    let Ok(event) = event_from_http(&headers, body.to_vec()) else { return };
    if let Ok(GcsNotice::Finalized(object)) = ObjectFinalized::from_cloudevent(&event) {
        let uri = object.uri();
        assert_eq!(ObjectUri::parse(&uri.to_string()).expect("a notice's location parses"), uri);
        let _ = object.job_name();
        let _ = object.is_image();
    }
});
