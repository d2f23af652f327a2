//! From raw detector outputs to detections: clip boxes to [0,1], keep scores
//! above the threshold, greedy per-class NMS, sort by score (ties: category id).
//! Mirrors `postprocess` in `scripts/models/cvref.py`, including its float32 IoU.

use shared::schema::BBox;

use crate::models::RawDetections;

/// One detection that survived NMS.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Detection {
    /// COCO category id (column + 1).
    pub category_id: u32,
    /// Detector score.
    pub score: f32,
    /// Clipped, normalised box.
    pub box_norm: BBox,
}

type Corners = [f32; 4]; // ymin, xmin, ymax, xmax

fn area(b: &Corners) -> f32 {
    (b[2] - b[0]) * (b[3] - b[1])
}

// NB: same operation order as cvref._iou so ties at the threshold break the same way.
fn iou(a: &Corners, b: &Corners) -> f32 {
    let inter = (a[2].min(b[2]) - a[0].max(b[0])).max(0.0) * (a[3].min(b[3]) - a[1].max(b[1])).max(0.0);
    let union = area(a) + area(b) - inter;
    if union > 0.0 {
        inter / union
    } else {
        0.0
    }
}

/// Thresholds and suppresses; the result is sorted best first.
pub fn select(raw: &RawDetections, score_threshold: f32, iou_threshold: f32) -> Vec<Detection> {
    let boxes: Vec<Corners> = raw.boxes.chunks_exact(4).map(|b| [0, 1, 2, 3].map(|i| b[i].clamp(0.0, 1.0))).collect();
    let score = |anchor: usize, class: usize| raw.scores[anchor * raw.classes + class];
    let mut out = Vec::new();
    for class in 0..raw.classes {
        let mut candidates: Vec<usize> = (0..raw.anchors).filter(|&a| score(a, class) > score_threshold).collect();
        // NB: a stable sort, so equal scores keep anchor order like numpy's stable argsort.
        candidates.sort_by(|&a, &b| score(b, class).total_cmp(&score(a, class)));
        let mut kept: Vec<usize> = Vec::new();
        for anchor in candidates {
            if kept.iter().all(|&k| iou(&boxes[k], &boxes[anchor]) <= iou_threshold) {
                kept.push(anchor);
            }
        }
        out.extend(kept.into_iter().map(|a| {
            let b = boxes[a];
            Detection {
                category_id: class as u32 + 1,
                score: score(a, class),
                box_norm: BBox { x_min: b[1], y_min: b[0], x_max: b[3], y_max: b[2] },
            }
        }));
    }
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.category_id.cmp(&b.category_id)));
    out
}

/// The first `max` of `detections` (sorted best first by [`select`]): the highest scores.
// NB: the cap bounds the embedder's batch, the O(n²) relations and the document's size.
pub fn keep_best(mut detections: Vec<Detection>, max: usize) -> Vec<Detection> {
    if detections.len() > max {
        tracing::info!(found = detections.len(), kept = max, "detections capped");
        detections.truncate(max);
    }
    detections
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(classes: usize, rows: &[(Corners, &[f32])]) -> RawDetections {
        RawDetections {
            anchors: rows.len(),
            classes,
            scores: rows.iter().flat_map(|(_, s)| s.iter().copied()).collect(),
            boxes: rows.iter().flat_map(|(b, _)| *b).collect(),
        }
    }

    #[test]
    fn overlapping_boxes_of_one_class_are_suppressed_but_other_classes_keep_theirs() {
        let b = [0.1, 0.1, 0.5, 0.5];
        let shifted = [0.12, 0.1, 0.52, 0.5];
        let r = raw(2, &[(b, &[0.9, 0.6]), (shifted, &[0.8, 0.1]), ([0.6, 0.6, 0.9, 0.9], &[0.7, 0.0])]);
        let got: Vec<(u32, f32)> = select(&r, 0.4, 0.5).iter().map(|d| (d.category_id, d.score)).collect();
        assert_eq!(got, vec![(1, 0.9), (1, 0.7), (2, 0.6)]);
    }

    #[test]
    fn boxes_are_clipped_and_reordered_to_x_then_y_and_the_threshold_is_strict() {
        let r = raw(1, &[([-0.1, 0.2, 1.3, 0.4], &[0.5]), ([0.0, 0.0, 0.1, 0.1], &[0.4])]);
        let got = select(&r, 0.4, 0.5);
        assert_eq!(got.len(), 1, "a score equal to the threshold is dropped");
        assert_eq!(got[0].box_norm, BBox { x_min: 0.2, y_min: 0.0, x_max: 0.4, y_max: 1.0 });
    }

    #[test]
    fn equal_scores_sort_by_category_id() {
        let r = raw(3, &[([0.0, 0.0, 0.2, 0.2], &[0.0, 0.0, 0.5]), ([0.5, 0.5, 0.7, 0.7], &[0.5, 0.0, 0.0])]);
        let ids: Vec<u32> = select(&r, 0.4, 0.5).iter().map(|d| d.category_id).collect();
        assert_eq!(ids, vec![1, 3]);
    }

    #[test]
    fn the_cap_keeps_the_highest_scores() {
        let rows: Vec<(Corners, Vec<f32>)> = (0..10)
            .map(|i| ([i as f32 * 0.1, 0.0, i as f32 * 0.1 + 0.05, 0.05], vec![0.5 + i as f32 * 0.04]))
            .collect();
        let rows: Vec<(Corners, &[f32])> = rows.iter().map(|(b, s)| (*b, s.as_slice())).collect();
        let all = select(&raw(1, &rows), 0.4, 0.5);

        let kept = keep_best(all.clone(), 3);

        assert_eq!(all.len(), 10);
        assert_eq!(kept, all[..3], "the three best");
        let worst_kept = kept.iter().map(|d| d.score).fold(f32::INFINITY, f32::min);
        assert!(all[3..].iter().all(|d| d.score < worst_kept), "nothing dropped beats what was kept");
    }
}
