//! Prometheus metrics: one recorder per process, rendered on `/metrics`.

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder};
use std::sync::OnceLock;
use std::time::Duration;

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Latency buckets in seconds, fine-grained below a millisecond where the hit path lives.
const LATENCY_BUCKETS: [f64; 14] =
    [0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0];

/// How often histogram samples are folded into their buckets.
pub const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

/// Installs the recorder (once per process; the metrics facade is global by
/// design) and returns the handle that renders it.
pub fn install() -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            let (recorder, handle) = recorder(UPKEEP_INTERVAL);
            // NB: another recorder may already be installed by a test harness; ours still renders its own data.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

/// A recorder with the service buckets whose histogram samples are folded into
/// their buckets every `upkeep_every`.
///
/// NB: the recorder keeps each histogram sample until a render or an upkeep drains it; a
/// service nobody scrapes (a Knative revision without a Prometheus) grew by one sample per
/// request, without bound, until this thread was added.
pub fn recorder(upkeep_every: Duration) -> (PrometheusRecorder, PrometheusHandle) {
    let recorder = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &LATENCY_BUCKETS)
        .expect("static buckets are valid")
        .build_recorder();
    let handle = recorder.handle();
    let upkept = handle.clone();
    let spawned = std::thread::Builder::new().name("metrics-upkeep".into()).spawn(move || loop {
        std::thread::sleep(upkeep_every);
        upkept.run_upkeep();
    });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "no metrics upkeep thread; histograms are folded only when /metrics is scraped");
    }
    (recorder, handle)
}
