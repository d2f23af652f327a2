//! A closed-loop HTTP load generator that keeps every request (when it
//! ended, how long it took, status, cache or graph), so a run can be cut
//! into windows around the moments a fault was injected.

use std::sync::Arc;
use std::time::{Duration, Instant};

/// One request.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// When it ended, from the start of the run.
    pub at: Duration,
    /// How long it took.
    pub latency: Duration,
    /// HTTP status; 0 when no answer came.
    pub status: u16,
    /// Answered from the cache.
    pub cache: bool,
}

/// What a closed loop runs.
#[derive(Debug, Clone)]
pub struct Load {
    /// URLs, taken round-robin with a per-worker offset.
    pub urls: Arc<Vec<String>>,
    /// Requests in flight.
    pub concurrency: usize,
    /// How long to run.
    pub duration: Duration,
    /// Pause between a worker's requests (zero: as fast as answers come).
    pub think: Duration,
}

/// Runs `load` from `start`; every request is kept.
pub async fn run(client: &reqwest::Client, load: &Load, start: Instant) -> Vec<Sample> {
    let deadline = start + load.duration;
    let workers = (0..load.concurrency).map(|w| {
        let (client, urls, think, c) = (client.clone(), load.urls.clone(), load.think, load.concurrency);
        tokio::spawn(async move {
            let mut out = Vec::new();
            let mut i = w * urls.len() / c.max(1);
            while Instant::now() < deadline {
                let url = &urls[i % urls.len()];
                i += 1;
                let t = Instant::now();
                let (status, cache) = match client.get(url).send().await {
                    Ok(r) => {
                        let status = r.status().as_u16();
                        let body = r.bytes().await.unwrap_or_default();
                        (status, body.starts_with(br#"{"source":"cache""#))
                    }
                    Err(_) => (0, false),
                };
                out.push(Sample { at: start.elapsed(), latency: t.elapsed(), status, cache });
                if !think.is_zero() {
                    tokio::time::sleep(think).await;
                }
            }
            out
        })
    });
    let mut all = Vec::new();
    for w in futures::future::join_all(workers).await {
        all.extend(w.unwrap_or_default());
    }
    all.sort_by_key(|s| s.at);
    all
}

/// GETs `url` until it answers 200 (a cold Neo4j can answer 503 while its first queries
/// exceed the lookup bound), for at most a minute; the body of the 200.
pub async fn get_ok(client: &reqwest::Client, url: &str) -> anyhow::Result<bytes::Bytes> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let last = match client.get(url).send().await {
            Ok(r) if r.status() == 200 => return Ok(r.bytes().await?),
            Ok(r) => r.status().to_string(),
            Err(e) => e.to_string(),
        };
        anyhow::ensure!(Instant::now() < deadline, "{url} did not answer 200 within a minute: {last}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Figures of the samples that ended inside a window.
#[derive(Debug, Clone, Copy, Default)]
pub struct Summary {
    /// Requests.
    pub n: usize,
    /// Requests that did not get a 200.
    pub failed: usize,
    /// Requests per second over the window.
    pub rps: f64,
    /// Median latency.
    pub p50: Duration,
    /// 99th percentile latency.
    pub p99: Duration,
    /// Slowest request.
    pub max: Duration,
    /// Share answered from the cache.
    pub hit_ratio: f64,
}

/// Nearest-rank percentile of sorted latencies.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Summarises the samples that ended in `[from, to)`.
pub fn summarise(samples: &[Sample], from: Duration, to: Duration) -> Summary {
    let inside: Vec<&Sample> = samples.iter().filter(|s| s.at >= from && s.at < to).collect();
    let mut lat: Vec<Duration> = inside.iter().map(|s| s.latency).collect();
    lat.sort();
    let n = inside.len();
    let secs = (to.saturating_sub(from)).as_secs_f64().max(1e-9);
    Summary {
        n,
        failed: inside.iter().filter(|s| s.status != 200).count(),
        rps: n as f64 / secs,
        p50: percentile(&lat, 50.0),
        p99: percentile(&lat, 99.0),
        max: lat.last().copied().unwrap_or_default(),
        hit_ratio: if n == 0 { 0.0 } else { inside.iter().filter(|s| s.cache).count() as f64 / n as f64 },
    }
}

/// The first moment after `from` at which a `bucket`-long window reaches `ratio` cache hits.
pub fn hits_resume_at(samples: &[Sample], from: Duration, bucket: Duration, ratio: f64) -> Option<Duration> {
    let end = samples.last()?.at;
    let mut t = from;
    while t < end {
        let s = summarise(samples, t, t + bucket);
        if s.n > 0 && s.hit_ratio >= ratio {
            return Some(t + bucket - from);
        }
        t += bucket;
    }
    None
}

/// `1.23 ms`.
pub fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(at_ms: u64, latency_ms: u64, cache: bool) -> Sample {
        Sample { at: Duration::from_millis(at_ms), latency: Duration::from_millis(latency_ms), status: 200, cache }
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let lat: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&lat, 50.0), Duration::from_millis(50));
        assert_eq!(percentile(&lat, 99.0), Duration::from_millis(99));
        assert_eq!(percentile(&lat[..1], 99.0), Duration::from_millis(1));
    }

    #[test]
    fn hits_resume_when_a_whole_bucket_reaches_the_ratio() {
        let mut samples: Vec<Sample> = (0..10).map(|i| sample(i * 100, 1, false)).collect();
        samples.extend((10..20).map(|i| sample(i * 100, 1, true)));
        let at = hits_resume_at(&samples, Duration::ZERO, Duration::from_millis(500), 0.9);
        assert_eq!(at, Some(Duration::from_millis(1500)), "the bucket 1.0–1.5 s is the first all hits");
    }
}
