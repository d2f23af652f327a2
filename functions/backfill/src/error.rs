//! The crate's error: the shared one, plus the refusals a caller can act on.

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong in the workflow.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input, missing things, backends down (mapped like everywhere else).
    #[error(transparent)]
    Shared(#[from] shared::Error),
    /// The request is valid but the state forbids it now (HTTP 409): a backfill of the
    /// version is already running, or the version covers too few images to activate.
    #[error("{0}")]
    Refused(String),
}

impl Error {
    /// Shorthand for [`Error::Refused`].
    pub fn refused(message: impl Into<String>) -> Self {
        Self::Refused(message.into())
    }
}

impl From<ingest_trigger::Error> for Error {
    fn from(e: ingest_trigger::Error) -> Self {
        match e {
            ingest_trigger::Error::Shared(e) => Self::Shared(e),
            other => Self::Shared(shared::Error::invalid(other.to_string())),
        }
    }
}
