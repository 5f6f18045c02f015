//! The pool of model instances. A request borrows one, runs `predict` under an
//! epoch deadline (inline, or on a blocking thread: `dispatch`), and gives it back; an instance that
//! trapped (crash, deadline, memory limit) is discarded and replaced lazily.
//! With [`Reuse::Never`] every request gets a new instance, dropped after it.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;
use wasmflow_protocol::ScoringError;

use super::bindings::{Batch, Param};
use super::dispatch::{Dispatch, INLINE_BUDGET, INLINE_LIMIT, Where};
use super::engine::ticks;
use super::instance::{CallError, Instance, InstanceSpec};

/// `count` instances of `spec`, loaded by as many threads as there are CPUs
/// (at most `count`): start-up is mostly each instance's guest parsing and
/// optimising the model, so `serve` is ready that many times sooner. The
/// first error is returned.
fn load_instances(spec: &InstanceSpec, count: usize, load_within: Duration) -> anyhow::Result<Vec<Instance>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, count.max(1));
    std::thread::scope(|scope| {
        let loaders: Vec<_> = (0..threads)
            .map(|t| {
                // Thread t loads every `threads`-th instance from t on.
                let share = (t..count).step_by(threads).count();
                scope.spawn(move || (0..share).map(|_| Instance::new(spec, load_within)).collect::<Vec<_>>())
            })
            .collect();
        loaders
            .into_iter()
            .flat_map(|loader| loader.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect()
    })
}

/// Whether an instance serves more than one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reuse {
    /// Warm instances, kept between requests.
    Warm,
    /// A fresh instance per request: nothing one request leaves in the
    /// sandbox is seen by the next.
    Never,
}

/// At most `size` instances, each used by one request at a time.
pub struct Pool {
    spec: InstanceSpec,
    reuse: Reuse,
    idle: Mutex<Vec<Instance>>,
    slots: Arc<Semaphore>,
    size: usize,
    queue: Queue,
    /// Instances discarded after a trap other than the deadline.
    traps: AtomicU64,
    /// Instances interrupted at the request deadline.
    deadline_kills: AtomicU64,
    /// The largest linear memory any instance has had, in bytes.
    largest_memory: AtomicUsize,
    /// Told how long each call into the guest took (`/metrics`).
    guest_time: OnceLock<GuestTimeObserver>,
    /// Whether a call runs inline or on the blocking pool.
    dispatch: Dispatch,
}

/// Receives the time each `predict` call spent inside the guest.
pub type GuestTimeObserver = Box<dyn Fn(Duration) + Send + Sync>;

/// What the pool has done so far, for `/metrics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    /// Instances (requests served at once).
    pub size: usize,
    /// Instances running a prediction now.
    pub busy: usize,
    /// Requests waiting for an instance.
    pub waiting: usize,
    pub traps: u64,
    pub deadline_kills: u64,
    /// The largest linear memory any instance has had, in bytes.
    pub largest_memory: usize,
}

/// An instance slot kept for one prediction ([`Pool::reserve`]); given back on drop.
pub struct Slot(tokio::sync::OwnedSemaphorePermit);

/// The requests waiting for an instance, at most `limit` (`--max-queue`).
struct Queue {
    waiting: AtomicUsize,
    limit: usize,
}

/// A place in the [`Queue`], given up on drop.
struct Place<'a>(&'a AtomicUsize);

impl Queue {
    /// Takes a place, or refuses with 503 when the queue is full.
    fn enter(&self) -> Result<Place<'_>, ScoringError> {
        let before = self.waiting.fetch_add(1, Ordering::AcqRel);
        let place = Place(&self.waiting);
        if before >= self.limit {
            return Err(ScoringError::Overloaded { queued: before });
        }
        Ok(place)
    }
}

impl Drop for Place<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Pool {
    /// Creates the warm instances now (one instance for [`Reuse::Never`]), so
    /// a model that cannot load fails at start-up.
    pub fn new(spec: InstanceSpec, size: usize, reuse: Reuse, max_queue: usize) -> anyhow::Result<Self> {
        let size = size.max(1);
        let warm = if reuse == Reuse::Warm { size } else { 1 };
        let load_within = spec.limits.timeout;
        let idle = load_instances(&spec, warm, load_within)?;
        let largest_memory = AtomicUsize::new(idle.iter().map(Instance::memory_bytes).max().unwrap_or(0));
        let queue = Queue { waiting: AtomicUsize::new(0), limit: max_queue };
        Ok(Self {
            spec,
            reuse,
            idle: Mutex::new(idle),
            slots: Arc::new(Semaphore::new(size)),
            size,
            queue,
            traps: AtomicU64::new(0),
            deadline_kills: AtomicU64::new(0),
            largest_memory,
            guest_time: OnceLock::new(),
            dispatch: Dispatch::new(INLINE_LIMIT),
        })
    }

