//! The connection loop behind [`crate::serve`]: accepts TCP connections and serves each with
//! hyper's HTTP/1.1 connection driver, the application router as its service.
//!
//! It exists because `axum::serve` cannot bound how long a client takes to send its request
//! head: a client that opens a connection and trickles header bytes (slowloris) would hold
//! it, a task and a file descriptor forever. Here every request head, the first on a
//! connection and each later one on a kept-alive connection, must arrive whole within
//! [`HEADER_READ_TIMEOUT`] or the connection is closed; the same timer therefore also closes
//! keep-alive connections left idle that long.
//!
//! Request bodies are not under this timer; the routes that read one cap its size
//! (`api.rs`).
//!
//! Invariants: no connection waits on its client's request head longer than
//! [`HEADER_READ_TIMEOUT`]; after the shutdown signal nothing new is accepted, requests in
//! flight finish, and [`serve_router`] returns once every connection has closed.

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::io;
use std::pin::pin;
use std::time::Duration;
use tokio::net::TcpListener;

/// How long a client has to send a whole request head (request line and headers), counted
/// from the moment the server is ready to read it: after accepting a connection, or after
/// answering the previous request on a kept-alive one.
///
/// A real client writes its request head (well under 2 KiB) in one go, so it arrives within
/// a round trip even on a poor mobile link; 5 s leaves room for a few lost and resent
/// packets on top. Anything slower is a stalled or hostile client. It is also the idle limit
/// of keep-alive connections (Apache's default `KeepAliveTimeout` is the same 5 s): a
/// browser that comes back later opens a new connection.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(5);

/// How long to pause accepting after an accept error other than a client hanging up (most
/// often too many open files), so the loop does not spin while connections close.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_secs(1);

/// Serves `app` on `listener` until `shutdown` completes, then stops accepting and waits for
/// the open connections to finish their requests in flight and close.
pub(crate) async fn serve_router(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    let connections = GracefulShutdown::new();
    let mut shutdown = pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(err) => {
                    pause_after_accept_error(err).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Answers are small and written whole: waiting to coalesce packets only adds latency.
        if let Err(err) = stream.set_nodelay(true) {
            tracing::debug!("cannot set TCP_NODELAY: {err}");
        }
        let service = TowerToHyperService::new(app.clone());
        let connection = connections.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // Header timeouts, resets and malformed requests end here; they are the client's
            // doing, so they are not worth more than a debug line.
            if let Err(err) = connection.await {
                tracing::debug!("connection closed: {err}");
            }
        });
    }
    drop(listener);
    connections.shutdown().await;
    Ok(())
}

/// A client that gave up before we accepted it is nothing to act on; anything else (out of
/// file descriptors, say) is logged and the loop waits before it accepts again.
async fn pause_after_accept_error(err: io::Error) {
    if matches!(
        err.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::error!("cannot accept a connection: {err}");
    tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
}
