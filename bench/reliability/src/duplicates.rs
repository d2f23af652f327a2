//! Scenario 1, duplicates and reordering: GCS finalize events for distinct
//! images made from the fixture photos, 30 % of them delivered again,
//! shuffled, 16 at a time through the local stack's broker with the real
//! `cv-processor`. Every distinct content must become exactly one image
//! processed by exactly one run, and launches must equal distinct objects.

use anyhow::{Context, Result};
use futures::StreamExt;
use local_stack::{finalize_event, RunningStack, StackConfig};
use shared::config::GraphSettings;
use shared::graph::GraphCounts;
use shared::launcher::LocalJobStatus;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::services::{binary, repo_root};

const BUCKET: &str = "sightgraph-raw";

/// How big.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Events sent, redeliveries included.
    pub events: usize,
    /// Share of the events that are redeliveries.
    pub redelivered: f64,
    /// Events in flight.
    pub concurrency: usize,
    /// Processor runs at once (`LOCAL_MAX_CONCURRENCY`).
    pub processors: usize,
    /// How long processing may take.
    pub timeout: Duration,
}

impl Plan {
    /// The suite's run: 1,000 events.
    pub fn full() -> Self {
        Self { events: 1000, redelivered: 0.3, concurrency: 16, processors: 2, timeout: Duration::from_secs(900) }
    }

    /// The form `just test` runs.
    pub fn short() -> Self {
        Self { events: 60, redelivered: 0.3, concurrency: 16, processors: 2, timeout: Duration::from_secs(240) }
    }
}

/// What the run measured.
#[derive(Debug, Clone)]
pub struct Figures {
    /// The plan it ran.
    pub plan: Plan,
    /// Distinct images (distinct bytes, one object generation each).
    pub distinct: usize,
    /// Answers by `outcome` (`launched`, `already_launched`, `deduplicated`, …; `error <status>` otherwise).
    pub outcomes: BTreeMap<String, usize>,
    /// Processor runs launched.
    pub launches: usize,
    /// Runs that exited 0.
    pub succeeded: usize,
    /// Graph counts at the end.
    pub counts: GraphCounts,
    /// Lineage `Run` records.
    pub runs: usize,
    /// Images processed by more than one run.
    pub images_run_twice: usize,
    /// From the first event to the last run's end.
    pub took: Duration,
}

/// Runs the scenario in `work` (images, SQLite file, job logs).
pub async fn run(plan: &Plan, work: &Path) -> Result<Figures> {
    let redeliveries = (plan.events as f64 * plan.redelivered).round() as usize;
    let distinct = plan.events - redeliveries;
    let bucket_root = work.join("gcs");
    let photos = repo_root().join("fixtures/gcs/sightgraph-raw/photos");
    let names = crate::images::generate(&photos, &bucket_root.join(BUCKET), distinct, 0x5eed)?;
    let sqlite_path = work.join("graph.db");
    let stack = RunningStack::start(&StackConfig {
        host: "127.0.0.1".into(),
        port: 0,
        graph: GraphSettings::sqlite(sqlite_path.clone()),
        bucket_root: bucket_root.clone(),
        processor_bin: binary("cv-processor")?,
        ui_dist: None,
        max_concurrency: plan.processors,
        log_dir: work.join("jobs"),
        feature_set: Default::default(),
        pubsub: None,
        admins: Default::default(),
    })
    .await?;
    let events = names.iter().map(|n| finalize_event(&bucket_root, BUCKET, n)).collect::<std::io::Result<Vec<_>>>()?;
    let order = delivery_order(distinct, redeliveries, 0xd0_0d1e);

    let started = Instant::now();
    let client = reqwest::Client::new();
    let broker = stack.url("/broker");
    let answers: Vec<String> = futures::stream::iter(order)
        .map(|i| {
            let (client, broker, event) = (&client, &broker, &events[i]);
            async move {
                let body = serde_json::to_vec(event).expect("CloudEvents serialise");
                let sent = client.post(broker).header("content-type", "application/cloudevents+json").body(body).send();
                match sent.await {
                    Ok(r) if r.status().is_success() => {
                        let v: serde_json::Value = r.json().await.unwrap_or_default();
                        v["outcome"].as_str().unwrap_or("no outcome").to_owned()
                    }
                    Ok(r) => format!("error {}", r.status()),
                    Err(e) => format!("error {e}"),
                }
            }
        })
        .buffer_unordered(plan.concurrency)
        .collect()
        .await;
    let idle = stack.launcher.wait_idle(plan.timeout).await;
    anyhow::ensure!(idle, "processing did not finish within {:?}", plan.timeout);
    let took = started.elapsed();

    let mut outcomes = BTreeMap::new();
    for a in answers {
        *outcomes.entry(a).or_insert(0) += 1;
    }
    let statuses = stack.launcher.statuses();
    let (runs, images_run_twice) = runs(&sqlite_path)?;
    Ok(Figures {
        plan: plan.clone(),
        distinct,
        outcomes,
        launches: statuses.len(),
        succeeded: statuses.values().filter(|s| **s == LocalJobStatus::Succeeded).count(),
        counts: stack.graph.counts().await?,
        runs,
        images_run_twice,
        took,
    })
}

