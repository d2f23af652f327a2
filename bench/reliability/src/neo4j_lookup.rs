//! Scenario 5, slow or dead Neo4j on the lookup path: hits (objects in
//! Redis) and misses (objects only in the graph) at once against the real
//! `feature-service`, first with Neo4j healthy, then frozen (SIGSTOP: a hung
//! server that keeps its connections), then stopped. Hits must keep their
//! normal latency; misses must get a 503 within the configured bound
//! (`NEO4J_LOOKUP_TIMEOUT_MS`), and at once while the breaker is open.

use anyhow::Result;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::load::{self, ms, percentile, Load, Sample};
use crate::seed::Seeded;
use crate::services::{Function, Service};

/// The bound the service is configured with.
pub const LOOKUP_TIMEOUT: Duration = Duration::from_millis(500);

/// How big and how long.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Documents written to the graph (a third of their objects warmed into Redis).
    pub images: usize,
    /// Objects per document.
    pub objects_per_image: usize,
    /// Length of each phase.
    pub phase: Duration,
}

impl Plan {
    /// The suite's run: 10 s per phase.
    pub fn full() -> Self {
        Self { images: 150, objects_per_image: 4, phase: Duration::from_secs(10) }
    }

    /// The form `just test` runs.
    pub fn short() -> Self {
        Self { images: 30, objects_per_image: 4, phase: Duration::from_secs(3) }
    }
}

/// Hits and misses of one phase.
#[derive(Debug, Clone, Default)]
pub struct Phase {
    /// Hits answered (200 from the cache).
    pub hits: usize,
    /// Hit lookups that did not get a 200.
    pub hits_failed: usize,
    /// Hit latency p50 / p99.
    pub hit_p50: Duration,
    /// Hit latency p99.
    pub hit_p99: Duration,
    /// Miss lookups (not answered from the cache).
    pub misses: usize,
    /// Misses answered 503.
    pub misses_503: usize,
    /// Misses answered otherwise than 200 or 503.
    pub misses_other: usize,
    /// Miss latency p50.
    pub miss_p50: Duration,
    /// Miss latency p99.
    pub miss_p99: Duration,
    /// Slowest miss.
    pub miss_max: Duration,
}

fn phase(hits: &[Sample], misses: &[Sample]) -> Phase {
    let sorted = |s: &[&Sample]| {
        let mut v: Vec<Duration> = s.iter().map(|x| x.latency).collect();
        v.sort();
        v
    };
    let ok_hits: Vec<&Sample> = hits.iter().filter(|s| s.status == 200).collect();
    let misses: Vec<&Sample> = misses.iter().filter(|s| !s.cache).collect();
    let (hl, ml) = (sorted(&ok_hits), sorted(&misses));
    Phase {
        hits: ok_hits.len(),
        hits_failed: hits.len() - ok_hits.len(),
        hit_p50: percentile(&hl, 50.0),
        hit_p99: percentile(&hl, 99.0),
        misses: misses.len(),
        misses_503: misses.iter().filter(|s| s.status == 503).count(),
        misses_other: misses.iter().filter(|s| s.status != 503 && s.status != 200).count(),
        miss_p50: percentile(&ml, 50.0),
        miss_p99: percentile(&ml, 99.0),
        miss_max: ml.last().copied().unwrap_or_default(),
    }
}

/// What the run measured.
#[derive(Debug, Clone)]
pub struct Figures {
    /// The plan it ran.
    pub plan: Plan,
    /// Neo4j healthy.
    pub normal: Phase,
    /// Neo4j frozen.
    pub hung: Phase,
    /// Neo4j stopped.
    pub dead: Phase,
    /// From the thaw to the first miss answered 200.
    pub recovered_after_thaw: Duration,
    /// From the restart to the first miss answered 200.
    pub recovered_after_restart: Duration,
}

/// Runs the scenario with an own Neo4j (`sgrel-neo4j`) and an own Redis (`sgrel-redis`).
pub async fn run(plan: &Plan, work: &Path) -> Result<Figures> {
    let neo4j = Service::start("neo4j.sh", "sgrel-neo4j")?;
    let redis = Service::start("redis.sh", "sgrel-redis")?;
    let (uri, password) = (neo4j.get("NEO4J_URI")?, neo4j.get("NEO4J_PASSWORD")?);
    let seeded = Seeded::write(&uri, &password, plan.images, plan.objects_per_image).await?;
    let service = Function::spawn(
        "feature-service",
        &[
            ("NEO4J_URI", uri),
            ("NEO4J_PASSWORD", password),
            ("REDIS_URL", redis.get("REDIS_URL")?),
            ("FEATURE_SET", seeded.set.to_string()),
            ("NEO4J_LOOKUP_TIMEOUT_MS", LOOKUP_TIMEOUT.as_millis().to_string()),
        ],
        work,
    )
    .await?;
    let url = |id: &shared::domain::ObjectId| service.url(&format!("/features/object/{id}"));
    let third = seeded.ids.len() / 3;
    let warm: Vec<String> = seeded.ids[..third].iter().map(url).collect();
    let cold_normal: Vec<String> = seeded.ids[third..2 * third].iter().map(url).collect();
    let cold_outage: Vec<String> = seeded.ids[2 * third..].iter().map(url).collect();
    let client = reqwest::Client::builder().pool_max_idle_per_host(16).build()?;
    for u in &warm {
        load::get_ok(&client, u).await?;
    }

    let normal = measure(&client, plan, &warm, &cold_normal).await;
    let frozen = neo4j.freeze()?;
    let hung = measure(&client, plan, &warm, &cold_outage).await;
    drop(frozen);
    let recovered_after_thaw = first_served(&client, &cold_outage).await?;
    tokio::task::block_in_place(|| neo4j.stop())?;
    let dead = measure(&client, plan, &warm, &cold_outage[1..]).await;
    tokio::task::block_in_place(|| neo4j.start_again())?;
    let recovered_after_restart = first_served(&client, &cold_outage[1..]).await?;
    Ok(Figures { plan: plan.clone(), normal, hung, dead, recovered_after_thaw, recovered_after_restart })
}

