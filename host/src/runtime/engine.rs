//! The wasmtime engine policy: compilation settings and the epoch ticker that
//! lets a deadline interrupt a runaway guest.

use std::thread;
use std::time::Duration;

use anyhow::bail;
use wasmtime::{
    Config, Enabled, Engine, InstanceAllocationStrategy, OptLevel, PoolingAllocationConfig, ProfilingStrategy,
};

/// How often the engine's epoch advances; request deadlines are counted in these.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Code-generation choices the benchmarks vary one at a time (bench/compute);
/// serving always uses [`Tuning::SERVING`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tuning {
    /// Epoch checks in compiled code, which is what lets a deadline stop a guest.
    pub epoch_interruption: bool,
    /// The relaxed-simd proposal (`Config::wasm_relaxed_simd`).
    pub relaxed_simd: bool,
}

impl Tuning {
    pub const SERVING: Tuning = Tuning { epoch_interruption: true, relaxed_simd: true };
}

/// An engine for flavor components: component model on, Cranelift optimising
/// for speed, epoch interruption on (so deadlines work). Instances are
/// allocated on demand, unless `pooling` asks for the pooling allocator.
pub fn new_engine(pooling: Option<&PoolingLimits>) -> anyhow::Result<Engine> {
    tuned_engine(pooling, Tuning::SERVING)
}

/// [`new_engine`] with other code-generation choices (for the benchmarks).
pub fn tuned_engine(pooling: Option<&PoolingLimits>, tuning: Tuning) -> anyhow::Result<Engine> {
    let mut config = Config::new();
    config
        .wasm_component_model(true)
        .epoch_interruption(tuning.epoch_interruption)
        .wasm_relaxed_simd(tuning.relaxed_simd)
        .cranelift_opt_level(OptLevel::Speed);
    if let Some(limits) = pooling {
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(limits.config()));
    }
    config.profiler(profiler(std::env::var_os(PROFILE_VAR).as_deref())?);
    Ok(Engine::new(&config)?)
}

/// The environment variable that makes guest code visible to `perf`.
pub const PROFILE_VAR: &str = "WASMFLOW_PROFILE";

/// The profiler `WASMFLOW_PROFILE` asks for: `perfmap` writes
/// `/tmp/perf-<pid>.map`, which `perf report` reads to name the JIT code of the
/// guests (wasm function names where the component keeps its name section,
/// else `wasm[i]::function[j]`). Unset or empty: none. jitdump is not offered:
/// it needs wasmtime's `profiling` feature, which serving leaves out.
///
/// The profiler only registers code with `perf` as it is loaded; it changes
/// nothing in the compiled code, and wasmtime's compatibility hash (the cache
/// key, `compile_cache`) leaves it out for that reason, so a component compiled
/// with or without it is the same artifact and is rightly reused.
fn profiler(value: Option<&std::ffi::OsStr>) -> anyhow::Result<ProfilingStrategy> {
    match value.map(|v| v.to_str()) {
        None | Some(Some("")) => Ok(ProfilingStrategy::None),
        Some(Some("perfmap")) => Ok(ProfilingStrategy::PerfMap),
        Some(other) => bail!("{PROFILE_VAR}={} is not supported (only `perfmap`)", other.unwrap_or("<not UTF-8>")),
    }
}

/// Sizes of the pooling allocator: slots for `instances` component instances
/// alive at once, each with linear memories of at most `max_memory` bytes.
/// The pool reserves its address space up front; a slot's memory is reset
/// (copy-on-write from the component's memory image) when it is reused,
/// which is what makes a fresh instance per request cheap.
pub struct PoolingLimits {
    pub instances: u32,
    pub max_memory: usize,
}

