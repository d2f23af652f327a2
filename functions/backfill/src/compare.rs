//! Comparing two versions on the images both processed: objects per label, boxes
//! matched across versions by IoU (≥ 0.5, greedy, best overlap first), label changes,
//! score change, and embedding drift per label (1 − cosine of matched same-label pairs).

use chrono::{DateTime, Utc};
use serde::Serialize;
use shared::domain::{FeatureSetName, ImageId, ModelVersion};
use shared::graph::{GraphStore, ImageFeatures, ImageQuery, ImageSelector, ObjectFeatures};
use shared::Result;
use std::collections::BTreeMap;

/// Boxes overlapping at least this much are the same object in both versions.
pub const MATCH_IOU: f32 = 0.5;
/// Images compared when no limit is given, and the most allowed.
pub const DEFAULT_LIMIT: usize = 1000;
/// Most images one comparison reads.
pub const MAX_LIMIT: usize = 20_000;

/// One label in both versions.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LabelStats {
    /// The label.
    pub label: String,
    /// Objects of it in `from`.
    pub from: u64,
    /// Objects of it in `to`.
    pub to: u64,
    /// `from` objects matched by a `to` box of the same label.
    pub matched: u64,
    /// `from` objects matched by a box of another label.
    pub relabelled: u64,
    /// Mean `to − from` score of the same-label matches.
    pub mean_score_change: Option<f64>,
    /// Mean 1 − cosine between the two vectors of the same-label matches (None when the
    /// dimensions differ: another embedder).
    pub embedding_drift: Option<f64>,
}

/// A `from` label that became another in `to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LabelChange {
    /// Label in `from`.
    pub from: String,
    /// Label in `to`.
    pub to: String,
    /// Matched boxes.
    pub count: u64,
}

/// The comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Feature set.
    pub feature_set: String,
    /// Version compared from (usually the active one).
    pub from: ModelVersion,
    /// Version compared to.
    pub to: ModelVersion,
    /// When.
    pub generated_at: DateTime<Utc>,
    /// Images of the set.
    pub set_images: u64,
    /// Images `from` processed.
    pub from_images: u64,
    /// Images `to` processed.
    pub to_images: u64,
    /// Images both processed that were compared.
    pub images_compared: u64,
    /// More images were processed by both than the limit let in.
    pub truncated: bool,
    /// Objects in `from` / `to` on the compared images.
    pub objects_from: u64,
    /// Objects in `to`.
    pub objects_to: u64,
    /// Boxes matched across versions.
    pub matched: u64,
    /// Matched boxes whose label changed.
    pub label_changes_total: u64,
    /// `from` objects with no match (lost in `to`).
    pub only_from: u64,
    /// `to` objects with no match (new in `to`).
    pub only_to: u64,
    /// Mean `to − from` score over all matched boxes.
    pub mean_score_change: Option<f64>,
    /// Per label, most frequent first.
    pub labels: Vec<LabelStats>,
    /// Label changes, most frequent first.
    pub label_changes: Vec<LabelChange>,
}

#[derive(Default)]
struct Sums {
    n: u64,
    total: f64,
}

impl Sums {
    fn add(&mut self, v: f64) {
        self.n += 1;
        self.total += v;
    }
    fn mean(&self) -> Option<f64> {
        (self.n > 0).then(|| self.total / self.n as f64)
    }
}

/// Pairs of boxes of one image matched greedily by IoU, best first: `(from index, to index)`.
pub fn match_boxes(from: &[ObjectFeatures], to: &[ObjectFeatures]) -> Vec<(usize, usize)> {
    let mut pairs: Vec<(f32, usize, usize)> = Vec::new();
    for (i, a) in from.iter().enumerate() {
        for (j, b) in to.iter().enumerate() {
            let iou = a.box_norm.iou(&b.box_norm);
            if iou >= MATCH_IOU {
                pairs.push((iou, i, j));
            }
        }
    }
    pairs.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)).then(x.2.cmp(&y.2)));
    let (mut used_from, mut used_to) = (vec![false; from.len()], vec![false; to.len()]);
    let mut out = Vec::new();
    for (_, i, j) in pairs {
        if !used_from[i] && !used_to[j] {
            used_from[i] = true;
            used_to[j] = true;
            out.push((i, j));
        }
    }
    out
}

fn cosine_distance(a: &[f32], b: &[f32]) -> Option<f64> {
    if a.len() != b.len() || a.is_empty() {
        return None;
    }
    let dot: f64 = a.iter().zip(b).map(|(x, y)| f64::from(*x) * f64::from(*y)).sum();
    let norm = |v: &[f32]| v.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    let denominator = norm(a) * norm(b);
    (denominator > 0.0).then(|| 1.0 - dot / denominator)
}

