//! The metrics recorder's memory stays bounded when nobody scrapes `/metrics`.
//! Alone in its test binary: it reads the process's resident memory.

use std::time::Duration;

fn resident_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("procfs");
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).expect("VmRSS line");
    line.split_whitespace().nth(1).and_then(|v| v.parse().ok()).expect("VmRSS in kB")
}

#[test]
fn histogram_samples_are_folded_into_buckets_without_a_scrape() {
    let (recorder, handle) = shared::metrics::recorder(Duration::from_millis(5));
    let samples: u64 = 8_000_000; // 64 MB of f64 if every sample were kept
    let before = resident_kib();
    metrics::with_local_recorder(&recorder, || {
        let h = metrics::histogram!("sightgraph_test_duration_seconds");
        for i in 0..samples {
            h.record((i % 1000) as f64 * 1e-6);
            if i % 200_000 == 0 {
                // NB: leaves the upkeep thread room to run on a busy 2-CPU machine.
                std::thread::sleep(Duration::from_millis(6));
            }
        }
    });
    let grown_mib = resident_kib().saturating_sub(before) / 1024;
    assert!(grown_mib < 24, "resident memory grew by {grown_mib} MiB over {samples} samples: samples are being kept");
    // NB: a render that overlaps an upkeep can miss the samples being moved (the next one has
    // them), and the recorder may drop a sample recorded at the very moment an upkeep drains its
    // bucket: a handful in millions, the price of lock-free recording.
    let count = || {
        let text = handle.render();
        let line = text.lines().find(|l| l.starts_with("sightgraph_test_duration_seconds_count")).map(str::to_owned);
        line.and_then(|l| l.split_whitespace().last().and_then(|v| v.parse::<u64>().ok())).unwrap_or(0)
    };
    let close_enough = |n: u64| n <= samples && samples - n <= samples / 10_000;
    let counted = (0..50).any(|_| {
        std::thread::sleep(Duration::from_millis(20));
        close_enough(count())
    });
    assert!(counted, "{} of {samples} samples counted", count());
}
