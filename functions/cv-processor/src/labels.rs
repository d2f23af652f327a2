//! COCO category ids and their labels (TensorFlow spellings), from `fixtures/reference/coco_labels.json`.

/// (category id, label); ids 1..=90 with gaps, 80 labels.
pub const COCO_LABELS: [(u32, &str); 80] = [
    (1, "person"),
    (2, "bicycle"),
    (3, "car"),
    (4, "motorcycle"),
    (5, "airplane"),
    (6, "bus"),
    (7, "train"),
    (8, "truck"),
    (9, "boat"),
    (10, "traffic light"),
    (11, "fire hydrant"),
    (13, "stop sign"),
    (14, "parking meter"),
    (15, "bench"),
    (16, "bird"),
    (17, "cat"),
    (18, "dog"),
    (19, "horse"),
    (20, "sheep"),
    (21, "cow"),
    (22, "elephant"),
    (23, "bear"),
    (24, "zebra"),
    (25, "giraffe"),
    (27, "backpack"),
    (28, "umbrella"),
    (31, "handbag"),
    (32, "tie"),
    (33, "suitcase"),
    (34, "frisbee"),
    (35, "skis"),
    (36, "snowboard"),
    (37, "sports ball"),
    (38, "kite"),
    (39, "baseball bat"),
    (40, "baseball glove"),
    (41, "skateboard"),
    (42, "surfboard"),
    (43, "tennis racket"),
    (44, "bottle"),
    (46, "wine glass"),
    (47, "cup"),
    (48, "fork"),
    (49, "knife"),
    (50, "spoon"),
    (51, "bowl"),
    (52, "banana"),
    (53, "apple"),
    (54, "sandwich"),
    (55, "orange"),
    (56, "broccoli"),
    (57, "carrot"),
    (58, "hot dog"),
    (59, "pizza"),
    (60, "donut"),
    (61, "cake"),
    (62, "chair"),
    (63, "couch"),
    (64, "potted plant"),
    (65, "bed"),
    (67, "dining table"),
    (70, "toilet"),
    (72, "tv"),
    (73, "laptop"),
    (74, "mouse"),
    (75, "remote"),
    (76, "keyboard"),
    (77, "cell phone"),
    (78, "microwave"),
    (79, "oven"),
    (80, "toaster"),
    (81, "sink"),
    (82, "refrigerator"),
    (84, "book"),
    (85, "clock"),
    (86, "vase"),
    (87, "scissors"),
    (88, "teddy bear"),
    (89, "hair drier"),
    (90, "toothbrush"),
];

/// The label of a COCO category id, if the id is one of the 80 used.
pub fn coco_label(category_id: u32) -> Option<&'static str> {
    COCO_LABELS.iter().find(|(id, _)| *id == category_id).map(|(_, label)| *label)
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::domain::Label;

    #[test]
    fn the_table_matches_the_reference_labels_file() {
        let json: std::collections::BTreeMap<String, String> =
            serde_json::from_str(include_str!("../../../fixtures/reference/coco_labels.json")).unwrap();
        assert_eq!(json.len(), COCO_LABELS.len());
        for (id, label) in &json {
            assert_eq!(coco_label(id.parse().unwrap()), Some(label.as_str()), "id {id}");
        }
    }

    #[test]
    fn every_label_is_a_valid_domain_label_and_gaps_have_none() {
        for (_, label) in COCO_LABELS {
            Label::parse(label).unwrap();
        }
        assert_eq!(coco_label(12), None);
        assert_eq!(coco_label(1), Some("person"));
    }
}
