//! The schema as DDL files, applied idempotently: the statements whose object is missing
//! from `INFORMATION_SCHEMA` go to the database admin API in one batch. `ddl/schema.sql`
//! everywhere; `ddl/production.sql` (vector index, property graph) only on real Spanner.

use gcloud_spanner::client::Client;
use std::collections::HashSet;

use super::admin::Admin;
use super::client::{rows, stmt};
use super::convert::{Columns, Fields};
use crate::{Error, Result};

/// Tables and indexes every deployment needs (the emulator accepts all of it).
pub const SCHEMA_DDL: &str = include_str!("ddl/schema.sql");
/// Vector index and Spanner Graph: real Spanner only (the emulator refuses it).
pub const PRODUCTION_DDL: &str = include_str!("ddl/production.sql");
/// The vector index `APPROX_COSINE_DISTANCE` needs (in [`PRODUCTION_DDL`]).
pub(super) const VECTOR_INDEX: &str = "FeaturesByEmbedding";

/// The schema object a statement creates, as `INFORMATION_SCHEMA` names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum SchemaObject {
    Table(String),
    Index(String),
    View(String),
    Graph(String),
    Column(String, String),
}

/// One DDL statement and what it creates.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Ddl {
    pub(super) statement: String,
    pub(super) creates: SchemaObject,
}

/// Splits a DDL file into statements (`;`-terminated; `--` lines are comments) and names
/// what each creates. Anything but CREATE TABLE / [UNIQUE] [NULL_FILTERED] INDEX / VECTOR
/// INDEX / VIEW / PROPERTY GRAPH and ALTER TABLE … ADD COLUMN is refused: the file must
/// only grow, and only with statements whose effect can be checked.
pub(super) fn statements(text: &str) -> Result<Vec<Ddl>> {
    let body: String = text.lines().filter(|l| !l.trim_start().starts_with("--")).collect::<Vec<_>>().join("\n");
    body.split(';').map(str::trim).filter(|s| !s.is_empty()).map(classify).collect()
}

fn classify(statement: &str) -> Result<Ddl> {
    let words: Vec<&str> = statement.split(|c: char| c.is_whitespace() || c == '(').filter(|w| !w.is_empty()).collect();
    let upper: Vec<String> = words.iter().map(|w| w.to_ascii_uppercase()).collect();
    let at = |i: usize| upper.get(i).map(String::as_str).unwrap_or("");
    let name = |i: usize| words.get(i).map(|w| w.trim_matches('`').to_owned()).unwrap_or_default();
    let mut i = 1;
    let creates = match at(0) {
        "CREATE" => {
            if at(1) == "OR" && at(2) == "REPLACE" {
                i = 3;
            }
            while matches!(at(i), "UNIQUE" | "NULL_FILTERED" | "VECTOR" | "SEARCH") {
                i += 1;
            }
            match (at(i), at(i + 1)) {
                ("TABLE", _) => SchemaObject::Table(name(i + 1)),
                ("INDEX", _) => SchemaObject::Index(name(i + 1)),
                ("VIEW", _) => SchemaObject::View(name(i + 1)),
                ("PROPERTY", "GRAPH") => SchemaObject::Graph(name(i + 2)),
                _ => SchemaObject::Table(String::new()),
            }
        }
        "ALTER" if at(1) == "TABLE" && at(3) == "ADD" && at(4) == "COLUMN" => SchemaObject::Column(name(2), name(5)),
        _ => SchemaObject::Table(String::new()),
    };
    let named = match &creates {
        SchemaObject::Table(n) | SchemaObject::Index(n) | SchemaObject::View(n) | SchemaObject::Graph(n) => {
            !n.is_empty()
        }
        SchemaObject::Column(t, c) => !t.is_empty() && !c.is_empty(),
    };
    if !named {
        let head: String = statement.chars().take(60).collect();
        return Err(Error::invalid(format!(
            "unsupported DDL statement (only CREATE … / ALTER TABLE … ADD COLUMN): {head}"
        )));
    }
    Ok(Ddl { statement: statement.to_owned(), creates })
}

