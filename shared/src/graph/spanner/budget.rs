//! How much of Spanner's per-commit budget (80 000 mutations) a write uses: rows, cells
//! and secondary-index entries of the mutations the write path builds.

use gcloud_googleapis::spanner::v1::mutation::Operation;
use gcloud_googleapis::spanner::v1::Mutation;

use super::mutations::{plan, DocState};
use crate::domain::FeatureSetName;
use crate::schema::FeatureDocument;

/// Rows, cells (columns × rows) and secondary-index entries a commit writes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MutationCount {
    /// Rows inserted or updated.
    pub rows: usize,
    /// Column values written.
    pub cells: usize,
    /// Entries written to secondary indexes (`ddl/schema.sql`; the vector index not counted).
    pub index_entries: usize,
}

impl MutationCount {
    /// Spanner's measure against its per-commit limit: cells plus index entries.
    pub fn spanner_mutations(&self) -> usize {
        self.cells + self.index_entries
    }
}

/// Secondary indexes per table in `ddl/schema.sql`.
fn indexes(table: &str) -> usize {
    match table {
        "Objects" | "Features" => 2,
        "Images" | "Locations" | "Relations" | "Runs" => 1,
        _ => 0,
    }
}

/// Counts what `ms` writes.
pub(super) fn count(ms: &[Mutation]) -> MutationCount {
    let mut n = MutationCount::default();
    for m in ms {
        if let Some(
            Operation::Insert(w) | Operation::InsertOrUpdate(w) | Operation::Update(w) | Operation::Replace(w),
        ) = &m.operation
        {
            n.rows += w.values.len();
            n.cells += w.values.len() * w.columns.len();
            n.index_entries += w.values.len() * indexes(&w.table);
        }
    }
    n
}

/// What the first write of `doc` into an empty database commits.
pub fn first_write(set: &FeatureSetName, doc: &FeatureDocument) -> MutationCount {
    count(&plan(set, doc, &DocState::default()).0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::spanner::mutations::plan;
    use crate::graph::spanner::versions::SetState;

    /// The real pipeline's document for fixtures/gcs/…/dog.jpg (4 objects, 8 relations, 1280-d).
    fn dog() -> FeatureDocument {
        let fixture: serde_json::Value =
            serde_json::from_str(include_str!("../../../../fixtures/events/features-extracted.dog.valid.json"))
                .unwrap();
        serde_json::from_value(fixture["body"].clone()).unwrap()
    }

    #[test]
    fn a_first_write_counts_every_row_cell_and_index_entry_and_a_repeat_writes_nothing() {
        let set = FeatureSetName::parse("default").unwrap();
        let doc = dog();
        let (objects, relations) = (doc.objects.len(), doc.relations.len());

        let first = first_write(&set, &doc);
        let all_there = DocState {
            primary: Some(doc.image.uri.clone()),
            uri_owner: Some(doc.image.id.to_string()),
            objects: doc.objects.iter().map(|o| o.id.to_string()).collect(),
            relations: doc.relations.iter().map(|r| format!("{}:{}:{}", r.kind.as_str(), r.from, r.to)).collect(),
            run_known: true,
            set: SetState { audit_seq: Some(1), active: Some(doc.model.version.to_string()), version_known: true },
        };
        let (repeat, summary) = plan(&set, &doc, &all_there);

        // Images, Locations, Runs, Objects + Features per object, Relations, and the bootstrap's
        // FeatureSets, FeatureSetVersions and VersionAudit (with its Coverage column) rows.
        assert_eq!(first.rows, 3 + 2 * objects + relations + 3);
        assert_eq!(first.cells, 11 + 6 + 9 + objects * (16 + 12) + relations * 7 + 3 + 3 + 7);
        // ImagesByMd5, LocationsByUri, RunsByVersion, two indexes each on Objects and Features, one on Relations.
        assert_eq!(first.index_entries, 1 + 1 + 1 + objects * 4 + relations);
        assert!(repeat.is_empty(), "a redelivered document writes nothing: {repeat:?}");
        assert_eq!((summary.image_created, summary.objects_created, summary.activated), (false, 0, false));
    }
}