/// Hits at concurrency 8 and misses at concurrency 4 (20 ms apart per worker) for one phase.
async fn measure(client: &reqwest::Client, plan: &Plan, warm: &[String], cold: &[String]) -> Phase {
    let start = Instant::now();
    let hits = Load { urls: Arc::new(warm.to_vec()), concurrency: 8, duration: plan.phase, think: Duration::ZERO };
    let misses =
        Load { urls: Arc::new(cold.to_vec()), concurrency: 4, duration: plan.phase, think: Duration::from_millis(20) };
    let (h, m) = tokio::join!(load::run(client, &hits, start), load::run(client, &misses, start));
    phase(&h, &m)
}

/// Polls a miss until it is answered 200; how long that took.
async fn first_served(client: &reqwest::Client, cold: &[String]) -> Result<Duration> {
    let start = Instant::now();
    loop {
        if client.get(&cold[0]).send().await.is_ok_and(|r| r.status() == 200) {
            return Ok(start.elapsed());
        }
        anyhow::ensure!(start.elapsed() < Duration::from_secs(90), "misses were not answered within 90 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

impl Service {
    /// Freezes the server (SIGSTOP) until the guard is dropped.
    pub fn freeze(&self) -> Result<Frozen<'_>> {
        self.signal("STOP")?;
        Ok(Frozen(self))
    }
}

/// A frozen server; thawed (SIGCONT) on drop.
pub struct Frozen<'a>(&'a Service);

impl Drop for Frozen<'_> {
    fn drop(&mut self) {
        let _ = self.0.signal("CONT");
    }
}

impl Figures {
    /// The goals of the issue, checked.
    pub fn goals(&self) -> Vec<(String, bool)> {
        let normal = self.normal.hit_p99;
        let hit_bound = normal.mul_f64(1.5) + Duration::from_millis(1);
        let miss_bound = LOOKUP_TIMEOUT + Duration::from_millis(250);
        let mut out = Vec::new();
        for (name, p) in [("hung", &self.hung), ("dead", &self.dead)] {
            out.push((
                format!(
                    "Neo4j {name}: hits p99 {} vs normal {} (goal ≤ 1.5× + 1 ms), {} failed",
                    ms(p.hit_p99),
                    ms(normal),
                    p.hits_failed
                ),
                p.hits_failed == 0 && p.hit_p99 <= hit_bound,
            ));
            out.push((
                format!(
                    "Neo4j {name}: {} of {} misses answered 503, slowest {} (goal: all, within the {} bound + 250 ms)",
                    p.misses_503,
                    p.misses,
                    ms(p.miss_max),
                    ms(LOOKUP_TIMEOUT)
                ),
                p.misses > 0 && p.misses_503 == p.misses && p.miss_max <= miss_bound,
            ));
        }
        out
    }

    /// A markdown section.
    pub fn markdown(&self) -> String {
        let p = &self.plan;
        let row = |name: &str, x: &Phase| {
            format!(
                "| {name} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                x.hits,
                x.hits_failed,
                ms(x.hit_p50),
                ms(x.hit_p99),
                x.misses,
                x.misses_503,
                ms(x.miss_p50),
                ms(x.miss_p99),
                ms(x.miss_max)
            )
        };
        let mut out = format!(
            "## 5. Slow or dead Neo4j on the lookup path\n\n{} objects in Neo4j, a third of them in Redis; {:.0} s per phase \
             of hits (concurrency 8, closed loop) and misses (concurrency 4, 20 ms apart) at once; \
             `NEO4J_LOOKUP_TIMEOUT_MS={}`, breaker defaults (5 failures, 2 s open). \"Hung\" is SIGSTOP on the Neo4j JVM.\n\n\
             | Neo4j | hits | hits failed | hit p50 | hit p99 | misses | misses 503 | miss p50 | miss p99 | miss max |\n\
             | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n",
            p.images * p.objects_per_image,
            p.phase.as_secs_f64(),
            LOOKUP_TIMEOUT.as_millis()
        );
        out.push_str(&row("healthy", &self.normal));
        out.push_str(&row("hung", &self.hung));
        out.push_str(&row("dead", &self.dead));
        out.push_str(&format!(
            "\nMisses answered again {:.1} s after the thaw and {:.1} s after the restart.\n\n",
            self.recovered_after_thaw.as_secs_f64(),
            self.recovered_after_restart.as_secs_f64()
        ));
        out.push_str(&crate::report::goals(&self.goals()));
        out
    }
}