const EXISTING: &str = "
    SELECT 'TABLE' AS Kind, t.TABLE_NAME AS Name, '' AS Sub FROM INFORMATION_SCHEMA.TABLES AS t
      WHERE t.TABLE_SCHEMA = '' AND t.TABLE_TYPE = 'BASE TABLE'
    UNION ALL
    SELECT 'VIEW', v.TABLE_NAME, '' FROM INFORMATION_SCHEMA.VIEWS AS v WHERE v.TABLE_SCHEMA = ''
    UNION ALL
    SELECT 'INDEX', x.INDEX_NAME, '' FROM INFORMATION_SCHEMA.INDEXES AS x
      WHERE x.TABLE_SCHEMA = '' AND x.INDEX_TYPE != 'PRIMARY_KEY'
    UNION ALL
    SELECT 'COLUMN', c.TABLE_NAME, c.COLUMN_NAME FROM INFORMATION_SCHEMA.COLUMNS AS c WHERE c.TABLE_SCHEMA = ''";

// NB: the emulator has no PROPERTY_GRAPHS view; it is only asked on real Spanner.
const GRAPHS: &str =
    "SELECT 'GRAPH' AS Kind, g.PROPERTY_GRAPH_NAME AS Name, '' AS Sub FROM INFORMATION_SCHEMA.PROPERTY_GRAPHS AS g";

/// What the database has now.
pub(super) async fn existing(client: &Client, with_graphs: bool) -> Result<HashSet<SchemaObject>> {
    let mut found = HashSet::new();
    let mut queries = vec![EXISTING];
    if with_graphs {
        queries.push(GRAPHS);
    }
    for sql in queries {
        for row in rows(client, stmt(sql, |_| {})).await? {
            let c = Columns::of(&row);
            let (kind, name, sub) = (c.get::<String>("Kind")?, c.get::<String>("Name")?, c.get::<String>("Sub")?);
            found.insert(match kind.as_str() {
                "TABLE" => SchemaObject::Table(name),
                "VIEW" => SchemaObject::View(name),
                "INDEX" => SchemaObject::Index(name),
                "GRAPH" => SchemaObject::Graph(name),
                _ => SchemaObject::Column(name, sub),
            });
        }
    }
    Ok(found)
}

/// Applies what `ddl` creates and the database lacks, in one batch. Another process doing
/// the same at the same moment is fine: after a failure, what is still missing decides.
pub(super) async fn apply_missing(client: &Client, admin: &Admin, ddl: &[Ddl], production: bool) -> Result<usize> {
    let have = existing(client, production).await?;
    let missing: Vec<String> = ddl.iter().filter(|d| !have.contains(&d.creates)).map(|d| d.statement.clone()).collect();
    if missing.is_empty() {
        return Ok(0);
    }
    tracing::info!(statements = missing.len(), production, "applying missing Spanner DDL");
    if let Err(e) = admin.update_ddl(missing.clone(), production).await {
        let have = existing(client, production).await?;
        let still: Vec<&Ddl> = ddl.iter().filter(|d| !have.contains(&d.creates)).collect();
        if !still.is_empty() {
            return Err(match e {
                e @ Error::Backend { .. } => e.context(format!(
                    "applying DDL ({} statements still missing, first: {:?})",
                    still.len(),
                    still[0].creates
                )),
                other => other,
            });
        }
        tracing::info!("another process applied the same DDL first");
    }
    Ok(missing.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_ddl_files_split_into_statements_whose_objects_are_known() {
        let schema = statements(SCHEMA_DDL).unwrap();
        let production = statements(PRODUCTION_DDL).unwrap();
        let tables: Vec<_> = schema.iter().filter(|d| matches!(d.creates, SchemaObject::Table(_))).collect();
        assert_eq!(tables.len(), 10, "{tables:?}");
        assert!(schema.contains(&Ddl {
            statement: "CREATE INDEX ImagesByMd5 ON Images (Md5Hash)".into(),
            creates: SchemaObject::Index("ImagesByMd5".into())
        }));
        let objects: Vec<_> = production.iter().map(|d| d.creates.clone()).collect();
        assert_eq!(
            objects,
            vec![
                SchemaObject::Index(VECTOR_INDEX.into()),
                SchemaObject::View("NearRelations".into()),
                SchemaObject::View("OverlapsRelations".into()),
                SchemaObject::Graph("Sightgraph".into()),
            ]
        );
        assert!(schema.iter().chain(&production).all(|d| !d.statement.contains(';') && !d.statement.contains("--")));
    }

    #[test]
    fn added_columns_are_recognised_and_anything_else_is_refused() {
        let add = statements("ALTER TABLE Objects ADD COLUMN Track STRING(MAX);").unwrap();
        assert_eq!(add[0].creates, SchemaObject::Column("Objects".into(), "Track".into()));
        for bad in ["DROP TABLE Images;", "ALTER TABLE Objects DROP COLUMN Label;", "CREATE ROLE reader;"] {
            assert!(statements(bad).is_err(), "{bad} must be refused");
        }
    }
}