impl PoolingLimits {
    /// Core instances, memories and tables per component, with room to spare:
    /// a Rust wasm32-wasip2 component has one memory and a handful of core
    /// instances (its module, wit-component's shims); a larger one fails to
    /// instantiate with wasmtime's error naming the limit.
    const CORE_INSTANCES_PER_COMPONENT: u32 = 16;
    const MEMORIES_PER_COMPONENT: u32 = 2;
    const TABLES_PER_COMPONENT: u32 = 8;
    /// Function-table size: tract's components have thousands of indirectly
    /// called functions (wasmtime's default, 20 000, is for one module).
    const TABLE_ELEMENTS: usize = 100_000;
    /// How much of a slot's memory is reset in place (the pages a request
    /// dirtied, found with Linux's PAGEMAP_SCAN, copied back from the image)
    /// rather than unmapped with `madvise`, which would make the next request
    /// fault every page in again.
    const KEEP_RESIDENT: usize = 64 << 20;

    fn config(&self) -> PoolingAllocationConfig {
        let n = self.instances.max(1);
        let mut pool = PoolingAllocationConfig::new();
        pool.total_component_instances(n)
            .total_core_instances(n * Self::CORE_INSTANCES_PER_COMPONENT)
            .max_core_instances_per_component(Self::CORE_INSTANCES_PER_COMPONENT)
            .total_memories(n * Self::MEMORIES_PER_COMPONENT)
            .max_memories_per_component(Self::MEMORIES_PER_COMPONENT)
            .total_tables(n * Self::TABLES_PER_COMPONENT)
            .max_tables_per_component(Self::TABLES_PER_COMPONENT)
            .table_elements(Self::TABLE_ELEMENTS)
            .total_stacks(n)
            .max_memory_size(self.max_memory)
            .linear_memory_keep_resident(Self::KEEP_RESIDENT.min(self.max_memory))
            .table_keep_resident(Self::TABLE_ELEMENTS * 8)
            .pagemap_scan(Enabled::Auto);
        pool
    }
}

/// Starts a thread that advances `engine`'s epoch every [`EPOCH_TICK`] for as
/// long as the engine lives.
pub fn start_epoch_ticker(engine: &Engine) {
    let engine = engine.weak();
    thread::Builder::new()
        .name("wasmflow-epoch".into())
        .spawn(move || {
            while let Some(engine) = engine.upgrade() {
                engine.increment_epoch();
                drop(engine);
                thread::sleep(EPOCH_TICK);
            }
        })
        .expect("cannot start the epoch thread");
}

/// The number of epoch ticks that covers `timeout` (at least one).
pub fn ticks(timeout: Duration) -> u64 {
    (timeout.as_millis() / EPOCH_TICK.as_millis()).max(1) as u64 + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_profiler_is_opt_in_and_checked() {
        use std::ffi::OsStr;
        assert_eq!(profiler(None).unwrap(), ProfilingStrategy::None);
        assert_eq!(profiler(Some(OsStr::new(""))).unwrap(), ProfilingStrategy::None);
        assert_eq!(profiler(Some(OsStr::new("perfmap"))).unwrap(), ProfilingStrategy::PerfMap);
        let refused = profiler(Some(OsStr::new("jitdump"))).unwrap_err().to_string();
        assert!(refused.contains("WASMFLOW_PROFILE=jitdump"), "{refused}");
    }

    #[test]
    fn the_profiler_leaves_the_cache_key_alone() {
        use std::hash::{DefaultHasher, Hash, Hasher};
        let key = |strategy| {
            let mut config = Config::new();
            config.wasm_component_model(true).profiler(strategy);
            let engine = Engine::new(&config).unwrap();
            let mut hasher = DefaultHasher::new();
            engine.precompile_compatibility_hash().hash(&mut hasher);
            hasher.finish()
        };
        assert_eq!(key(ProfilingStrategy::None), key(ProfilingStrategy::PerfMap));
    }

    #[test]
    fn ticks_round_up_and_never_reach_zero() {
        assert_eq!(ticks(Duration::ZERO), 2);
        assert_eq!(ticks(Duration::from_secs(1)), 101);
    }
}
