use super::*;
use crate::pubsub::fake::FakePubSub;

async fn fake(script: &[u16]) -> (FakePubSub, Publisher) {
    let api = FakePubSub::start(script).await;
    let publisher = publisher(Some(api.host.clone()));
    (api, publisher)
}

fn publisher(emulator_host: Option<String>) -> Publisher {
    let config =
        PublisherConfig { emulator_host, attempts: 3, backoff: Duration::from_millis(5), ..Default::default() };
    Publisher::new(TopicName::parse("projects/p/topics/features").unwrap(), config).unwrap()
}

fn message() -> OutgoingMessage {
    OutgoingMessage { data: b"{\"a\":1}".to_vec(), attributes: BTreeMap::from([("ce-id".into(), "j:1".into())]) }
}

#[tokio::test]
async fn a_publish_returns_the_id_pubsub_assigned_once_the_message_is_stored() {
    let (api, publisher) = fake(&[]).await;

    let id = publisher.publish(&message()).await.unwrap();

    assert_eq!(id, "fake-1");
    let stored = api.stored();
    assert_eq!(stored[0].topic, "projects/p/topics/features");
    assert_eq!(stored[0].data, b"{\"a\":1}");
    assert_eq!(stored[0].attributes["ce-id"], "j:1");
    assert!(!stored[0].authorized, "no credentials go to the emulator");
}

#[tokio::test]
async fn transient_answers_are_retried_until_the_message_is_stored() {
    let (api, publisher) = fake(&[503, 429]).await;

    publisher.publish(&message()).await.unwrap();

    assert_eq!(api.requests(), 3, "two refusals, then the stored attempt");
    assert_eq!(api.stored().len(), 1);
}

#[tokio::test]
async fn a_refusal_that_cannot_change_is_not_retried() {
    let (api, publisher) = fake(&[404]).await;

    let err = publisher.publish(&message()).await.unwrap_err();

    assert!(matches!(err, Error::Backend { .. }), "{err:?}");
    assert!(crate::http::error_chain(&err).contains("404"), "{err:?}");
    assert_eq!(api.requests(), 1);
}

#[tokio::test]
async fn a_server_that_keeps_failing_is_unavailable_after_the_last_attempt() {
    let (api, publisher) = fake(&[500, 500, 500, 500]).await;

    let err = publisher.publish(&message()).await.unwrap_err();

    assert!(err.is_transient(), "{err:?}");
    assert!(err.to_string().contains("attempt 3 of 3"), "{err}");
    assert_eq!((api.requests(), api.stored().len()), (3, 0));
}

#[tokio::test]
async fn an_unreachable_endpoint_is_a_transient_failure() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let err = publisher(Some(format!("127.0.0.1:{port}"))).publish(&message()).await.unwrap_err();
    assert!(err.is_transient(), "{err:?}");
}

#[tokio::test]
async fn a_message_over_pubsubs_limit_is_refused_before_anything_is_sent() {
    let (api, publisher) = fake(&[]).await;
    let big = OutgoingMessage { data: vec![b'x'; MAX_MESSAGE_BYTES + 1], attributes: BTreeMap::new() };

    let err = publisher.publish(&big).await.unwrap_err();

    assert!(matches!(err, Error::Invalid(_)) && err.to_string().contains("limit"), "{err}");
    assert_eq!(api.requests(), 0);
}
