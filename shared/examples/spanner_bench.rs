//! Helper of `bench/spanner/run.sh` (not a product binary): drives `SpannerGraphStore` on a
//! Cloud Spanner emulator started with `--log_requests`, and after each store operation
//! reads the emulator's request log to count the gRPC calls it made (round trips); then
//! the mutations a document write commits, from the write path's own mutation list (the
//! emulator's log cuts long requests short). The emulator is a functional model, not a
//! performance one: only counts are reported, never its timings.
//!
//! `spanner_bench EMULATOR_HOST INSTANCE LOG [OBJECTS] [DIM]` prints Markdown tables.

use shared::domain::{ColorName, FeatureId, FeatureSetName, ImageId, Label, ModelVersion, NodeId, ObjectId};
use shared::graph::spanner::{
    create_scratch_database, first_write, Endpoint, SpannerGraphStore, SpannerTarget, VectorSearch,
};
use shared::graph::{GraphStore, ImageSelector, ObjectPattern, PatternQuery, RelationPattern};
use shared::schema::*;
use shared::testing::{near_row, random_u64};
use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};
use std::time::Duration;

type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// gRPC calls per method that one operation made.
#[derive(Default)]
struct Calls {
    methods: BTreeMap<String, usize>,
    /// A commit that carried no mutation (nothing to write).
    empty_commits: usize,
}

/// Reads what the emulator logged since the last call.
struct RequestLog {
    file: std::fs::File,
}

impl RequestLog {
    async fn since_last(&mut self) -> Res<Calls> {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let mut text = String::new();
        self.file.read_to_string(&mut text)?;
        Ok(parse(&text))
    }
}

/// Counts the `Request[Service.Method]` entries of the log, and commits without mutations.
fn parse(text: &str) -> Calls {
    let mut calls = Calls::default();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let Some(rest) = line.split("Request[").nth(1) else { continue };
        let method = rest.split(']').next().unwrap_or_default().to_owned();
        if method == "Spanner.Commit" {
            let mut body = Vec::new();
            while let Some(next) = lines.peek() {
                if next.contains("Response[") || next.contains("Request[") {
                    break;
                }
                body.push(lines.next().unwrap_or_default());
            }
            if !body.iter().any(|l| l.starts_with("mutations {")) {
                calls.empty_commits += 1;
            }
        }
        *calls.methods.entry(method).or_default() += 1;
    }
    calls
}

fn vector(dim: usize, seed: u64) -> Vec<f32> {
    let raw: Vec<f32> = (0..dim).map(|i| (seed as f32 + i as f32 * 0.37).sin()).collect();
    let n = raw.iter().map(|x| x * x).sum::<f32>().sqrt();
    raw.into_iter().map(|x| x / n).collect()
}

/// A street scene with `objects` people and cars in a row, each NEAR the next.
fn document(version: &ModelVersion, objects: usize, dim: usize) -> FeatureDocument {
    let tag = random_u64();
    let id = ImageId::of_bytes(&tag.to_le_bytes());
    let detected: Vec<DetectedObject> = (0..objects)
        .map(|i| {
            let x = i as f32 / objects as f32 * 0.9;
            let box_norm = BBox { x_min: x, y_min: 0.2, x_max: x + 0.08, y_max: 0.8 };
            let (label, category) = if i % 2 == 0 { ("person", 1) } else { ("car", 3) };
            let oid = ObjectId::derive(&id, version, category, box_norm.as_array());
            DetectedObject {
                feature_id: FeatureId::derive(&oid, version),
                id: oid,
                label: Label::parse(label).expect("a COCO label"),
                category_id: category,
                score: 0.9,
                box_px: BBox { x_min: x * 640.0, y_min: 96.0, x_max: (x + 0.08) * 640.0, y_max: 384.0 },
                box_norm,
                color: ColorAttr { name: if i % 3 == 0 { ColorName::Blue } else { ColorName::Gray }, fraction: 0.5 },
                embedding: vector(dim, tag.wrapping_add(i as u64)),
            }
        })
        .collect();
    let relations = near_row(&detected);
    let now = chrono::Utc::now();
    let model = |name: &str| ModelRef {
        name: name.into(),
        package: "pkg".into(),
        package_version: "1".into(),
        sha256: "0".repeat(64),
    };
    FeatureDocument {
        schema: SCHEMA_V1.into(),
        image: ImageInfo {
            id,
            uri: format!("gs://sightgraph-bench/{tag:016x}.jpg#1"),
            bucket: Some("sightgraph-bench".into()),
            name: format!("{tag:016x}.jpg"),
            generation: Some(1),
            width: 640,
            height: 480,
            content_type: "image/jpeg".into(),
            size_bytes: 100_000,
            md5_hash: format!("{tag:024x}"),
        },
        model: ModelInfo {
            version: version.clone(),
            detector: model("det"),
            embedder: model("emb"),
            score_threshold: 0.4,
            nms_iou: 0.5,
            near_threshold: 0.05,
        },
        objects: detected,
        relations,
        timings: Timings::default(),
        lineage: Lineage {
            job_id: "bench".into(),
            host: "bench".into(),
            processor: "bench".into(),
            execution_provider: "cpu".into(),
            started_at: now,
            finished_at: now,
        },
    }
}

