//! An in-memory broker: one `POST /broker` ingress, delivery to the
//! subscriber whose filter matches the event type, as structured-mode
//! CloudEvents. Delivery is synchronous, so the producer sees the
//! subscriber's answer and retries as it would against Knative.

use axum::body::Body;
use axum::extract::State;
use axum::http::{Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use cloudevents::AttributesReader;
use shared::cloudevent::CloudEvent;
use std::sync::Arc;
use tower::ServiceExt;

/// A trigger: events of `event_type` go to `subscriber`.
#[derive(Clone)]
pub struct Subscription {
    /// Exact CloudEvent type filter.
    pub event_type: &'static str,
    /// Name for logs.
    pub name: &'static str,
    /// The subscriber's router (receives `POST /`).
    pub subscriber: Router,
}

/// The broker's routing table.
#[derive(Clone)]
pub struct Broker {
    subscriptions: Arc<Vec<Subscription>>,
}

impl Broker {
    /// A broker with these triggers.
    pub fn new(subscriptions: Vec<Subscription>) -> Self {
        Self { subscriptions: Arc::new(subscriptions) }
    }

    /// `POST /broker` as a router.
    pub fn router(self) -> Router {
        Router::new().route("/broker", axum::routing::post(ingress)).with_state(self)
    }

    /// Delivers one event to its subscriber; `None` when no trigger matches.
    pub async fn deliver(&self, event: &cloudevents::Event) -> Option<Response> {
        let sub = self.subscriptions.iter().find(|s| s.event_type == event.ty())?;
        let body = serde_json::to_vec(event).expect("CloudEvents serialise");
        let req = Request::post("/")
            .header("content-type", "application/cloudevents+json")
            .body(Body::from(body))
            .expect("static request parts are valid");
        let resp = sub.subscriber.clone().oneshot(req).await.unwrap_or_else(|e| match e {});
        tracing::info!(event_type = event.ty(), id = event.id(), subscriber = sub.name, status = %resp.status(), "delivered");
        Some(resp)
    }
}

async fn ingress(State(broker): State<Broker>, CloudEvent(event): CloudEvent) -> Response {
    match broker.deliver(&event).await {
        Some(resp) => resp,
        None => {
            tracing::info!(event_type = event.ty(), "no trigger matches; event dropped");
            (
                StatusCode::ACCEPTED,
                axum::Json(serde_json::json!({"delivered": false, "reason": "no trigger for this type"})),
            )
                .into_response()
        }
    }
}
