//! What a document write commits: the rows missing from what the transaction read, as
//! insert mutations (no I/O here).

use gcloud_googleapis::spanner::v1::Mutation;
use gcloud_spanner::mutation::insert;
use gcloud_spanner::statement::ToKind;
use gcloud_spanner::value::CommitTimestamp;
use std::collections::HashSet;

use super::convert::{Timestamp, Vector, OBJECT_COLUMNS, VECTOR_DIMENSIONS};
use super::versions::{self, SetState};
use crate::domain::{FeatureSetName, ImageId};
use crate::graph::{Location, WriteSummary};
use crate::schema::FeatureDocument;

/// What exists of a document's rows before it is written.
#[derive(Debug, Default)]
pub(super) struct DocState {
    /// The image's first location, when the image exists.
    pub(super) primary: Option<String>,
    /// The image that already has the document's location, if any.
    pub(super) uri_owner: Option<String>,
    pub(super) objects: HashSet<String>,
    /// `KIND:FROM:TO` of the relations of the document's version.
    pub(super) relations: HashSet<String>,
    pub(super) run_known: bool,
    pub(super) set: SetState,
}

pub(super) fn location_row(image: &ImageId, loc: &Location, now: &CommitTimestamp) -> Mutation {
    let values: [&dyn ToKind; 6] =
        [&image.as_str(), &loc.uri.as_str(), &loc.bucket, &loc.name.as_str(), &loc.generation, now];
    insert("Locations", &["ImageId", "Uri", "Bucket", "Name", "Generation", "RecordedAt"], &values)
}

/// The inserts that make `doc` stored, given what exists, and what they amount to.
pub(super) fn plan(set: &FeatureSetName, doc: &FeatureDocument, state: &DocState) -> (Vec<Mutation>, WriteSummary) {
    let (img, version, l) = (&doc.image, doc.model.version.as_str(), &doc.lineage);
    let now = CommitTimestamp::new();
    let mut ms = Vec::new();
    let image_created = state.primary.is_none();
    if image_created {
        let size = i64::try_from(img.size_bytes).unwrap_or(i64::MAX);
        let (w, h) = (i64::from(img.width), i64::from(img.height));
        ms.push(insert(
            "Images",
            &[
                "ImageId",
                "Uri",
                "Bucket",
                "Name",
                "Generation",
                "Width",
                "Height",
                "ContentType",
                "SizeBytes",
                "Md5Hash",
                "CreatedAt",
            ],
            &[
                &img.id.as_str(),
                &img.uri.as_str(),
                &img.bucket,
                &img.name.as_str(),
                &img.generation,
                &w,
                &h,
                &img.content_type.as_str(),
                &size,
                &img.md5_hash.as_str(),
                &now,
            ],
        ));
    }
    // The first location is a Locations row too, so any URI finds its image through one index.
    if state.uri_owner.is_none() && state.primary.as_deref() != Some(img.uri.as_str()) {
        let loc = Location {
            uri: img.uri.clone(),
            bucket: img.bucket.clone(),
            name: img.name.clone(),
            generation: img.generation,
        };
        ms.push(location_row(&img.id, &loc, &now));
    }
    let detector = format!("{}@{}", doc.model.detector.name, doc.model.detector.package_version);
    let embedder = format!("{}@{}", doc.model.embedder.name, doc.model.embedder.package_version);
    let mut objects_created = 0;
    for o in doc.objects.iter().filter(|o| !state.objects.contains(o.id.as_str())) {
        objects_created += 1;
        let (b, n) = (o.box_px, o.box_norm);
        let f = |x: f32| f64::from(x);
        ms.push(insert(
            "Objects",
            &OBJECT_COLUMNS,
            &[
                &img.id.as_str(),
                &o.id.as_str(),
                &version,
                &o.label.as_str(),
                &i64::from(o.category_id),
                &f(o.score),
                &f(b.x_min),
                &f(b.y_min),
                &f(b.x_max),
                &f(b.y_max),
                &f(n.x_min),
                &f(n.y_min),
                &f(n.x_max),
                &f(n.y_max),
                &o.color.name.as_str(),
                &f(o.color.fraction),
            ],
        ));
        let vector = Vector(o.embedding.clone());
        let (main, other) =
            if o.embedding.len() == VECTOR_DIMENSIONS { (Some(vector), None) } else { (None, Some(vector)) };
        ms.push(insert(
            "Features",
            &[
                "ImageId",
                "ObjectId",
                "FeatureId",
                "ModelVersion",
                "Dim",
                "Embedding",
                "OtherEmbedding",
                "JobId",
                "Detector",
                "Embedder",
                "ImageGeneration",
                "CreatedAt",
            ],
            &[
                &img.id.as_str(),
                &o.id.as_str(),
                &o.feature_id.as_str(),
                &version,
                &(o.embedding.len() as i64),
                &main,
                &other,
                &l.job_id.as_str(),
                &detector.as_str(),
                &embedder.as_str(),
                &img.generation,
                &now,
            ],
        ));
    }
    for r in &doc.relations {
        if state.relations.contains(&format!("{}:{}:{}", r.kind.as_str(), r.from, r.to)) {
            continue;
        }
        ms.push(insert(
            "Relations",
            &["ImageId", "Kind", "FromId", "ToId", "ModelVersion", "Distance", "Iou"],
            &[
                &img.id.as_str(),
                &r.kind.as_str(),
                &r.from.as_str(),
                &r.to.as_str(),
                &version,
                &r.distance.map(f64::from),
                &r.iou.map(f64::from),
            ],
        ));
    }
    if !state.run_known {
        ms.push(insert(
            "Runs",
            &[
                "ImageId",
                "ModelVersion",
                "JobId",
                "Uri",
                "Host",
                "Processor",
                "ExecutionProvider",
                "StartedAt",
                "FinishedAt",
            ],
            &[
                &img.id.as_str(),
                &version,
                &l.job_id.as_str(),
                &img.uri.as_str(),
                &l.host.as_str(),
                &l.processor.as_str(),
                &l.execution_provider.as_str(),
                &Timestamp(l.started_at),
                &Timestamp(l.finished_at),
            ],
        ));
    }
    let activated = versions::register(&state.set, &mut ms, set, &doc.model.version);
    (ms, WriteSummary { image_created, objects_created, objects_total: doc.objects.len(), activated })
}
