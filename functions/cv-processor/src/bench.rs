//! `cv-processor bench`: the pipeline over the fixture photos on CPU, printed as
//! one JSON object shaped like `bench/cv/baseline.py`'s so the two compare directly.

use bytes::Bytes;
use clap::Args;
use serde_json::json;
use shared::domain::ObjectUri;
use shared::schema::Timings;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use crate::cli::PipelineArgs;
use crate::source::Fetched;
use crate::{Error, Processor, Result};

/// Benchmark options.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Measured rounds over all photos (after one warm-up round).
    #[arg(long, default_value_t = 10)]
    pub rounds: usize,
    /// Folder of .jpg/.png photos.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/gcs/sightgraph-raw/photos"))]
    pub photos: PathBuf,
    /// Models and thresholds (the benchmark always runs on CPU).
    #[command(flatten)]
    pub pipeline: PipelineArgs,
}

/// The stages reported, in order; `total` is decode→embed like the Python baseline.
const STAGES: [&str; 8] = ["decode", "preprocess", "detect", "embed", "attributes", "relations", "total", "all_stages"];

fn stage_values(t: &Timings) -> [f64; 8] {
    let core = t.decode_ms + t.preprocess_ms + t.detect_ms + t.embed_ms;
    [
        t.decode_ms,
        t.preprocess_ms,
        t.detect_ms,
        t.embed_ms,
        t.attributes_ms,
        t.relations_ms,
        core,
        t.total_ms - t.fetch_ms,
    ]
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n == 0 {
        0.0
    } else if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

fn photos(dir: &PathBuf) -> Result<Vec<(ObjectUri, Bytes)>> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::config(format!("cannot list {}: {e}", dir.display())))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jpg" || x == "png"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).map_err(|e| Error::config(format!("cannot read {}: {e}", p.display())))?;
            Ok((ObjectUri::Local(p), Bytes::from(bytes)))
        })
        .collect()
}

/// Runs the benchmark and prints its JSON line to stdout.
pub async fn run(args: &BenchArgs) -> Result<()> {
    let mut config = args.pipeline.to_config(Some("bench".into()));
    config.cpu_only = true;
    if config.intra_threads == 0 {
        config.intra_threads = 1;
    }
    let threads = config.intra_threads;
    let processor = Processor::new(config)?;
    let photos = photos(&args.photos)?;
    let once = |uri: &ObjectUri, bytes: &Bytes| {
        let fetched =
            Fetched { bytes: bytes.clone(), bucket: None, name: uri.file_name().to_owned(), generation: None };
        processor.analyse(uri, fetched, Instant::now(), 0.0)
    };
    for (uri, bytes) in &photos {
        once(uri, bytes)?;
    }
    let mut samples: BTreeMap<&str, Vec<f64>> = STAGES.iter().map(|s| (*s, Vec::new())).collect();
    let mut detections = 0;
    let start = Instant::now();
    for _ in 0..args.rounds {
        for (uri, bytes) in &photos {
            let document = once(uri, bytes)?;
            detections += document.objects.len();
            for (stage, v) in STAGES.iter().zip(stage_values(&document.timings)) {
                samples.get_mut(stage).expect("every stage has a list").push(v);
            }
        }
    }
    let wall = start.elapsed().as_secs_f64();
    let images = photos.len() * args.rounds;
    let medians: serde_json::Map<String, serde_json::Value> = STAGES
        .iter()
        .map(|s| {
            let m = median(samples.get_mut(s).expect("every stage has a list"));
            (s.to_string(), json!((m * 1000.0).round() / 1000.0))
        })
        .collect();
    let report = json!({
        "impl": "rust",
        "execution_provider": processor.models().execution_provider(),
        "intra_op_threads": threads,
        "rounds": args.rounds,
        "images": images,
        "detections": detections,
        "images_per_s": ((images as f64 / wall) * 100.0).round() / 100.0,
        "median_ms": medians,
    });
    println!("{report}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_of_odd_and_even_lists() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(median(&mut []), 0.0);
    }
}
