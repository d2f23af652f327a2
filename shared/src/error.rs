//! The one error type of the shared crate; HTTP status mapping lives in [`crate::http`].

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
    #[error("{backend} unavailable: {message}")]
    Unavailable {
        /// Which backend: "neo4j", "sqlite", "redis", "kubernetes", …
        backend: &'static str,
        /// The underlying cause, already rendered.
        message: String,
    },
    /// A backend answered but refused or failed the operation (maps to 500).
    #[error("{backend} error: {message}")]
    Backend {
        /// Which backend failed.
        backend: &'static str,
        /// The underlying cause, already rendered.
        message: String,
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

    /// Shorthand for [`Error::Unavailable`].
    pub fn unavailable(backend: &'static str, err: impl std::fmt::Display) -> Self {
        Self::Unavailable { backend, message: err.to_string() }
    }

    /// Shorthand for [`Error::Backend`].
    pub fn backend(backend: &'static str, err: impl std::fmt::Display) -> Self {
        Self::Backend { backend, message: err.to_string() }
    }

    /// Whether retrying the same request later could succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Unavailable { .. })
    }
}
