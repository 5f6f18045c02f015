//! `wasmflow`: serve MLflow models through WebAssembly flavor components.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;

use wasmflow::cli::{BuildArgs, Cli, Command, CompileArgs, ModelArgs, ServeArgs};
use wasmflow::runtime::{Runtime, RuntimeOptions};
use wasmflow::{edge, flavors, model, runtime, server};

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("WASMFLOW_LOG").unwrap_or_else(|_| "wasmflow=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Serve(args) => serve(args),
        Command::Compile(args) => compile(args),
        Command::Build(args) => build_component(args),
    }
}

/// The model a command works on, the components that can serve it, and the cache directory.
struct Resolved {
    model: model::ResolvedModel,
    components: flavors::FlavorComponents,
    cache_dir: Option<PathBuf>,
}

/// Resolves the model URI once (downloading it if it is remote) and picks its flavor.
fn resolve(args: &ModelArgs) -> anyhow::Result<Resolved> {
    let components = flavors::FlavorComponents::new(args.flavor_components.clone());
    let cache_dir = args.cache_dir.clone().or_else(runtime::default_cache_dir);
    let sources = model::Sources {
        tracking_uri: args.tracking_uri.clone(),
        registry_uri: args.registry_uri.clone(),
        cache_dir: cache_dir.clone(),
    };
    let model = model::resolve(&args.model_uri, &components, &sources)?;
    Ok(Resolved { model, components, cache_dir })
}

fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let Resolved { model, components, cache_dir } = resolve(&args.model)?;
    let workers = args.workers.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let options = RuntimeOptions {
        workers,
        isolation: args.isolation,
        cache_dir,
        limits: args.load_limits.limits(),
        max_queue: args.max_queue,
    };
    let runtime = Runtime::start(&model, &components, &options)
        .with_context(|| format!("cannot load the model in {}", model.dir.display()))?;
    tracing::info!("{}", runtime.describe());
    let state = server::AppState {
        runtime: Arc::new(runtime),
        signature: model.mlmodel.signature.clone().map(Arc::new),
        timeout: Duration::from_secs(args.timeout),
        max_body_size: args.max_body_size,
    };

    let tokio = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let served = tokio.block_on(async {
        let listener = tokio::net::TcpListener::bind((args.host.as_str(), args.port))
            .await
            .with_context(|| format!("cannot listen on {}:{}", args.host, args.port))?;
        let address = listener.local_addr()?;
        tracing::info!(
            "serving {} ({} flavor, {workers} {}) at http://{address} (ready in {} ms)",
            model.dir.display(),
            model.flavor,
            match args.isolation {
                runtime::Isolation::Pooled => "warm instances",
                runtime::Isolation::PerRequest => "requests at once, a fresh instance each",
            },
            started.elapsed().as_millis()
        );
        let limits = server::ConnectionLimits {
            header_read_timeout: Duration::from_secs(args.header_timeout),
            grace: Duration::from_secs(args.graceful_timeout),
        };
        server::serve(listener, server::router(state), limits).await?;
        tracing::info!("stopped");
        Ok(())
    });
    // A guest cut at the end of the grace period may still be running on a
    // blocking thread: do not wait for it (dropping the runtime would).
    tokio.shutdown_background();
    served
}

fn compile(args: CompileArgs) -> anyhow::Result<()> {
    let dir =
        args.cache_dir.or_else(runtime::default_cache_dir).context("no cache directory: set WASMFLOW_CACHE_DIR")?;
    runtime::precompile_all(&dir)
}

fn build_component(args: BuildArgs) -> anyhow::Result<()> {
    let Resolved { model, components, .. } = resolve(&args.model)?;
    let contents = if args.mount { edge::Contents::Mounted } else { edge::Contents::Embedded };
    let built = edge::build(&model, &components, contents, &args.load_limits.limits(), &args.output)
        .with_context(|| format!("cannot build a component for the model in {}", model.dir.display()))?;
    let mb = |bytes: usize| bytes as f64 / 1e6;
    println!(
        "wasmflow: wrote {} ({} flavor): {:.1} MB, {:.1} MB gzipped, in {:.1} s",
        args.output.display(),
        model.flavor,
        mb(built.size),
        mb(built.gzip_size),
        built.seconds
    );
    if let Some(warning) = args.max_size.as_ref().and_then(|limit| limit.exceeded_by(&built)) {
        eprintln!("wasmflow: warning: {warning}");
    }
    Ok(())
}
