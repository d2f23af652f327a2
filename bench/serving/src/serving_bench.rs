//! Helpers for `bench/serving/run.sh` (not a product binary):
//!
//! - `seed`: one small document registers a fresh model version as the active
//!   version of FEATURE_SET in Neo4j; then COUNT objects of that version with
//!   DIM-float vectors go to Redis in the production format (`object_entry`,
//!   format 2), the same bytes under `key:<12 digits>` (redis-benchmark), and
//!   the format-1 value (the object's JSON, what the cache held before) under
//!   `features:object:<i>` (the Python baseline reads JSON). Reports each
//!   format's `MEMORY USAGE` (mean over a sample of keys). Writes the URL list
//!   and, with `--export DIR`, the objects for Feast (`ids.txt`, `labels.txt`,
//!   `vectors.f32le`).
//! - `codec`: CPU time to build one answer from a cached 1280-d object in each
//!   encoding (format 1's JSON splice for reference), median of batches.
//! - `writes`: graph write throughput, the batched writer
//!   (`Neo4jGraphStore::write_features`, one transaction per image) against
//!   one auto-commit statement per object; writes the batched objects' URLs
//!   for the miss bench.
//! - `miss`: GETs each URL of a list once (every one a cache miss), C at a time.
//! - `coldstart`: exec of the service binary to the first 200 on /healthz, and idle RSS.
//!
//! Every command prints one JSON line. Settings come from the environment
//! (`NEO4J_URI`, `NEO4J_PASSWORD`, `REDIS_URL`, `FEATURE_SET`).

use neo4rs::{query, Graph};
use shared::cache::{object_entry, CachedObject, VectorForm};
use shared::config::{connect_cache, CacheConfig};
use shared::domain::{FeatureId, FeatureSetName, ModelVersion, ObjectId};
use shared::graph::neo4j::Neo4jGraphStore;
use shared::graph::{GraphStore, ObjectFeatures};
use shared::schema::{DetectedObject, FeatureDocument};
use shared::testing::{random_document, random_u64, random_unit, sample_document};
use std::io::{Read, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set (scripts/services/all.sh up; load services.env)"))
}

fn arg(args: &[String], name: &str, default: &str) -> String {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned().unwrap_or_else(|| default.to_owned())
}

/// A valid document of `objects` objects with `dim`-float vectors over fresh image bytes.
fn document(version: &str, objects: usize, dim: usize) -> FeatureDocument {
    random_document("sightgraph-bench", version, objects, dim)
}

async fn store() -> Res<Neo4jGraphStore> {
    let s = Neo4jGraphStore::connect(&var("NEO4J_URI"), "neo4j", &var("NEO4J_PASSWORD"), None, 8).await?;
    s.ensure_schema().await?;
    Ok(s)
}

fn set() -> Res<FeatureSetName> {
    Ok(FeatureSetName::parse(&var("FEATURE_SET"))?)
}

