//! Who may send: verification of the Google-signed OIDC token that Pub/Sub
//! attaches to every push (`Authorization: Bearer <JWT>`), as one layer any
//! router can put in front of its push routes.
//!
//! ```ignore
//! let push = push_auth.protect(Router::new().route("/pubsub/push", post(handler)));
//! let app = Router::new().route("/", post(other)).merge(push);
//! ```

mod error;
mod jwks;
mod layer;
mod oidc;
mod settings;
#[cfg(feature = "testing")]
pub mod testing;

pub use error::AuthError;
pub use jwks::JwksCache;
pub use layer::{PushAuth, PushSender};
pub use oidc::{OidcVerifier, GOOGLE_ISSUERS};
pub use settings::{PushAuthSettings, GOOGLE_JWKS_URL};
