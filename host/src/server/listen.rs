//! The accept loop: hyper's HTTP/1 connections with a header read timeout, and
//! a graceful shutdown bounded by a grace period.
//!
//! Written here rather than `axum::serve` because axum's loop sets no timer, so
//! a client that trickles its headers a byte at a time (slowloris) holds a
//! connection forever; hyper enforces `header_read_timeout` once it has one.
//! The pieces are hyper-util's (`TokioIo`, `TokioTimer`, `GracefulShutdown`).

use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

/// How long connections may take and how long shutdown waits.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// A request's headers must arrive within this, or the connection is closed.
    pub header_read_timeout: Duration,
    /// After SIGTERM/SIGINT, how long requests in flight get to finish.
    pub grace: Duration,
}

/// Serves `router` on `listener` until `stop` resolves; then stops accepting,
/// lets the requests in flight finish for at most `limits.grace` (past it
/// they are cut) and returns.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    stop: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout);
    let graceful = GracefulShutdown::new();
    let mut stop = std::pin::pin!(stop);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    // Out of file descriptors and the like: wait, do not spin.
                    tracing::warn!("cannot accept a connection: {error}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let _ = stream.set_nodelay(true);
        let connection = http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(router.clone()));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!("connection closed: {error}");
            }
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(limits.grace) => {
            tracing::warn!("requests still in flight after the {} s grace period were cut", limits.grace.as_secs());
        }
    }
    Ok(())
}
