//! Pattern search: "person NEAR blue car", distance bounds, paging.

use shared::domain::{ColorName, Label};
use shared::graph::{GraphStore, ObjectPattern, PatternCursor, PatternQuery, RelationPattern};
use shared::schema::{FeatureDocument, RelationKind};

use crate::helpers::*;
use crate::stores::*;

fn query(subject: ObjectPattern, kind: RelationKind, max_distance: Option<f32>, object: ObjectPattern) -> PatternQuery {
    PatternQuery {
        subject,
        relation: RelationPattern { kind, max_distance },
        object,
        version: None,
        limit: 20,
        cursor: None,
    }
}

fn pattern(label: Option<&str>, color: Option<ColorName>) -> ObjectPattern {
    ObjectPattern { label: label.map(|l| Label::parse(l).unwrap()), color }
}

/// Two streets: the first as [`Scene::street`], the second with a person 0.08 from a blue car.
async fn two_streets(store: &dyn GraphStore, scene: &Scene) -> (FeatureDocument, FeatureDocument) {
    let first = scene.street();
    let objects = vec![
        Obj::new("person", 1, ColorName::Black, [0.1, 0.1, 0.2, 0.5], 0.7),
        Obj::new("car", 3, ColorName::Blue, [0.3, 0.2, 0.6, 0.6], 0.6),
    ];
    let second =
        document(&scene.version, &random_bytes(), &random_uri(), &objects, &[Rel(0, 1, RelationKind::Near, 0.08)]);
    store.write_features(&scene.set, &first).await.unwrap();
    store.write_features(&scene.set, &second).await.unwrap();
    (first, second)
}

async fn check_pattern_search_finds_a_person_near_a_blue_car(store: &dyn GraphStore) {
    // Arrange
    let scene = Scene::new();
    let (first, second) = two_streets(store, &scene).await;
    let person_near_blue_car =
        query(pattern(Some("person"), None), RelationKind::Near, None, pattern(Some("car"), Some(ColorName::Blue)));
    let within = |d| PatternQuery {
        relation: RelationPattern { kind: RelationKind::Near, max_distance: Some(d) },
        ..person_near_blue_car.clone()
    };

    // Act
    let all = store.pattern_search(&person_near_blue_car, &scene.version).await.unwrap();
    let close = store.pattern_search(&within(0.05), &scene.version).await.unwrap();
    let none = store.pattern_search(&within(0.01), &scene.version).await.unwrap();
    let overlaps = query(pattern(None, Some(ColorName::Red)), RelationKind::Overlaps, None, pattern(Some("car"), None));
    let overlaps = store.pattern_search(&overlaps, &scene.version).await.unwrap();

    // Assert
    let mut expected: Vec<&FeatureDocument> = vec![&first, &second];
    expected.sort_by(|a, b| a.image.id.cmp(&b.image.id));
    assert!(!all.truncated);
    assert_eq!(all.matches.len(), 2, "one person next to a blue car per image: {:?}", all.matches);
    for (m, doc) in all.matches.iter().zip(&expected) {
        let objects = expected_objects(doc);
        let find =
            |label: &str, color| objects.iter().find(|o| o.label.as_str() == label && o.color.name == color).unwrap();
        let person = if doc.image.id == first.image.id {
            find("person", ColorName::Gray)
        } else {
            find("person", ColorName::Black)
        };
        assert_eq!(m.image, expected_image(doc, &[&doc.image.uri]), "the match carries its image");
        assert_eq!(m.subject, without_embedding(person.clone()), "subject");
        assert_eq!(m.object, without_embedding(find("car", ColorName::Blue).clone()), "object");
        let stored =
            doc.relations.iter().find(|r| r.kind == RelationKind::Near && [&r.from, &r.to].contains(&&person.id));
        assert_eq!(Some(&m.relation), stored, "the relation as stored (from sorts before to)");
    }
    assert_eq!(close.matches.len(), 1, "max_distance 0.05 keeps only the first street's pair");
    assert_eq!(close.matches[0].image.id, first.image.id);
    assert!(none.matches.is_empty() && !none.truncated, "nothing within 0.01");
    assert_eq!(overlaps.matches.len(), 1, "the red car overlaps the blue one");
    assert_eq!(
        (overlaps.matches[0].object.color.name, overlaps.matches[0].relation.iou),
        (ColorName::Blue, Some(0.25))
    );
}

