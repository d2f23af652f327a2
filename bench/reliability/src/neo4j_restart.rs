//! Scenario 3, Neo4j restarted during ingest: documents posted to the real
//! `feature-ingestor` by producers that retry (backoff 100 ms doubling to
//! 2 s, for up to three minutes, as a broker's delivery retry does); Neo4j is
//! stopped and started again once a share of them is acknowledged. Nothing
//! acknowledged may be lost and nothing may be written twice: the graph's
//! counts must grow by exactly what the documents hold.

use anyhow::{bail, ensure, Result};
use futures::StreamExt;
use shared::graph::neo4j::Neo4jGraphStore;
use shared::graph::{GraphCounts, GraphStore};
use shared::schema::{FeatureDocument, EXTRACTED_EVENT_TYPE};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::docs::{document, version};

/// How long a producer keeps retrying one document (a Neo4j restart takes seconds, or a minute on a busy machine).
const DELIVERY_DEADLINE: Duration = Duration::from_secs(180);
use crate::services::{var, Function, Service};

/// How big.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Documents to ingest.
    pub documents: usize,
    /// Objects per document.
    pub objects_per_image: usize,
    /// Acknowledged documents before Neo4j is restarted.
    pub restart_after: usize,
    /// Producers posting at once.
    pub concurrency: usize,
    /// Pause of each producer between documents.
    pub pace: Duration,
}

impl Plan {
    /// The suite's run: 200 documents.
    pub fn full() -> Self {
        Self {
            documents: 200,
            objects_per_image: 4,
            restart_after: 60,
            concurrency: 4,
            pace: Duration::from_millis(25),
        }
    }

    /// The form `just test` runs.
    pub fn short() -> Self {
        Self { documents: 30, objects_per_image: 3, restart_after: 10, concurrency: 4, pace: Duration::from_millis(25) }
    }
}

/// What the run measured.
#[derive(Debug, Clone)]
pub struct Figures {
    /// The plan it ran.
    pub plan: Plan,
    /// Expected growth of the graph.
    pub expected: GraphCounts,
    /// Observed growth of the graph.
    pub grew: GraphCounts,
    /// Objects of the documents not found in the graph afterwards.
    pub lost_objects: usize,
    /// POSTs in all (first tries and retries).
    pub posts: usize,
    /// Documents that needed more than one POST.
    pub retried: usize,
    /// From the stop to the restarted Neo4j answering.
    pub outage: Duration,
    /// From the first POST to the last acknowledgement.
    pub took: Duration,
}

