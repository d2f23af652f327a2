use super::*;
use crate::kubernetes::job::tests::{request, template};
use http::{Request, Response, StatusCode};
use kube::client::Body;
use serde_json::{json, Value};
use tower_test::mock;

/// A launcher talking to a mock API server that answers the requests it gets, in order,
/// with `answers`; returns the launch result and (method, path, body) of each request.
async fn launch_through(
    answers: Vec<(StatusCode, Value)>,
) -> (Result<LaunchOutcome>, Vec<(http::Method, String, Value)>) {
    let (service, mut handle) = mock::pair::<Request<Body>, Response<Body>>();
    let server = tokio::spawn(async move {
        let mut seen = vec![];
        for (status, body) in answers {
            let Some((req, send)) = handle.next_request().await else { break };
            let (method, path) = (req.method().clone(), req.uri().path().to_owned());
            let bytes = req.into_body().collect_bytes().await.unwrap();
            let sent: Value = if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).unwrap() };
            let answer =
                Response::builder().status(status).body(Body::from(serde_json::to_vec(&body).unwrap())).unwrap();
            send.send_response(answer);
            seen.push((method, path, sent));
        }
        seen
    });
    let launcher = KubernetesLauncher::new(kube::Client::new(service, "default"), template());
    let outcome = launcher.launch(&request()).await;
    drop(launcher);
    (outcome, server.await.unwrap())
}

/// [`launch_through`] for one request.
async fn launch_against(status: StatusCode, body: Value) -> (Result<LaunchOutcome>, http::Method, String, Value) {
    let (outcome, mut seen) = launch_through(vec![(status, body)]).await;
    let (method, path, sent) = seen.remove(0);
    (outcome, method, path, sent)
}

/// The built Job as the API server returns it, with these status conditions.
fn job_with_conditions(conditions: Value) -> Value {
    let mut job = serde_json::to_value(build_job(&template(), &request())).unwrap();
    job["status"] = json!({"conditions": conditions});
    job
}

fn status(code: u16, reason: &str, message: &str) -> Value {
    json!({"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": code, "reason": reason, "message": message})
}

#[tokio::test]
async fn a_launch_posts_the_built_job_to_the_namespaced_jobs_endpoint() {
    let created = serde_json::to_value(build_job(&template(), &request())).unwrap();

    let (outcome, method, path, sent) = launch_against(StatusCode::CREATED, created.clone()).await;

    assert_eq!(outcome.unwrap(), LaunchOutcome::Created);
    assert_eq!(method, http::Method::POST);
    assert_eq!(path, "/apis/batch/v1/namespaces/sightgraph-jobs/jobs");
    assert_eq!(sent, created, "the body is exactly the built Job");
}

#[tokio::test]
async fn an_existing_job_that_has_not_failed_counts_as_already_launched() {
    let conflict = status(409, "AlreadyExists", "jobs.batch \"cv-dog\" already exists");
    let running = job_with_conditions(json!([]));

    let (outcome, seen) = launch_through(vec![(StatusCode::CONFLICT, conflict), (StatusCode::OK, running)]).await;

    assert_eq!(outcome.unwrap(), LaunchOutcome::AlreadyExists);
    let name = request().name.to_string();
    assert_eq!(
        (seen[1].0.clone(), seen[1].1.clone()),
        (http::Method::GET, format!("/apis/batch/v1/namespaces/sightgraph-jobs/jobs/{name}"))
    );
}

#[tokio::test]
async fn an_existing_job_that_failed_is_reported_with_its_reason_and_not_relaunched() {
    let conflict = status(409, "AlreadyExists", "jobs.batch \"cv-dog\" already exists");
    let failed = job_with_conditions(json!([
        {"type": "FailureTarget", "status": "True", "reason": "PodFailurePolicy"},
        {"type": "Failed", "status": "True", "reason": "PodFailurePolicy",
         "message": "Container cv-processor for pod sightgraph/cv-dog-x failed with exit code 65 matching FailJob rule at index 1"}
    ]));

    let (outcome, seen) = launch_through(vec![(StatusCode::CONFLICT, conflict), (StatusCode::OK, failed)]).await;

    let LaunchOutcome::FailedBefore { reason } = outcome.unwrap() else { panic!("expected failed_before") };
    assert!(reason.starts_with("PodFailurePolicy: ") && reason.contains("exit code 65"), "{reason}");
    assert_eq!(seen.len(), 2, "one create, one read, no second create");
}

#[tokio::test]
async fn the_failed_condition_reason_is_read_from_any_failure_kind() {
    let cases = [
        (
            json!([{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit"}]),
            Some("BackoffLimitExceeded: Job has reached the specified backoff limit"),
        ),
        (json!([{"type": "Failed", "status": "True", "reason": "DeadlineExceeded"}]), Some("DeadlineExceeded")),
        (json!([{"type": "Complete", "status": "True"}]), None),
        (json!([{"type": "Failed", "status": "False", "reason": "x"}]), None),
    ];
    for (conditions, expected) in cases {
        let job: Job = serde_json::from_value(job_with_conditions(conditions.clone())).unwrap();
        assert_eq!(failure_of(&job).as_deref(), expected, "{conditions}");
    }
}

#[tokio::test]
async fn a_job_gone_between_create_and_read_is_a_transient_failure() {
    let conflict = status(409, "AlreadyExists", "exists");
    let gone = status(404, "NotFound", "jobs.batch \"cv-dog\" not found");

    let (outcome, _) = launch_through(vec![(StatusCode::CONFLICT, conflict), (StatusCode::NOT_FOUND, gone)]).await;

    assert!(outcome.unwrap_err().is_transient());
}

#[tokio::test]
async fn a_forbidden_create_says_rbac_is_missing_and_is_not_retryable() {
    let forbidden = status(
        403,
        "Forbidden",
        "jobs.batch is forbidden: User \"system:serviceaccount:sightgraph:default\" cannot create resource \"jobs\"",
    );

    let (outcome, ..) = launch_against(StatusCode::FORBIDDEN, forbidden).await;

    let err = outcome.unwrap_err();
    assert!(err.to_string().contains("RBAC is missing"), "{err}");
    assert!(matches!(err, Error::Backend { .. }), "maps to 500, not a retry: {err:?}");
}

#[tokio::test]
async fn an_overloaded_api_server_is_a_transient_failure() {
    let (outcome, ..) =
        launch_against(StatusCode::SERVICE_UNAVAILABLE, status(503, "ServiceUnavailable", "try later")).await;

    assert!(outcome.unwrap_err().is_transient());
}
