//! `PUSH_AUTH_*`: what a push token must say, validated at start. Verification
//! can be switched off only outside Kubernetes (development, the emulators).

use serde::Deserialize;

use crate::config::load;
use crate::{Error, Result};

/// Where Google publishes the keys that sign its ID tokens.
pub const GOOGLE_JWKS_URL: &str = "https://www.googleapis.com/oauth2/v3/certs";

/// `PUSH_AUTH_*` as read from the environment; [`PushAuthSettings::validate`] checks it.
#[derive(Debug, Clone, Deserialize)]
pub struct PushAuthSettings {
    /// Expected `aud`: the push subscription's OIDC audience (its endpoint URL unless set otherwise).
    pub audience: Option<String>,
    /// The push subscription's service account; the token's verified `email` must be it.
    pub service_account: Option<String>,
    /// Where the signing keys are published.
    #[serde(default = "default_jwks_url")]
    pub jwks_url: String,
    /// Accept pushes without a token (development only).
    #[serde(default)]
    pub disabled: bool,
}

fn default_jwks_url() -> String {
    GOOGLE_JWKS_URL.into()
}

/// Variables that tell whether this process runs in a Kubernetes pod.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Platform {
    /// Set by the kubelet in every container (even with `enableServiceLinks: false`).
    pub kubernetes_service_host: Option<String>,
}

impl PushAuthSettings {
    /// Loads `PUSH_AUTH_*` and validates it against where the process runs.
    pub fn from_env() -> Result<Self> {
        let settings: Self = load("PUSH_AUTH_")?;
        let platform: Platform = load("")?;
        settings.validate(&platform)?;
        Ok(settings)
    }

    /// Fails naming the variable: off only outside Kubernetes; on needs an audience, a
    /// service account and an HTTPS key URL (plain HTTP only for a loopback test server).
    pub fn validate(&self, platform: &Platform) -> Result<()> {
        if self.disabled {
            return match &platform.kubernetes_service_host {
                Some(_) => Err(Error::invalid(
                    "PUSH_AUTH_DISABLED=true is refused in Kubernetes (KUBERNETES_SERVICE_HOST is set): \
                     push verification may be switched off only in development",
                )),
                None => Ok(()),
            };
        }
        let required = |value: &Option<String>, variable: &str| match value.as_deref().map(str::trim) {
            Some(v) if !v.is_empty() => Ok(()),
            _ => Err(Error::invalid(format!(
                "{variable} is required to verify Pub/Sub pushes (PUSH_AUTH_DISABLED=true only in development)"
            ))),
        };
        required(&self.audience, "PUSH_AUTH_AUDIENCE")?;
        required(&self.service_account, "PUSH_AUTH_SERVICE_ACCOUNT")?;
        if !self.service_account.as_deref().unwrap_or_default().contains('@') {
            return Err(Error::invalid("PUSH_AUTH_SERVICE_ACCOUNT must be a service account email"));
        }
        let url = url::Url::parse(&self.jwks_url)
            .map_err(|e| Error::invalid(format!("PUSH_AUTH_JWKS_URL is not a URL: {e}")))?;
        let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
        if url.scheme() != "https" && !(url.scheme() == "http" && loopback) {
            return Err(Error::invalid("PUSH_AUTH_JWKS_URL must be https:// (plain http only on a loopback host)"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(vars: &[(&str, &str)]) -> PushAuthSettings {
        envy::prefixed("PUSH_AUTH_").from_iter(vars.iter().map(|(k, v)| (k.to_string(), v.to_string()))).unwrap()
    }

    const COMPLETE: [(&str, &str); 2] = [
        ("PUSH_AUTH_AUDIENCE", "https://ingest.example.com/pubsub/push"),
        ("PUSH_AUTH_SERVICE_ACCOUNT", "push@project.iam.gserviceaccount.com"),
    ];

    fn in_cluster() -> Platform {
        Platform { kubernetes_service_host: Some("10.0.0.1".into()) }
    }

    #[test]
    fn verification_is_on_by_default_with_google_keys() {
        let s = settings(&COMPLETE);
        assert!(!s.disabled);
        assert_eq!(s.jwks_url, "https://www.googleapis.com/oauth2/v3/certs");
        assert!(s.validate(&in_cluster()).is_ok());
    }

    #[test]
    fn switching_verification_off_is_refused_in_kubernetes_and_allowed_in_development() {
        let off = settings(&[("PUSH_AUTH_DISABLED", "true")]);
        let err = off.validate(&in_cluster()).unwrap_err().to_string();
        assert!(err.contains("PUSH_AUTH_DISABLED") && err.contains("KUBERNETES_SERVICE_HOST"), "{err}");
        assert!(off.validate(&Platform::default()).is_ok(), "development needs nothing else");
    }

    #[test]
    fn bad_values_fail_naming_the_variable() {
        let cases: [(&[(&str, &str)], &str); 5] = [
            (&[COMPLETE[1]], "PUSH_AUTH_AUDIENCE"),
            (&[COMPLETE[0], ("PUSH_AUTH_SERVICE_ACCOUNT", " ")], "PUSH_AUTH_SERVICE_ACCOUNT"),
            (&[COMPLETE[0], ("PUSH_AUTH_SERVICE_ACCOUNT", "push")], "PUSH_AUTH_SERVICE_ACCOUNT"),
            (&[COMPLETE[0], COMPLETE[1], ("PUSH_AUTH_JWKS_URL", "http://keys.example.com/")], "PUSH_AUTH_JWKS_URL"),
            (&[COMPLETE[0], COMPLETE[1], ("PUSH_AUTH_JWKS_URL", "certs")], "PUSH_AUTH_JWKS_URL"),
        ];
        for (vars, named) in cases {
            let err = settings(vars).validate(&Platform::default()).expect_err(named).to_string();
            assert!(err.contains(named), "{vars:?} must name {named}: {err}");
        }
        let local = [COMPLETE[0], COMPLETE[1], ("PUSH_AUTH_JWKS_URL", "http://127.0.0.1:9/certs")];
        assert!(settings(&local).validate(&Platform::default()).is_ok(), "a loopback test server may be plain http");
    }
}
