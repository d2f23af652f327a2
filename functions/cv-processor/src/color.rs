//! Dominant colour of a crop: every (sampled) pixel of the box's central half
//! goes to HSV and into one bin of the fixed palette; the fullest bin wins
//! (ties: palette order).

use image::RgbImage;
use shared::domain::ColorName;
use shared::schema::ColorAttr;

use crate::preprocess::Rect;

/// At most this many pixels are looked at per crop (a regular grid over larger crops).
const MAX_SAMPLES: u64 = 65_536;

/// Hue in degrees (0..360), saturation and value (0..1).
pub fn hsv(rgb: [u8; 3]) -> (f32, f32, f32) {
    let [r, g, b] = rgb.map(|c| f32::from(c) / 255.0);
    let max = r.max(g).max(b);
    let delta = max - r.min(g).min(b);
    let s = if max > 0.0 { delta / max } else { 0.0 };
    let h = if delta == 0.0 {
        0.0
    } else if max == r {
        60.0 * ((g - b) / delta).rem_euclid(6.0)
    } else if max == g {
        60.0 * ((b - r) / delta + 2.0)
    } else {
        60.0 * ((r - g) / delta + 4.0)
    };
    (h, s, max)
}

/// The palette entry of one colour.
pub fn palette(rgb: [u8; 3]) -> ColorName {
    let (h, s, v) = hsv(rgb);
    if v < 0.2 {
        return ColorName::Black;
    }
    if s < 0.2 {
        return if v >= 0.8 { ColorName::White } else { ColorName::Gray };
    }
    match h {
        h if !(15.0..345.0).contains(&h) => {
            if s < 0.5 && v >= 0.7 {
                ColorName::Pink
            } else {
                ColorName::Red
            }
        }
        h if h < 40.0 => {
            if v < 0.6 {
                ColorName::Brown
            } else {
                ColorName::Orange
            }
        }
        h if h < 70.0 => ColorName::Yellow,
        h if h < 170.0 => ColorName::Green,
        h if h < 260.0 => ColorName::Blue,
        h if h < 300.0 => ColorName::Purple,
        _ => ColorName::Pink,
    }
}

/// The central half of a box (half its width and height): the object fills it
/// more than the box's margins, where background dominates.
pub fn core(rect: Rect) -> Rect {
    let (width, height) = ((rect.width / 2).max(1), (rect.height / 2).max(1));
    Rect { x: rect.x + (rect.width - width) / 2, y: rect.y + (rect.height - height) / 2, width, height }
}

/// The dominant palette colour inside `rect` and the share of sampled pixels it covers.
pub fn dominant(image: &RgbImage, rect: Rect) -> ColorAttr {
    let area = u64::from(rect.width) * u64::from(rect.height);
    let step = ((area as f64 / MAX_SAMPLES as f64).sqrt().ceil() as u32).max(1);
    let mut counts = [0u64; ColorName::ALL.len()];
    let mut total = 0u64;
    for y in (rect.y..rect.y + rect.height).step_by(step as usize) {
        for x in (rect.x..rect.x + rect.width).step_by(step as usize) {
            let name = palette(image.get_pixel(x, y).0);
            let bin = ColorName::ALL.iter().position(|c| *c == name).expect("palette covers every name");
            counts[bin] += 1;
            total += 1;
        }
    }
    let (best, count) =
        counts.iter().enumerate().fold((0, 0), |(bi, bc), (i, &c)| if c > bc { (i, c) } else { (bi, bc) });
    ColorAttr { name: ColorName::ALL[best], fraction: count as f32 / total.max(1) as f32 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    #[test]
    fn synthetic_colours_land_in_the_expected_palette_bins() {
        let cases: [([u8; 3], ColorName); 16] = [
            ([220, 20, 30], ColorName::Red),
            ([140, 10, 10], ColorName::Red),
            ([255, 140, 0], ColorName::Orange),
            ([250, 220, 30], ColorName::Yellow),
            ([30, 160, 40], ColorName::Green),
            ([20, 60, 200], ColorName::Blue),
            ([40, 180, 220], ColorName::Blue),
            ([120, 40, 170], ColorName::Purple),
            ([255, 105, 180], ColorName::Pink),
            ([250, 170, 180], ColorName::Pink),
            ([245, 245, 245], ColorName::White),
            ([128, 128, 128], ColorName::Gray),
            ([160, 165, 170], ColorName::Gray),
            ([10, 10, 12], ColorName::Black),
            ([120, 70, 20], ColorName::Brown),
            ([150, 100, 50], ColorName::Brown),
        ];
        for (rgb, want) in cases {
            assert_eq!(palette(rgb), want, "{rgb:?} has HSV {:?}", hsv(rgb));
        }
    }

    #[test]
    fn hue_wraps_around_red() {
        assert!(hsv([255, 0, 10]).0 > 350.0);
        assert_eq!(hsv([0, 0, 255]).0, 240.0);
    }

    #[test]
    fn the_dominant_colour_is_the_fullest_bin_of_the_box_only() {
        let image = RgbImage::from_fn(10, 10, |x, _| if x < 7 { Rgb([20, 60, 200]) } else { Rgb([250, 220, 30]) });
        let all = dominant(&image, Rect::full(&image));
        assert_eq!((all.name, all.fraction), (ColorName::Blue, 0.7));
        let right = dominant(&image, Rect { x: 6, y: 0, width: 4, height: 10 });
        assert_eq!((right.name, right.fraction), (ColorName::Yellow, 0.75));
    }

    #[test]
    fn the_core_is_the_centred_half_and_never_empty() {
        assert_eq!(core(Rect { x: 10, y: 20, width: 100, height: 50 }), Rect { x: 35, y: 32, width: 50, height: 25 });
        assert_eq!(core(Rect { x: 3, y: 4, width: 1, height: 1 }), Rect { x: 3, y: 4, width: 1, height: 1 });
    }

    #[test]
    fn large_crops_are_sampled_on_a_grid_with_the_same_answer() {
        let image = RgbImage::from_pixel(1000, 700, Rgb([30, 160, 40]));
        let got = dominant(&image, Rect::full(&image));
        assert_eq!((got.name, got.fraction), (ColorName::Green, 1.0));
    }
}
