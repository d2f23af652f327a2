//! State, router and the testable application builder.

use axum::routing::{get, post};
use axum::Router;
use shared::cache::NearCache;
use shared::config::Backends;
use shared::domain::LocationPolicy;
use shared::http::{with_ops, Application};
use shared::storage::ObjectReader;
use std::sync::Arc;
use std::time::Duration;
use tower_http::cors::{Any, CorsLayer};

use crate::active::ActiveVersion;
use crate::auth::AdminTokens;
use crate::backfills::Backfills;
use crate::routes::{backfills, explore, feast, images, lookups, similar, versions};
use crate::{openapi, Settings};

/// Dependencies shared by requests. The router holds it behind one `Arc`: axum clones the
/// state for every request, and cloning each field's handle was about 1% of a near-cache hit.
#[derive(Clone)]
pub struct AppState {
    /// The source of truth, and the hot tier (cache-aside, filled on a miss).
    pub backends: Backends,
    /// The active-version pointer of the served feature set.
    pub active: Arc<ActiveVersion>,
    /// Reads image bytes for `/images/{id}`.
    pub images: Arc<ObjectReader>,
    /// Which stored locations `/images/{id}` may read.
    pub locations: Arc<LocationPolicy>,
    /// Most vectors `/similar` compares exactly where no vector index answers (503 beyond).
    pub similar_max_scan: usize,
    /// Guards version switches and names their actor; empty disables them.
    pub admins: AdminTokens,
    /// Backfill runs, their Jobs, and the coverage activation needs.
    pub backfills: Arc<Backfills>,
}

/// Every route of the service plus the ops routes; CORS is open for reads
/// because the UI may be served from another origin.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/features/object/{id}", get(lookups::object))
        .route("/features/image", get(lookups::image))
        .route("/features/batch", post(lookups::batch))
        .route("/query/pattern", post(explore::pattern))
        .route("/graph/node/{id}", get(explore::node))
        .route("/graph/neighbourhood/{id}", get(explore::neighbourhood))
        .route("/similar/{id}", get(explore::similar))
        .route("/similar", post(similar::similar))
        .route("/get-online-features", post(feast::get_online_features))
        .route("/images/{id}", get(images::image))
        .route("/versions", get(versions::list))
        .route("/versions/{feature_set}/activate", post(versions::activate))
        .route("/versions/{feature_set}/rollback", post(versions::rollback))
        .route("/backfills", get(backfills::status).post(backfills::launch))
        .route("/backfills/compare", post(backfills::compare))
        .route("/openapi.json", get(openapi::serve))
        .with_state(Arc::new(state))
        .layer(
            CorsLayer::new()
                .allow_origin(Any)
                .allow_methods([axum::http::Method::GET, axum::http::Method::POST])
                .allow_headers([axum::http::header::CONTENT_TYPE, axum::http::header::AUTHORIZATION]),
        );
    with_ops(api)
}

/// Connects the backends and binds the port (0 picks a free one); serves the UI when `UI_DIST` is set.
pub async fn build(settings: &Settings) -> shared::Result<Application> {
    let server = &settings.common.server;
    let mut backends = Backends::connect(&settings.common).await?;
    backends.cache = NearCache::wrap(backends.cache, settings.near_cache_bytes, settings.near_cache_ttl);
    let state = AppState {
        backends,
        active: Arc::new(ActiveVersion::new(
            server.feature_set.clone(),
            Duration::from_secs(settings.active_version_ttl_seconds),
        )),
        images: Arc::new(ObjectReader::new(settings.storage.clone())),
        locations: Arc::new(settings.locations.clone()),
        similar_max_scan: settings.similar_max_scan,
        admins: settings.admins.clone(),
        backfills: Arc::new(
            Backfills::connect(&settings.backfill, &settings.storage, settings.kubernetes, settings.min_coverage)
                .await?,
        ),
    };
    let mut router = router(state);
    if let Some(dir) = &settings.ui_dist {
        router = router.fallback_service(tower_http::services::ServeDir::new(dir));
    }
    Application::bind(&server.host, server.port, router).await
}
