//! `GET /images/{id}`: the stored bytes of an image, for display.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures::stream::{self, BoxStream, StreamExt};
use shared::domain::{ImageId, ObjectUri};
use shared::http::ApiError;
use shared::storage::sniff_content_type;
use shared::{Error, Result};
use std::sync::Arc;

use crate::AppState;

/// Largest image served.
const MAX_IMAGE_BYTES: u64 = 50 * 1024 * 1024;
/// Bytes needed to recognise every image type served.
const SNIFF_BYTES: usize = 16;

/// Streams the first readable location of the image. Locations come from the
/// graph, and so from the documents producers sent: each is checked again
/// against the location policy, the reader never leaves the local bucket
/// root, and only bytes that sniff as an image are served.
pub async fn image(State(state): State<Arc<AppState>>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let id = ImageId::parse(&id)?;
    let record = state.backends.graph.image(&id).await?.ok_or_else(|| Error::NotFound(format!("image {id}")))?;
    let mut last = Error::NotFound(format!("no readable location for image {id}"));
    for text in &record.locations {
        match servable(&state, text).await {
            Ok(response) => return Ok(response),
            // NB: a location refused or unusable is this image's problem, not the request's: 404, not 400.
            Err(Error::Invalid(why)) | Err(Error::NotFound(why)) => {
                tracing::warn!(uri = %text, %why, "image location not served");
                last = Error::NotFound(why);
            }
            Err(e) => {
                tracing::warn!(uri = %text, error = %shared::http::error_chain(&e), "image location unreadable");
                last = e;
            }
        }
    }
    Err(last.into())
}

async fn servable(state: &AppState, text: &str) -> Result<Response> {
    let uri: ObjectUri = state.locations.check_text(text)?;
    let opened = state.images.open(&uri, MAX_IMAGE_BYTES).await?;
    let size = opened.size;
    let (head, rest) = sniff_head(opened.into_stream()).await?;
    let content_type = match sniff_content_type(&head) {
        "application/octet-stream" => {
            return Err(Error::NotFound(format!("{uri}: the stored bytes are not an image type that is served")))
        }
        image => image,
    };
    let body = Body::from_stream(stream::once(async move { Ok::<_, Error>(head) }).chain(rest));
    // NB: ids are content hashes, so the bytes under a URL never change.
    let headers = [
        (CONTENT_TYPE, content_type.to_owned()),
        (CONTENT_LENGTH, size.to_string()),
        (X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        (CACHE_CONTROL, "public, max-age=31536000, immutable".to_owned()),
    ];
    Ok((headers, body).into_response())
}

/// The first bytes of the stream (at least [`SNIFF_BYTES`] unless it is shorter) and the rest.
async fn sniff_head(mut body: BoxStream<'static, Result<Bytes>>) -> Result<(Bytes, BoxStream<'static, Result<Bytes>>)> {
    let mut head = Vec::new();
    while head.len() < SNIFF_BYTES {
        match body.next().await {
            Some(chunk) => head.extend_from_slice(&chunk?),
            None => break,
        }
    }
    Ok((Bytes::from(head), body))
}
