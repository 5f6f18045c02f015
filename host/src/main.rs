//! `wasmflow`: serve MLflow models through WebAssembly flavor components.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;

use wasmflow::cli::{BuildArgs, Cli, Command, CompileArgs, LogFormat, ModelArgs, PredictArgs, ServeArgs, SourceArgs};
use wasmflow::runtime::{Runtime, RuntimeOptions};
use wasmflow::{edge, flavors, model, oneshot, runtime, server};

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_env("WASMFLOW_LOG").unwrap_or_else(|_| "wasmflow=info".into());
    // Colours only on a terminal: a log file or collector gets plain text.
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(server::log_writer::LogWriter);
    match cli.log_format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().flatten_event(true).init(),
    }
    match cli.command {
        Command::Serve(args) => serve(args),
        Command::Compile(args) => compile(args),
        Command::Build(args) => build_component(args),
        Command::Predict(args) => predict(args),
        Command::Inspect(args) => inspect(args),
    }
}

/// The model a command works on, the components that can serve it, and the cache directory.
struct Resolved {
    model: model::ResolvedModel,
    components: flavors::FlavorComponents,
    cache_dir: Option<PathBuf>,
}

/// Resolves a model URI once (downloading it if it is remote) and picks its flavor.
fn resolve(uri: &str, args: &SourceArgs) -> anyhow::Result<Resolved> {
    let components = flavors::FlavorComponents::new(args.flavor_components.clone());
    let sources = sources_of(args);
    let model = model::resolve(uri, &components, &sources)?;
    Ok(Resolved { model, components, cache_dir: sources.cache_dir })
}

/// Where model URIs are looked up and downloads kept.
fn sources_of(args: &SourceArgs) -> model::Sources {
    model::Sources {
        tracking_uri: args.tracking_uri.clone(),
        registry_uri: args.registry_uri.clone(),
        cache_dir: args.cache_dir.clone().or_else(runtime::default_cache_dir),
    }
}

/// Resolves and loads model `uri` of `serve` into its own pool, to be served as `name`.
fn load(name: &str, uri: &str, args: &ServeArgs, workers: usize) -> anyhow::Result<server::Serving> {
    let Resolved { model, components, cache_dir } = resolve(uri, &args.sources)?;
    let options = RuntimeOptions {
        workers,
        isolation: args.isolation,
        cache_dir,
        limits: args.load_limits.limits(),
        max_queue: args.max_queue,
        kernels: args.kernels,
    };
    let runtime = Runtime::start(&model, &components, &options)
        .with_context(|| format!("cannot load the model in {}", model.dir.display()))?;
    tracing::info!("{name}: {} from {}", runtime.describe(), model.dir.display());
    let loaded = server::LoadedModel {
        runtime,
        signature: model.mlmodel.signature.clone().map(Arc::new),
        timeout: Duration::from_secs(args.timeout),
        flavor: model.flavor.clone(),
    };
    Ok(server::Serving {
        name: name.to_string(),
        version: model.version,
        source: model.dir.display().to_string(),
        loaded: Some(Arc::new(loaded)),
    })
}

/// Loads every model. With one model a failure stops the start, as before; with
/// several, a model that fails is logged and served as not ready, unless none loads.
fn load_all(args: &ServeArgs, workers: usize) -> anyhow::Result<server::Registry> {
    let mut names = std::collections::HashSet::new();
    if let Some(twice) = args.models.iter().find(|m| !names.insert(&m.name)) {
        anyhow::bail!("two models are named '{}': name them with -m NAME=URI", twice.name);
    }
    if let [spec] = args.models.as_slice() {
        let serving = load(&spec.name, &spec.uri, args, workers)?;
        return Ok(server::Registry::new(vec![server::ServedModel::new(&spec.uri, serving)]));
    }
    let mut models = Vec::new();
    for spec in &args.models {
        let serving = load(&spec.name, &spec.uri, args, workers).unwrap_or_else(|error| {
            tracing::error!("model '{}' ({}) is not served: {error:#}", spec.name, spec.uri);
            server::Serving { name: spec.name.clone(), version: None, source: spec.uri.clone(), loaded: None }
        });
        models.push(server::ServedModel::new(&spec.uri, serving));
    }
    if !models.iter().any(server::ServedModel::is_ready) {
        anyhow::bail!("no model could be loaded");
    }
    Ok(server::Registry::new(models))
}

fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let args = Arc::new(args);
    let workers = args.workers.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let registry = Arc::new(load_all(&args, workers)?);
    let names: Vec<String> = registry
        .models()
        .iter()
        .map(|m| {
            let now = m.current();
            match &now.loaded {
                Some(loaded) => format!("{} ({} flavor, as {})", now.source, loaded.flavor, m.name),
                None => format!("{} (not ready, as {})", now.source, m.name),
            }
        })
        .collect();
    let metrics = Arc::new(server::metrics::Metrics::new());
    metrics.watch_guests(&registry);
    let batcher = args.batching.limits().map(|limits| {
        tracing::info!(
            "adaptive batching: up to {} rows per predict call, waiting up to {:?}",
            limits.max_rows,
            limits.max_wait
        );
        Arc::new(server::batching::Batcher::new(limits, &metrics))
    });
    if let Some(interval) = args.watch_every() {
        let sources = sources_of(&args.sources);
        let load_args = Arc::clone(&args);
        let load = Arc::new(move |name: &str, uri: &str| load(name, uri, &load_args, workers));
        server::reload::start(
            Arc::clone(&registry),
            Arc::clone(&metrics),
            server::reload::Watch { interval, sources, load },
        )?;
    }
    let state = server::AppState { registry, metrics, max_body_size: args.max_body_size, batcher };

    let limits = server::ConnectionLimits {
        header_read_timeout: Duration::from_secs(args.header_timeout),
        grace: Duration::from_secs(args.graceful_timeout),
    };
    let announce = |address: std::net::SocketAddr| {
        tracing::info!(
            "serving {} ({workers} {} each) at http://{address} (ready in {} ms)",
            names.join(", "),
            match args.isolation {
                runtime::Isolation::Pooled => "warm instances",
                runtime::Isolation::PerRequest => "requests at once, a fresh instance each",
            },
            started.elapsed().as_millis()
        );
    };
    let router = server::router(state);
    if args.threading == server::Threading::PerCore {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        server::serve_per_core(&args.host, args.port, threads, router, limits, announce)?;
        tracing::info!("stopped");
        return Ok(());
    }
    // Request log lines are written when a worker runs out of work (server/log_writer).
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .on_thread_park(server::log_writer::flush_this_thread)
        .on_thread_stop(server::log_writer::flush_this_thread)
        .build()?;
    let served = tokio.block_on(async {
        let listener = tokio::net::TcpListener::bind((args.host.as_str(), args.port))
            .await
            .with_context(|| format!("cannot listen on {}:{}", args.host, args.port))?;
        announce(listener.local_addr()?);
        server::serve(listener, router, limits).await?;
        tracing::info!("stopped");
        Ok(())
    });
    // A guest cut at the end of the grace period may still be running on a
    // blocking thread: do not wait for it (dropping the runtime would).
    tokio.shutdown_background();
    served
}

fn predict(args: PredictArgs) -> anyhow::Result<()> {
    let Resolved { model, components, cache_dir } = resolve(&args.model.model_uri, &args.model.sources)?;
    let input = match &args.input_path {
        Some(path) => std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?,
        None => {
            let mut input = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin(), &mut input).context("cannot read stdin")?;
            input
        }
    };
    let predictions = oneshot::predict(
        &model,
        &components,
        cache_dir,
        args.load_limits.limits(),
        &input,
        args.content_type.content_type(),
        Duration::from_secs(args.timeout),
    )?;
    match &args.output_path {
        Some(path) => std::fs::write(path, predictions).with_context(|| format!("cannot write {}", path.display())),
        None => std::io::Write::write_all(&mut std::io::stdout(), &predictions).context("cannot write stdout"),
    }
}

fn inspect(args: ModelArgs) -> anyhow::Result<()> {
    let Resolved { model, components, cache_dir } = resolve(&args.model_uri, &args.sources)?;
    let description = oneshot::inspect(&model, &components, cache_dir.as_deref())?;
    println!("{}", serde_json::to_string_pretty(&description)?);
    Ok(())
}

fn compile(args: CompileArgs) -> anyhow::Result<()> {
    let dir =
        args.cache_dir.or_else(runtime::default_cache_dir).context("no cache directory: set WASMFLOW_CACHE_DIR")?;
    // The compiled files on stdout, one per line, for scripts that copy them
    // (deploy/image/build); a cache holds other versions' files too.
    for path in runtime::precompile_all(&dir)? {
        println!("{}", path.display());
    }
    Ok(())
}

fn build_component(args: BuildArgs) -> anyhow::Result<()> {
    let Resolved { model, components, .. } = resolve(&args.model.model_uri, &args.model.sources)?;
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
