//! `sightgraph-local demo`: the whole pipeline on the fixture photos with
//! nothing but the repository: start the stack, announce each photo, wait
//! for processing, show what was found, and prove idempotency.

use serde_json::Value;
use shared::launcher::LocalJobStatus;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::finalize::finalize_event;
use crate::stack::{RunningStack, StackConfig};

/// Where the demo reads from.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// `fixtures/gcs`: one folder per bucket.
    pub fixtures: PathBuf,
    /// The `cv-processor` binary.
    pub processor_bin: PathBuf,
    /// How long processing may take.
    pub timeout: Duration,
    /// The graph store as `connect_graph` picks it; SQLite goes to a fresh file in the
    /// demo's own folder.
    pub graph: shared::config::GraphSettings,
}

/// One processed image as the demo reports it.
#[derive(Debug, Clone)]
pub struct DemoImage {
    /// Object name.
    pub name: String,
    /// `(label, score, colour)` per object.
    pub objects: Vec<(String, f64, String)>,
    /// A NEAR pair, if any.
    pub near: Option<(String, String, f64)>,
    /// First lookup (graph) and second lookup (cache), microseconds.
    pub lookup_us: (u128, u128),
}

/// What the demo observed.
#[derive(Debug, Clone)]
pub struct DemoReport {
    /// Per photo.
    pub images: Vec<DemoImage>,
    /// Graph counts after the first pass.
    pub counts: shared::graph::GraphCounts,
    /// Graph counts after redelivering every event and adding a copy under a new name.
    pub counts_after_replay: shared::graph::GraphCounts,
    /// The graph backend the stack used (`sqlite`, `neo4j`, `spanner`).
    pub store: &'static str,
}

async fn post_event(client: &reqwest::Client, url: &str, event: &cloudevents::Event) -> anyhow::Result<Value> {
    let resp = client
        .post(url)
        .header("content-type", "application/cloudevents+json")
        .body(serde_json::to_vec(event)?)
        .send()
        .await?;
    let status = resp.status();
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    anyhow::ensure!(status.is_success(), "broker answered {status}: {body}");
    Ok(body)
}

fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from)? {
        let e = e?;
        let target = to.join(e.file_name());
        if e.file_type()?.is_dir() {
            copy_tree(&e.path(), &target)?;
        } else {
            std::fs::copy(e.path(), target)?;
        }
    }
    Ok(())
}

/// Runs the demo; errors say what did not happen.
pub async fn run(opts: &DemoOptions) -> anyhow::Result<DemoReport> {
    let work = tempfile::tempdir()?;
    let bucket_root = work.path().join("gcs");
    copy_tree(&opts.fixtures, &bucket_root)?;
    let mut graph = opts.graph.clone();
    graph.sqlite.path = work.path().join("sightgraph.db");
    let stack = RunningStack::start(&StackConfig {
        host: "127.0.0.1".into(),
        port: 0,
        graph,
        bucket_root: bucket_root.clone(),
        processor_bin: opts.processor_bin.clone(),
        ui_dist: None,
        max_concurrency: 2,
        log_dir: work.path().join("logs"),
        feature_set: Default::default(),
        admins: Default::default(),
        pubsub: None,
    })
    .await?;
    let client = reqwest::Client::new();
    let broker = stack.url("/broker");
    let bucket = "sightgraph-raw";
    let mut names: Vec<String> = std::fs::read_dir(bucket_root.join(bucket).join("photos"))?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .map(|n| format!("photos/{n}"))
        .collect();
    names.sort();
    anyhow::ensure!(!names.is_empty(), "no photos under {}", opts.fixtures.display());

    let mut events = Vec::new();
    for name in &names {
        let event = finalize_event(&bucket_root, bucket, name)?;
        post_event(&client, &broker, &event).await?;
        events.push(event);
    }
    anyhow::ensure!(
        stack.launcher.wait_idle(opts.timeout).await,
        "processing did not finish within {:?}",
        opts.timeout
    );
    for (job, status) in stack.launcher.statuses() {
        anyhow::ensure!(status == LocalJobStatus::Succeeded, "job {job} ended {status:?}; see its log");
    }
    let counts = stack.graph.counts().await?;

    let mut images = Vec::new();
    for name in &names {
        images.push(describe(&client, &stack, bucket, name, &events).await?);
    }

    // Idempotency: every event again, and the same bytes under a second name.
    for event in &events {
        post_event(&client, &broker, event).await?;
    }
    let copy = "photos/copy-of-dog.jpg";
    std::fs::copy(bucket_root.join(bucket).join("photos/dog.jpg"), bucket_root.join(bucket).join(copy))?;
    let dedup = post_event(&client, &broker, &finalize_event(&bucket_root, bucket, copy)?).await?;
    anyhow::ensure!(dedup["outcome"] == "deduplicated", "the copy was not deduplicated: {dedup}");
    anyhow::ensure!(stack.launcher.wait_idle(opts.timeout).await, "replayed processing did not finish");
    let counts_after_replay = stack.graph.counts().await?;
    Ok(DemoReport { images, counts, counts_after_replay, store: stack.graph.backend() })
}

