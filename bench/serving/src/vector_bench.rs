//! Helpers for the query-by-vector part of `bench/serving/run.sh` (not a product binary):
//!
//! - `seed --count N --dim D --clusters C --queries Q --out DIR`: N synthetic embeddings
//!   written through the production writer (`Neo4jGraphStore::write_features`, 100 objects
//!   per document, two writers at a time) as a fresh active version of FEATURE_SET. They
//!   are clustered like real embeddings: C random unit centres, each vector its centre
//!   plus uniform noise of the same norm × 0.6 (cosine ≈ 0.86 to the centre, ≈ 0.74
//!   between members), normalised; a cluster's objects share one of 8 labels. Then Q
//!   re-identification queries (a stored vector plus fresh noise, cosine ≈ 0.95 to it)
//!   and the exact top 10 of each (f32 cosine over all N, and over its label's objects),
//!   into DIR/queries.json, and `POST /similar` bodies (base64 vectors) into
//!   DIR/bodies.txt and DIR/bodies-label.txt for oha `-Z`. Deterministic for a seed.
//! - `recall --base URL --dir DIR`: sends every query and prints recall@10 against the
//!   exact top 10 (with and without the label filter).
//!
//! Every command prints one JSON line. Settings come from the environment
//! (`NEO4J_URI`, `NEO4J_PASSWORD`, `FEATURE_SET`).

use base64::Engine;
use serde_json::{json, Value};
use shared::domain::{FeatureId, FeatureSetName, Label, ModelVersion, ObjectId};
use shared::graph::neo4j::Neo4jGraphStore;
use shared::graph::GraphStore;
use shared::schema::{BBox, DetectedObject, FeatureDocument};
use shared::testing::sample_document;
use std::time::Instant;

type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

const LABELS: [(&str, u32); 8] =
    [("person", 1), ("car", 3), ("dog", 18), ("cat", 17), ("bicycle", 2), ("bus", 6), ("truck", 8), ("chair", 62)];
const PER_DOC: usize = 100;
const K: usize = 10;

fn arg(args: &[String], name: &str, default: &str) -> String {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned().unwrap_or_else(|| default.to_owned())
}

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set"))
}

/// splitmix64 with an explicit state, so every run draws the same data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        shared::testing::splitmix64(&mut self.0)
    }

    fn uniform(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0
    }

    fn unit(&mut self, dim: usize) -> Vec<f32> {
        normalise((0..dim).map(|_| self.uniform()).collect())
    }

    /// `v` plus uniform noise whose norm is `ratio` × |v|, normalised.
    fn near(&mut self, v: &[f32], ratio: f32) -> Vec<f32> {
        let noise = self.unit(v.len());
        normalise(v.iter().zip(&noise).map(|(x, e)| x + ratio * e).collect())
    }
}

