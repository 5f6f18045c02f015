//! What bounds a guest while it loads a model: a deadline and a memory cap,
//! the same for a served instance and for pre-initialisation (`wasmflow
//! build`, `serve --isolation per-request`), so a model whose load loops or
//! balloons stops with an error that says which bound it hit.

use std::time::Duration;

use wasmtime::{ResourceLimiter, Trap};

/// Bounds of one model load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadLimits {
    /// Longest a load may take.
    pub timeout: Duration,
    /// Largest linear memory of the instance, in bytes.
    pub max_memory: usize,
}

impl LoadLimits {
    /// 10 minutes: a large model read and built from scratch fits; a loop does not hang forever.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);
    /// 4 GiB: all of a wasm32 memory.
    pub const DEFAULT_MAX_MEMORY: usize = 4096 << 20;
}

impl Default for LoadLimits {
    fn default() -> Self {
        Self { timeout: Self::DEFAULT_TIMEOUT, max_memory: Self::DEFAULT_MAX_MEMORY }
    }
}

/// A memory cap that remembers whether it refused a growth, so a trap that
/// follows (a Rust guest aborts when an allocation fails) can be named.
#[derive(Debug)]
pub struct MemoryCap {
    max_memory: usize,
    refused: bool,
    /// The largest linear memory allowed so far, in bytes.
    largest: usize,
}

impl MemoryCap {
    /// Most core instances a component may create (wit-component's shims and
    /// the module itself).
    const MAX_INSTANCES: usize = 16;

    pub fn new(max_memory: usize) -> Self {
        Self { max_memory, refused: false, largest: 0 }
    }

    /// Whether a memory growth past the cap was refused.
    pub fn refused(&self) -> bool {
        self.refused
    }

    /// The largest linear memory of the instance so far, in bytes.
    pub fn largest(&self) -> usize {
        self.largest
    }
}

impl ResourceLimiter for MemoryCap {
    fn memory_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        let allowed = desired <= self.max_memory;
        self.refused |= !allowed;
        if allowed {
            self.largest = self.largest.max(desired);
        }
        Ok(allowed)
    }

    fn table_growing(&mut self, _current: usize, _desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(true)
    }

    fn instances(&self) -> usize {
        Self::MAX_INSTANCES
    }
}

/// The error of a load that failed with `error`: which bound it hit, if any.
pub fn load_error(error: wasmtime::Error, limits: &LoadLimits, memory_refused: bool) -> anyhow::Error {
    if error.downcast_ref::<Trap>() == Some(&Trap::Interrupt) {
        return anyhow::anyhow!(
            "the model did not load within {} s (--load-timeout); it was interrupted",
            limits.timeout.as_secs()
        );
    }
    if memory_refused {
        return anyhow::anyhow!(
            "the model needs more than {} MiB of memory to load (--max-memory-mb); it was stopped",
            limits.max_memory >> 20
        );
    }
    anyhow::Error::from(error).context("the flavor trapped while loading the model")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_refuses_growth_past_it_and_remembers() {
        let mut cap = MemoryCap::new(64 << 20);
        assert!(cap.memory_growing(0, 64 << 20, None).unwrap());
        assert!(!cap.refused());
        assert!(!cap.memory_growing(64 << 20, (64 << 20) + 65536, None).unwrap());
        assert!(cap.refused());
    }

    #[test]
    fn load_errors_name_the_bound() {
        let limits = LoadLimits { timeout: Duration::from_secs(3), max_memory: 64 << 20 };
        let interrupted = load_error(wasmtime::Error::from(Trap::Interrupt), &limits, false);
        assert!(interrupted.to_string().contains("within 3 s"), "{interrupted}");
        let hoarded = load_error(wasmtime::Error::from(Trap::UnreachableCodeReached), &limits, true);
        assert!(hoarded.to_string().contains("more than 64 MiB"), "{hoarded}");
        let trapped = load_error(wasmtime::Error::from(Trap::UnreachableCodeReached), &limits, false);
        assert!(trapped.to_string().contains("trapped while loading"), "{trapped}");
    }
}
