//! A walk over a PNG's chunks before it is decoded: compressed metadata
//! (`zTXt`, compressed `iTXt`, `iCCP`) is inflated into nothing, counting, so
//! a decompression bomb is refused without ever holding what it inflates to.
//! Other formats' metadata is bounded by the decoder limits in [`crate::decode`].

use std::io::Read;

const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// Refuses a PNG whose compressed metadata inflates to more than `budget` bytes in all.
/// Malformed chunk lists are left to the decoder, which reports them better.
pub fn check_png_metadata(bytes: &[u8], budget: u64) -> Result<(), String> {
    let Some(mut rest) = bytes.strip_prefix(SIGNATURE) else { return Ok(()) };
    let mut inflated = 0u64;
    while rest.len() >= 12 {
        let len = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        let kind = &rest[4..8];
        let Some(data) = rest.get(8..8 + len) else { break };
        if let Some(stream) = compressed_stream(kind, data) {
            let left = budget - inflated;
            let size = inflated_size(stream, left);
            if size > left {
                let kind = String::from_utf8_lossy(kind);
                return Err(format!("PNG {kind} metadata inflates past {} MiB; refused before decoding", budget >> 20));
            }
            inflated += size;
        }
        rest = rest.get(12 + len..).unwrap_or_default();
    }
    Ok(())
}

/// The zlib stream inside a compressed metadata chunk, if it is one.
fn compressed_stream<'a>(kind: &[u8], data: &'a [u8]) -> Option<&'a [u8]> {
    let after_keyword = |d: &'a [u8]| d.iter().position(|&b| b == 0).map(|at| &d[at + 1..]);
    match kind {
        // keyword \0 method stream
        b"zTXt" | b"iCCP" => after_keyword(data)?.get(1..),
        // keyword \0 flag method language \0 translated-keyword \0 text
        b"iTXt" => {
            let rest = after_keyword(data)?;
            let (&flag, rest) = rest.split_first()?;
            let rest = after_keyword(rest.get(1..)?)?;
            let text = after_keyword(rest)?;
            (flag == 1).then_some(text)
        }
        _ => None,
    }
}

/// Bytes `stream` inflates to, counted until it passes `limit`; a corrupt stream counts what inflated.
fn inflated_size(stream: &[u8], limit: u64) -> u64 {
    let mut decoder = flate2::read::ZlibDecoder::new(stream);
    let mut scratch = [0u8; 32 * 1024];
    let mut total = 0u64;
    while total <= limit {
        match decoder.read(&mut scratch) {
            Ok(0) | Err(_) => break,
            Ok(n) => total += n as u64,
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use crate::config::Limits;
    use crate::decode::{decode, METADATA_BUDGET};
    use flate2::write::ZlibEncoder;
    use std::io::Write;

    /// `bytes` zeros, zlib-compressed (a 64 MiB run is about 64 KiB).
    fn zeros_compressed(bytes: usize) -> Vec<u8> {
        let mut z = ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        let block = vec![0u8; 1 << 20];
        for _ in 0..bytes / block.len() {
            z.write_all(&block).unwrap();
        }
        z.finish().unwrap()
    }

    /// A valid 4×4 PNG with `chunks` inserted before its pixel data.
    fn png_with(chunks: &[(&[u8; 4], Vec<u8>)]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, 4, 4);
        encoder.set_color(png::ColorType::Rgb);
        let mut writer = encoder.write_header().unwrap();
        for (kind, data) in chunks {
            writer.write_chunk(png::chunk::ChunkType(**kind), data).unwrap();
        }
        writer.write_image_data(&[120; 48]).unwrap();
        writer.finish().unwrap();
        out
    }

    fn iccp(profile_stream: Vec<u8>) -> Vec<u8> {
        [b"bomb\0\0".as_slice(), &profile_stream].concat()
    }

    #[test]
    fn compressed_metadata_that_inflates_past_the_budget_is_refused_before_decoding() {
        let bomb = || zeros_compressed(64 << 20);
        let cases: [(&str, &[u8; 4], Vec<u8>); 3] = [
            ("iCCP", b"iCCP", iccp(bomb())),
            ("zTXt", b"zTXt", [b"Comment\0\0".as_slice(), &bomb()].concat()),
            ("iTXt", b"iTXt", [b"Comment\0\x01\0en\0\0".as_slice(), &bomb()].concat()),
        ];
        for (kind, tag, data) in cases {
            let png = png_with(&[(tag, data)]);
            assert!(png.len() < 1 << 20, "the bomb is small on disk: {} bytes", png.len());

            let err = decode("t", &png, &Limits::default()).expect_err(kind).to_string();

            assert!(err.contains(&format!("PNG {kind} metadata inflates past 16 MiB")), "{kind}: {err}");
        }
    }

    #[test]
    fn raw_metadata_past_the_budget_is_refused_by_the_decoder_limits() {
        let text = [b"Comment\0".as_slice(), &vec![b'a'; METADATA_BUDGET as usize + 1024]].concat();
        let png = png_with(&[(b"tEXt", text)]);

        let err = decode("t", &png, &Limits::default()).expect_err("over budget").to_string();

        assert!(err.contains("exceeds the decoder's limits"), "{err}");
    }

    #[test]
    fn ordinary_metadata_within_the_budget_still_decodes() {
        let profile = iccp(zeros_compressed(1 << 20));
        let note = [b"Comment\0\0".as_slice(), &zeros_compressed(2 << 20)].concat();

        let decoded = decode("t", &png_with(&[(b"iCCP", profile), (b"zTXt", note)]), &Limits::default()).unwrap();

        assert_eq!(decoded.rgb.dimensions(), (4, 4));
    }
}