async fn seed(args: &[String]) -> Res<()> {
    let count: usize = arg(args, "--count", "10000").parse()?;
    let dim: usize = arg(args, "--dim", "1280").parse()?;
    let version = format!("bench@1+emb@{:08x}", random_u64() as u32);
    let graph = store().await?;
    let marker = document(&version, 1, dim);
    graph.write_features(&set()?, &marker).await?;
    let version = ModelVersion::parse(&version)?;
    assert_eq!(graph.active_version(&set()?).await?, Some(version.clone()), "FEATURE_SET must be fresh");

    let cache = connect_cache(&CacheConfig::from_env()?)?;
    let client = redis::Client::open(var("REDIS_URL"))?;
    let mut raw = client.get_multiplexed_async_connection().await?;
    let (mut urls, mut bytes_v2, mut bytes_v1) = (String::new(), 0usize, 0usize);
    let (mut ids, mut labels, mut vectors) = (String::new(), String::new(), Vec::<u8>::new());
    let mut sample: Vec<(String, String)> = Vec::new();
    let template = &marker.objects[0];
    for chunk in (0..count).collect::<Vec<_>>().chunks(500) {
        let mut entries = Vec::with_capacity(chunk.len());
        let mut pipe = redis::pipe();
        for &i in chunk {
            let id = ObjectId::parse(&format!("{:016x}{i:016x}", random_u64()))?;
            let o = DetectedObject {
                id: id.clone(),
                feature_id: FeatureId::derive(&id, &version),
                embedding: random_unit(dim),
                ..template.clone()
            };
            let object = ObjectFeatures::from_detected(&marker.image.id, &version, &o);
            let (key, value) = object_entry(&object);
            let json = serde_json::to_vec(&object)?;
            bytes_v2 += value.len();
            bytes_v1 += json.len();
            pipe.set(format!("features:object:{i}"), json).ignore();
            pipe.set(format!("key:{i:012}"), value.as_ref()).ignore();
            urls.push_str(&format!("/features/object/{id}\n"));
            ids.push_str(&format!("{id}\n"));
            labels.push_str(&format!("{}\n", o.label));
            vectors.extend(o.embedding.iter().flat_map(|x| x.to_le_bytes()));
            if i % 50 == 0 {
                sample.push((key.to_string(), format!("features:object:{i}")));
            }
            entries.push((key, value));
        }
        cache.put_many(&entries, Duration::from_secs(24 * 3600)).await?;
        pipe.query_async::<()>(&mut raw).await?;
    }
    std::fs::write(arg(args, "--urls", "urls.txt"), urls)?;
    if let Some(dir) = args.iter().position(|a| a == "--export").and_then(|i| args.get(i + 1)) {
        let dir = std::path::Path::new(dir);
        std::fs::write(dir.join("ids.txt"), ids)?;
        std::fs::write(dir.join("labels.txt"), labels)?;
        std::fs::write(dir.join("vectors.f32le"), vectors)?;
    }
    // NB: SAMPLES 0 measures the whole value; the mean over a sample of keys is what one object costs.
    let (mut mem_v2, mut mem_v1) = (0u64, 0u64);
    for (v2, v1) in &sample {
        mem_v2 += redis::cmd("MEMORY").arg("USAGE").arg(v2).arg("SAMPLES").arg(0).query_async::<u64>(&mut raw).await?;
        mem_v1 += redis::cmd("MEMORY").arg("USAGE").arg(v1).arg("SAMPLES").arg(0).query_async::<u64>(&mut raw).await?;
    }
    let n = sample.len().max(1) as u64;
    println!(
        "{{\"version\":\"{version}\",\"count\":{count},\"dim\":{dim},\"value_bytes\":{},\"value_bytes_v1\":{},\"memory_usage_v2\":{},\"memory_usage_v1\":{},\"memory_sample\":{}}}",
        bytes_v2 / count.max(1),
        bytes_v1 / count.max(1),
        mem_v2 / n,
        mem_v1 / n,
        sample.len()
    );
    Ok(())
}

