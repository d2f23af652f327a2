//! The durable hand-off on the Pub/Sub emulator (`--pubsub`): cv-processor runs publish
//! their documents to a topic, whose push subscription posts them to the stack's own
//! feature-ingestor at `/functions/feature-ingestor/pubsub/push`, as in the cluster. The
//! topics and subscriptions are created here (idempotently) through the emulator's REST API.

use serde_json::json;
use shared::pubsub::TopicName;
use std::time::Duration;

/// Where the emulator is and which project to create things in.
#[derive(Debug, Clone)]
pub struct LocalPubSub {
    /// `host:port` of the emulator (`PUBSUB_EMULATOR_HOST`).
    pub emulator_host: String,
    /// Project id for topics and subscriptions (`PUBSUB_PROJECT_ID`).
    pub project: String,
}

/// The names the stack uses on the emulator.
#[derive(Debug, Clone)]
pub struct Wiring {
    /// Documents go here.
    pub topic: TopicName,
    /// Messages the ingestor can never take go here.
    pub dead_letter_topic: TopicName,
    /// The push subscription to the ingestor.
    pub push_subscription: String,
    /// A pull subscription holding the dead letters for inspection.
    pub dead_letter_subscription: String,
}

impl LocalPubSub {
    /// The names for a stack listening on `port` (one set per port, so stacks side by side
    /// do not steal each other's messages).
    pub fn wiring(&self, port: u16) -> anyhow::Result<Wiring> {
        let p = &self.project;
        Ok(Wiring {
            topic: TopicName::parse(&format!("projects/{p}/topics/sightgraph-local-{port}-features"))?,
            dead_letter_topic: TopicName::parse(&format!("projects/{p}/topics/sightgraph-local-{port}-dead-letter"))?,
            push_subscription: format!("projects/{p}/subscriptions/sightgraph-local-{port}-features-push"),
            dead_letter_subscription: format!("projects/{p}/subscriptions/sightgraph-local-{port}-dead-letters"),
        })
    }

    /// Creates the topics and subscriptions (existing ones are kept, the push endpoint updated).
    pub async fn create(&self, wiring: &Wiring, push_endpoint: &str) -> anyhow::Result<()> {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build()?;
        let base = format!("http://{}/v1", self.emulator_host);
        for topic in [&wiring.topic, &wiring.dead_letter_topic] {
            put(&client, &format!("{base}/{topic}"), json!({})).await?;
        }
        let push = json!({
            "topic": wiring.topic.as_str(),
            "ackDeadlineSeconds": 60,
            "pushConfig": {"pushEndpoint": push_endpoint},
            "deadLetterPolicy": {"deadLetterTopic": wiring.dead_letter_topic.as_str(), "maxDeliveryAttempts": 10},
            "retryPolicy": {"minimumBackoff": "1s", "maximumBackoff": "10s"},
        });
        if !put(&client, &format!("{base}/{}", wiring.push_subscription), push).await? {
            let url = format!("{base}/{}:modifyPushConfig", wiring.push_subscription);
            let body = json!({"pushConfig": {"pushEndpoint": push_endpoint}});
            let resp = client.post(&url).json(&body).send().await?;
            anyhow::ensure!(resp.status().is_success(), "{url}: {}", resp.text().await.unwrap_or_default());
        }
        let dead_letters = json!({"topic": wiring.dead_letter_topic.as_str()});
        put(&client, &format!("{base}/{}", wiring.dead_letter_subscription), dead_letters).await?;
        tracing::info!(topic = %wiring.topic, push_endpoint, "pubsub hand-off wired on the emulator");
        Ok(())
    }
}

/// PUT a resource; false when it existed already.
async fn put(client: &reqwest::Client, url: &str, body: serde_json::Value) -> anyhow::Result<bool> {
    let resp = client.put(url).json(&body).send().await.map_err(|e| anyhow::anyhow!("{url}: {e}"))?;
    match resp.status().as_u16() {
        200..=299 => Ok(true),
        409 => Ok(false),
        status => anyhow::bail!("{url} answered {status}: {}", resp.text().await.unwrap_or_default()),
    }
}
