//! The server's shared state: a small pool of store connections, the metrics, the admin
//! token and the JSON API's caches.
//!
//! The stores come from the caller (the binary opens them where the configuration says:
//! the SQLite file or PostgreSQL), one per connection of the pool. A store is not `Sync`, so
//! each request borrows one connection of the pool for the length of one closure, run on tokio's blocking pool (store calls are synchronous
//! disk I/O and must not stall the async workers). WAL mode lets the pool's connections read
//! concurrently; writes (feed management) take the same path and SQLite serialises them.
//!
//! Requests queue for a connection in an async, first-come-first-served semaphore with one
//! permit per connection, and only a request holding a permit goes to the blocking pool. So
//! under load no more threads run store work than there are connections, and no request
//! starves: an unfair mutex contended by dozens of blocking threads gave a p99 of hundreds
//! of milliseconds at 64 concurrent clients, the queue keeps it at a few.
//!
//! Invariants: a closure never holds a connection across an `.await`; the pool never grows;
//! every connection is to the same store.

use crate::api::ApiCaches;
use crate::metrics::Metrics;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use storyline_store::{Store, StoreError};
use tokio::sync::Semaphore;

/// Connections opened by default: one per core of a small machine, plus one so a slow
/// query does not block the rest.
pub const DEFAULT_CONNECTIONS: usize = 4;

/// What every handler gets.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    connections: Vec<Mutex<Box<dyn Store>>>,
    /// One permit per connection: holding one guarantees a free connection.
    permits: Arc<Semaphore>,
    next: AtomicUsize,
    /// The store as logs name it (a file path, or a URL without its password).
    store_label: String,
    /// The token that `POST /api/feeds` and `DELETE /api/feeds/{id}` need; `None` disables
    /// them.
    admin_token: Option<String>,
    metrics: Metrics,
    /// The absolute base URL the server is reached at (`serve.public_url`), for the links in
    /// feeds; unset, links take the request's `Host`.
    public_url: OnceLock<String>,
    /// Rendered answers and derived views of the JSON API.
    caches: ApiCaches,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("store", &self.inner.store_label)
            .field("connections", &self.inner.connections.len())
            .field("admin", &self.inner.admin_token.is_some())
            .finish()
    }
}

/// A failed store call or a closure's own error, for the error mapper.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The blocking task panicked or was cancelled.
    #[error("internal error: {0}")]
    Task(String),
}

impl AppState {
    /// The state over `stores`, one per connection of the pool, all to the store named
    /// `store_label`. [`StoreError::Invalid`] when `stores` is empty.
    pub fn new(
        stores: Vec<Box<dyn Store>>,
        store_label: impl Into<String>,
        admin_token: Option<String>,
        metrics: Metrics,
    ) -> Result<Self, StoreError> {
        let store_label = store_label.into();
        if stores.is_empty() {
            return Err(StoreError::Invalid {
                what: format!("the server's connections to {store_label}"),
                cause: "there are none".to_string(),
            });
        }
        let connections: Vec<Mutex<Box<dyn Store>>> = stores.into_iter().map(Mutex::new).collect();
        Ok(AppState {
            inner: Arc::new(Inner {
                permits: Arc::new(Semaphore::new(connections.len())),
                connections,
                next: AtomicUsize::new(0),
                store_label,
                admin_token: admin_token
                    .map(|t| t.trim().to_string())
                    .filter(|t| !t.is_empty()),
                metrics,
                public_url: OnceLock::new(),
                caches: ApiCaches::default(),
            }),
        })
    }

    /// The store as logs name it.
    pub fn store_label(&self) -> &str {
        &self.inner.store_label
    }

    pub fn admin_token(&self) -> Option<&str> {
        self.inner.admin_token.as_deref()
    }

    /// Sets the absolute base URL that links in feeds start with (trailing `/` removed;
    /// blank leaves it unset). Set once, before serving: a later call is ignored.
    pub fn with_public_url(self, url: Option<&str>) -> Self {
        if let Some(url) = url.map(str::trim).filter(|u| !u.is_empty()) {
            let _ = self
                .inner
                .public_url
                .set(url.trim_end_matches('/').to_string());
        }
        self
    }

    /// The configured public base URL, if any.
    pub fn public_url(&self) -> Option<&str> {
        self.inner.public_url.get().map(String::as_str)
    }

    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    pub(crate) fn caches(&self) -> &ApiCaches {
        &self.inner.caches
    }

    /// Runs `work` with one connection of the pool on the blocking thread pool, after
    /// waiting its turn for a connection.
    pub async fn with_store<T, F>(&self, work: F) -> Result<T, StateError>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Store) -> Result<T, StoreError> + Send + 'static,
    {
        let permit = Arc::clone(&self.inner.permits)
            .acquire_owned()
            .await
            .map_err(|e| StateError::Task(e.to_string()))?;
        let state = self.clone();
        tokio::task::spawn_blocking(move || {
            // Held until the work is done, even if the request is dropped meanwhile.
            let _permit = permit;
            state.with_store_blocking(work)
        })
        .await
        .map_err(|e| StateError::Task(e.to_string()))?
    }

    /// The same, on the calling thread (for code already off the async workers).
    pub fn with_store_blocking<T, F>(&self, work: F) -> Result<T, StateError>
    where
        F: FnOnce(&mut dyn Store) -> Result<T, StoreError>,
    {
        let connections = &self.inner.connections;
        let start = self.inner.next.fetch_add(1, Ordering::Relaxed);
        // A free connection if there is one, else wait for the one in turn.
        for offset in 0..connections.len() {
            if let Ok(mut store) = connections[(start + offset) % connections.len()].try_lock() {
                return Ok(work(store.as_mut())?);
            }
        }
        let mut store = connections[start % connections.len()]
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        Ok(work(store.as_mut())?)
    }
}