/// CPU time of `f` per call: the median over `batches` batches of `per_batch` calls.
fn cpu_us(batches: usize, per_batch: usize, mut f: impl FnMut()) -> f64 {
    // NB: the kernel advances a thread's CPU time in scheduler ticks (4 ms here), so a batch must run
    // for many ticks: grow it until one takes at least MIN_BATCH_S of CPU (±4% at worst).
    const MIN_BATCH_S: f64 = 0.1;
    let mut batch = |n: usize| {
        let t = cpu_now();
        for _ in 0..n {
            f();
        }
        cpu_now() - t
    };
    let mut n = per_batch.max(1);
    while batch(n) < MIN_BATCH_S && n < 1 << 30 {
        n *= 2;
    }
    let mut samples: Vec<f64> = (0..batches).map(|_| batch(n) / n as f64 * 1e6).collect();
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// This thread's CPU time in seconds (wall time would count the other processes sharing the CPUs).
fn cpu_now() -> f64 {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    stat.split_whitespace().next().and_then(|ns| ns.parse::<f64>().ok()).unwrap_or(0.0) / 1e9
}

fn codec(args: &[String]) -> Res<()> {
    let dim: usize = arg(args, "--dim", "1280").parse()?;
    let doc = sample_document(b"codec", "gs://sightgraph-bench/codec.jpg#1", "bench@1+emb@codec");
    let mut o = ObjectFeatures::from_detected(&doc.image.id, &doc.model.version, &doc.objects[0]);
    o.embedding = random_unit(dim);
    let v1 = bytes::Bytes::from(serde_json::to_vec(&o)?);
    let (_, v2) = object_entry(&o);
    let cached = CachedObject::parse(v2.clone()).ok_or("own format")?;
    let mut out = bytes::BytesMut::with_capacity(64 * 1024);
    let mut measure = |f: &mut dyn FnMut(&mut bytes::BytesMut)| {
        cpu_us(9, 2000, || {
            out.clear();
            f(&mut out);
            std::hint::black_box(&out);
        })
    };
    let splice_v1 = measure(&mut |out| out.extend_from_slice(&v1));
    let parse_v2 = measure(&mut |out| {
        let c = CachedObject::parse(v2.clone()).expect("parses");
        out.extend_from_slice(c.meta_json());
    });
    let floats = measure(&mut |out| cached.write_object(out, VectorForm::Floats));
    let base64 = measure(&mut |out| cached.write_object(out, VectorForm::Base64));
    let frame = measure(&mut |out| {
        out.extend_from_slice(cached.meta_json());
        out.extend_from_slice(cached.vector_le());
    });
    let serde_full = measure(&mut |out| serde_json::to_writer(bytes::BufMut::writer(out), &o).expect("serialises"));
    println!(
        "{{\"dim\":{dim},\"value_bytes_v1\":{},\"value_bytes_v2\":{},\"us_format1_copy\":{splice_v1:.3},\"us_format2_parse\":{parse_v2:.3},\"us_json_floats\":{floats:.3},\"us_json_base64\":{base64:.3},\"us_frames_copy\":{frame:.3},\"us_serde_json_object\":{serde_full:.3}}}",
        v1.len(),
        v2.len()
    );
    Ok(())
}

fn bolt_floats(v: &[f32]) -> Vec<f64> {
    v.iter().map(|&x| x as f64).collect()
}

/// The original design's pattern: every object (and relation) its own auto-commit statement.
async fn write_per_statement(graph: &Graph, doc: &FeatureDocument) -> Res<()> {
    for o in &doc.objects {
        let q = query(
            "MERGE (i:Image {id: $image}) ON CREATE SET i.uri = $uri
             MERGE (o:Object {id: $id}) SET o.label = $label, o.category_id = $category, o.score = $score,
                   o.box = $box, o.model_version = $version
             MERGE (i)-[:CONTAINS]->(o)
             MERGE (f:Feature {id: $feature}) SET f.embedding = $embedding, f.model_version = $version
             MERGE (o)-[:HAS_FEATURE]->(f)",
        )
        .param("image", doc.image.id.as_str())
        .param("uri", doc.image.uri.as_str())
        .param("id", o.id.as_str())
        .param("label", o.label.as_str())
        .param("category", o.category_id as i64)
        .param("score", o.score as f64)
        .param("box", bolt_floats(&o.box_norm.as_array()))
        .param("version", doc.model.version.as_str())
        .param("feature", o.feature_id.as_str())
        .param("embedding", bolt_floats(&o.embedding));
        graph.run(q).await?;
    }
    for r in &doc.relations {
        let q = query("MATCH (a:Object {id: $from}), (b:Object {id: $to}) MERGE (a)-[x:NEAR]->(b) SET x.distance = $d")
            .param("from", r.from.as_str())
            .param("to", r.to.as_str())
            .param("d", r.distance.unwrap_or_default() as f64);
        graph.run(q).await?;
    }
    Ok(())
}

async fn writes(args: &[String]) -> Res<()> {
    let images: usize = arg(args, "--images", "50").parse()?;
    let objects: usize = arg(args, "--objects", "8").parse()?;
    let dim: usize = arg(args, "--dim", "1280").parse()?;
    let version = format!("bench@1+emb@{:08x}", random_u64() as u32);
    let batched_docs: Vec<_> = (0..images).map(|_| document(&version, objects, dim)).collect();
    let single_docs: Vec<_> = (0..images).map(|_| document(&version, objects, dim)).collect();
    let store = store().await?;
    let graph = Graph::new(var("NEO4J_URI"), "neo4j", var("NEO4J_PASSWORD")).await?;
    let set = set()?;
    // Warm both paths (plans, pool) on a document that is not timed.
    store.write_features(&set, &document(&version, objects, dim)).await?;
    write_per_statement(&graph, &document(&version, objects, dim)).await?;

    let t = Instant::now();
    for d in &batched_docs {
        store.write_features(&set, d).await?;
    }
    let batched = t.elapsed().as_secs_f64();
    let t = Instant::now();
    for d in &single_docs {
        write_per_statement(&graph, d).await?;
    }
    let single = t.elapsed().as_secs_f64();
    let n = (images * objects) as f64;
    // More never-looked-up objects for the miss path, written untimed so its sample is large enough for a p99.
    let extra: usize = arg(args, "--miss-images", "0").parse()?;
    let mut miss_docs = batched_docs;
    for _ in 0..extra {
        let d = document(&version, objects, dim);
        store.write_features(&set, &d).await?;
        miss_docs.push(d);
    }
    let urls: String =
        miss_docs.iter().flat_map(|d| &d.objects).map(|o| format!("/features/object/{}\n", o.id)).collect();
    std::fs::write(arg(args, "--urls", "miss-urls.txt"), urls)?;
    println!(
        "{{\"images\":{images},\"objects_per_image\":{objects},\"dim\":{dim},\"batched_s\":{batched:.3},\"per_statement_s\":{single:.3},\"batched_objects_per_s\":{:.1},\"per_statement_objects_per_s\":{:.1}}}",
        n / batched,
        n / single
    );
    Ok(())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

async fn miss(args: &[String]) -> Res<()> {
    let base = arg(args, "--base", "http://127.0.0.1:8080");
    let concurrency: usize = arg(args, "--concurrency", "1").parse()?;
    let urls: Arc<Vec<String>> = Arc::new(
        std::fs::read_to_string(arg(args, "--urls", "miss-urls.txt"))?.lines().map(|l| format!("{base}{l}")).collect(),
    );
    let client = reqwest::Client::new();
    // Untimed misses first: a service that has just started (and Neo4j's query plans) is not steady state.
    let warmup: usize = arg(args, "--warmup", "0").parse()?;
    for url in urls.iter().take(warmup) {
        client.get(url).send().await?.bytes().await?;
    }
    let next = Arc::new(AtomicUsize::new(warmup.min(urls.len())));
    let started = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let (urls, next, client) = (urls.clone(), next.clone(), client.clone());
            tokio::spawn(async move {
                let mut out = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(url) = urls.get(i) else { break };
                    let t = Instant::now();
                    let r = client.get(url).send().await.expect("request");
                    let graph =
                        r.status() == 200 && r.bytes().await.is_ok_and(|b| b.starts_with(b"{\"source\":\"graph\""));
                    out.push((t.elapsed().as_secs_f64() * 1000.0, graph));
                }
                out
            })
        })
        .collect();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await?);
    }
    let secs = started.elapsed().as_secs_f64();
    let from_graph = all.iter().filter(|(_, g)| *g).count();
    let mut ms: Vec<f64> = all.into_iter().map(|(m, _)| m).collect();
    ms.sort_by(f64::total_cmp);
    println!(
        "{{\"requests\":{},\"from_graph\":{from_graph},\"concurrency\":{concurrency},\"rps\":{:.1},\"p50_ms\":{:.3},\"p99_ms\":{:.3},\"p999_ms\":{:.3}}}",
        ms.len(),
        ms.len() as f64 / secs,
        percentile(&ms, 0.5),
        percentile(&ms, 0.99),
        percentile(&ms, 0.999)
    );
    Ok(())
}

