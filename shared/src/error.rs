//! The one error type of the shared crate; HTTP status mapping lives in [`crate::http`].

/// Any error as a backend cause: error values and plain sentences (`&str`, `String`) both convert.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Result with the shared [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong in domain parsing and in the backends.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The caller sent something that can never succeed (maps to 400).
    #[error("invalid input: {0}")]
    Invalid(String),
    /// The thing asked for does not exist (maps to 404).
    #[error("not found: {0}")]
    NotFound(String),
    /// The caller did not prove who it is (maps to 401 with a `Bearer` challenge).
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// The request is valid but the state forbids it now (maps to 409): a backfill of the
    /// version is already running, or the version covers too few images to activate.
    #[error("{0}")]
    Conflict(String),
    /// A backend cannot be reached right now; retrying later may work (maps to 503).
    #[error("{backend} unavailable{}", with_colon(.message))]
    Unavailable {
        /// Which backend: "neo4j", "sqlite", "redis", "kubernetes", …
        backend: &'static str,
        /// What failed, in words ("writing features", "connecting to bolt://…"); may be empty.
        message: String,
        /// The underlying cause, kept whole so the boundary logs its chain.
        #[source]
        source: Option<BoxError>,
    },
    /// A backend answered but refused or failed the operation (maps to 500).
    #[error("{backend} error{}", with_colon(.message))]
    Backend {
        /// Which backend failed.
        backend: &'static str,
        /// What failed, in words; may be empty.
        message: String,
        /// The underlying cause, kept whole so the boundary logs its chain.
        #[source]
        source: Option<BoxError>,
    },
}

impl Error {
    /// Shorthand for [`Error::Invalid`].
    pub fn invalid(msg: impl Into<String>) -> Self {
        Self::Invalid(msg.into())
    }

    /// An [`Error::Invalid`] naming the setting (environment variable) that is wrong.
    pub fn setting(variable: &str, reason: impl std::fmt::Display) -> Self {
        Self::Invalid(format!("setting {variable}: {reason}"))
    }

    /// Shorthand for [`Error::Conflict`].
    pub fn conflict(msg: impl Into<String>) -> Self {
        Self::Conflict(msg.into())
    }

    /// An [`Error::Unavailable`] caused by `cause` (an error, or a sentence when there is none),
    /// kept as its source; add what failed with [`Error::context`].
    pub fn unavailable(backend: &'static str, cause: impl Into<BoxError>) -> Self {
        Self::Unavailable { backend, message: String::new(), source: Some(cause.into()) }
    }

    /// An [`Error::Backend`] caused by `cause`, kept as its source; see [`Error::unavailable`].
    pub fn backend(backend: &'static str, cause: impl Into<BoxError>) -> Self {
        Self::Backend { backend, message: String::new(), source: Some(cause.into()) }
    }

    /// Says what failed: puts `what` in front of a backend error's message, once (a message that
    /// already leads with it, e.g. from a time limit on the same operation, is kept). Other kinds
    /// carry their whole story and pass unchanged.
    pub fn context(mut self, what: impl std::fmt::Display) -> Self {
        if let Self::Unavailable { message, .. } | Self::Backend { message, .. } = &mut self {
            let what = what.to_string();
            if message.is_empty() {
                *message = what;
            } else if !(message == &what || message.starts_with(&format!("{what}: "))) {
                *message = format!("{what}: {message}");
            }
        }
        self
    }

    /// Whether retrying the same request later could succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Unavailable { .. })
    }
}

/// `": message"`, or nothing for an empty message, so a bare backend error reads "redis unavailable".
fn with_colon(message: &str) -> String {
    if message.is_empty() {
        String::new()
    } else {
        format!(": {message}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn a_backend_error_built_from_an_error_exposes_it_as_its_source_and_in_the_logged_chain() {
        // Arrange
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "connection refused");

        // Act
        let error = Error::unavailable("redis", io);

        // Assert
        let source = error.source().expect("the cause is kept as the source");
        let io = source.downcast_ref::<std::io::Error>().expect("the very error value, not its text");
        assert_eq!(io.kind(), std::io::ErrorKind::ConnectionRefused);
        assert_eq!(crate::http::error_chain(&error), "redis unavailable: connection refused");
    }

    #[test]
    fn the_message_says_what_failed_and_leaves_the_cause_to_the_chain() {
        let io = std::io::Error::other("connection refused");
        let error = Error::unavailable("redis", io).context("reading 3 keys");
        assert_eq!(error.to_string(), "redis unavailable: reading 3 keys");
        assert_eq!(crate::http::error_chain(&error), "redis unavailable: reading 3 keys: connection refused");
    }

    #[test]
    fn context_is_added_once_and_only_to_backend_errors() {
        let twice = Error::backend("neo4j", "syntax error").context("writing features").context("writing features");
        assert_eq!(crate::http::error_chain(&twice), "neo4j error: writing features: syntax error");
        let outer = Error::backend("neo4j", "syntax error").context("writing features").context("writing");
        assert_eq!(outer.to_string(), "neo4j error: writing: writing features");
        assert_eq!(Error::invalid("bad id").context("ingesting").to_string(), "invalid input: bad id");
    }
}
