//! Object locations: every text either fails to parse or parses to a location whose
//! text form parses back to it; every valid (bucket, name, generation) round-trips.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared::domain::ObjectUri;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(uri) = ObjectUri::parse(text) {
        assert_eq!(ObjectUri::parse(&uri.to_string()).expect("the text form parses"), uri, "from {text:?}");
    }
    // The same bytes as bucket / name / generation, as an event delivers them.
    let mut parts = text.splitn(3, '\u{0}');
    let (bucket, name) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let generation = parts.next().and_then(|g| g.parse::<i64>().ok());
    if let Ok(uri) = ObjectUri::gcs(bucket, name, generation) {
        assert_eq!(ObjectUri::parse(&uri.to_string()).expect("the text form parses"), uri, "{bucket:?} {name:?}");
    }
});