async fn describe(
    client: &reqwest::Client,
    stack: &RunningStack,
    bucket: &str,
    name: &str,
    events: &[cloudevents::Event],
) -> anyhow::Result<DemoImage> {
    let generation = events
        .iter()
        .find_map(|e| {
            use cloudevents::AttributesReader;
            (e.subject() == Some(&format!("objects/{name}"))).then(|| e.id().rsplit('/').next().map(str::to_owned))
        })
        .flatten()
        .unwrap_or_default();
    let uri = format!("gs://{bucket}/{name}%23{generation}");
    let body: Value =
        client.get(stack.url(&format!("/features/image?uri={uri}&embeddings=false"))).send().await?.json().await?;
    let objects: Vec<(String, f64, String)> = body["objects"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|o| {
                    let label = o["label"].as_str().unwrap_or("?").to_owned();
                    let color = o["color"]["name"].as_str().unwrap_or("?").to_owned();
                    (label, o["score"].as_f64().unwrap_or(0.0), color)
                })
                .collect()
        })
        .unwrap_or_default();
    let label_of = |id: &Value| {
        body["objects"]
            .as_array()
            .and_then(|a| a.iter().find(|o| &o["id"] == id))
            .and_then(|o| o["label"].as_str())
            .unwrap_or("?")
            .to_owned()
    };
    let near = body["relations"].as_array().and_then(|rs| {
        rs.iter()
            .find(|r| r["type"] == "NEAR")
            .map(|r| (label_of(&r["from"]), label_of(&r["to"]), r["distance"].as_f64().unwrap_or(0.0)))
    });
    let mut lookup_us = (0, 0);
    if let Some(id) = body["objects"].get(0).and_then(|o| o["id"].as_str()) {
        let url = stack.url(&format!("/features/object/{id}"));
        for slot in [&mut lookup_us.0, &mut lookup_us.1] {
            let t = Instant::now();
            client.get(&url).send().await?.bytes().await?;
            *slot = t.elapsed().as_micros();
        }
    }
    Ok(DemoImage { name: name.to_owned(), objects, near, lookup_us })
}

/// Renders the report as a short table.
pub fn render(report: &DemoReport) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "{:<24} {:<58} {:<30} {}\n",
        "image", "objects (label score colour)", "a NEAR pair (gap)", "lookup graph→cache"
    ));
    for img in &report.images {
        let objs: Vec<String> = img.objects.iter().take(4).map(|(l, s, c)| format!("{l} {s:.2} {c}")).collect();
        let mut objs = objs.join(", ");
        if img.objects.len() > 4 {
            objs.push_str(&format!(" +{}", img.objects.len() - 4));
        }
        let near = img.near.as_ref().map(|(a, b, d)| format!("{a}~{b} ({d:.3})")).unwrap_or_else(|| "-".into());
        out.push_str(&format!(
            "{:<24} {:<58} {:<30} {}µs → {}µs\n",
            img.name.trim_start_matches("photos/"),
            objs,
            near,
            img.lookup_us.0,
            img.lookup_us.1
        ));
    }
    let (a, b) = (report.counts, report.counts_after_replay);
    out.push_str(&format!(
        "\ngraph ({}): {} images, {} objects, {} features, {} relations\n",
        report.store, a.images, a.objects, a.features, a.relations
    ));
    out.push_str(&format!(
        "after redelivering every event and uploading a copy of dog.jpg: {} images, {} objects, {} features, {} locations (+{})\n",
        b.images,
        b.objects,
        b.features,
        b.locations,
        b.locations - a.locations
    ));
    out
}
