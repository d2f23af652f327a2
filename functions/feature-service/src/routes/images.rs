//! `GET /images/{id}`: the stored bytes of an image, for display.

use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use shared::domain::{ImageId, ObjectUri};
use shared::http::ApiError;
use shared::storage::sniff_content_type;
use shared::Error;

use crate::AppState;

/// Largest image served.
const MAX_IMAGE_BYTES: u64 = 50 * 1024 * 1024;

/// Streams the first readable location of the image. Locations come from the
/// graph, never from the request, and object names are checked by the reader.
pub async fn image(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let id = ImageId::parse(&id)?;
    let record = state.graph.image(&id).await?.ok_or_else(|| Error::NotFound(format!("image {id}")))?;
    let mut last = Error::NotFound(format!("no readable location for image {id}"));
    for uri in &record.locations {
        let parsed = ObjectUri::parse(uri)?;
        match state.images.read(&parsed, MAX_IMAGE_BYTES).await {
            Ok(bytes) => {
                let content_type = match sniff_content_type(&bytes) {
                    "application/octet-stream" => record.content_type.clone(),
                    sniffed => sniffed.to_owned(),
                };
                // NB: ids are content hashes, so the bytes under a URL never change.
                let headers =
                    [(CONTENT_TYPE, content_type), (CACHE_CONTROL, "public, max-age=31536000, immutable".into())];
                return Ok((headers, bytes).into_response());
            }
            Err(e) => {
                tracing::warn!(%uri, error = %e, "image location unreadable");
                last = e;
            }
        }
    }
    Err(last.into())
}
