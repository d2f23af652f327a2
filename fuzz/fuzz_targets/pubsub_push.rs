//! The Pub/Sub push envelope of a GCS notification: any body is refused or becomes a
//! typed notice whose location survives its text form.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared::domain::ObjectUri;
use shared::events::{GcsNotice, PubSubPush};

fuzz_target!(|data: &[u8]| {
    let Ok(push) = serde_json::from_slice::<PubSubPush>(data) else { return };
    if let Ok(GcsNotice::Finalized(object)) = push.to_notice() {
        let uri = object.uri();
        assert_eq!(ObjectUri::parse(&uri.to_string()).expect("a notice's location parses"), uri);
        let _ = object.job_name();
    }
});
