//! cv-processor's decode step on arbitrary bytes: an upright RGB image or a
//! bad-input error, never a panic, and never more than the limits allow.
#![no_main]

use cv_processor::decode::decode;
use cv_processor::Limits;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // NB: a smaller pixel limit than production's keeps one execution short.
    let limits = Limits { max_pixels: 1 << 20, ..Limits::default() };
    if let Ok(decoded) = decode("fuzz", data, &limits) {
        let (w, h) = decoded.rgb.dimensions();
        assert!(u64::from(w) * u64::from(h) <= limits.max_pixels);
    }
});