/// A NEAR relation between every pair of objects.
fn every_pair_near(doc: &FeatureDocument) -> Vec<Relation> {
    let mut ids: Vec<ObjectId> = doc.objects.iter().map(|o| o.id.clone()).collect();
    ids.sort();
    let mut out = Vec::new();
    for (i, a) in ids.iter().enumerate() {
        for b in &ids[i + 1..] {
            out.push(Relation {
                kind: RelationKind::Near,
                from: a.clone(),
                to: b.clone(),
                distance: Some(0.01),
                iou: None,
            });
        }
    }
    out
}

fn row(out: &mut String, what: &str, calls: &Calls) {
    let methods: Vec<String> = calls.methods.iter().map(|(m, n)| format!("{m} {n}")).collect();
    let total: usize = calls.methods.values().sum();
    let empty = if calls.empty_commits > 0 { " (the commit carries no mutation)" } else { "" };
    out.push_str(&format!("| {what} | {total} | {}{empty} |\n", methods.join(", ")));
}

#[tokio::main]
async fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, host, instance, log, ..] = args.as_slice() else {
        return Err("usage: spanner_bench EMULATOR_HOST INSTANCE LOG [OBJECTS] [DIM]".into());
    };
    let objects: usize = args.get(4).map(|s| s.parse()).transpose()?.unwrap_or(5);
    let dim: usize = args.get(5).map(|s| s.parse()).transpose()?.unwrap_or(1280);
    let endpoint = Endpoint::Emulator(host.clone());
    let database = create_scratch_database(&endpoint, instance, "bench").await?;
    let target = SpannerTarget { database, endpoint, vector_search: VectorSearch::Exact, max_sessions: 4 };
    let mut file = std::fs::File::open(log)?;
    file.seek(SeekFrom::End(0))?;
    let mut log = RequestLog { file };
    let mut out = String::from("| operation | gRPC calls | by method |\n| --- | --- | --- |\n");

    let store = SpannerGraphStore::connect(&target).await?;
    row(&mut out, "connect (session pool, `SELECT 1`)", &log.since_last().await?);
    store.ensure_schema().await?;
    row(&mut out, "`ensure_schema`, new database", &log.since_last().await?);
    store.ensure_schema().await?;
    row(&mut out, "`ensure_schema`, nothing missing", &log.since_last().await?);

    let set = FeatureSetName::parse("bench")?;
    let version = ModelVersion::parse("det@1+emb@bench")?;
    let doc = document(&version, objects, dim);
    store.write_features(&set, &doc).await?;
    row(
        &mut out,
        &format!("`write_features`, new image, {objects} objects (+ version bootstrap)"),
        &log.since_last().await?,
    );
    let second = document(&version, objects, dim);
    store.write_features(&set, &second).await?;
    row(&mut out, &format!("`write_features`, new image, {objects} objects"), &log.since_last().await?);
    store.write_features(&set, &second).await?;
    row(&mut out, "`write_features`, the same document again", &log.since_last().await?);
    let big = document(&version, 20, dim);
    store.write_features(&set, &big).await?;
    row(&mut out, "`write_features`, new image, 20 objects", &log.since_last().await?);
    for _ in 0..20 {
        store.write_features(&set, &document(&version, objects, dim)).await?;
    }
    let _ = log.since_last().await?;

    store.find_processed_by_md5(&doc.image.md5_hash, &version).await?;
    row(&mut out, "`find_processed_by_md5` (ingest-trigger dedup)", &log.since_last().await?);
    store.object(&doc.objects[0].id).await?;
    row(&mut out, "`object` (cache miss)", &log.since_last().await?);
    let ids: Vec<ObjectId> =
        big.objects.iter().map(|o| o.id.clone()).chain(doc.objects.iter().map(|o| o.id.clone())).collect();
    store.objects(&ids).await?;
    row(&mut out, &format!("`objects`, batch of {}", ids.len()), &log.since_last().await?);
    store.image_features(&ImageSelector::Id(doc.image.id.clone()), &version).await?;
    row(&mut out, "`image_features` by id", &log.since_last().await?);
    store.image_features(&ImageSelector::Uri(doc.image.uri.clone()), &version).await?;
    row(&mut out, "`image_features` by URI", &log.since_last().await?);
    store.newest_objects(&version, 100).await?;
    row(&mut out, "`newest_objects`, 100 (cache warmer)", &log.since_last().await?);
    let query = PatternQuery {
        subject: ObjectPattern { label: Some(Label::parse("person")?), color: None },
        relation: RelationPattern { kind: RelationKind::Near, max_distance: Some(0.05) },
        object: ObjectPattern { label: Some(Label::parse("car")?), color: None },
        version: None,
        limit: 20,
        cursor: None,
    };
    let page = store.pattern_search(&query, &version).await?;
    row(
        &mut out,
        &format!("`pattern_search`, person NEAR car ({} matches)", page.matches.len()),
        &log.since_last().await?,
    );
    store.nearest_objects(&doc.objects[0].id, 10, 20_000).await?;
    row(&mut out, "`nearest_objects`, k = 10, exact", &log.since_last().await?);
    store.node(&NodeId::parse(doc.objects[0].feature_id.as_str())?).await?;
    row(&mut out, "`node` (a feature)", &log.since_last().await?);
    store.neighbourhood(&NodeId::parse(doc.objects[0].id.as_str())?, 2, 50).await?;
    row(&mut out, "`neighbourhood`, depth 2", &log.since_last().await?);
    store.active_version(&set).await?;
    row(&mut out, "`active_version`", &log.since_last().await?);
    let next = ModelVersion::parse("det@1+emb@bench-next")?;
    store.write_features(&set, &document(&next, objects, dim)).await?;
    let _ = log.since_last().await?;
    store.activate_version(&set, &next, "bench").await?;
    row(&mut out, "`activate_version`", &log.since_last().await?);
    store.rollback_version(&set, "bench").await?;
    row(&mut out, "`rollback_version`", &log.since_last().await?);
    store.feature_sets().await?;
    row(&mut out, "`feature_sets`", &log.since_last().await?);
    let counts = store.counts().await?;
    row(&mut out, "`counts`", &log.since_last().await?);
    out.push_str(&format!("\nDatabase {}: {counts:?}.\n\n", target.database));
    out.push_str(
        "| document | rows | cells | index entries | Spanner mutations (cells + index entries; limit 80 000) |\n",
    );
    out.push_str("| --- | --- | --- | --- | --- |\n");
    for (n, every_pair) in [(1, false), (5, false), (20, false), (100, false), (100, true)] {
        let mut doc = document(&version, n, dim);
        if every_pair {
            doc.relations = every_pair_near(&doc);
        }
        let note = if every_pair { " (every pair NEAR: the worst case)" } else { "" };
        let m = first_write(&set, &doc);
        out.push_str(&format!(
            "| new image, {n} objects, {} relations{note} | {} | {} | {} | {} |\n",
            doc.relations.len(),
            m.rows,
            m.cells,
            m.index_entries,
            m.spanner_mutations()
        ));
    }
    print!("{out}");
    Ok(())
}
