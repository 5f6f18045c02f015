//! Where a call into a model's guest runs: inline on the async worker that
//! serves the request, or on tokio's blocking pool.
//!
//! Handing a call to the blocking pool and back costs a thread wake-up, a
//! futex wait and two context switches (with the task's own wake-up on the
//! way back), which for a 1-row forest is more CPU than the call itself. A call
//! known to be short therefore runs inline. Each pool keeps, per input size
//! class (the bit length of the number of values), a moving average of how
//! long its calls took, instance checkout included; a call whose class averages
//! at most [`INLINE_LIMIT`] runs inline, any other (a class not seen yet, a slow
//! model, a large batch) on the blocking pool. Calls on both paths feed the
//! average, so a model that turns slow moves to the blocking pool after a call
//! or two, and comes back once its calls are short again.
//!
//! An inline call that runs long anyway (a model whose cost does not follow
//! its input size) is interrupted after [`INLINE_BUDGET`] by a shorter epoch
//! deadline, its instance dropped, and the call made again on the blocking
//! pool (pool.rs): while one worker runs a call, tokio's other workers do not
//! poll the sockets, so an inline call must stay short to keep every
//! connection served.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use wasmflow_protocol::py::json::Json;
use wasmflow_protocol::value::Batch;

/// The longest a call may take on average, in its size class, to run inline.
/// The tokio documentation's guidance for code between two `.await`s is
/// 10–100 µs; this allows a little more, measured on iris-onnx at 100 rows
/// (bench/results/2026-12-04-request-path.md), since on a 2-core machine
/// the blocking pool's threads compete for the same cores anyway.
pub const INLINE_LIMIT: Duration = Duration::from_micros(250);

/// The longest one inline call may run: past it (one to two epoch ticks) it
/// is interrupted and made again on the blocking pool, so a call that runs
/// long against its average holds its worker this long at most.
pub const INLINE_BUDGET: Duration = Duration::from_millis(10);

/// Size classes: the bit length of a value count (0..=64).
const CLASSES: usize = 65;

/// The moving average of call times per input size class.
pub struct Dispatch {
    /// Nanoseconds; 0 = no call seen yet.
    average_ns: [AtomicU64; CLASSES],
    /// 0 once inline calls are forbidden.
    limit_ns: AtomicU64,
}

/// Where one call runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Where {
    Inline,
    Blocking,
}

impl Dispatch {
    /// Calls averaging at most `limit` run inline; `Duration::ZERO` never inlines.
    pub fn new(limit: Duration) -> Self {
        Self {
            average_ns: std::array::from_fn(|_| AtomicU64::new(0)),
            limit_ns: AtomicU64::new(u64::try_from(limit.as_nanos()).unwrap_or(u64::MAX)),
        }
    }

    /// No call runs inline from now on (a guest that does I/O while predicting).
    pub fn forbid_inline(&self) {
        self.limit_ns.store(0, Ordering::Relaxed);
    }

    /// Where a call on an input of `weight` ([`weight`]) should run, and its
    /// size class (for [`record`](Self::record)).
    pub fn place(&self, weight: usize) -> (Where, usize) {
        let class = size_class(weight);
        let average = self.average_ns[class].load(Ordering::Relaxed);
        let limit = self.limit_ns.load(Ordering::Relaxed);
        let place = if average != 0 && average <= limit { Where::Inline } else { Where::Blocking };
        (place, class)
    }

    /// Adds a call of size class `class` that took `took` to the average
    /// (weight 1/8; lost updates under contention are harmless).
    pub fn record(&self, class: usize, took: Duration) {
        let ns = u64::try_from(took.as_nanos()).unwrap_or(u64::MAX).max(1);
        let slot = &self.average_ns[class];
        let old = slot.load(Ordering::Relaxed);
        let new = if old == 0 { ns } else { (old - old / 8).saturating_add(ns / 8).max(1) };
        slot.store(new, Ordering::Relaxed);
    }
}

/// The bit length of `n`: 0 for 0, 1 for 1, 2 for 2–3, 3 for 4–7, …
fn size_class(n: usize) -> usize {
    (usize::BITS - n.leading_zeros()) as usize
}

/// How much input a call carries: its number of values (a JSON document's
/// top-level items).
pub fn weight(input: &Batch) -> usize {
    match input {
        Batch::Tensors(tensors) => tensors.iter().map(|t| t.values.len()).sum(),
        Batch::Table(columns) => columns.iter().map(|c| c.values.len()).sum(),
        Batch::Json(Json::List(items)) => items.len(),
        Batch::Json(Json::Dict(entries)) => entries.len(),
        Batch::Json(_) => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmflow_protocol::value::{Tensor, Values};

    fn tensor(n: usize) -> usize {
        weight(&Batch::Tensors(vec![Tensor { name: None, shape: vec![n], values: Values::F32(vec![0.0; n]) }]))
    }

    #[test]
    fn unknown_sizes_go_to_the_blocking_pool_then_follow_their_average() {
        let dispatch = Dispatch::new(Duration::from_micros(100));
        let (place, class) = dispatch.place(tensor(4));
        assert_eq!(place, Where::Blocking, "no call of this size seen yet");
        dispatch.record(class, Duration::from_micros(20));
        assert_eq!(dispatch.place(tensor(5)).0, Where::Inline, "4 and 5 values share a class");
        assert_eq!(dispatch.place(tensor(400)).0, Where::Blocking, "a larger class is not known");
        // One call at the deadline sends the class back to the blocking pool...
        dispatch.record(class, Duration::from_secs(1));
        assert_eq!(dispatch.place(tensor(4)).0, Where::Blocking);
        // ... until short calls there bring its average down again.
        for _ in 0..200 {
            dispatch.record(class, Duration::from_micros(20));
        }
        assert_eq!(dispatch.place(tensor(4)).0, Where::Inline);
    }

    #[test]
    fn a_zero_limit_never_inlines() {
        let dispatch = Dispatch::new(Duration::ZERO);
        let (_, class) = dispatch.place(tensor(1));
        dispatch.record(class, Duration::from_nanos(1));
        assert_eq!(dispatch.place(tensor(1)).0, Where::Blocking);
    }

    #[test]
    fn forbidden_inline_calls_stay_forbidden() {
        let dispatch = Dispatch::new(Duration::from_micros(100));
        let (_, class) = dispatch.place(tensor(1));
        dispatch.record(class, Duration::from_micros(1));
        assert_eq!(dispatch.place(tensor(1)).0, Where::Inline);
        dispatch.forbid_inline();
        dispatch.record(class, Duration::from_micros(1));
        assert_eq!(dispatch.place(tensor(1)).0, Where::Blocking);
    }

    #[test]
    fn size_classes_are_bit_lengths() {
        assert_eq!([0, 1, 2, 3, 4, 7, 8].map(size_class), [0, 1, 2, 2, 3, 3, 4]);
        assert_eq!(size_class(usize::MAX), 64);
    }
}
