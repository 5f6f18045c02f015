//! A real wasi:http host for the tests: wasmtime-wasi-http's p2 `Proxy` world
//! on hyper over 127.0.0.1, one fresh instance per request, as
//! `wasmtime serve` runs a component (its `--dir` and `--env` included).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use hyper::server::conn::http1;
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};
use wasmtime_wasi_http::io::TokioIo;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

/// What each request's instance gets: a preopened directory and environment.
#[derive(Clone, Default)]
pub struct Sandbox {
    /// Host directory → guest path, read-only.
    pub dir: Option<(PathBuf, String)>,
    pub env: Vec<(String, String)>,
}

struct RequestState {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
}

impl WasiView for RequestState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl WasiHttpView for RequestState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView { ctx: &mut self.http, table: &mut self.table, hooks: Default::default() }
    }
}

struct Host {
    pre: ProxyPre<RequestState>,
    sandbox: Sandbox,
}

/// Serves `component` on a free port of 127.0.0.1 until the test process ends.
pub fn serve(component: &Path, sandbox: Sandbox) -> String {
    let engine = Engine::new(&Config::new()).unwrap();
    let component = Component::from_file(&engine, component).unwrap_or_else(|e| panic!("{e:?}"));
    let mut linker = Linker::new(&engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker).unwrap();
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker).unwrap();
    let pre = ProxyPre::new(linker.instantiate_pre(&component).unwrap_or_else(|e| panic!("{e:?}")))
        .unwrap_or_else(|e| panic!("not a wasi:http component: {e:?}"));
    let host = Arc::new(Host { pre, sandbox });
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            loop {
                let (client, _) = listener.accept().await.unwrap();
                let host = host.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        let host = host.clone();
                        async move { host.handle(request).await }
                    });
                    let _ =
                        http1::Builder::new().keep_alive(true).serve_connection(TokioIo::new(client), service).await;
                });
            }
        });
    });
    let address: SocketAddr = rx.recv().unwrap();
    format!("http://{address}")
}

impl Host {
    async fn handle(
        &self,
        request: hyper::Request<hyper::body::Incoming>,
    ) -> wasmtime::Result<hyper::Response<HyperOutgoingBody>> {
        let mut wasi = WasiCtxBuilder::new();
        wasi.inherit_stderr();
        if let Some((host, guest)) = &self.sandbox.dir {
            wasi.preopened_dir(host, guest, FsPerms::ReadOnly)?;
        }
        for (key, value) in &self.sandbox.env {
            wasi.env(key, value);
        }
        let state = RequestState { wasi: wasi.build(), http: WasiHttpCtx::new(), table: ResourceTable::new() };
        let mut store = Store::new(self.pre.engine(), state);
        let (sender, receiver) = tokio::sync::oneshot::channel();
        let request = store.data_mut().http().new_incoming_request(Scheme::Http, request)?;
        let out = store.data_mut().http().new_response_outparam(sender)?;
        let pre = self.pre.clone();
        let task = tokio::task::spawn(async move {
            let proxy = pre.instantiate_async(&mut store).await?;
            proxy.wasi_http_incoming_handler().call_handle(store, request, out).await
        });
        match receiver.await {
            Ok(Ok(response)) => Ok(response),
            Ok(Err(e)) => Err(e.into()),
            Err(_) => match task.await {
                Ok(Ok(())) => wasmtime::bail!("the guest never set a response"),
                Ok(Err(e)) => Err(e.context("the guest trapped before answering")),
                Err(e) => Err(e.into()),
            },
        }
    }
}
