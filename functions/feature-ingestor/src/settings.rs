//! Everything the binary reads from the environment, loaded once and validated.

use shared::auth::PushAuthSettings;
use shared::config::LocationSettings;
use shared::domain::LocationPolicy;
use shared::pubsub::PubSubSettings;

/// All settings of `feature-ingestor`.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Server, graph and cache groups.
    pub common: shared::config::Settings,
    /// PUBSUB_*: the emulator, the dead-letter topic, push-only.
    pub pubsub: PubSubSettings,
    /// PUSH_AUTH_*: what the push subscription's OIDC token must say.
    pub push_auth: PushAuthSettings,
    /// ALLOWED_BUCKETS / LOCAL_BUCKET_ROOT, validated.
    pub locations: LocationPolicy,
}

impl Settings {
    /// Loads and validates every group.
    pub fn from_env() -> shared::Result<Self> {
        Ok(Self {
            common: shared::config::Settings::from_env()?,
            pubsub: PubSubSettings::from_env()?,
            push_auth: PushAuthSettings::from_env()?,
            locations: LocationSettings::from_env()?.policy()?,
        })
    }
}
