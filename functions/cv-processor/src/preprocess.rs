//! Model inputs: TF1 `ResizeBilinear` (align_corners=false, half_pixel_centers=false,
//! no antialias) written out exactly like `scripts/models/cvref.py`, then the
//! per-model scaling into NCHW float32 tensors.

use image::RgbImage;
use shared::schema::BBox;

/// Detector input side (300×300).
pub const DETECTOR_SIZE: usize = 300;
/// Embedder input side (224×224).
pub const EMBEDDER_SIZE: usize = 224;
const IMAGENET_MEAN: [f32; 3] = [0.485, 0.456, 0.406];
const IMAGENET_STD: [f32; 3] = [0.229, 0.224, 0.225];

/// A dense float32 tensor in NCHW layout.
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor {
    /// `[N, C, H, W]`.
    pub shape: [usize; 4],
    /// Row-major values.
    pub data: Vec<f32>,
}

/// A pixel rectangle inside an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    /// Left column.
    pub x: u32,
    /// Top row.
    pub y: u32,
    /// Width, at least 1.
    pub width: u32,
    /// Height, at least 1.
    pub height: u32,
}

impl Rect {
    /// The whole image.
    pub fn full(image: &RgbImage) -> Self {
        Self { x: 0, y: 0, width: image.width(), height: image.height() }
    }

    /// The pixels a normalised box covers, at least 1×1 (like `cvref.crop`: floor the
    /// top-left, ceil the bottom-right).
    pub fn from_norm(b: &BBox, width: u32, height: u32) -> Self {
        let (w, h) = (f64::from(width), f64::from(height));
        let x0 = ((f64::from(b.x_min) * w).floor().max(0.0) as u32).min(width - 1);
        let y0 = ((f64::from(b.y_min) * h).floor().max(0.0) as u32).min(height - 1);
        let x1 = ((f64::from(b.x_max) * w).ceil() as u32).max(x0 + 1).min(width);
        let y1 = ((f64::from(b.y_max) * h).ceil() as u32).max(y0 + 1).min(height);
        Self { x: x0, y: y0, width: x1 - x0, height: y1 - y0 }
    }
}

struct Axis {
    lo: Vec<usize>,
    hi: Vec<usize>,
    frac: Vec<f32>,
}

// NB: TF1 legacy mapping src = dst * (in/out) in float32, no half-pixel offset.
fn axis(in_size: usize, out_size: usize) -> Axis {
    let scale = in_size as f32 / out_size as f32;
    let mut axis = Axis { lo: Vec::with_capacity(out_size), hi: Vec::with_capacity(out_size), frac: Vec::new() };
    for i in 0..out_size {
        let src = i as f32 * scale;
        let lo = (src.floor() as usize).min(in_size - 1);
        axis.lo.push(lo);
        axis.hi.push((lo + 1).min(in_size - 1));
        axis.frac.push(src - lo as f32);
    }
    axis
}

/// One source row interpolated across, channel-planar (`[c * out_w + col]`):
/// `a + (b - a) * fx` of the two neighbouring pixels, as cvref.py computes it.
fn across(row: &[u8], xs: &Axis, x_offset: usize, into: &mut [f32]) {
    let out_w = xs.lo.len();
    for (c, plane) in into.chunks_exact_mut(out_w).enumerate() {
        for (((v, &x0), &x1), &fx) in plane.iter_mut().zip(&xs.lo).zip(&xs.hi).zip(&xs.frac) {
            let a = f32::from(row[(x_offset + x0) * 3 + c]);
            let b = f32::from(row[(x_offset + x1) * 3 + c]);
            *v = a + (b - a) * fx;
        }
    }
}

