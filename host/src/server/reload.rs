//! `wasmflow serve --watch`: hot reload. A thread asks the registry, every
//! `--watch-interval`, which version each movable model URI
//! (`models:/name@alias`, `…/latest`, `…/<stage>`; see [`model::movable`])
//! names now. When it is not the version served, that version is resolved
//! (downloaded), loaded and checked on this thread, off the request path, and
//! only then swapped in ([`ServedModel::replace`]): a request finishes on the
//! model it started with, later ones get the new one, none sees a model half
//! loaded. A version that fails to load leaves the old one serving and is
//! tried again at the next poll; a registry that does not answer is logged
//! once and changes nothing.

use std::sync::Arc;
use std::time::{Duration, Instant};

use prometheus::{IntCounterVec, IntGaugeVec, Opts};

use super::metrics::Metrics;
use super::registry::{Registry, ServedModel, Serving};
use crate::model::{self, Sources};

/// Loads model URI `uri` to be served as `name`, as `serve` does at start-up
/// (resolve, download, compile, instantiate and load every instance); an
/// error if it cannot be served.
pub type Loader = Arc<dyn Fn(&str, &str) -> anyhow::Result<Serving> + Send + Sync>;

/// What `--watch` needs.
pub struct Watch {
    /// Time between two polls of the registry (`--watch-interval`).
    pub interval: Duration,
    /// Where model URIs are looked up (`--tracking-uri`, `--registry-uri`).
    pub sources: Sources,
    pub load: Loader,
}

/// The reload metrics, registered in `/metrics`.
struct Counters {
    reloads: IntCounterVec,
    poll_errors: IntCounterVec,
    version: IntGaugeVec,
}

impl Counters {
    fn new(metrics: &Metrics) -> Self {
        let reloads = IntCounterVec::new(
            Opts::new(
                "wasmflow_model_reloads_total",
                "New model versions loaded by --watch: swapped in (success) or failed to load (failure).",
            ),
            &["model", "result"],
        )
        .expect("valid metric");
        let poll_errors = IntCounterVec::new(
            Opts::new("wasmflow_model_watch_errors_total", "Polls of --watch that could not ask the registry."),
            &["model"],
        )
        .expect("valid metric");
        let version = IntGaugeVec::new(
            Opts::new("wasmflow_model_version", "The registered model version served now (models watched by --watch)."),
            &["model"],
        )
        .expect("valid metric");
        metrics.register(Box::new(reloads.clone()));
        metrics.register(Box::new(poll_errors.clone()));
        metrics.register(Box::new(version.clone()));
        Self { reloads, poll_errors, version }
    }

    fn set_version(&self, name: &str, version: Option<&str>) {
        if let Some(number) = version.and_then(|v| v.parse::<i64>().ok()) {
            self.version.with_label_values(&[name]).set(number);
        }
    }
}

/// One watched model and what the last poll found.
struct Watched {
    index: usize,
    /// The last poll could not ask the registry (logged once, until it answers).
    unreachable: bool,
    /// The version that last failed to load (logged once; retried every poll).
    failed: Option<Option<String>>,
}

/// Starts watching the movable models of `registry`; logs what is watched, or
/// that nothing can move.
pub fn start(registry: Arc<Registry>, metrics: Arc<Metrics>, watch: Watch) -> anyhow::Result<()> {
    let (movable, fixed): (Vec<_>, Vec<_>) =
        registry.models().iter().enumerate().partition(|(_, m)| model::movable(&m.uri));
    if !fixed.is_empty() {
        let names: Vec<String> = fixed.iter().map(|(_, m)| format!("{} ({})", m.name, m.uri)).collect();
        tracing::info!("--watch: not watching {}: their URIs always name the same model", names.join(", "));
    }
    if movable.is_empty() {
        return Ok(());
    }
    let counters = Counters::new(&metrics);
    for (_, served) in &movable {
        for result in ["success", "failure"] {
            counters.reloads.with_label_values(&[served.name.as_str(), result]);
        }
        counters.poll_errors.with_label_values(&[served.name.as_str()]);
        counters.set_version(&served.name, served.current().version.as_deref());
    }
    let names: Vec<String> = movable.iter().map(|(_, m)| format!("{} ({})", m.name, m.uri)).collect();
    tracing::info!("--watch: checking {} for new versions every {:?}", names.join(", "), watch.interval);
    let mut watched: Vec<Watched> =
        movable.iter().map(|(index, _)| Watched { index: *index, unreachable: false, failed: None }).collect();
    std::thread::Builder::new().name("wasmflow-watch".into()).spawn(move || {
        loop {
            std::thread::sleep(watch.interval);
            for model in &mut watched {
                let served = &registry.models()[model.index];
                // A panic while loading (a bug) must not end the watching of every model.
                let polled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    poll(served, model, &watch, &metrics, &counters);
                }));
                if polled.is_err() {
                    counters.reloads.with_label_values(&[served.name.as_str(), "failure"]).inc();
                    tracing::error!("{}: reloading {} panicked; still serving what it served", served.name, served.uri);
                }
            }
        }
    })?;
    Ok(())
}