/// The comparison of image pairs `(from, to)`; the coverage fields are left for the caller.
pub fn compare_images(
    set: &str,
    from: &ModelVersion,
    to: &ModelVersion,
    images: &[(ImageFeatures, ImageFeatures)],
) -> Report {
    let mut labels: BTreeMap<String, (LabelStats, Sums, Sums)> = BTreeMap::new();
    let mut changes: BTreeMap<(String, String), u64> = BTreeMap::new();
    let (mut score, mut report) = (
        Sums::default(),
        Report {
            feature_set: set.to_owned(),
            from: from.clone(),
            to: to.clone(),
            generated_at: Utc::now(),
            set_images: 0,
            from_images: 0,
            to_images: 0,
            images_compared: images.len() as u64,
            truncated: false,
            objects_from: 0,
            objects_to: 0,
            matched: 0,
            label_changes_total: 0,
            only_from: 0,
            only_to: 0,
            mean_score_change: None,
            labels: Vec::new(),
            label_changes: Vec::new(),
        },
    );
    for (a, b) in images {
        report.objects_from += a.objects.len() as u64;
        report.objects_to += b.objects.len() as u64;
        for o in &a.objects {
            stats(&mut labels, o.label.as_str()).0.from += 1;
        }
        for o in &b.objects {
            stats(&mut labels, o.label.as_str()).0.to += 1;
        }
        let pairs = match_boxes(&a.objects, &b.objects);
        report.matched += pairs.len() as u64;
        report.only_from += (a.objects.len() - pairs.len()) as u64;
        report.only_to += (b.objects.len() - pairs.len()) as u64;
        for (i, j) in pairs {
            let (x, y) = (&a.objects[i], &b.objects[j]);
            score.add(f64::from(y.score) - f64::from(x.score));
            let s = stats(&mut labels, x.label.as_str());
            if x.label == y.label {
                s.0.matched += 1;
                s.1.add(f64::from(y.score) - f64::from(x.score));
                if let Some(d) = cosine_distance(&x.embedding, &y.embedding) {
                    s.2.add(d);
                }
            } else {
                s.0.relabelled += 1;
                report.label_changes_total += 1;
                *changes.entry((x.label.to_string(), y.label.to_string())).or_default() += 1;
            }
        }
    }
    report.mean_score_change = score.mean();
    report.labels = labels
        .into_values()
        .map(|(mut s, scores, drift)| {
            s.mean_score_change = scores.mean();
            s.embedding_drift = drift.mean();
            s
        })
        .collect();
    report.labels.sort_by(|x, y| (y.from + y.to).cmp(&(x.from + x.to)).then(x.label.cmp(&y.label)));
    report.label_changes = changes.into_iter().map(|((from, to), count)| LabelChange { from, to, count }).collect();
    report.label_changes.sort_by(|x, y| y.count.cmp(&x.count).then(x.from.cmp(&y.from)).then(x.to.cmp(&y.to)));
    report
}

fn stats<'a>(
    labels: &'a mut BTreeMap<String, (LabelStats, Sums, Sums)>,
    label: &str,
) -> &'a mut (LabelStats, Sums, Sums) {
    labels.entry(label.to_owned()).or_insert_with(|| {
        (LabelStats { label: label.to_owned(), ..LabelStats::default() }, Sums::default(), Sums::default())
    })
}

/// Compares `from` and `to` on up to `limit` images of `set` that both processed.
pub async fn compare(
    graph: &dyn GraphStore,
    set: &FeatureSetName,
    from: &ModelVersion,
    to: &ModelVersion,
    limit: usize,
) -> Result<Report> {
    let limit = limit.clamp(1, MAX_LIMIT);
    let mut query = ImageQuery { with_versions: vec![from.clone(), to.clone()], ..ImageQuery::all(set, 500) };
    let mut pairs = Vec::new();
    let mut truncated = false;
    'pages: loop {
        let page = graph.list_images(&query).await?;
        let last: Option<ImageId> = page.last().map(|i| i.id.clone());
        for image in &page {
            if pairs.len() == limit {
                truncated = true;
                break 'pages;
            }
            let selector = ImageSelector::Id(image.id.clone());
            let (a, b) = (graph.image_features(&selector, from).await?, graph.image_features(&selector, to).await?);
            if let (Some(a), Some(b)) = (a, b) {
                pairs.push((a, b));
            }
        }
        if page.len() < query.page_size() {
            break;
        }
        query.after = last;
    }
    let coverage = graph.version_coverage(set).await?;
    let mut report = compare_images(set.as_str(), from, to, &pairs);
    report.truncated = truncated;
    report.set_images = coverage.images;
    report.from_images = coverage.images_of(from);
    report.to_images = coverage.images_of(to);
    Ok(report)
}

/// The report as a Markdown table for people (the JSON carries the same numbers).
pub fn render(report: &Report) -> String {
    let num = |v: Option<f64>, digits: usize| v.map_or_else(|| "-".to_owned(), |v| format!("{v:+.digits$}"));
    let mut out = format!(
        "# {} → {} ({})\n\nimages: {} in the set, {} with {}, {} with {}; compared {}{}\n\
         objects: {} → {}; matched {} (IoU ≥ {MATCH_IOU}), {} relabelled, {} lost, {} new; mean score change {}\n\n",
        report.from,
        report.to,
        report.feature_set,
        report.set_images,
        report.from_images,
        report.from,
        report.to_images,
        report.to,
        report.images_compared,
        if report.truncated { " (limit reached)" } else { "" },
        report.objects_from,
        report.objects_to,
        report.matched,
        report.label_changes_total,
        report.only_from,
        report.only_to,
        num(report.mean_score_change, 3),
    );
    out.push_str("| label | from | to | matched | relabelled | mean score change | embedding drift |\n");
    out.push_str("| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for l in &report.labels {
        let drift = l.embedding_drift.map_or_else(|| "-".to_owned(), |d| format!("{d:.4}"));
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {drift} |\n",
            l.label,
            l.from,
            l.to,
            l.matched,
            l.relabelled,
            num(l.mean_score_change, 3)
        ));
    }
    if !report.label_changes.is_empty() {
        out.push_str("\n| label change | boxes |\n| --- | ---: |\n");
        for c in &report.label_changes {
            out.push_str(&format!("| {} → {} | {} |\n", c.from, c.to, c.count));
        }
    }
    out
}

#[cfg(test)]
#[path = "compare_tests.rs"]
mod tests;