/// Runs the scenario with an own Neo4j (`neo4j.sh … sgrel-neo4j`) and the test services' Redis.
pub async fn run(plan: &Plan, work: &Path) -> Result<Figures> {
    let neo4j = Service::start("neo4j.sh", "sgrel-neo4j")?;
    let (uri, password) = (neo4j.get("NEO4J_URI")?, neo4j.get("NEO4J_PASSWORD")?);
    let graph = Neo4jGraphStore::connect(&uri, "neo4j", &password, None, 4).await?;
    graph.ensure_schema().await?;
    let before = graph.counts().await?;
    let set = format!("reliability-{:016x}", shared::testing::random_u64());
    let ingestor = Function::spawn(
        "feature-ingestor",
        &[
            ("NEO4J_URI", uri.clone()),
            ("NEO4J_PASSWORD", password.clone()),
            ("REDIS_URL", var("REDIS_URL")?),
            ("FEATURE_SET", set),
        ],
        work,
    )
    .await?;
    let v = version();
    let docs: Vec<FeatureDocument> = (0..plan.documents).map(|_| document(&v, plan.objects_per_image)).collect();

    let acked = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let restart = {
        let (acked, at) = (acked.clone(), plan.restart_after);
        tokio::spawn(async move {
            while acked.load(Ordering::SeqCst) < at {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            tokio::task::block_in_place(|| {
                let t = Instant::now();
                neo4j.stop()?;
                neo4j.start_again()?;
                Ok::<_, anyhow::Error>((t.elapsed(), neo4j))
            })
        })
    };
    let client = reqwest::Client::new();
    let url = ingestor.url("/");
    let attempts: Vec<Result<usize>> = futures::stream::iter(docs.iter())
        .map(|doc| {
            let (client, url, acked) = (&client, &url, acked.clone());
            async move {
                let n = deliver(client, url, doc).await?;
                acked.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(plan.pace).await;
                Ok(n)
            }
        })
        .buffer_unordered(plan.concurrency)
        .collect()
        .await;
    let took = started.elapsed();
    let attempts: Vec<usize> = attempts.into_iter().collect::<Result<_>>()?;
    let (outage, _neo4j) = restart.await??;
    ensure!(acked.load(Ordering::SeqCst) == plan.documents, "not every document was acknowledged");

    let graph = Neo4jGraphStore::connect(&uri, "neo4j", &password, None, 4).await?;
    let after = graph.counts().await?;
    let ids: Vec<_> = docs.iter().flat_map(|d| d.objects.iter().map(|o| o.id.clone())).collect();
    let mut found = 0;
    for chunk in ids.chunks(500) {
        found += graph.objects(chunk).await?.len();
    }
    let objects: u64 = docs.iter().map(|d| d.objects.len() as u64).sum();
    Ok(Figures {
        plan: plan.clone(),
        expected: GraphCounts {
            images: docs.len() as u64,
            objects,
            features: objects,
            relations: docs.iter().map(|d| d.relations.len() as u64).sum(),
            // NB: counts() counts each image's first location too.
            locations: docs.len() as u64,
        },
        grew: GraphCounts {
            images: after.images - before.images,
            objects: after.objects - before.objects,
            features: after.features - before.features,
            relations: after.relations - before.relations,
            locations: after.locations - before.locations,
        },
        lost_objects: ids.len() - found,
        posts: attempts.iter().sum(),
        retried: attempts.iter().filter(|n| **n > 1).count(),
        outage,
        took,
    })
}

/// POSTs one document until it is acknowledged; returns the number of POSTs.
async fn deliver(client: &reqwest::Client, url: &str, doc: &FeatureDocument) -> Result<usize> {
    let event = serde_json::json!({
        "specversion": "1.0", "id": format!("reliability:{}", doc.image.id), "source": "/sightgraph/reliability",
        "type": EXTRACTED_EVENT_TYPE, "datacontenttype": "application/json", "data": doc,
    });
    let body = serde_json::to_vec(&event)?;
    let deadline = Instant::now() + DELIVERY_DEADLINE;
    let mut backoff = Duration::from_millis(100);
    for attempt in 1.. {
        let answer = client
            .post(url)
            .header("content-type", "application/cloudevents+json")
            .body(body.clone())
            .timeout(Duration::from_secs(40))
            .send()
            .await;
        match answer {
            Ok(r) if r.status().is_success() => return Ok(attempt),
            Ok(r) if r.status().is_client_error() => bail!("the ingestor refused a valid document: {}", r.status()),
            _ if Instant::now() > deadline => {
                bail!("document {} not acknowledged within {DELIVERY_DEADLINE:?}", doc.image.id)
            }
            _ => {
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(2));
            }
        }
    }
    unreachable!("the loop returns or fails")
}

impl Figures {
    /// The goals of the issue, checked.
    pub fn goals(&self) -> Vec<(String, bool)> {
        let dup = |got: u64, want: u64| got.saturating_sub(want);
        let duplicated = dup(self.grew.images, self.expected.images)
            + dup(self.grew.objects, self.expected.objects)
            + dup(self.grew.features, self.expected.features)
            + dup(self.grew.relations, self.expected.relations)
            + dup(self.grew.locations, self.expected.locations);
        vec![
            (format!("lost objects = {} (goal 0)", self.lost_objects), self.lost_objects == 0),
            (format!("duplicated nodes/relations = {duplicated} (goal 0)"), duplicated == 0),
            (
                format!("graph growth {:?} equals the documents' {:?}", counts(&self.grew), counts(&self.expected)),
                self.grew == self.expected,
            ),
        ]
    }

    /// A markdown section.
    pub fn markdown(&self) -> String {
        let p = &self.plan;
        let mut out = format!(
            "## 3. Neo4j restarted during ingest\n\n{} documents × {} objects posted to `feature-ingestor` by {} producers \
             that retry 5xx and connection errors (backoff 100 ms doubling to 2 s, up to 180 s); Neo4j stopped and started \
             again after {} acknowledgements (down {:.1} s). {} POSTs in all, {} documents needed a retry; all acknowledged \
             in {:.1} s.\n\n",
            p.documents,
            p.objects_per_image,
            p.concurrency,
            p.restart_after,
            self.outage.as_secs_f64(),
            self.posts,
            self.retried,
            self.took.as_secs_f64()
        );
        out.push_str(&crate::report::goals(&self.goals()));
        out
    }
}

fn counts(c: &GraphCounts) -> [u64; 5] {
    [c.images, c.objects, c.features, c.relations, c.locations]
}