    /// The pool's counters and its instances in use now.
    pub fn stats(&self) -> PoolStats {
        PoolStats {
            size: self.size,
            busy: self.size.saturating_sub(self.slots.available_permits()),
            waiting: self.queue.waiting.load(Ordering::Relaxed),
            traps: self.traps.load(Ordering::Relaxed),
            deadline_kills: self.deadline_kills.load(Ordering::Relaxed),
            largest_memory: self.largest_memory.load(Ordering::Relaxed),
        }
    }

    /// Has `observer` told the time of every later call into the guest (set once).
    pub fn observe_guest_time(&self, observer: GuestTimeObserver) {
        let _ = self.guest_time.set(observer);
    }

    /// Borrows an idle instance (creating one if a trap discarded it).
    pub fn with_instance<R>(&self, f: impl FnOnce(&mut Instance) -> R) -> anyhow::Result<R> {
        let mut instance = self.take(self.spec.limits.timeout)?;
        let result = f(&mut instance);
        self.give_back(instance);
        Ok(result)
    }

    /// Runs `predict` on a pooled instance, giving up at `deadline`.
    pub async fn predict(
        self: &Arc<Self>,
        input: Batch,
        weight: usize,
        params: Vec<Param>,
        deadline: Instant,
    ) -> Result<Batch, ScoringError> {
        let slot = self.reserve(deadline).await?;
        self.predict_in(slot, input, weight, params, deadline).await
    }

