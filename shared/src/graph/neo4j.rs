//! Neo4j backend (in progress in this change set; see issue 4).

use super::SharedGraph;
use crate::{Error, Result};

/// Connects to Neo4j; not available in this revision yet.
pub async fn connect(_uri: &str, _user: &str, _password: &str, _db: Option<&str>, _pool: usize) -> Result<SharedGraph> {
    Err(Error::invalid("NEO4J_URI is set but the Neo4j backend is not built in this revision"))
}
