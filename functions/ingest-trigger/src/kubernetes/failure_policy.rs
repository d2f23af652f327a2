//! How Kubernetes retries a processing Job's pod, from cv-processor's exit codes
//! (`shared::launcher::exit_codes`): bad input, usage and configuration fail the Job at
//! once (another pod on a GPU node would fail the same way), a transient failure counts
//! against `backoffLimit`, and a pod lost to a disruption (eviction, preemption, node
//! drain) is retried without counting.

use k8s_openapi::api::batch::v1::{
    PodFailurePolicy, PodFailurePolicyOnExitCodesRequirement, PodFailurePolicyOnPodConditionsPattern,
    PodFailurePolicyRule,
};
use shared::launcher::exit_codes;

/// The container the exit codes are read from.
pub const CONTAINER: &str = "cv-processor";
/// Exit codes that fail the Job at once.
pub const FAIL_JOB_EXIT_CODES: [i32; 3] = [exit_codes::USAGE, exit_codes::BAD_INPUT, exit_codes::CONFIG];

/// The Job's `podFailurePolicy`; rules are evaluated in order, the first match wins.
pub fn pod_failure_policy() -> PodFailurePolicy {
    let exit_codes = |values: Vec<i32>| PodFailurePolicyOnExitCodesRequirement {
        container_name: Some(CONTAINER.into()),
        operator: "In".into(),
        values,
    };
    PodFailurePolicy {
        rules: vec![
            // NB: first, so that a pod killed by a disruption never counts, whatever its exit code.
            PodFailurePolicyRule {
                action: "Ignore".into(),
                on_pod_conditions: Some(vec![PodFailurePolicyOnPodConditionsPattern {
                    type_: "DisruptionTarget".into(),
                    status: "True".into(),
                }]),
                ..Default::default()
            },
            PodFailurePolicyRule {
                action: "FailJob".into(),
                on_exit_codes: Some(exit_codes(FAIL_JOB_EXIT_CODES.to_vec())),
                ..Default::default()
            },
            PodFailurePolicyRule {
                action: "Count".into(),
                on_exit_codes: Some(exit_codes(vec![exit_codes::TRANSIENT])),
                ..Default::default()
            },
        ],
    }
}
