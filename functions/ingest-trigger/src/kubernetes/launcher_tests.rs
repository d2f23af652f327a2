use super::*;
use crate::kubernetes::job::tests::{request, template};
use http::{Request, Response, StatusCode};
use kube::client::Body;
use serde_json::{json, Value};
use tower_test::mock;

/// A launcher talking to a mock API server that answers one request with
/// `status` and `body`; returns the launch result and the request it saw.
async fn launch_against(status: StatusCode, body: Value) -> (Result<LaunchOutcome>, http::Method, String, Value) {
    let (service, mut handle) = mock::pair::<Request<Body>, Response<Body>>();
    let server = tokio::spawn(async move {
        let (req, send) = handle.next_request().await.expect("the launcher calls the API");
        let (method, path) = (req.method().clone(), req.uri().path().to_owned());
        let sent: Value = serde_json::from_slice(&req.into_body().collect_bytes().await.unwrap()).unwrap();
        let answer = Response::builder().status(status).body(Body::from(serde_json::to_vec(&body).unwrap())).unwrap();
        send.send_response(answer);
        (method, path, sent)
    });
    let launcher = KubernetesLauncher::new(kube::Client::new(service, "default"), template());
    let outcome = launcher.launch(&request()).await;
    let (method, path, sent) = server.await.unwrap();
    (outcome, method, path, sent)
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
async fn an_existing_job_of_the_same_name_counts_as_success() {
    let conflict = status(409, "AlreadyExists", "jobs.batch \"cv-dog\" already exists");

    let (outcome, ..) = launch_against(StatusCode::CONFLICT, conflict).await;

    assert_eq!(outcome.unwrap(), LaunchOutcome::AlreadyExists);
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
