//! Cache key layout: `sg:v2:obj:<model version>:<object id>`. The `v2` is the
//! value format ([`super::entry`]); format-1 values (plain JSON, `sg:v1:…`) are
//! never read and expire with their TTL.

use std::fmt;

use crate::domain::{ModelVersion, ObjectId};

/// A cache key; only built from typed parts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CacheKey(String);

impl CacheKey {
    /// The key of an object's features under a model version.
    pub fn object(version: &ModelVersion, id: &ObjectId) -> Self {
        Self(format!("sg:v2:obj:{version}:{id}"))
    }

    /// The textual key.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CacheKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
