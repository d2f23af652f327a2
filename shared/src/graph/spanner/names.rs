//! Typed settings values: the database's resource name, where it is served from, and how
//! nearest neighbours are found.

use serde::Deserialize;

use crate::domain::string_newtype;
use crate::{Error, Result};

fn valid_id(id: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&id.len())
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && !id.ends_with(['-', '_'])
        && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// Checks `projects/P/instances/I/databases/D`.
fn check_database(s: &str) -> Result<()> {
    let parts: Vec<&str> = s.split('/').collect();
    let ok = matches!(parts.as_slice(), ["projects", p, "instances", i, "databases", d]
        if !p.is_empty() && p.len() <= 63 && p.chars().all(|c| c.is_ascii_alphanumeric() || "-.:".contains(c))
            && valid_id(i, 2, 64) && valid_id(d, 2, 30));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "SPANNER_DATABASE must look like projects/PROJECT/instances/INSTANCE/databases/DATABASE \
             (lowercase ids; database 2-30 characters), got {s:?}"
        )))
    }
}

string_newtype!(
    /// `projects/P/instances/I/databases/D`, each id checked against Spanner's rules.
    DatabaseName,
    check_database
);

impl DatabaseName {
    /// `projects/P/instances/I`.
    pub fn instance(&self) -> &str {
        self.0.rsplitn(3, '/').nth(2).unwrap_or_default()
    }
}

/// Where Spanner is served from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// The Cloud Spanner emulator at `host:port` (`SPANNER_EMULATOR_HOST`): no credentials,
    /// no production DDL.
    Emulator(String),
    /// Cloud Spanner, with Application Default Credentials (Workload Identity on GKE).
    Cloud,
}

/// How `nearest_objects` ranks (`SPANNER_VECTOR_SEARCH`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub enum VectorSearch {
    /// `COSINE_DISTANCE` over every vector of the version: exact, linear in their number.
    #[default]
    Exact,
    /// `APPROX_COSINE_DISTANCE` through the vector index (real Spanner only).
    Approx,
}

impl TryFrom<String> for VectorSearch {
    type Error = String;

    fn try_from(s: String) -> std::result::Result<Self, String> {
        match s.as_str() {
            "exact" => Ok(Self::Exact),
            "approx" => Ok(Self::Approx),
            other => Err(format!("SPANNER_VECTOR_SEARCH must be exact or approx, got {other:?}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_names_are_checked_part_by_part() {
        let name = DatabaseName::parse("projects/sightgraph-prod/instances/sightgraph/databases/features").unwrap();
        assert_eq!(name.instance(), "projects/sightgraph-prod/instances/sightgraph");
        for bad in [
            "",
            "features",
            "projects/p/instances/i/databases/d",
            "projects/p/instances/sightgraph/databases/Features",
            "projects/p/instances/sightgraph/databases/1features",
            "projects/p/instances/sightgraph/databases/features/extra",
            "projects//instances/sightgraph/databases/features",
            "projects/p/instances/sightgraph/databases/a-database-name-longer-than-thirty",
        ] {
            assert!(DatabaseName::parse(bad).is_err(), "{bad:?} must be refused");
        }
    }
}