async fn check_pattern_search_pages_by_key_returning_every_match_exactly_once(store: &dyn GraphStore) {
    // Arrange: 3 NEAR relations, each matched in both directions.
    let scene = Scene::new();
    two_streets(store, &scene).await;
    let any_near = query(ObjectPattern::default(), RelationKind::Near, None, ObjectPattern::default());
    let everything =
        store.pattern_search(&PatternQuery { limit: 100, ..any_near.clone() }, &scene.version).await.unwrap();

    for limit in [1, 2, 4, 5, 6] {
        // Act: follow the cursors to the end.
        let mut pages = Vec::new();
        let mut cursor = None;
        loop {
            let q = PatternQuery { limit, cursor: cursor.clone(), ..any_near.clone() };
            let page = store.pattern_search(&q, &scene.version).await.unwrap();
            cursor = page.next_cursor.clone();
            assert_eq!(page.truncated, cursor.is_some(), "limit {limit}: truncated exactly when a cursor follows");
            pages.push(page);
            if cursor.is_none() || pages.len() > 10 {
                break;
            }
        }

        // Assert
        let sizes: Vec<_> = pages.iter().map(|p| p.matches.len()).collect();
        let expected: Vec<usize> =
            (0..6usize.div_ceil(limit as usize)).map(|i| (6 - i * limit as usize).min(limit as usize)).collect();
        assert_eq!(sizes, expected, "limit {limit}: full pages, then the rest, then no cursor");
        let paged: Vec<_> = pages.into_iter().flat_map(|p| p.matches).collect();
        assert_eq!(paged, everything.matches, "limit {limit}: pages concatenate to every match, each once");
    }
    let keys: Vec<_> =
        everything.matches.iter().map(|m| (m.image.id.clone(), m.subject.id.clone(), m.object.id.clone())).collect();
    assert_eq!(keys.len(), 6, "both directions of each NEAR relation");
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "ordered by image id, subject id, object id: {keys:?}");
    assert!(everything.next_cursor.is_none() && !everything.truncated);
}

async fn check_a_page_after_the_last_match_is_empty(store: &dyn GraphStore) {
    let scene = Scene::new();
    two_streets(store, &scene).await;
    let any_near = query(ObjectPattern::default(), RelationKind::Near, None, ObjectPattern::default());
    let first = store.pattern_search(&PatternQuery { limit: 5, ..any_near.clone() }, &scene.version).await.unwrap();
    let last = store
        .pattern_search(
            &PatternQuery { limit: 5, cursor: first.next_cursor.clone(), ..any_near.clone() },
            &scene.version,
        )
        .await
        .unwrap();
    let key = |m: &shared::graph::PatternMatch| PatternCursor {
        image: m.image.id.clone(),
        subject: m.subject.id.clone(),
        object: m.object.id.clone(),
    };
    let beyond = PatternQuery { limit: 5, cursor: Some(key(&last.matches[0])), ..any_near.clone() };

    let after = store.pattern_search(&beyond, &scene.version).await.unwrap();

    assert_eq!(first.next_cursor, Some(key(&first.matches[4])), "the cursor names the page's last match");
    assert_eq!(last.matches.len(), 1);
    assert!(after.matches.is_empty() && after.next_cursor.is_none(), "{after:?}");
}

#[tokio::test]
async fn sqlite_pattern_search_finds_a_person_near_a_blue_car() {
    check_pattern_search_finds_a_person_near_a_blue_car(&sqlite().await).await
}
#[tokio::test]
async fn neo4j_pattern_search_finds_a_person_near_a_blue_car() {
    check_pattern_search_finds_a_person_near_a_blue_car(&neo4j!()).await
}
#[tokio::test]
async fn spanner_pattern_search_finds_a_person_near_a_blue_car() {
    check_pattern_search_finds_a_person_near_a_blue_car(&spanner!()).await
}

#[tokio::test]
async fn sqlite_pattern_search_pages_by_key_returning_every_match_exactly_once() {
    check_pattern_search_pages_by_key_returning_every_match_exactly_once(&sqlite().await).await
}
#[tokio::test]
async fn neo4j_pattern_search_pages_by_key_returning_every_match_exactly_once() {
    check_pattern_search_pages_by_key_returning_every_match_exactly_once(&neo4j!()).await
}

#[tokio::test]
async fn spanner_pattern_search_pages_by_key_returning_every_match_exactly_once() {
    check_pattern_search_pages_by_key_returning_every_match_exactly_once(&spanner!()).await
}

#[tokio::test]
async fn sqlite_a_page_after_the_last_match_is_empty() {
    check_a_page_after_the_last_match_is_empty(&sqlite().await).await
}
#[tokio::test]
async fn neo4j_a_page_after_the_last_match_is_empty() {
    check_a_page_after_the_last_match_is_empty(&neo4j!()).await
}

#[tokio::test]
async fn spanner_a_page_after_the_last_match_is_empty() {
    check_a_page_after_the_last_match_is_empty(&spanner!()).await
}
