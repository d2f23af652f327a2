//! Spatial relations between the objects of one image: NEAR when the normalised
//! boxes are closer than a threshold (touching and overlapping boxes have gap 0),
//! OVERLAPS when they intersect. Each pair appears once, `from` < `to` by id.

use shared::domain::ObjectId;
use shared::schema::{BBox, Relation, RelationKind};

/// All relations among `objects` (id and normalised box), sorted by `from`, `to`, then NEAR before OVERLAPS.
pub fn relate(objects: &[(ObjectId, BBox)], near_threshold: f32) -> Vec<Relation> {
    let mut out = Vec::new();
    for (i, (a_id, a)) in objects.iter().enumerate() {
        for (b_id, b) in &objects[i + 1..] {
            if a_id == b_id {
                continue;
            }
            let (from, to) = if a_id < b_id { (a_id, b_id) } else { (b_id, a_id) };
            let gap = a.gap(b);
            if gap < near_threshold {
                out.push(Relation {
                    kind: RelationKind::Near,
                    from: from.clone(),
                    to: to.clone(),
                    distance: Some(gap),
                    iou: None,
                });
            }
            let iou = a.iou(b);
            if iou > 0.0 {
                out.push(Relation {
                    kind: RelationKind::Overlaps,
                    from: from.clone(),
                    to: to.clone(),
                    distance: None,
                    iou: Some(iou),
                });
            }
        }
    }
    out.sort_by(|x, y| (&x.from, &x.to, x.kind.as_str()).cmp(&(&y.from, &y.to, y.kind.as_str())));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(c: char) -> ObjectId {
        ObjectId::parse(&c.to_string().repeat(32)).unwrap()
    }

    fn bbox(x_min: f32, y_min: f32, x_max: f32, y_max: f32) -> BBox {
        BBox { x_min, y_min, x_max, y_max }
    }

    #[test]
    fn overlapping_boxes_are_near_and_overlapping_and_ordered_by_id() {
        let objects = [(id('b'), bbox(0.0, 0.0, 0.5, 0.5)), (id('a'), bbox(0.25, 0.0, 0.75, 0.5))];
        let got = relate(&objects, 0.05);
        assert_eq!(got.len(), 2);
        assert_eq!(
            (got[0].kind, &got[0].from, &got[0].to, got[0].distance),
            (RelationKind::Near, &id('a'), &id('b'), Some(0.0))
        );
        assert_eq!((got[1].kind, got[1].iou), (RelationKind::Overlaps, Some(1.0 / 3.0)));
    }

    #[test]
    fn a_small_gap_is_near_only_and_a_large_gap_is_nothing() {
        let objects = [
            (id('a'), bbox(0.0, 0.0, 0.1, 0.1)),
            (id('b'), bbox(0.13, 0.0, 0.2, 0.1)),
            (id('c'), bbox(0.8, 0.8, 0.9, 0.9)),
        ];
        let got = relate(&objects, 0.05);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!((got[0].kind, &got[0].to), (RelationKind::Near, &id('b')));
        assert!((got[0].distance.unwrap() - 0.03).abs() < 1e-6);
    }

    #[test]
    fn the_order_does_not_depend_on_the_input_order() {
        let mut objects = vec![
            (id('c'), bbox(0.0, 0.0, 0.3, 0.3)),
            (id('a'), bbox(0.1, 0.1, 0.4, 0.4)),
            (id('b'), bbox(0.2, 0.2, 0.5, 0.5)),
        ];
        let first = relate(&objects, 0.05);
        objects.reverse();
        assert_eq!(relate(&objects, 0.05), first);
    }
}
