//! `string_newtype!`: the one shape of every validated string identifier.

/// Declares `pub struct $name(String)` with a private field whose only ways in are
/// `parse(&str)` and `TryFrom<String>`, both through `$check(&str) -> Result<()>`;
/// plus `as_str`, `Display`, and serde through the validated string form.
macro_rules! string_newtype {
    ($(#[$meta:meta])* $name:ident, $check:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Parses and validates the textual form.
            pub fn parse(s: &str) -> $crate::Result<Self> {
                ($check)(s)?;
                Ok(Self(s.to_owned()))
            }

            /// The textual form.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::Error;
            fn try_from(s: String) -> $crate::Result<Self> {
                ($check)(s.as_str())?;
                Ok(Self(s))
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

pub(crate) use string_newtype;