/// Resizes `rect` of `image` to `out_h`×`out_w` and hands each output row of each channel
/// (values 0..255 as f32) to `sink(channel, row, values)`. The arithmetic order is cvref.py's,
/// so results match bit for bit.
///
/// Each source row is interpolated across once and kept while the next output row still
/// needs it (upscaled crops reuse rows many times), and the output is written a channel
/// plane at a time so the callers' scaling runs over contiguous rows.
pub fn resize_bilinear_tf1(
    image: &RgbImage,
    rect: Rect,
    out_h: usize,
    out_w: usize,
    mut sink: impl FnMut(usize, usize, &[f32]),
) {
    let ys = axis(rect.height as usize, out_h);
    let xs = axis(rect.width as usize, out_w);
    let stride = image.width() as usize * 3;
    let raw = image.as_raw();
    let source_row = |y: usize| {
        let start = (rect.y as usize + y) * stride;
        &raw[start..start + stride]
    };
    let (x_offset, plane) = (rect.x as usize, 3 * out_w);
    // NB: `top` holds source row `held.0` interpolated across, `bot` row `held.1`.
    let (mut top, mut bot, mut out) = (vec![0.0f32; plane], vec![0.0f32; plane], vec![0.0f32; out_w]);
    let mut held: (Option<usize>, Option<usize>) = (None, None);
    for (row, ((&y0, &y1), &fy)) in ys.lo.iter().zip(&ys.hi).zip(&ys.frac).enumerate() {
        if held.0 != Some(y0) {
            if held.1 == Some(y0) {
                std::mem::swap(&mut top, &mut bot);
                held = (held.1, held.0);
            } else {
                across(source_row(y0), &xs, x_offset, &mut top);
                held.0 = Some(y0);
            }
        }
        if held.1 != Some(y1) {
            across(source_row(y1), &xs, x_offset, &mut bot);
            held.1 = Some(y1);
        }
        for c in 0..3 {
            let (t, b) = (&top[c * out_w..(c + 1) * out_w], &bot[c * out_w..(c + 1) * out_w]);
            for ((v, &t), &b) in out.iter_mut().zip(t).zip(b) {
                *v = t + (b - t) * fy;
            }
            sink(c, row, &out);
        }
    }
}

/// The detector's `[1,3,300,300]` input: the whole image resized, scaled `x/127.5 - 1`.
pub fn detector_input(image: &RgbImage) -> Tensor {
    let n = DETECTOR_SIZE;
    let mut data = vec![0.0f32; 3 * n * n];
    resize_bilinear_tf1(image, Rect::full(image), n, n, |c, y, values| {
        let at = (c * n + y) * n;
        for (d, &v) in data[at..at + n].iter_mut().zip(values) {
            *d = v / 127.5 - 1.0;
        }
    });
    Tensor { shape: [1, 3, n, n], data }
}