    /// Waits for an instance to be free (in the queue, bounded by
    /// `--max-queue`) and keeps it for one [`predict_in`](Self::predict_in).
    pub async fn reserve(&self, deadline: Instant) -> Result<Slot, ScoringError> {
        let permit = match self.slots.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                let _place = self.queue.enter()?;
                tokio::time::timeout_at(deadline.into(), self.slots.clone().acquire_owned())
                    .await
                    .map_err(|_| ScoringError::Timeout)?
                    .expect("the pool's semaphore is never closed")
            }
        };
        Ok(Slot(permit))
    }

    /// An instance slot if one is free now.
    pub fn try_reserve(&self) -> Option<Slot> {
        self.slots.clone().try_acquire_owned().ok().map(Slot)
    }

    /// Runs `predict` in the instance slot `slot`, giving up at `deadline`:
    /// inline when calls of this `weight` (the input's size,
    /// [`dispatch::weight`](super::dispatch::weight)) are known to be short and
    /// a warm instance is idle (or, per request, a fresh one is made without
    /// WASI I/O), else on a blocking thread ([`Dispatch`]). A fresh instance
    /// inline saves the blocking pool's hand-off, which cost more CPU than the
    /// instance itself (bench/results/2026-12-05-guest-call.md).
    ///
    /// WASI's synchronous host calls (a guest writing to stderr, as a panicking
    /// Rust guest does, or opening a file) block on a tokio runtime of their
    /// own, which tokio refuses on an async worker: the call panics on the host
    /// side. An inline call that does so is dropped with its instance and run
    /// again on a blocking thread, and the pool's calls stay off the async
    /// workers from then on. A new instance that mounts the model directory
    /// (whose `load` reads it through WASI) is never made inline. An inline call still running after [`INLINE_BUDGET`]
    /// (a model whose time does not follow its input size) is interrupted, its
    /// instance dropped, and the call made again on a blocking thread: tokio
    /// polls sockets from an idle worker only once the busy one parks, so a
    /// long inline call would hold every connection, not just its own.
    pub async fn predict_in(
        self: &Arc<Self>,
        slot: Slot,
        input: Batch,
        weight: usize,
        params: Vec<Param>,
        deadline: Instant,
    ) -> Result<Batch, ScoringError> {
        let Slot(permit) = slot;
        let (place, class) = self.dispatch.place(weight);
        if place == Where::Inline {
            let inline = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let started = Instant::now();
                let outcome = match self.inline_instance(deadline) {
                    Some(instance) => self.call_within(instance, &input, &params, deadline, Some(INLINE_BUDGET)),
                    // No idle warm instance: nothing was tried.
                    None if self.reuse == Reuse::Warm => return None,
                    // A fresh instance that could not be made within the budget counts too.
                    None => None,
                };
                self.dispatch.record(class, started.elapsed());
                outcome
            }));
            match inline {
                Ok(Some(outcome)) => return outcome,
                // No instance to run inline, or past its budget (the average
                // now says so): made on a blocking thread.
                Ok(None) => {}
                Err(_) => {
                    self.dispatch.forbid_inline();
                    tracing::warn!(
                        "the model's guest used WASI I/O while predicting (the panic above), which cannot run on an \
                         async worker; its instance was discarded, the call is run again on a blocking thread, and \
                         so are its later calls"
                    );
                }
            }
        }
        let pool = Arc::clone(self);
        let task = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            pool.timed(class, || pool.call(&input, &params, deadline))
        });
        task.await.unwrap_or_else(|e| Err(ScoringError::Internal(format!("the prediction task failed: {e}"))))
    }

    /// Runs `call`, its time (instance checkout included) added to the
    /// average of size class `class`.
    fn timed<R>(&self, class: usize, call: impl FnOnce() -> R) -> R {
        let started = Instant::now();
        let outcome = call();
        self.dispatch.record(class, started.elapsed());
        outcome
    }

    /// Takes an instance (a new one if none is idle) and [`call_on`](Self::call_on) it.
    fn call(&self, input: &Batch, params: &[Param], deadline: Instant) -> Result<Batch, ScoringError> {
        // A new instance (always, per request) loads within the request's deadline.
        let instance = self.take(deadline.saturating_duration_since(Instant::now())).map_err(|e| {
            if Instant::now() >= deadline {
                return ScoringError::Timeout;
            }
            tracing::error!("cannot start a model instance: {e:#}");
            ScoringError::Internal("The model could not be loaded for this request.".into())
        })?;
        self.call_on(instance, input, params, deadline)
    }

    /// Runs `predict` on `instance` under the epoch deadline and gives it
    /// back, or discards it after a trap.
    fn call_on(
        &self,
        instance: Instance,
        input: &Batch,
        params: &[Param],
        deadline: Instant,
    ) -> Result<Batch, ScoringError> {
        match self.call_within(instance, input, params, deadline, None) {
            Some(outcome) => outcome,
            None => unreachable!("a call without a budget is never cut short"),
        }
    }

    /// [`call_on`](Self::call_on), stopped after `budget` if that comes before
    /// the request's deadline: then the instance is discarded and `None` says
    /// the call must be made again elsewhere.
    fn call_within(
        &self,
        mut instance: Instance,
        input: &Batch,
        params: &[Param],
        deadline: Instant,
        budget: Option<Duration>,
    ) -> Option<Result<Batch, ScoringError>> {
        let remaining = deadline.saturating_duration_since(Instant::now());
        let allowed = budget.map_or(remaining, |budget| budget.min(remaining));
        let called = Instant::now();
        let outcome = instance.predict(input, params, ticks(allowed));
        if let Some(observe) = self.guest_time.get() {
            observe(called.elapsed());
        }
        self.largest_memory.fetch_max(instance.memory_bytes(), Ordering::Relaxed);
        Some(match outcome {
            Ok(batch) => {
                self.give_back(instance);
                Ok(batch)
            }
            Err(CallError::Flavor(error)) => {
                self.give_back(instance);
                Err(super::convert::error_from_wit(error))
            }
            Err(CallError::Trap(trap)) if allowed < remaining && is_interrupt(&trap) => return None,
            Err(CallError::Trap(trap)) => {
                let error = trap_error(&trap);
                let counter = if matches!(error, ScoringError::Timeout) { &self.deadline_kills } else { &self.traps };
                counter.fetch_add(1, Ordering::Relaxed);
                Err(error)
            }
        })
    }

    /// An instance to run a call on inline: an idle warm one, or (fresh
    /// instances) a new one, unless the guest reads the model directory when it
    /// loads (WASI I/O, which cannot run on an async worker), and made within
    /// [`INLINE_BUDGET`]. `None` leaves the call to a blocking thread, which
    /// makes the instance again and reports what went wrong.
    fn inline_instance(&self, deadline: Instant) -> Option<Instance> {
        match self.reuse {
            Reuse::Warm => self.take_idle(),
            Reuse::Never if self.spec.mount_model_dir => None,
            Reuse::Never => {
                let within = deadline.saturating_duration_since(Instant::now()).min(INLINE_BUDGET);
                Instance::new(&self.spec, within).ok()
            }
        }
    }

    /// An idle warm instance, if there is one.
    fn take_idle(&self) -> Option<Instance> {
        self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop()
    }

    /// An idle instance, else a new one whose loading may take `load_within`.
    fn take(&self, load_within: std::time::Duration) -> anyhow::Result<Instance> {
        match self.take_idle() {
            Some(instance) => Ok(instance),
            None => Instance::new(&self.spec, load_within),
        }
    }

    fn give_back(&self, instance: Instance) {
        match self.reuse {
            Reuse::Warm => self.idle.lock().unwrap_or_else(|e| e.into_inner()).push(instance),
            Reuse::Never => drop(instance),
        }
    }
}

/// The protocol error for a trap: the deadline is a timeout, anything else a
/// crash of the model (its instance is gone; details go to the log only).
fn trap_error(trap: &wasmtime::Error) -> ScoringError {
    if is_interrupt(trap) {
        tracing::warn!("a prediction ran past its deadline; its instance was discarded");
        return ScoringError::Timeout;
    }
    tracing::error!("the model trapped; its instance was discarded: {trap:?}");
    ScoringError::Internal("The model crashed while evaluating the input; it was restarted.".into())
}

/// Whether the epoch deadline stopped the call.
fn is_interrupt(trap: &wasmtime::Error) -> bool {
    trap.downcast_ref::<wasmtime::Trap>() == Some(&wasmtime::Trap::Interrupt)
}
