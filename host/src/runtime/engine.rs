//! The wasmtime engine policy: compilation settings and the epoch ticker that
//! lets a deadline interrupt a runaway guest.

use std::thread;
use std::time::Duration;

use wasmtime::{Config, Engine, OptLevel};

/// How often the engine's epoch advances; request deadlines are counted in these.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// An engine for flavor components: component model on, Cranelift optimising
/// for speed, epoch interruption on (so deadlines work).
pub fn new_engine() -> anyhow::Result<Engine> {
    let mut config = Config::new();
    config.wasm_component_model(true).epoch_interruption(true).cranelift_opt_level(OptLevel::Speed);
    Ok(Engine::new(&config)?)
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
    fn ticks_round_up_and_never_reach_zero() {
        assert_eq!(ticks(Duration::ZERO), 2);
        assert_eq!(ticks(Duration::from_secs(1)), 101);
    }
}