/// Every image once plus `redeliveries` repeats of random ones, shuffled.
fn delivery_order(distinct: usize, redeliveries: usize, seed: u64) -> Vec<usize> {
    let mut state = seed;
    let mut next = move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)) as usize
    };
    let mut order: Vec<usize> = (0..distinct).collect();
    order.extend((0..redeliveries).map(|_| next() % distinct));
    for i in (1..order.len()).rev() {
        order.swap(i, next() % (i + 1));
    }
    order
}

/// `Run` records and images with more than one, read from the stack's SQLite file.
fn runs(path: &Path) -> Result<(usize, usize)> {
    let db = rusqlite::Connection::open(path).context("opening the stack's SQLite file")?;
    let runs: i64 = db.query_row("SELECT count(*) FROM runs", [], |r| r.get(0))?;
    let twice: i64 = db.query_row(
        "SELECT count(*) FROM (SELECT image_id FROM runs GROUP BY image_id, model_version HAVING count(*) > 1)",
        [],
        |r| r.get(0),
    )?;
    Ok((runs as usize, twice as usize))
}

impl Figures {
    /// The goals of the issue, checked.
    pub fn goals(&self) -> Vec<(String, bool)> {
        let errors: usize = self.outcomes.iter().filter(|(k, _)| k.starts_with("error")).map(|(_, v)| v).sum();
        let d = self.distinct as u64;
        vec![
            (format!("image nodes = {} for {} distinct contents", self.counts.images, d), self.counts.images == d),
            (
                format!(
                    "launches = {} for {} distinct object generations ({} succeeded)",
                    self.launches, d, self.succeeded
                ),
                self.launches == self.distinct && self.succeeded == self.distinct,
            ),
            (
                format!("runs = {} ({} images processed twice)", self.runs, self.images_run_twice),
                self.runs == self.distinct && self.images_run_twice == 0,
            ),
            (
                format!(
                    "objects = {}, features = {} (one feature per object)",
                    self.counts.objects, self.counts.features
                ),
                self.counts.objects == self.counts.features && self.counts.objects > 0,
            ),
            (format!("deliveries answered with an error = {errors}"), errors == 0),
        ]
    }

    /// A markdown section.
    pub fn markdown(&self) -> String {
        let p = &self.plan;
        let outcomes: Vec<String> = self.outcomes.iter().map(|(k, v)| format!("{k} {v}")).collect();
        let mut out = format!(
            "## 1. Duplicates and reordering\n\n{} finalize events ({} distinct images made from the fixture photos by \
             crop, flip and scale, {} redeliveries), shuffled, {} at a time into the local stack's broker; real \
             `cv-processor` runs, {} at once. Answers: {}. Graph: {} images, {} objects, {} features, {} relations, \
             {} locations. Done in {:.0} s.\n\n",
            p.events,
            self.distinct,
            p.events - self.distinct,
            p.concurrency,
            p.processors,
            outcomes.join(", "),
            self.counts.images,
            self.counts.objects,
            self.counts.features,
            self.counts.relations,
            self.counts.locations,
            self.took.as_secs_f64()
        );
        out.push_str(&crate::report::goals(&self.goals()));
        out
    }
}
