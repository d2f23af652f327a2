//! Delivery as a CloudEvent: retries on transient answers, gives up on a refusal,
//! both content modes, and the binary's `K_SINK`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use cloudevents::{AttributesReader, Data, Event};
use cv_processor::sink::{Sink, SinkMode};
use cv_processor::Error;
use shared::schema::{FeatureDocument, EXTRACTED_EVENT_TYPE};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::helpers::{binary, photo, process};

/// A sink that answers `failure` to the first `failures` requests, then 200.
#[derive(Clone)]
struct FakeSink {
    events: Arc<Mutex<Vec<Event>>>,
    requests: Arc<AtomicUsize>,
    failures: usize,
    failure: StatusCode,
}

async fn receive(State(sink): State<FakeSink>, event: Event) -> StatusCode {
    if sink.requests.fetch_add(1, Ordering::SeqCst) < sink.failures {
        return sink.failure;
    }
    sink.events.lock().unwrap().push(event);
    StatusCode::ACCEPTED
}

async fn spawn_sink(failures: usize, failure: StatusCode) -> (String, FakeSink) {
    let sink = FakeSink { events: Arc::default(), requests: Arc::default(), failures, failure };
    let app = Router::new().route("/", post(receive)).with_state(sink.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, sink)
}

/// The document an event carries, with the timings of `like` (serde_json's default float
/// parsing may move an f64 timing by one ulp on the way; everything else must round-trip).
fn document_in(event: &Event, like: &FeatureDocument) -> FeatureDocument {
    let mut doc: FeatureDocument = match event.data().expect("the event carries the document") {
        Data::Json(v) => serde_json::from_value(v.clone()).unwrap(),
        Data::Binary(b) => serde_json::from_slice(b).unwrap(),
        Data::String(s) => serde_json::from_str(s).unwrap(),
    };
    assert!((doc.timings.total_ms - like.timings.total_ms).abs() < 1e-9);
    doc.timings = like.timings.clone();
    doc
}

#[tokio::test]
async fn transient_failures_are_retried_and_the_event_names_job_and_image() {
    let doc = process("coffee.png").await;
    let (url, sink) = spawn_sink(2, StatusCode::SERVICE_UNAVAILABLE).await;

    Sink::with_retry(&url, SinkMode::Binary, 4, Duration::from_millis(10)).deliver(&doc).await.unwrap();

    assert_eq!(sink.requests.load(Ordering::SeqCst), 3, "two 503s, then success");
    let events = sink.events.lock().unwrap();
    let event = &events[0];
    assert_eq!(event.id(), format!("test-job:{}", doc.image.id));
    assert_eq!((event.ty(), event.source().as_str()), (EXTRACTED_EVENT_TYPE, "/sightgraph/cv-processor"));
    assert_eq!(event.subject(), Some(doc.image.uri.as_str()));
    assert_eq!(document_in(event, &doc), doc);
}

#[tokio::test]
async fn structured_mode_delivers_the_same_event() {
    let doc = process("coffee.png").await;
    let (url, sink) = spawn_sink(0, StatusCode::OK).await;

    Sink::new(&url, SinkMode::Structured).deliver(&doc).await.unwrap();

    let events = sink.events.lock().unwrap();
    assert_eq!(events[0].id(), format!("test-job:{}", doc.image.id));
    assert_eq!(document_in(&events[0], &doc), doc);
}

#[tokio::test]
async fn a_refusing_sink_is_not_retried() {
    let doc = process("coffee.png").await;
    let (url, sink) = spawn_sink(usize::MAX, StatusCode::BAD_REQUEST).await;

    let err = Sink::with_retry(&url, SinkMode::Binary, 4, Duration::from_millis(10)).deliver(&doc).await.unwrap_err();

    assert!(matches!(err, Error::Delivery { .. }) && err.to_string().contains("400"), "{err}");
    assert_eq!(sink.requests.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_unreachable_sink_is_a_transient_failure() {
    let doc = process("coffee.png").await;
    let err = Sink::with_retry("http://127.0.0.1:9/", SinkMode::Binary, 2, Duration::from_millis(10))
        .deliver(&doc)
        .await
        .unwrap_err();
    assert_eq!(err.exit_code(), shared::launcher::exit_codes::TRANSIENT, "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_posts_to_k_sink_with_its_job_id() {
    crate::helpers::config();
    let (url, sink) = spawn_sink(0, StatusCode::OK).await;
    let mut command = tokio::process::Command::from(binary());
    command.env("K_SINK", &url).env("JOB_ID", "job-k").args([
        "--cpu-only",
        "--image-uri",
        photo("dog.jpg").to_str().unwrap(),
    ]);

    let out = command.output().await.unwrap();

    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let printed: FeatureDocument = serde_json::from_slice(&out.stdout).unwrap();
    let events = sink.events.lock().unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].id(), format!("job-k:{}", printed.image.id));
    assert_eq!(document_in(&events[0], &printed), printed);
}
