//! GCS sends 64-bit integers as JSON strings in real deliveries and as numbers
//! in some samples; accept both.

use serde::{Deserialize, Deserializer};

#[derive(Deserialize)]
#[serde(untagged)]
enum StrOrNum {
    Str(String),
    Num(i64),
}

/// Deserialises an optional `i64` given as a number or a decimal string.
pub(crate) fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match Option::<StrOrNum>::deserialize(d)? {
        None => Ok(None),
        Some(StrOrNum::Num(n)) => Ok(Some(n)),
        Some(StrOrNum::Str(s)) if s.is_empty() => Ok(None),
        Some(StrOrNum::Str(s)) => {
            s.parse().map(Some).map_err(|_| serde::de::Error::custom(format!("expected an integer, got {s:?}")))
        }
    }
}
