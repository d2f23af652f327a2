//! Feature-document parsing and validation, under the cluster's and a development
//! location policy: never a panic, and an accepted document's image location is one
//! the policy accepts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared::domain::{LocationPolicy, ObjectUri};
use shared::schema::FeatureDocument;
use std::sync::OnceLock;

fn policies() -> &'static [LocationPolicy; 2] {
    static POLICIES: OnceLock<[LocationPolicy; 2]> = OnceLock::new();
    POLICIES.get_or_init(|| {
        [
            LocationPolicy::buckets(["sightgraph-raw", "raw-images"]).expect("valid buckets"),
            LocationPolicy::development("/srv/sightgraph-buckets"),
        ]
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = serde_json::from_slice::<FeatureDocument>(data) else { return };
    for policy in policies() {
        if doc.validate(policy).is_ok() {
            let uri = ObjectUri::parse(&doc.image.uri).expect("an accepted document's uri parses");
            assert!(policy.check(&uri).is_ok(), "accepted {uri} that the policy refuses");
        }
    }
});
