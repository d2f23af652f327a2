//! The OpenAPI description, kept in `openapi.json` beside the crate and
//! checked against [`ROUTES`] by the tests.

use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;

/// The OpenAPI 3.1 document.
pub const OPENAPI_JSON: &str = include_str!("../openapi.json");

/// Every API route as (method, path); the router and the document must both list exactly these.
pub const ROUTES: [(&str, &str); 17] = [
    ("get", "/features/object/{id}"),
    ("get", "/features/image"),
    ("post", "/features/batch"),
    ("post", "/query/pattern"),
    ("get", "/graph/node/{id}"),
    ("get", "/graph/neighbourhood/{id}"),
    ("get", "/similar/{id}"),
    ("post", "/similar"),
    ("post", "/get-online-features"),
    ("get", "/images/{id}"),
    ("get", "/versions"),
    ("post", "/versions/{feature_set}/activate"),
    ("post", "/versions/{feature_set}/rollback"),
    ("get", "/backfills"),
    ("post", "/backfills"),
    ("post", "/backfills/compare"),
    ("get", "/openapi.json"),
];

/// `GET /openapi.json`.
pub async fn serve() -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/json")], OPENAPI_JSON)
}
