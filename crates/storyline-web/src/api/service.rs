//! The service routes: `GET /api/openapi.json` (the document of this API), `GET /healthz`
//! (whether the store can be read) and `GET /metrics` (the Prometheus exposition).

use super::{json_response, on_store, to_json};
use crate::AppState;
use crate::error::{ApiError, Unavailable};
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// The handler of `GET /api/openapi.json`.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "service",
    operation_id = "openapi",
    summary = "This document.",
    responses(
        (status = 200, description = "The OpenAPI 3.1 document.", body = Object, content_type = "application/json"),
    ),
)]
pub(super) async fn openapi() -> Response {
    json_response(StatusCode::OK, crate::openapi::document_json())
}

/// The server can read its store.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct Health {
    #[schema(inline)]
    status: HealthStatus,
}

/// The only status a healthy server reports; an unhealthy one answers an error instead.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
enum HealthStatus {
    Ok,
}

/// The handler of `GET /healthz`.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "service",
    operation_id = "health",
    summary = "Whether the server can read its store.",
    responses(
        (status = 200, description = "Healthy.", body = Health),
        (status = 503, response = Unavailable),
    ),
)]
pub(super) async fn healthz(State(state): State<AppState>) -> Result<Response, ApiError> {
    on_store(&state, |store, _| {
        store
            .generation()
            .map(|_| ())
            .map_err(|e| ApiError::Unavailable(format!("health check: {e}")))
    })
    .await
    .map_err(|e| match e {
        ApiError::Unavailable(_) => e,
        other => ApiError::Unavailable(format!("health check: {other}")),
    })?;
    let body = to_json(&Health {
        status: HealthStatus::Ok,
    })?;
    Ok(json_response(StatusCode::OK, body))
}

/// The handler of `GET /metrics`.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "service",
    operation_id = "metrics",
    summary = "Prometheus metrics (text exposition format 0.0.4).",
    description = "Counters: storyline_polls_total, storyline_articles_fetched_total, storyline_feed_errors_total{kind=timeout|http_status|too_large|network|refused|robots|malformed|not_article|budget|file|other}, storyline_briefs_written_total, storyline_brief_errors_total, storyline_http_requests_total{route,method,status}. Histograms: storyline_brief_write_seconds, storyline_http_request_duration_seconds{route}. Gauges read from the store at scrape time: storyline_store_up, storyline_stories, storyline_briefs, storyline_articles, storyline_feeds. Process (Linux, read from /proc at scrape time): process_cpu_seconds_total, process_resident_memory_bytes, process_virtual_memory_bytes, process_start_time_seconds, process_open_fds, process_max_fds.",
    responses(
        (status = 200, description = "The metrics.", body = String, content_type = "text/plain"),
    ),
)]
pub(super) async fn metrics(State(state): State<AppState>) -> Response {
    let counts = on_store(&state, |store, _| Ok(store.counts()?)).await;
    let counts = match counts {
        Ok(counts) => Some(counts),
        Err(e) => {
            tracing::warn!("metrics: cannot read the store's sizes: {e}");
            None
        }
    };
    let text = state.metrics().render(counts.as_ref());
    let mut response = text.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(crate::metrics::CONTENT_TYPE),
    );
    response
}
