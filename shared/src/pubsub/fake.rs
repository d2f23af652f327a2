//! A fake Pub/Sub publish API for tests (feature `testing`): answers each
//! `POST /v1/projects/P/topics/T:publish` with the next scripted status (200 with a
//! message id once the script is used up) and keeps what it was sent, decoded.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::routing::post;
use axum::{Json, Router};
use base64::Engine;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// One message the fake received.
#[derive(Debug, Clone, PartialEq)]
pub struct Received {
    /// `projects/P/topics/T`.
    pub topic: String,
    /// Decoded data.
    pub data: Vec<u8>,
    /// Attributes.
    pub attributes: BTreeMap<String, String>,
    /// Whether an `Authorization` header came with it.
    pub authorized: bool,
}

/// A running fake; `host` is what `PUBSUB_EMULATOR_HOST` takes.
#[derive(Clone)]
pub struct FakePubSub {
    /// `127.0.0.1:PORT`.
    pub host: String,
    state: FakeState,
}

#[derive(Clone, Default)]
struct FakeState {
    script: Arc<Mutex<Vec<u16>>>,
    requests: Arc<Mutex<usize>>,
    stored: Arc<Mutex<Vec<Received>>>,
}

impl FakePubSub {
    /// Starts a fake on a free loopback port answering `script` first.
    pub async fn start(script: &[u16]) -> Self {
        let state = FakeState { script: Arc::new(Mutex::new(script.to_vec())), ..Default::default() };
        let app = Router::new().route("/v1/{*rest}", post(publish)).with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a free port");
        let host = listener.local_addr().expect("local addr").to_string();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { host, state }
    }

    /// Messages stored (answered 200), in order.
    pub fn stored(&self) -> Vec<Received> {
        self.state.stored.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Publish requests received, refused ones included.
    pub fn requests(&self) -> usize {
        *self.state.requests.lock().unwrap_or_else(|p| p.into_inner())
    }
}

async fn publish(
    State(state): State<FakeState>,
    uri: Uri,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    *state.requests.lock().unwrap_or_else(|p| p.into_inner()) += 1;
    let status = {
        let mut script = state.script.lock().unwrap_or_else(|p| p.into_inner());
        if script.is_empty() {
            200
        } else {
            script.remove(0)
        }
    };
    if status != 200 {
        return (StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), Json(json!({"error": {}})));
    }
    let topic = uri.path().trim_start_matches("/v1/").trim_end_matches(":publish").to_owned();
    let mut stored = state.stored.lock().unwrap_or_else(|p| p.into_inner());
    let mut ids = vec![];
    for m in body["messages"].as_array().cloned().unwrap_or_default() {
        let data = base64::engine::general_purpose::STANDARD
            .decode(m["data"].as_str().unwrap_or_default())
            .unwrap_or_default();
        let attributes = serde_json::from_value(m["attributes"].clone()).unwrap_or_default();
        stored.push(Received {
            topic: topic.clone(),
            data,
            attributes,
            authorized: headers.contains_key("authorization"),
        });
        ids.push(format!("fake-{}", stored.len()));
    }
    (StatusCode::OK, Json(json!({"messageIds": ids})))
}
