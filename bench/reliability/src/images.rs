//! Distinct test images made at run time from the fixture photos: a crop, a
//! flip and a scale each, JPEG-encoded; byte-identical results are dropped,
//! so every file is distinct content.

use anyhow::{ensure, Context, Result};
use image::imageops::FilterType;
use image::{DynamicImage, GenericImageView};
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::path::Path;

/// A small deterministic generator (splitmix64), so a run's images can be made again.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        shared::testing::splitmix64(&mut self.0)
    }

    /// Uniform in `[lo, hi)`.
    fn between(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (self.next() >> 11) as f64 / (1u64 << 53) as f64 * (hi - lo)
    }
}

/// Writes `count` distinct JPEGs to `<bucket_dir>/photos/variant-NNNN.jpg`; returns their object names.
pub fn generate(photos: &Path, bucket_dir: &Path, count: usize, seed: u64) -> Result<Vec<String>> {
    let mut sources: Vec<DynamicImage> = Vec::new();
    let mut paths: Vec<_> = std::fs::read_dir(photos)?.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        sources.push(image::open(&p).with_context(|| format!("decoding {}", p.display()))?);
    }
    ensure!(!sources.is_empty(), "no photos under {}", photos.display());
    std::fs::create_dir_all(bucket_dir.join("photos"))?;
    let mut rng = Rng(seed);
    let mut seen = HashSet::new();
    let mut names = Vec::with_capacity(count);
    let mut i = 0usize;
    while names.len() < count {
        ensure!(i < count * 4, "could not make {count} distinct images");
        let src = &sources[i % sources.len()];
        i += 1;
        let bytes = variant(src, &mut rng)?;
        if !seen.insert(Sha256::digest(&bytes)) {
            continue;
        }
        let name = format!("photos/variant-{:04}.jpg", names.len());
        std::fs::write(bucket_dir.join(&name), &bytes)?;
        names.push(name);
    }
    Ok(names)
}

/// One crop (half to all of each side), flip and downscale (longest side 192–384 px) of `src`.
fn variant(src: &DynamicImage, rng: &mut Rng) -> Result<Vec<u8>> {
    let (w, h) = src.dimensions();
    let (cw, ch) = ((w as f64 * rng.between(0.5, 1.0)) as u32, (h as f64 * rng.between(0.5, 1.0)) as u32);
    let (x, y) = ((rng.between(0.0, 1.0) * (w - cw) as f64) as u32, (rng.between(0.0, 1.0) * (h - ch) as f64) as u32);
    let mut img = src.crop_imm(x, y, cw.max(16), ch.max(16));
    match rng.next() % 3 {
        0 => img = img.fliph(),
        1 => img = img.flipv(),
        _ => {}
    }
    let side = rng.between(192.0, 384.0) as u32;
    let img = img.resize(side, side, FilterType::Triangle).to_rgb8();
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85).encode_image(&img)?;
    Ok(out)
}
