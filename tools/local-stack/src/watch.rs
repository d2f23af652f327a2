//! Watches a local bucket folder and emits a finalize event for each new or
//! changed file, once its size has stopped changing (a half-copied file is
//! never announced). Polling works on every filesystem, including bind
//! mounts where inotify events do not arrive.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::finalize::finalize_event;

type Seen = HashMap<PathBuf, (u64, SystemTime)>;

fn scan(root: &Path) -> Seen {
    let mut out = HashMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            match e.metadata() {
                Ok(m) if m.is_dir() => stack.push(p),
                Ok(m) if m.is_file() => {
                    out.insert(p, (m.len(), m.modified().unwrap_or(SystemTime::UNIX_EPOCH)));
                }
                _ => {}
            }
        }
    }
    out
}

/// Polls `root` every `interval`; files present at start are announced (once
/// stable) only when `announce_existing` is set.
pub async fn watch_bucket(root: PathBuf, broker_url: String, interval: Duration, announce_existing: bool) {
    let client = reqwest::Client::new();
    let mut announced = if announce_existing { HashMap::new() } else { scan(&root) };
    let mut pending: Seen = HashMap::new();
    loop {
        tokio::time::sleep(interval).await;
        let now = scan(&root);
        for (path, state) in &now {
            if announced.get(path) == Some(state) {
                continue;
            }
            if pending.get(path) != Some(state) {
                pending.insert(path.clone(), *state);
                continue;
            }
            pending.remove(path);
            announced.insert(path.clone(), *state);
            let Ok(rel) = path.strip_prefix(&root) else { continue };
            let mut parts = rel.iter();
            let (Some(bucket), name) = (parts.next(), parts.as_path()) else { continue };
            let (bucket, name) = (bucket.to_string_lossy().to_string(), name.to_string_lossy().to_string());
            if name.is_empty() {
                continue;
            }
            match finalize_event(&root, &bucket, &name) {
                Ok(event) => {
                    tracing::info!(%bucket, %name, "new object in local bucket");
                    let sent = client
                        .post(&broker_url)
                        .header("content-type", "application/cloudevents+json")
                        .body(serde_json::to_vec(&event).expect("CloudEvents serialise"))
                        .send()
                        .await;
                    if let Err(e) = sent {
                        tracing::warn!(error = %shared::http::error_chain(&e), "broker unreachable");
                    }
                }
                Err(e) => {
                    tracing::warn!(%bucket, %name, error = %shared::http::error_chain(&e), "cannot read new object")
                }
            }
        }
    }
}
