//! `--isolation BODY.json`: the CPU one fresh instance costs (`serve --isolation
//! per-request`), without HTTP. For each model directory, the same body (an
//! `/invocations` JSON body, parsed as the server parses it) is scored through the
//! host's `Runtime` with one worker, once warm-pooled and once per-request, in
//! alternating rounds so that load on the machine hits both alike. The process's
//! CPU time per call (`CLOCK_PROCESS_CPUTIME_ID`: every thread, the tokio blocking
//! thread that instantiates, runs and drops included) is reported for each mode;
//! their difference is the fresh instance: creating the store and WASI context,
//! instantiating the snapshot, `model.load`, and dropping it (the pooling
//! allocator's memory and table reset).

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::json;
use wasmflow::flavors::FlavorComponents;
use wasmflow::runtime::{Isolation, LoadLimits, Runtime, RuntimeOptions};
use wasmflow_protocol::Invocation;

/// Calls per mode in one round; rounds alternate until `seconds` have passed.
const ROUND: usize = 500;

/// The process's CPU time so far (all threads).
fn cpu_now() -> Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid timespec for the call to write.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_PROCESS_CPUTIME_ID) failed");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// CPU and wall time of `calls` calls in one mode.
#[derive(Default)]
struct Spent {
    cpu: Duration,
    wall: Duration,
    calls: usize,
}

impl Spent {
    fn cpu_us(&self) -> f64 {
        self.cpu.as_secs_f64() * 1e6 / self.calls.max(1) as f64
    }
    fn wall_us(&self) -> f64 {
        self.wall.as_secs_f64() * 1e6 / self.calls.max(1) as f64
    }
}

/// Times `body` on every model of `dirs` in both modes for about `seconds` each.
pub fn run(dirs: &[std::path::PathBuf], body: &Path, seconds: f64, cache_dir: &Path) -> anyhow::Result<()> {
    let body = std::fs::read(body).with_context(|| format!("cannot read {}", body.display()))?;
    let tokio = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    for dir in dirs {
        let name = dir.file_name().map_or_else(|| dir.display().to_string(), |n| n.to_string_lossy().into_owned());
        let path = dir.to_str().with_context(|| format!("{} is not UTF-8", dir.display()))?;
        let model = wasmflow::model::resolve(path, &FlavorComponents::default(), &Default::default())?;
        let start = |isolation| {
            let options = RuntimeOptions {
                workers: 1,
                isolation,
                cache_dir: Some(cache_dir.to_path_buf()),
                limits: LoadLimits::default(),
                max_queue: 1,
                kernels: Default::default(),
            };
            Runtime::start(&model, &FlavorComponents::default(), &options)
        };
        let runtimes = [start(Isolation::Pooled)?, start(Isolation::PerRequest)?];
        let invocation: Invocation =
            wasmflow_protocol::parse_invocation(Some("application/json"), &body, model.mlmodel.signature.as_ref())
                .map_err(|e| anyhow::anyhow!("{}: {}", e.error_code(), e.message()))?;
        let call = |runtime: &Runtime| {
            let deadline = Instant::now() + Duration::from_secs(60);
            let input = invocation.input.clone();
            let params = invocation.params.clone();
            tokio
                .block_on(runtime.predict(input, params, deadline))
                .map(drop)
                .map_err(|e| anyhow::anyhow!("{}: {}", e.error_code(), e.message()))
        };
        let mut spent = [Spent::default(), Spent::default()];
        // Warm-up: one round each, not counted.
        for runtime in &runtimes {
            (0..ROUND).try_for_each(|_| call(runtime))?;
        }
        let started = Instant::now();
        while started.elapsed().as_secs_f64() < 2.0 * seconds {
            for (runtime, spent) in runtimes.iter().zip(&mut spent) {
                let (cpu, wall) = (cpu_now(), Instant::now());
                (0..ROUND).try_for_each(|_| call(runtime))?;
                spent.cpu += cpu_now() - cpu;
                spent.wall += wall.elapsed();
                spent.calls += ROUND;
            }
        }
        let [pooled, fresh] = &spent;
        let instance_us = fresh.cpu_us() - pooled.cpu_us();
        println!(
            "{}",
            json!({
                "kind": "isolation", "model": name, "calls_each": pooled.calls,
                "pooled": {"cpu_us": round1(pooled.cpu_us()), "wall_us": round1(pooled.wall_us())},
                "per_request": {"cpu_us": round1(fresh.cpu_us()), "wall_us": round1(fresh.wall_us())},
                "fresh_instance_cpu_us": round1(instance_us),
            })
        );
        eprintln!(
            "{name:<14} CPU per call: pooled {:>7.1} µs, per-request {:>7.1} µs -> a fresh instance costs {:>6.1} µs \
             (wall {:.1} / {:.1} µs; {} calls each)",
            pooled.cpu_us(),
            fresh.cpu_us(),
            instance_us,
            pooled.wall_us(),
            fresh.wall_us(),
            pooled.calls
        );
    }
    Ok(())
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}
