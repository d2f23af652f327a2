//! Detection labels and the fixed colour palette.

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::{Error, Result};

fn check_label(s: &str) -> Result<()> {
    let ok = !s.is_empty()
        && s.len() <= 64
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b' ' || b == b'-');
    if !ok {
        return Err(Error::invalid(format!(
            "label must be 1..=64 lowercase letters, digits, spaces or dashes, got {s:?}"
        )));
    }
    Ok(())
}

string_newtype!(
    /// A class label such as `person` or `traffic light`: lowercase letters, digits, spaces.
    Label,
    check_label
);

/// The colour palette crops are summarised with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColorName {
    /// Hue near 0°.
    Red,
    /// Hue near 30°.
    Orange,
    /// Hue near 55°.
    Yellow,
    /// Hue near 120°.
    Green,
    /// Hue near 220°.
    Blue,
    /// Hue near 280°.
    Purple,
    /// Light, warm red hues.
    Pink,
    /// Bright and unsaturated.
    White,
    /// Mid brightness and unsaturated.
    Gray,
    /// Dark.
    Black,
    /// Dark orange hues.
    Brown,
}

impl ColorName {
    /// Every palette entry, in a fixed order.
    pub const ALL: [ColorName; 11] = [
        Self::Red,
        Self::Orange,
        Self::Yellow,
        Self::Green,
        Self::Blue,
        Self::Purple,
        Self::Pink,
        Self::White,
        Self::Gray,
        Self::Black,
        Self::Brown,
    ];

    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Red => "red",
            Self::Orange => "orange",
            Self::Yellow => "yellow",
            Self::Green => "green",
            Self::Blue => "blue",
            Self::Purple => "purple",
            Self::Pink => "pink",
            Self::White => "white",
            Self::Gray => "gray",
            Self::Black => "black",
            Self::Brown => "brown",
        }
    }

    /// Parses a lowercase palette name.
    pub fn parse(s: &str) -> Result<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s).ok_or_else(|| {
            let names: Vec<_> = Self::ALL.iter().map(|c| c.as_str()).collect();
            Error::invalid(format!("colour must be one of {}, got {s:?}", names.join(", ")))
        })
    }
}

impl fmt::Display for ColorName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_accept_coco_names_and_reject_injection_attempts() {
        assert!(Label::parse("traffic light").is_ok());
        for bad in ["", "Person", "a'b", "x) DETACH DELETE n //"] {
            assert!(Label::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn colours_round_trip_through_their_names() {
        for c in ColorName::ALL {
            assert_eq!(ColorName::parse(c.as_str()).unwrap(), c);
        }
        assert!(ColorName::parse("teal").unwrap_err().to_string().contains("one of red"));
    }
}
