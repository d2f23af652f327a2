//! HTTP routes, one file per area.

pub mod backfills;
pub mod explore;
pub mod feast;
pub mod images;
pub mod lookups;
pub mod similar;
pub mod versions;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use shared::http::ApiError;

/// A JSON body that is already encoded.
pub fn json_bytes(body: Bytes) -> Response {
    ([(CONTENT_TYPE, "application/json")], body).into_response()
}

/// A lookup body already written in `enc`.
pub fn encoded(enc: crate::encoding::Encoding, body: Bytes) -> Response {
    ([(CONTENT_TYPE, enc.content_type())], body).into_response()
}

/// Maps axum's query rejection to the shared 400.
pub fn bad_query(r: QueryRejection) -> ApiError {
    ApiError::invalid(format!("bad query string: {}", r.body_text()))
}

/// Maps axum's JSON rejection to the shared 400.
pub fn bad_json(r: JsonRejection) -> ApiError {
    ApiError::invalid(format!("bad JSON body: {}", r.body_text()))
}
