//! Kubernetes resource quantities (`500m`, `2`, `4Gi`), checked at start-up so
//! a typo fails the deploy instead of every Job create.

use std::fmt;

/// A quantity in Kubernetes' canonical syntax, with its value for comparisons.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantity {
    text: String,
    value: f64,
}

const SUFFIXES: [(&str, f64); 14] = [
    ("Ki", 1024.0),
    ("Mi", 1_048_576.0),
    ("Gi", 1_073_741_824.0),
    ("Ti", 1_099_511_627_776.0),
    ("Pi", 1_125_899_906_842_624.0),
    ("Ei", 1_152_921_504_606_846_976.0),
    ("n", 1e-9),
    ("u", 1e-6),
    ("m", 1e-3),
    ("k", 1e3),
    ("M", 1e6),
    ("G", 1e9),
    ("T", 1e12),
    ("P", 1e15),
];

impl Quantity {
    /// Parses `<decimal>[suffix]`; the reason names what is wrong.
    pub fn parse(s: &str) -> Result<Self, String> {
        let (number, multiplier) = SUFFIXES
            .iter()
            .find_map(|(suffix, m)| s.strip_suffix(suffix).map(|n| (n, *m)))
            .or_else(|| s.strip_suffix('E').map(|n| (n, 1e18)))
            .unwrap_or((s, 1.0));
        let digits_ok = !number.is_empty()
            && number.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            && number.bytes().filter(|b| *b == b'.').count() <= 1
            && number != ".";
        let value = number.parse::<f64>().ok().filter(|_| digits_ok).map(|v| v * multiplier);
        match value {
            Some(value) => Ok(Self { text: s.to_owned(), value }),
            None => Err(format!("{s:?} is not a Kubernetes quantity such as 500m, 2 or 4Gi")),
        }
    }

    /// The text as given.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The value in base units (cores, bytes).
    pub fn value(&self) -> f64 {
        self.value
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_quantities_parse_to_their_base_value() {
        let cases =
            [("2", 2.0), ("500m", 0.5), ("4Gi", 4.0 * 1_073_741_824.0), ("1.5G", 1.5e9), ("128Mi", 134_217_728.0)];
        for (text, value) in cases {
            let q = Quantity::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!((q.as_str(), q.value()), (text, value), "{text}");
        }
    }

    #[test]
    fn malformed_quantities_are_rejected_with_the_value() {
        for bad in ["", "4 Gi", "4GB", "-1", "Gi", "1.2.3", "two", "."] {
            let err = Quantity::parse(bad).expect_err(bad);
            assert!(err.contains("not a Kubernetes quantity"), "{bad:?}: {err}");
        }
    }
}
