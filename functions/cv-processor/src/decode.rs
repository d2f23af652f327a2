//! Decoding with `image`: decoder limits are in place before the first chunk is
//! read (a PNG's compressed metadata is measured first, see [`crate::metadata`]),
//! the header is checked against the pixel limit before any pixel is decoded,
//! then EXIF orientation is applied and the result is RGB.

use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits as DecoderLimits, RgbImage};
use std::io::Cursor;
use tracing::instrument;

use crate::config::Limits;
use crate::metadata::check_png_metadata;
use crate::{Error, Result};

/// What decoding may allocate before the dimensions are known: chunk buffers, ICC profile,
/// EXIF, text chunks, one row; and what a PNG's compressed metadata may inflate to.
pub const METADATA_BUDGET: u64 = 16 << 20;

/// A decoded, upright RGB image.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// Pixels after EXIF orientation.
    pub rgb: RgbImage,
    /// MIME type sniffed from the bytes.
    pub content_type: &'static str,
}

/// Decodes `bytes`; `uri` only names the image in errors. Every failure is [`Error::BadInput`].
#[instrument(skip_all, fields(uri = %uri, bytes = bytes.len()))]
pub fn decode(uri: &str, bytes: &[u8], limits: &Limits) -> Result<Decoded> {
    let bad = |reason: String| Error::bad_input(uri, reason);
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| bad(format!("cannot read the header: {e}")))?;
    let format = reader.format().ok_or_else(|| bad("not an image: unrecognised format".into()))?;
    if format == ImageFormat::Png {
        check_png_metadata(bytes, METADATA_BUDGET).map_err(bad)?;
    }
    // NB: `into_decoder` reads every chunk before the pixels (ICC, EXIF, text), so the limits go on
    // first; the PNG decoder keeps this budget for its own buffers. The pixel limit comes below,
    // with the clearer message, once the header is known.
    let side = u32::try_from(limits.max_pixels).unwrap_or(u32::MAX);
    let mut before = DecoderLimits::default();
    before.max_alloc = Some(METADATA_BUDGET);
    before.max_image_width = Some(side);
    before.max_image_height = Some(side);
    reader.limits(before);
    let mut decoder = reader.into_decoder().map_err(|e| match e {
        ImageError::Limits(limit) => {
            bad(format!("{format:?} header or metadata exceeds the decoder's limits: {limit}"))
        }
        other => bad(format!("invalid {format:?} header: {other}")),
    })?;
    let (width, height) = decoder.dimensions();
    let pixels = u64::from(width) * u64::from(height);
    if pixels == 0 {
        return Err(bad(format!("image has no pixels ({width}x{height})")));
    }
    if pixels > limits.max_pixels {
        return Err(bad(format!(
            "image is {width}x{height} = {pixels} pixels, more than the limit of {}",
            limits.max_pixels
        )));
    }
    if format == ImageFormat::Jpeg && !jpeg_is_complete(bytes) {
        return Err(bad("truncated JPEG: no end-of-image marker after the last scan".into()));
    }
    let mut decoder_limits = DecoderLimits::default();
    // NB: 16-bit RGBA is the widest layout: 8 bytes a pixel, plus room for the decoder's own buffers.
    decoder_limits.max_alloc = Some(pixels * 8 + (64 << 20));
    decoder.set_limits(decoder_limits).map_err(|e| bad(e.to_string()))?;
    let orientation = decoder.orientation().map_err(|e| bad(format!("unreadable EXIF orientation: {e}")))?;
    let mut image = DynamicImage::from_decoder(decoder).map_err(|e| bad(format!("corrupt {format:?} data: {e}")))?;
    image.apply_orientation(orientation);
    Ok(Decoded { rgb: image.into_rgb8(), content_type: format.to_mime_type() })
}

/// Whether an end-of-image marker follows the last start-of-scan marker.
// NB: the JPEG decoder fills a cut-off scan with grey instead of failing. Entropy-coded data
// never contains FF DA or FF D9 (an FF there is followed by 00 or a restart marker), so a
// file cut inside its last scan has no FF D9 after the last FF DA.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let last_scan = bytes.windows(2).rposition(|w| w == [0xFF, 0xDA]).unwrap_or(0);
    bytes[last_scan..].windows(2).any(|w| w == [0xFF, 0xD9])
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let img = RgbImage::from_pixel(width, height, Rgb([10, 20, 30]));
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn a_small_png_decodes_to_rgb_with_its_mime_type() {
        let decoded = decode("t", &png(3, 2), &Limits::default()).unwrap();
        assert_eq!(decoded.rgb.dimensions(), (3, 2));
        assert_eq!(decoded.rgb.get_pixel(0, 0), &Rgb([10, 20, 30]));
        assert_eq!(decoded.content_type, "image/png");
    }

    #[test]
    fn the_pixel_limit_is_enforced_from_the_header() {
        let limits = Limits { max_pixels: 5, ..Limits::default() };
        let err = decode("t", &png(3, 2), &limits).unwrap_err().to_string();
        assert!(err.contains("3x2 = 6 pixels, more than the limit of 5"), "{err}");
    }

    #[test]
    fn a_jpeg_cut_inside_its_scan_is_rejected_as_truncated() {
        let mut jpeg = Cursor::new(Vec::new());
        RgbImage::from_fn(64, 64, |x, y| Rgb([x as u8 * 4, y as u8 * 4, 7]))
            .write_to(&mut jpeg, ImageFormat::Jpeg)
            .unwrap();
        let jpeg = jpeg.into_inner();
        assert!(decode("t", &jpeg, &Limits::default()).is_ok());
        let err = decode("t", &jpeg[..jpeg.len() - 40], &Limits::default()).unwrap_err().to_string();
        assert!(err.contains("truncated JPEG"), "{err}");
    }

    #[test]
    fn exif_orientation_is_applied_before_anything_else_sees_the_pixels() {
        let mut jpeg = Cursor::new(Vec::new());
        RgbImage::from_pixel(8, 2, Rgb([200, 0, 0])).write_to(&mut jpeg, ImageFormat::Jpeg).unwrap();
        let jpeg = jpeg.into_inner();
        // APP1 Exif, little-endian TIFF, one IFD entry: Orientation (0x0112) SHORT = 6 (rotate 90° clockwise).
        let tiff = [
            b"II*\0".as_slice(),
            &8u32.to_le_bytes(),
            &1u16.to_le_bytes(),
            &[0x12, 0x01, 3, 0],
            &1u32.to_le_bytes(),
            &[6, 0, 0, 0],
            &0u32.to_le_bytes(),
        ]
        .concat();
        let payload = [b"Exif\0\0".as_slice(), &tiff].concat();
        let app1 = [[0xFF, 0xE1].as_slice(), &((payload.len() + 2) as u16).to_be_bytes(), &payload].concat();
        let rotated = [&jpeg[..2], &app1, &jpeg[2..]].concat();

        let decoded = decode("t", &rotated, &Limits::default()).unwrap();

        assert_eq!(decoded.rgb.dimensions(), (2, 8), "width and height are swapped");
    }

    #[test]
    fn text_is_not_an_image() {
        let err = decode("t", b"hello, world", &Limits::default()).unwrap_err().to_string();
        assert!(err.contains("not an image"), "{err}");
    }
}