/// `version 3`, or `no version` for a URI that names none.
fn describe(version: Option<&str>) -> String {
    version.map_or_else(|| "no version".into(), |v| format!("version {v}"))
}

/// What `serving` answers with: `still serving version 3`, or `still not
/// serving` for a model that failed to load at start-up.
fn still(serving: &Serving) -> String {
    match serving.loaded {
        Some(_) => format!("still serving {}", describe(serving.version.as_deref())),
        None => "still not serving it".into(),
    }
}

/// One poll of one model: ask the registry, and load and swap in the version
/// it names if that is not the one served.
fn poll(served: &ServedModel, state: &mut Watched, watch: &Watch, metrics: &Metrics, counters: &Counters) {
    let name = served.name.as_str();
    let current = served.current();
    let now = match model::registered_version(&served.uri, &watch.sources) {
        Ok(now) => now,
        Err(error) => {
            counters.poll_errors.with_label_values(&[name]).inc();
            if !state.unreachable {
                tracing::warn!(
                    "{name}: cannot check {} for a new version ({}; retried every {:?}): {}",
                    served.uri,
                    still(&current),
                    watch.interval,
                    one_line(&error)
                );
            }
            state.unreachable = true;
            return;
        }
    };
    if std::mem::take(&mut state.unreachable) {
        tracing::info!("{name}: the registry answers again; {} names {}", served.uri, describe(now.as_deref()));
    }
    if now == current.version && current.loaded.is_some() {
        state.failed = None;
        return;
    }
    let started = Instant::now();
    match (watch.load)(name, &served.uri) {
        // The URI moved back while the new version loaded: nothing to swap.
        Ok(next) if next.version == current.version && current.loaded.is_some() => {}
        Ok(next) => {
            state.failed = None;
            if let Some(loaded) = &next.loaded {
                metrics.watch_guest(name, loaded);
            }
            let version = next.version.clone();
            let before = served.replace(next);
            counters.reloads.with_label_values(&[name, "success"]).inc();
            counters.set_version(name, version.as_deref());
            tracing::info!(
                "{name}: reloaded {}: now serving {} (was {}), loaded in {} ms",
                served.uri,
                describe(version.as_deref()),
                describe(before.version.as_deref()),
                started.elapsed().as_millis()
            );
            // Requests still running on `before` keep it alive until they finish.
            drop(before);
        }
        Err(error) => {
            counters.reloads.with_label_values(&[name, "failure"]).inc();
            let line = format!(
                "{name}: {} of {} failed to load in {} ms, {} (tried again every poll): {}",
                describe(now.as_deref()),
                served.uri,
                started.elapsed().as_millis(),
                still(&current),
                one_line(&error)
            );
            // Once per version at warn; the retries (counted) at debug.
            if state.failed.as_ref() == Some(&now) {
                tracing::debug!("{line}");
            } else {
                tracing::warn!("{line}");
                state.failed = Some(now);
            }
        }
    }
}

/// An error and its causes on one line.
fn one_line(error: &anyhow::Error) -> String {
    format!("{error:#}").split_whitespace().collect::<Vec<_>>().join(" ")
}
