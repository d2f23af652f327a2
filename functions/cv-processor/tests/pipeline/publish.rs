//! `--publish`: the document goes to a Pub/Sub topic as a binary-mode CloudEvent, and the
//! exit code says whether Pub/Sub stored it (0), refused it for good (78) or could not
//! be reached (75).

use base64::Engine;
use shared::launcher::exit_codes;
use shared::pubsub::fake::FakePubSub;
use shared::schema::{FeatureDocument, EXTRACTED_EVENT_TYPE};

use crate::helpers::{binary, photo};

const TOPIC: &str = "projects/sightgraph-test/topics/features";

async fn run_publishing(emulator_host: &str, topic: &str) -> std::process::Output {
    crate::helpers::config();
    let mut command = tokio::process::Command::from(binary());
    command.env("PUBSUB_EMULATOR_HOST", emulator_host).env("JOB_ID", "job-p").env_remove("K_SINK").args([
        "--cpu-only",
        "--publish",
        topic,
        "--image-uri",
        photo("dog.jpg").to_str().unwrap(),
    ]);
    command.output().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_exits_0_once_pubsub_stored_the_document_with_its_cloudevent_attributes() {
    let pubsub = FakePubSub::start(&[503]).await;

    let out = run_publishing(&pubsub.host, TOPIC).await;

    assert_eq!(out.status.code(), Some(exit_codes::OK), "{}", String::from_utf8_lossy(&out.stderr));
    let printed: FeatureDocument = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(pubsub.requests(), 2, "one transient refusal, then stored");
    let stored = pubsub.stored();
    let (message,) = (&stored[0],);
    assert_eq!(message.topic, TOPIC);
    let a = &message.attributes;
    assert_eq!(a["ce-id"], format!("job-p:{}", printed.image.id));
    assert_eq!(a["ce-type"], EXTRACTED_EVENT_TYPE);
    assert_eq!(a["ce-source"], "/sightgraph/cv-processor");
    assert_eq!(a["ce-subject"], printed.image.uri);
    assert_eq!(a["ce-specversion"], "1.0");
    assert_eq!(a["Content-Type"], "application/json");
    let published: FeatureDocument = serde_json::from_slice(&message.data).unwrap();
    assert_eq!((published.image.id, published.objects.len()), (printed.image.id, printed.objects.len()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_topic_pubsub_refuses_is_a_configuration_error_that_fails_the_job_at_once() {
    let pubsub = FakePubSub::start(&[404]).await;

    let out = run_publishing(&pubsub.host, TOPIC).await;

    assert_eq!(out.status.code(), Some(exit_codes::CONFIG), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(pubsub.requests(), 1, "a refusal is not retried");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_pubsub_is_a_transient_failure() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();

    let out = run_publishing(&format!("127.0.0.1:{port}"), TOPIC).await;

    assert_eq!(out.status.code(), Some(exit_codes::TRANSIENT), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn a_malformed_topic_is_a_configuration_error_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let out = binary()
        .env("SIGHTGRAPH_MODEL_DIR", dir.path())
        .args(["--publish", "features", "--image-uri", photo("dog.jpg").to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(exit_codes::CONFIG), "{stderr}");
    assert!(stderr.contains("--publish") && stderr.contains("projects/"), "{stderr}");
}

/// Against the real emulator when one runs (`scripts/services/all.sh up`, `just test`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_emulator_stores_what_the_binary_publishes() {
    let Some(host) = std::env::var("PUBSUB_EMULATOR_HOST").ok().filter(|h| !h.is_empty()) else {
        eprintln!("SKIPPED: PUBSUB_EMULATOR_HOST is unset (scripts/services/pubsub.sh start)");
        return;
    };
    let tag = format!("{:016x}", shared::testing::random_u64());
    let (topic, sub) = (format!("projects/sightgraph-test/topics/cv-{tag}"), format!("cv-{tag}"));
    let client = reqwest::Client::new();
    let api = |path: &str| format!("http://{host}/v1/{path}");
    client.put(api(&topic)).json(&serde_json::json!({})).send().await.unwrap().error_for_status().unwrap();
    let sub_path = format!("projects/sightgraph-test/subscriptions/{sub}");
    let body = serde_json::json!({"topic": topic});
    client.put(api(&sub_path)).json(&body).send().await.unwrap().error_for_status().unwrap();

    let out = run_publishing(&host, &topic).await;

    assert_eq!(out.status.code(), Some(exit_codes::OK), "{}", String::from_utf8_lossy(&out.stderr));
    let pull = serde_json::json!({"maxMessages": 10, "returnImmediately": true});
    let pulled = shared::testing::json_of(client.post(api(&format!("{sub_path}:pull"))).json(&pull)).await;
    let messages = pulled["receivedMessages"].as_array().cloned().unwrap_or_default();
    assert_eq!(messages.len(), 1, "{pulled}");
    let message = &messages[0]["message"];
    let data = base64::engine::general_purpose::STANDARD.decode(message["data"].as_str().unwrap()).unwrap();
    let doc: FeatureDocument = serde_json::from_slice(&data).unwrap();
    doc.validate_content().unwrap();
    assert_eq!(message["attributes"]["ce-id"], format!("job-p:{}", doc.image.id));
    let _ = client.delete(api(&sub_path)).send().await;
    let _ = client.delete(api(&topic)).send().await;
}