/// The embedder's `[N,3,224,224]` input: each rectangle resized, `/255` then ImageNet mean/std.
pub fn embedder_input(image: &RgbImage, rects: &[Rect]) -> Tensor {
    let n = EMBEDDER_SIZE;
    let plane = n * n;
    let mut data = vec![0.0f32; rects.len() * 3 * plane];
    for (i, rect) in rects.iter().enumerate() {
        let item = &mut data[i * 3 * plane..(i + 1) * 3 * plane];
        resize_bilinear_tf1(image, *rect, n, n, |c, y, values| {
            let at = c * plane + y * n;
            let (mean, std) = (IMAGENET_MEAN[c], IMAGENET_STD[c]);
            for (d, &v) in item[at..at + n].iter_mut().zip(values) {
                *d = (v / 255.0 - mean) / std;
            }
        });
    }
    Tensor { shape: [rects.len(), 3, n, n], data }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    fn resized(image: &RgbImage, h: usize, w: usize) -> Vec<f32> {
        let mut out = vec![0.0; h * w];
        resize_bilinear_tf1(image, Rect::full(image), h, w, |c, y, values| {
            if c == 0 {
                out[y * w..(y + 1) * w].copy_from_slice(values);
            }
        });
        out
    }

    /// TF1's bilinear value at one output pixel, straight from its definition (cvref.py's order).
    fn by_definition(image: &RgbImage, rect: Rect, out_h: usize, out_w: usize, c: usize, y: usize, x: usize) -> f32 {
        let (ys, xs) = (axis(rect.height as usize, out_h), axis(rect.width as usize, out_w));
        let at = |yy: usize, xx: usize| f32::from(image.get_pixel(rect.x + xx as u32, rect.y + yy as u32).0[c]);
        let (y0, y1, fy, x0, x1, fx) = (ys.lo[y], ys.hi[y], ys.frac[y], xs.lo[x], xs.hi[x], xs.frac[x]);
        let top = at(y0, x0) + (at(y0, x1) - at(y0, x0)) * fx;
        let bot = at(y1, x0) + (at(y1, x1) - at(y1, x0)) * fx;
        top + (bot - top) * fy
    }

    #[test]
    fn every_value_is_the_definitions_bit_for_bit_when_shrinking_and_when_growing() {
        let mut seed = 0x2545_f491_u32;
        let image = RgbImage::from_fn(61, 47, |_, _| {
            let mut next = || {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                seed as u8
            };
            Rgb([next(), next(), next()])
        });
        let cases = [(Rect::full(&image), 30, 20), (Rect { x: 7, y: 5, width: 13, height: 9 }, 40, 33)];
        for (rect, out_h, out_w) in cases {
            let mut rows = 0;
            resize_bilinear_tf1(&image, rect, out_h, out_w, |c, y, values| {
                rows += 1;
                for (x, &v) in values.iter().enumerate() {
                    let want = by_definition(&image, rect, out_h, out_w, c, y, x);
                    assert_eq!(v.to_bits(), want.to_bits(), "{rect:?} → {out_h}×{out_w}: c{c} ({y}, {x})");
                }
            });
            assert_eq!(rows, 3 * out_h, "every row of every channel");
        }
    }

    #[test]
    fn downscaling_by_two_samples_even_pixels_without_antialiasing() {
        let image = RgbImage::from_fn(4, 1, |x, _| Rgb([(x * 10) as u8, 0, 0]));
        assert_eq!(resized(&image, 1, 2), vec![0.0, 20.0], "src = dst * in/out, no half-pixel offset");
    }

    #[test]
    fn upscaling_interpolates_and_clamps_at_the_last_pixel() {
        let image = RgbImage::from_fn(2, 1, |x, _| Rgb([(x * 100) as u8, 0, 0]));
        assert_eq!(resized(&image, 1, 4), vec![0.0, 50.0, 100.0, 100.0]);
    }

    #[test]
    fn boxes_cover_at_least_one_pixel_and_stay_inside_the_image() {
        let b = BBox { x_min: 0.999, y_min: 0.0, x_max: 1.0, y_max: 0.25 };
        assert_eq!(Rect::from_norm(&b, 100, 8), Rect { x: 99, y: 0, width: 1, height: 2 });
        let point = BBox { x_min: 1.0, y_min: 1.0, x_max: 1.0, y_max: 1.0 };
        assert_eq!(Rect::from_norm(&point, 10, 10), Rect { x: 9, y: 9, width: 1, height: 1 });
    }

    #[test]
    fn model_inputs_have_nchw_shapes_and_the_documented_scaling() {
        let image = RgbImage::from_pixel(5, 7, Rgb([255, 0, 255]));
        let det = detector_input(&image);
        assert_eq!(det.shape, [1, 3, 300, 300]);
        assert_eq!((det.data[0], det.data[300 * 300]), (1.0, -1.0));
        let emb = embedder_input(&image, &[Rect::full(&image), Rect { x: 1, y: 1, width: 2, height: 2 }]);
        assert_eq!(emb.shape, [2, 3, 224, 224]);
        assert!((emb.data[0] - (1.0 - 0.485) / 0.229).abs() < 1e-6);
    }
}
