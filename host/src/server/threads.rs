//! How the server's threads share connections (`--threading`).
//!
//! `shared`: one multi-threaded tokio runtime; every worker may run any
//! connection's task (work stealing), and idle workers are woken to steal.
//! `per-core`: one single-threaded runtime per thread, each with its own
//! listening socket on the same address (`SO_REUSEPORT`: the kernel spreads
//! new connections over the sockets), so a request is read, scored and answered
//! on one thread with no wake-up of another: what nginx's workers do. A call
//! into a guest that runs on the thread (runtime/dispatch) holds that thread's
//! connections meanwhile, where `shared` lets the other workers take them over.

use std::net::{SocketAddr, ToSocketAddrs as _};
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;
use tokio::net::TcpSocket;
use tokio::sync::watch;

use super::listen::{self, ConnectionLimits};

/// How the server's threads share connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Threading {
    /// One multi-threaded runtime; any worker serves any connection.
    #[default]
    Shared,
    /// A single-threaded runtime per thread, each with its own `SO_REUSEPORT` listener.
    PerCore,
}

/// Serves `router` on `host:port` with `threads` threads, each a
/// single-threaded runtime with its own listener, until SIGINT or SIGTERM;
/// `ready` is told the address once every listener is open.
pub fn serve_per_core(
    host: &str,
    port: u16,
    threads: usize,
    router: Router,
    limits: ConnectionLimits,
    ready: impl FnOnce(SocketAddr),
) -> anyhow::Result<()> {
    let wanted = (host, port)
        .to_socket_addrs()
        .with_context(|| format!("cannot resolve {host}"))?
        .next()
        .with_context(|| format!("{host} has no address"))?;
    // The first socket picks the port (port 0: a free one); the others share it.
    let first = reuse_port_socket(wanted).with_context(|| format!("cannot listen on {host}:{port}"))?;
    let address = first.local_addr()?;
    let mut sockets = vec![first];
    for _ in 1..threads.max(1) {
        sockets.push(reuse_port_socket(address).with_context(|| format!("cannot listen on {address}"))?);
    }
    let (stop, stopped) = watch::channel(false);
    let (done, finished) = std::sync::mpsc::channel::<()>();
    let mut started = Vec::new();
    for (i, socket) in sockets.into_iter().enumerate() {
        let (router, mut stopped, done) = (router.clone(), stopped.clone(), done.clone());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .on_thread_park(super::log_writer::flush_this_thread)
            .build()?;
        let thread = std::thread::Builder::new().name(format!("wasmflow-http-{i}")).spawn(move || {
            let served = runtime.block_on(async move {
                let listener = socket.listen(1024)?;
                let stop = async move {
                    let _ = stopped.wait_for(|stop| *stop).await;
                };
                listen::serve(listener, router, limits, stop).await
            });
            if let Err(error) = served {
                tracing::error!("serving thread {i} stopped: {error}");
            }
            super::log_writer::flush_this_thread();
            // A guest cut at the end of the grace period may still be running
            // on a blocking thread: do not wait for it.
            runtime.shutdown_background();
            let _ = done.send(());
        })?;
        started.push(thread);
    }
    drop(done);
    ready(address);
    let signals = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    signals.block_on(super::shutdown_signal());
    let _ = stop.send(true);
    // Each thread ends after its grace period; one stuck in a guest call is
    // not waited for past it (the process exits, as `shared` does).
    let until = std::time::Instant::now() + limits.grace + Duration::from_secs(1);
    for _ in 0..started.len() {
        let left = until.saturating_duration_since(std::time::Instant::now());
        if finished.recv_timeout(left).is_err() {
            break;
        }
    }
    Ok(())
}

/// A TCP socket bound to `address` with `SO_REUSEPORT` (and `SO_REUSEADDR`,
/// as std's listener sets it), not listening yet.
fn reuse_port_socket(address: SocketAddr) -> std::io::Result<TcpSocket> {
    let socket = if address.is_ipv4() { TcpSocket::new_v4()? } else { TcpSocket::new_v6()? };
    socket.set_reuseaddr(true)?;
    #[cfg(unix)]
    socket.set_reuseport(true)?;
    socket.bind(address)?;
    Ok(socket)
}
