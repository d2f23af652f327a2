//! Everything the binary reads from the environment, loaded once and validated.

use serde::Deserialize;
use shared::config::load;

#[derive(Debug, Clone, Deserialize)]
struct WarmVars {
    #[serde(default = "default_limit")]
    limit: usize,
}

fn default_limit() -> usize {
    10_000
}

/// All settings of `cache-warmer`.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Server, graph and cache groups.
    pub common: shared::config::Settings,
    /// WARM_LIMIT: objects loaded per ping.
    pub limit: usize,
}

impl Settings {
    /// Loads and validates every group.
    pub fn from_env() -> shared::Result<Self> {
        let warm: WarmVars = load("WARM_")?;
        if warm.limit == 0 {
            return Err(shared::Error::invalid("WARM_LIMIT must be at least 1"));
        }
        Ok(Self { common: shared::config::Settings::from_env()?, limit: warm.limit })
    }
}
