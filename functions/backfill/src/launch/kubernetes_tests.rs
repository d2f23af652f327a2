use super::*;
use crate::job::tests::{built, manifest, template};
use http::{Request, Response, StatusCode};
use kube::client::Body;
use serde_json::{json, Value};
use tower_test::mock;

/// One request the mock API server saw.
struct Seen {
    method: http::Method,
    path: String,
    query: String,
    body: Option<Value>,
}

/// A launcher against a mock API server that answers each request with the next of
/// `answers`; returns what `act` produced and the requests seen.
async fn against<T>(
    answers: Vec<(StatusCode, Value)>,
    act: impl AsyncFnOnce(&KubernetesBackfills) -> T,
) -> (T, Vec<Seen>) {
    let (service, mut handle) = mock::pair::<Request<Body>, Response<Body>>();
    let server = tokio::spawn(async move {
        let mut seen = Vec::new();
        for (status, body) in answers {
            let Some((req, send)) = handle.next_request().await else { break };
            let (method, path, query) =
                (req.method().clone(), req.uri().path().to_owned(), req.uri().query().unwrap_or("").to_owned());
            let bytes = req.into_body().collect_bytes().await.unwrap();
            seen.push(Seen { method, path, query, body: serde_json::from_slice(&bytes).ok() });
            send.send_response(
                Response::builder().status(status).body(Body::from(serde_json::to_vec(&body).unwrap())).unwrap(),
            );
        }
        seen
    });
    let backfills = KubernetesBackfills::new(kube::Client::new(service, "default"), template(), 5, 16);
    let out = act(&backfills).await;
    drop(backfills);
    (out, server.await.unwrap())
}

fn job_list(items: Vec<Value>) -> Value {
    json!({"apiVersion": "batch/v1", "kind": "JobList", "metadata": {}, "items": items})
}

/// The built Job with a status.
fn with_status(run: &str, status: Value) -> Value {
    let mut job = serde_json::to_value(built()).unwrap();
    job["metadata"]["name"] = json!(format!("backfill-{}", &run[3..]));
    job["metadata"]["labels"][RUN_LABEL] = json!(run);
    job["metadata"]["creationTimestamp"] = json!("2026-11-30T11:00:00Z");
    job["status"] = status;
    job
}

#[tokio::test]
async fn a_launch_looks_for_running_backfills_of_the_version_then_posts_the_indexed_job() {
    let created = serde_json::to_value(built()).unwrap();
    let m = manifest();

    let (outcome, seen) =
        against(vec![(StatusCode::OK, job_list(vec![])), (StatusCode::CREATED, created.clone())], async |b| {
            b.launch(&m, "gs://p-backfills/").await
        })
        .await;

    assert_eq!(outcome.unwrap(), Launched::Created);
    assert_eq!(
        (&seen[0].method, seen[0].path.as_str()),
        (&http::Method::GET, "/apis/batch/v1/namespaces/sightgraph-jobs/jobs")
    );
    assert!(seen[0].query.contains("labelSelector="), "{}", seen[0].query);
    assert!(seen[0].query.contains(&version_key(&m.model_version)), "selects the version: {}", seen[0].query);
    assert_eq!(
        (&seen[1].method, seen[1].path.as_str()),
        (&http::Method::POST, "/apis/batch/v1/namespaces/sightgraph-jobs/jobs")
    );
    assert_eq!(seen[1].body.as_ref(), Some(&created), "the body is exactly the built Indexed Job");
}

#[tokio::test]
async fn the_same_run_launched_again_finds_its_job_and_starts_nothing() {
    let m = manifest();
    let itself = with_status(m.run.as_str(), json!({"active": 2}));
    let conflict = json!({"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 409, "reason": "AlreadyExists", "message": "exists"});

    let (outcome, seen) = against(
        vec![
            (StatusCode::OK, job_list(vec![itself.clone()])),
            (StatusCode::CONFLICT, conflict),
            (StatusCode::OK, itself),
        ],
        async |b| b.launch(&m, "gs://p-backfills/").await,
    )
    .await;

    assert_eq!(outcome.unwrap(), Launched::AlreadyExists);
    assert_eq!(seen.len(), 3, "list, create (409), then read the Job that exists");
    assert_eq!(seen[2].method, http::Method::GET);
}

#[tokio::test]
async fn another_run_of_the_version_still_running_is_refused_without_creating_anything() {
    let m = manifest();
    let other = with_status("bf-aaaaaaaaaaaa", json!({"active": 3, "succeeded": 1}));

    let (outcome, seen) =
        against(vec![(StatusCode::OK, job_list(vec![other]))], async |b| b.launch(&m, "gs://p-backfills/").await).await;

    let err = outcome.unwrap_err();
    assert!(matches!(err, Error::Conflict(_)), "{err:?}");
    assert!(err.to_string().contains("backfill-aaaaaaaaaaaa") && err.to_string().contains("1/3"), "{err}");
    assert_eq!(seen.len(), 1, "nothing was posted");
}

#[tokio::test]
async fn job_conditions_become_the_runs_state() {
    let m = manifest();
    let complete = with_status(
        "bf-111111111111",
        json!({"succeeded": 3, "startTime": "2026-11-30T11:00:00Z", "completionTime": "2026-11-30T11:10:00Z",
               "conditions": [{"type": "Complete", "status": "True"}]}),
    );
    let failed = with_status(
        "bf-222222222222",
        json!({"failed": 1, "conditions": [{"type": "Failed", "status": "True", "reason": "PodFailurePolicy", "message": "exit code 78"}]}),
    );

    let (runs, _) = against(vec![(StatusCode::OK, job_list(vec![complete, failed]))], async |b| {
        b.runs(&m.feature_set, &m.model_version).await
    })
    .await;

    let runs = runs.unwrap();
    assert_eq!(runs[0].1.state, RunState::Complete);
    assert_eq!((runs[0].1.succeeded, runs[0].1.completions), (3, 3));
    assert_eq!(runs[0].1.finished_at.unwrap().to_rfc3339(), "2026-11-30T11:10:00+00:00");
    assert_eq!(runs[1].1.state, RunState::Failed("PodFailurePolicy: exit code 78".into()));
}

#[tokio::test]
async fn a_forbidden_list_says_which_role_is_missing() {
    let m = manifest();
    let forbidden = json!({"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 403, "reason": "Forbidden", "message": "cannot list jobs"});

    let (outcome, _) = against(vec![(StatusCode::FORBIDDEN, forbidden)], async |b| b.launch(&m, "r").await).await;

    let err = outcome.unwrap_err().to_string();
    assert!(err.contains("RBAC is missing") && err.contains("sightgraph-backfill-launcher"), "{err}");
}
