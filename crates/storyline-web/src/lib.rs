//! Storyline's HTTP face, served by `storyline serve` and `storyline run`: the JSON API
//! (`/api/...`, described by the OpenAPI 3.1 document at `/api/openapi.json`), the
//! server-rendered web pages (front page, story, entity, search, feeds), Atom and JSON Feed
//! of briefs (`/feeds/...`), `/healthz` and Prometheus metrics at `/metrics`.
//!
//! Map: `state.rs` (store connection pool, metrics, admin token, API caches), `api/` (JSON
//! handlers, one module per resource, with their OpenAPI annotations; story ranking),
//! `error.rs` (the one place errors become status codes and JSON bodies), `openapi.rs` (the
//! document, generated from `api/` by utoipa), `metrics.rs` (counters, histograms and process
//! metrics, exposed by prometheus-client), `pages/` and `html/` (web pages, one module per
//! page; every untrusted string escaped), `feeds.rs` (Atom through atom_syndication, JSON Feed through
//! serde), `server.rs` (the connection loop, with its header-read timeout). [`router`]
//! assembles them; [`serve`] runs it on a listener until shut down.
//!
//! Invariants: handlers only read and write through [`AppState::with_store`]; article text
//! and titles are untrusted and reach HTML only through the escaping helpers; every response,
//! errors and fallbacks included, carries the security headers set in [`router`] and is
//! counted in the metrics under its route template; a client gets [`HEADER_READ_TIMEOUT`] to
//! send each request head, and the routes that read a body cap its size (`api/`).

pub mod api;
pub mod error;
pub mod feeds;
pub mod html;
pub mod metrics;
pub mod openapi;
pub mod pages;
mod server;
mod state;

pub use server::HEADER_READ_TIMEOUT;
pub use state::{AppState, DEFAULT_CONNECTIONS, StateError};

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use error::ApiError;
use std::future::Future;
use std::time::Instant;

/// The Content-Security-Policy of every response: no scripts, no plugins, no framing; the
/// pages need only their same-origin stylesheet and icon.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; \
    img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The whole application: API, pages and feeds, with the security-header and metrics
/// middleware around every route and the fallbacks.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(api::routes())
        .merge(pages::routes())
        .merge(feeds::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            record_request,
        ))
        .layer(middleware::from_fn(security_headers))
        .with_state(state)
}

/// Serves [`router`] on `listener` until `shutdown` completes, then stops accepting and
/// lets requests in flight finish. A connection whose request head does not arrive within
/// [`HEADER_READ_TIMEOUT`] is closed, idle keep-alive connections included.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    server::serve_router(listener, router(state), shutdown).await
}

/// Unknown paths: a JSON error under `/api/`, the 404 page elsewhere.
async fn not_found(request: Request) -> Response {
    let path = request.uri().path();
    if is_api_path(path) {
        ApiError::NotFound(format!("no route {path}")).into_response()
    } else {
        pages::not_found_page().await
    }
}

async fn method_not_allowed(request: Request) -> Response {
    ApiError::MethodNotAllowed(request.method().to_string()).into_response()
}

fn is_api_path(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

/// Counts the request under its route template with its status and latency.
async fn record_request(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_owned());
    let method: Method = request.method().clone();
    let response = next.run(request).await;
    state.metrics().record_http(
        route.as_deref(),
        &method,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

/// Adds the security headers to every response.
async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let fixed: [(HeaderName, &'static str); 4] = [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}
