//! Unusable images fail with a clear BAD_INPUT error, in the library and as exit code 65.

use cv_processor::Error;
use shared::launcher::exit_codes;
use std::path::{Path, PathBuf};

use crate::helpers::{binary, photo, processor};

fn chunk(kind: &[u8], data: &[u8]) -> Vec<u8> {
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    let mut out = (data.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32(&body).to_be_bytes());
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// A PNG whose header claims `width`×`height` RGB pixels, followed by `idat`.
fn png_claiming(width: u32, height: u32, idat: &[u8]) -> Vec<u8> {
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(chunk(b"IHDR", &ihdr));
    png.extend(chunk(b"IDAT", idat));
    png.extend(chunk(b"IEND", b""));
    png
}

/// (file name, bytes, words the error must contain).
fn cases() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let dog = std::fs::read(photo("dog.jpg")).unwrap();
    let mut bad_header = dog.clone();
    let sof = dog.windows(2).position(|w| w == [0xFF, 0xC0] || w == [0xFF, 0xC2]).expect("dog.jpg has a frame header");
    bad_header[sof + 4] = 0x55; // sample precision: 85 bits
    vec![
        ("corrupt-header.jpg", bad_header, "Jpeg"),
        ("corrupt-data.png", png_claiming(64, 64, b"definitely not zlib data"), "corrupt Png data"),
        ("truncated.jpg", dog[..dog.len() / 2].to_vec(), "truncated JPEG"),
        ("zero-bytes.jpg", Vec::new(), "empty"),
        ("not-an-image.jpg", b"%PDF-1.4\n%this is a document, not a photo\n".to_vec(), "not an image"),
        ("huge.png", png_claiming(20_000, 20_000, &[0; 16]), "20000x20000 = 400000000 pixels, more than the limit"),
    ]
}

fn write_all(dir: &Path) -> Vec<(PathBuf, &'static str)> {
    cases()
        .into_iter()
        .map(|(name, bytes, why)| {
            let path = dir.join(name);
            std::fs::write(&path, bytes).unwrap();
            (path, why)
        })
        .collect()
}

#[tokio::test]
async fn unusable_images_are_bad_input_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    for (path, why) in write_all(dir.path()) {
        let err = processor().process(path.to_str().unwrap()).await.expect_err(why);
        assert!(matches!(err, Error::BadInput { .. }), "{}: {err}", path.display());
        assert!(err.to_string().contains(why), "{}: expected {why:?} in {err}", path.display());
        assert_eq!(err.exit_code(), exit_codes::BAD_INPUT);
    }
}

#[test]
fn the_binary_exits_with_bad_input_for_each_unusable_image() {
    let dir = tempfile::tempdir().unwrap();
    crate::helpers::config();
    for (path, why) in write_all(dir.path()) {
        let out = binary().args(["--image-uri", path.to_str().unwrap(), "--cpu-only"]).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(exit_codes::BAD_INPUT), "{}: {stderr}", path.display());
        assert!(stderr.contains(why), "{}: expected {why:?} in {stderr}", path.display());
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(out.stdout.is_empty(), "no document for a bad image");
    }
}

#[tokio::test]
async fn a_missing_object_is_bad_input() {
    let err = processor().process("/nonexistent/dir/photo.jpg").await.unwrap_err();
    assert!(err.to_string().contains("not found"), "{err}");
    assert_eq!(err.exit_code(), exit_codes::BAD_INPUT);
}
