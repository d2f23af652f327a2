//! A CloudEvent extractor whose rejection is the shared JSON 400, so every
//! function answers malformed events the same way.

use axum::extract::{FromRequest, Request};
use axum::response::Response;
use cloudevents::Event;

use crate::http::ApiError;

/// A CloudEvent in binary or structured content mode.
#[derive(Debug)]
pub struct CloudEvent(pub Event);

impl<S: Send + Sync> FromRequest<S> for CloudEvent {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Event::from_request(req, state).await {
            Ok(e) => Ok(Self(e)),
            Err(rejection) => {
                Err(ApiError::invalid(format!("request is not a CloudEvent: {}", reason(rejection).await)))
            }
        }
    }
}

async fn reason(rejection: Response) -> String {
    let status = rejection.status();
    match axum::body::to_bytes(rejection.into_body(), 4096).await {
        Ok(b) if !b.is_empty() => String::from_utf8_lossy(&b).trim().to_owned(),
        _ => format!("rejected with {status}"),
    }
}
