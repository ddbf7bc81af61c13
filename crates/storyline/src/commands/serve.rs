//! `storyline serve`, and the server that `storyline run` keeps up beside its polls: binds
//! the configured address, opens the server's store connections and runs
//! `storyline_web::serve` on a multi-threaded runtime until SIGTERM or Ctrl-C (or the run
//! loop's end), then lets requests in flight finish, for at most [`DRAIN_TIMEOUT`].
//!
//! The admin token of `POST /api/feeds` and `DELETE /api/feeds/{id}` comes from
//! STORYLINE_ADMIN_TOKEN only (read by `config.rs`); without it those routes answer 403.

use crate::cli::ServeArgs;
use crate::config::Config;
use crate::output::outln;
use anyhow::{Context, Result};
use std::net::SocketAddr;
use storyline_web::AppState;
use storyline_web::metrics::Metrics;

/// How long a stopping server waits for the requests in flight: under the 10 seconds a
/// service manager commonly allows between SIGTERM and SIGKILL.
const DRAIN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(8);

/// `storyline serve`: serves until SIGTERM or Ctrl-C.
pub fn serve(config: &Config, args: ServeArgs) -> Result<()> {
    let address = args.addr.unwrap_or_else(|| config.serve.addr.clone());
    let runtime = server_runtime()?;
    let server = start(&runtime, config, &address, Metrics::new())?;
    outln!("Serving {} (Ctrl-C or SIGTERM to stop)", server.url())?;
    runtime.block_on(storyline_pipeline::stop::requested_soon());
    // The requests in flight finish even when nobody reads this line.
    let said = outln!("stopping: finishing the requests in flight");
    server.stop(&runtime)?;
    Ok(said?)
}

/// A runtime whose worker threads answer requests while the calling thread does other work
/// (the run loop's polls) or waits for Ctrl-C.
pub fn server_runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("storyline-http")
        .build()
        .context("cannot start the async runtime")
}

/// A server running on a runtime's workers.
pub struct RunningServer {
    address: SocketAddr,
    shutdown: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// Binds `address` and starts serving on `runtime`; returns once the socket listens, so a
/// taken port is an error here, not later.
pub fn start(
    runtime: &tokio::runtime::Runtime,
    config: &Config,
    address: &str,
    metrics: Metrics,
) -> Result<RunningServer> {
    let location = super::store_location(config)?;
    let stores = (0..config.serve.connections.max(1))
        .map(|_| location.open())
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("cannot open the store {location}"))?;
    let state = AppState::new(
        stores,
        location.to_string(),
        config.serve.admin_token.clone(),
        metrics,
    )?
    .with_public_url(config.serve.public_url.as_deref());
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(address))
        .with_context(|| format!("cannot listen on {address}"))?;
    let address = listener
        .local_addr()
        .with_context(|| format!("cannot listen on {address}"))?;
    let (shutdown, stop) = tokio::sync::oneshot::channel::<()>();
    let task = runtime.spawn(storyline_web::serve(listener, state, async move {
        // A dropped sender (the process unwinding) stops the server too.
        let _ = stop.await;
    }));
    Ok(RunningServer {
        address,
        shutdown,
        task,
    })
}

impl RunningServer {
    /// The address to open in a browser: a server listening on every interface is shown
    /// on the loopback address.
    pub fn url(&self) -> String {
        let mut shown = self.address;
        if shown.ip().is_unspecified() {
            shown.set_ip(if shown.is_ipv4() {
                std::net::Ipv4Addr::LOCALHOST.into()
            } else {
                std::net::Ipv6Addr::LOCALHOST.into()
            });
        }
        format!("http://{shown}/")
    }

    /// Stops accepting connections and waits for the requests in flight.
    pub fn stop(self, runtime: &tokio::runtime::Runtime) -> Result<()> {
        // An error only means the server already ended, which the task's result tells.
        let _ = self.shutdown.send(());
        let mut task = self.task;
        match runtime.block_on(async { tokio::time::timeout(DRAIN_TIMEOUT, &mut task).await }) {
            Ok(ended) => ended
                .context("the HTTP server task failed")?
                .context("the HTTP server failed"),
            Err(_elapsed) => {
                task.abort();
                anyhow::bail!(
                    "requests still in flight after {} s were cut off",
                    DRAIN_TIMEOUT.as_secs()
                )
            }
        }
    }
}