fn healthz_ok(port: u16) -> bool {
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else { return false };
    let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
    if s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").is_err() {
        return false;
    }
    let mut buf = [0u8; 12];
    s.read_exact(&mut buf).is_ok() && buf.starts_with(b"HTTP/1.1 200")
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:"))?.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0)
}

fn coldstart(args: &[String]) -> Res<()> {
    let bin = arg(args, "--bin", "target/release/feature-service");
    let runs: usize = arg(args, "--runs", "5").parse()?;
    let (mut starts, mut rss) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let t = Instant::now();
        let mut child = std::process::Command::new(&bin)
            .env("PORT", port.to_string())
            .env("HOST", "127.0.0.1")
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .spawn()?;
        while !healthz_ok(port) {
            if t.elapsed() > Duration::from_secs(30) || child.try_wait()?.is_some() {
                let _ = child.kill();
                return Err("feature-service did not answer /healthz within 30 s".into());
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        starts.push(t.elapsed().as_secs_f64() * 1000.0);
        std::thread::sleep(Duration::from_secs(2));
        rss.push(rss_kib(child.id()) as f64 / 1024.0);
        child.kill()?;
        child.wait()?;
    }
    starts.sort_by(f64::total_cmp);
    rss.sort_by(f64::total_cmp);
    let fmt = |v: &[f64]| v.iter().map(|x| format!("{x:.2}")).collect::<Vec<_>>().join(",");
    println!(
        "{{\"runs\":{runs},\"cold_start_ms_median\":{:.2},\"cold_start_ms\":[{}],\"idle_rss_mib_median\":{:.2},\"idle_rss_mib\":[{}]}}",
        starts[starts.len() / 2],
        fmt(&starts),
        rss[rss.len() / 2],
        fmt(&rss)
    );
    Ok(())
}

#[tokio::main]
async fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("seed") => seed(&args).await,
        Some("writes") => writes(&args).await,
        Some("miss") => miss(&args).await,
        Some("coldstart") => coldstart(&args),
        Some("codec") => codec(&args),
        _ => Err("usage: serving_bench seed|writes|miss|coldstart|codec [--flags]".into()),
    }
}
