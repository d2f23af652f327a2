//! The crate's one error type and its mapping to process exit codes.

use shared::launcher::exit_codes;

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong while processing one image.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The image can never be processed: corrupt, too large, not an image, missing.
    #[error("unusable image {uri}: {reason}")]
    BadInput {
        /// Where the image was read from.
        uri: String,
        /// Why it was rejected.
        reason: String,
    },
    /// Models, ONNX Runtime or settings are missing or wrong: fix the deployment.
    #[error("configuration error: {0}")]
    Config(String),
    /// Object storage failed; retrying later may work.
    #[error("failed to read {uri}: {message}")]
    Storage {
        /// The object being read.
        uri: String,
        /// The underlying cause, rendered.
        message: String,
    },
    /// ONNX Runtime failed while running a model.
    #[error("inference failed in {stage}: {message}")]
    Runtime {
        /// `detector` or `embedder`.
        stage: &'static str,
        /// The underlying cause, rendered.
        message: String,
    },
    /// The document could not be delivered or written.
    #[error("failed to deliver the feature document to {target}: {message}")]
    Delivery {
        /// The sink URL or output file.
        target: String,
        /// The underlying cause, rendered.
        message: String,
    },
    /// The document failed its own validation (a bug, not the input's fault).
    #[error("produced an invalid feature document: {0}")]
    Document(String),
}

impl Error {
    /// Shorthand for [`Error::BadInput`].
    pub fn bad_input(uri: impl std::fmt::Display, reason: impl std::fmt::Display) -> Self {
        Self::BadInput { uri: uri.to_string(), reason: reason.to_string() }
    }

    /// Shorthand for [`Error::Config`].
    pub fn config(message: impl std::fmt::Display) -> Self {
        Self::Config(message.to_string())
    }

    /// Shorthand for [`Error::Runtime`].
    pub fn runtime(stage: &'static str, message: impl std::fmt::Display) -> Self {
        Self::Runtime { stage, message: message.to_string() }
    }

    /// The process exit code a launcher reads: never retry bad input, retry transient failures.
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::BadInput { .. } => exit_codes::BAD_INPUT,
            Self::Config(_) => exit_codes::CONFIG,
            Self::Storage { .. } | Self::Runtime { .. } | Self::Delivery { .. } | Self::Document(_) => {
                exit_codes::TRANSIENT
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_error_kind_maps_to_the_documented_exit_code() {
        let cases = [
            (Error::bad_input("x", "corrupt"), exit_codes::BAD_INPUT),
            (Error::config("no models"), exit_codes::CONFIG),
            (Error::Storage { uri: "gs://b/x".into(), message: "503".into() }, exit_codes::TRANSIENT),
            (Error::runtime("detector", "oom"), exit_codes::TRANSIENT),
            (Error::Delivery { target: "http://sink".into(), message: "refused".into() }, exit_codes::TRANSIENT),
        ];
        for (err, code) in cases {
            assert_eq!(err.exit_code(), code, "{err}");
        }
    }
}