fn normalise(v: Vec<f32>) -> Vec<f32> {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.into_iter().map(|x| x / n).collect()
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// One document of `vectors` (with their cluster's labels) over fresh image bytes.
fn document(version: &ModelVersion, doc_no: usize, vectors: &[(Vec<f32>, usize)]) -> FeatureDocument {
    let uri = format!("gs://sightgraph-bench/vectors/{doc_no:08}.jpg#1");
    let mut doc = sample_document(format!("vector-bench-{version}-{doc_no}").as_bytes(), &uri, version.as_str());
    let template = doc.objects[0].clone();
    doc.relations.clear();
    doc.objects = vectors
        .iter()
        .enumerate()
        .map(|(i, (v, cluster))| {
            let (label, category_id) = LABELS[cluster % LABELS.len()];
            let x = i as f32 * 0.009;
            let box_norm = BBox { x_min: x, y_min: 0.1, x_max: x + 0.008, y_max: 0.9 };
            let id = ObjectId::derive(&doc.image.id, version, category_id, box_norm.as_array());
            DetectedObject {
                feature_id: FeatureId::derive(&id, version),
                id,
                label: Label::parse(label).expect("label"),
                category_id,
                box_px: BBox { x_min: x * 100.0, y_min: 10.0, x_max: (x + 0.008) * 100.0, y_max: 90.0 },
                box_norm,
                embedding: v.clone(),
                ..template.clone()
            }
        })
        .collect();
    doc
}

/// Indices of the `K` best by cosine (unit vectors: the dot product), ties by index.
fn top_k(query: &[f32], vectors: &[Vec<f32>], keep: impl Fn(usize) -> bool) -> Vec<usize> {
    let mut scored: Vec<(f32, usize)> =
        vectors.iter().enumerate().filter(|(i, _)| keep(*i)).map(|(i, v)| (dot(query, v), i)).collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.into_iter().take(K).map(|(_, i)| i).collect()
}

fn b64(v: &[f32]) -> String {
    base64::engine::general_purpose::STANDARD.encode(v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>())
}

async fn seed(args: &[String]) -> Res<()> {
    let count: usize = arg(args, "--count", "100000").parse()?;
    let dim: usize = arg(args, "--dim", "1280").parse()?;
    let clusters: usize = arg(args, "--clusters", "1000").parse()?;
    let queries: usize = arg(args, "--queries", "200").parse()?;
    let out = std::path::PathBuf::from(arg(args, "--out", "."));
    let mut rng = Rng(arg(args, "--seed", "7").parse()?);

    let centres: Vec<Vec<f32>> = (0..clusters).map(|_| rng.unit(dim)).collect();
    let cluster_of: Vec<usize> = (0..count).map(|i| i % clusters).collect();
    let vectors: Vec<Vec<f32>> = cluster_of.iter().map(|c| rng.near(&centres[*c], 0.6)).collect();

    let store = Neo4jGraphStore::connect(&var("NEO4J_URI"), "neo4j", &var("NEO4J_PASSWORD"), None, 4).await?;
    store.ensure_schema().await?;
    let set = FeatureSetName::parse(&var("FEATURE_SET"))?;
    let version = ModelVersion::parse(&format!("vectors@{count}x{dim}+seed@{}", arg(args, "--seed", "7")))?;
    let started = Instant::now();
    let mut ids: Vec<ObjectId> = Vec::with_capacity(count);
    let docs: Vec<FeatureDocument> = (0..count.div_ceil(PER_DOC))
        .map(|d| {
            let range = d * PER_DOC..((d + 1) * PER_DOC).min(count);
            let batch: Vec<(Vec<f32>, usize)> = range.map(|i| (vectors[i].clone(), cluster_of[i])).collect();
            document(&version, d, &batch)
        })
        .collect();
    for d in &docs {
        ids.extend(d.objects.iter().map(|o| o.id.clone()));
    }
    // NB: two writers keep both CPUs of this machine busy without queueing on Neo4j's locks.
    let store = std::sync::Arc::new(store);
    for pair in docs.chunks(2) {
        let writes = pair.iter().map(|d| {
            let (store, set) = (store.clone(), set.clone());
            async move { store.write_features(&set, d).await }
        });
        futures::future::try_join_all(writes).await?;
    }
    let write_s = started.elapsed().as_secs_f64();
    store.activate_version(&set, &version, "vector-bench").await?;

    let t = Instant::now();
    let mut records = Vec::with_capacity(queries);
    let (mut plain, mut labelled) = (String::new(), String::new());
    for q in 0..queries {
        let source = (rng.next() as usize) % count;
        let vector = rng.near(&vectors[source], 0.33);
        let label = LABELS[cluster_of[source] % LABELS.len()].0;
        let truth = top_k(&vector, &vectors, |_| true);
        let truth_label = top_k(&vector, &vectors, |i| LABELS[cluster_of[i] % LABELS.len()].0 == label);
        let ids_of = |v: Vec<usize>| v.into_iter().map(|i| ids[i].to_string()).collect::<Vec<_>>();
        let encoded = b64(&vector);
        plain.push_str(&json!({"vector": encoded, "k": K}).to_string());
        plain.push('\n');
        labelled.push_str(&json!({"vector": encoded, "k": K, "label": label}).to_string());
        labelled.push('\n');
        records.push(json!({"no": q, "vector": encoded, "label": label, "source": ids[source].to_string(),
            "truth": ids_of(truth), "truth_label": ids_of(truth_label)}));
    }
    let truth_s = t.elapsed().as_secs_f64();
    std::fs::write(out.join("queries.json"), serde_json::to_vec(&records)?)?;
    std::fs::write(out.join("bodies.txt"), plain)?;
    std::fs::write(out.join("bodies-label.txt"), labelled)?;
    let intra = dot(&vectors[0], &vectors[clusters]);
    println!(
        "{}",
        json!({"version": version, "count": count, "dim": dim, "clusters": clusters, "queries": queries,
            "write_s": write_s, "objects_per_s": count as f64 / write_s, "truth_s": truth_s,
            "example_cosine_same_cluster": intra, "example_cosine_other_cluster": dot(&vectors[0], &vectors[1])})
    );
    Ok(())
}

async fn recall(args: &[String]) -> Res<()> {
    let base = arg(args, "--base", "http://127.0.0.1:8080");
    let dir = std::path::PathBuf::from(arg(args, "--dir", "."));
    let records: Vec<Value> = serde_json::from_slice(&std::fs::read(dir.join("queries.json"))?)?;
    let client = reqwest::Client::new();
    let (mut hit, mut hit_label, mut total, mut first) = (0usize, 0usize, 0usize, 0usize);
    for r in &records {
        for (with_label, counter) in [(false, &mut hit), (true, &mut hit_label)] {
            let mut body = json!({"vector": r["vector"], "k": K});
            if with_label {
                body["label"] = r["label"].clone();
            }
            let answer: Value = client.post(format!("{base}/similar")).json(&body).send().await?.json().await?;
            let got: Vec<&str> = answer["results"]
                .as_array()
                .ok_or("no results")?
                .iter()
                .filter_map(|x| x["object"]["id"].as_str())
                .collect();
            let truth = &r[if with_label { "truth_label" } else { "truth" }];
            let truth: Vec<&str> = truth.as_array().ok_or("no truth")?.iter().filter_map(Value::as_str).collect();
            *counter += truth.iter().filter(|t| got.contains(t)).count();
            if !with_label {
                total += truth.len();
                first += usize::from(got.first() == r["source"].as_str().as_ref());
            }
        }
    }
    println!(
        "{}",
        json!({"queries": records.len(), "k": K, "recall_at_10": hit as f64 / total.max(1) as f64,
            "recall_at_10_label": hit_label as f64 / total.max(1) as f64,
            "source_first": first as f64 / records.len().max(1) as f64})
    );
    Ok(())
}

#[tokio::main]
async fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("seed") => seed(&args).await,
        Some("recall") => recall(&args).await,
        _ => Err("usage: vector_bench seed|recall [--flags]".into()),
    }
}
