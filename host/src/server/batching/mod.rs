//! Adaptive batching (`--max-batch-size N --max-batch-time-ms T`), between the
//! routes and a model's pool (both `/invocations` and V2 `infer`): requests for
//! the same model that have each been parsed and enforced on their own, and
//! whose inputs can be merged (same [`rows::Layout`], equal params), gather in
//! an open batch of at most N rows; then one `predict` runs on the merged rows
//! and its answer is split back by rows. With T > 0 a batch runs T ms after its
//! first request arrived (or when full), as MLServer's adaptive batcher does.
//! With T = 0 nothing waits: a request that finds an instance idle runs at
//! once, and those arriving while every instance is busy gather until one is
//! free (as Triton's dynamic batcher does without a queue delay).
//!
//! Each caller gets the answer it would get alone: when the merged call fails
//! (a guest error caused by one row, a trap) every member is predicted again
//! alone, concurrently, with its own deadline; when the answer cannot be split
//! by rows the same happens and the model is not batched again. A merged call
//! that fails while every member succeeds alone (a model that takes only one
//! row at a time) also stops batching for that model. Requests of N rows or
//! more, without rows (JSON) or with 0 rows go straight to the pool.
//!
//! Hand-written rather than a crate: what is merged, how answers split and the
//! fallback are MLflow-specific; the queueing is a mutex-held list of open
//! batches and a timer task per batch.

mod rows;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, Opts};
use tokio::sync::oneshot;
use wasmflow_protocol::ScoringError;
use wasmflow_protocol::value::{Batch, Params};

use super::registry::LoadedModel;
use crate::runtime::Slot;
use rows::Layout;

/// `--max-batch-size` and `--max-batch-time-ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchLimits {
    /// Most rows in one merged call; requests with this many rows or more are not batched.
    pub max_rows: usize,
    /// How long the first request of a batch waits for others.
    pub max_wait: Duration,
}

impl BatchLimits {
    /// The limits, or `None` (batching off) when `max_rows` is 1 or less, as in MLServer.
    pub fn new(max_rows: usize, max_wait: Duration) -> Option<Self> {
        (max_rows > 1).then_some(Self { max_rows, max_wait })
    }
}

/// The answer a member of a batch waits for.
type Reply = Result<Batch, ScoringError>;

/// One request waiting in a batch.
struct Member {
    input: Batch,
    rows: usize,
    deadline: Instant,
    reply: oneshot::Sender<Reply>,
}

/// A batch still taking members.
struct Open {
    id: u64,
    model: Arc<LoadedModel>,
    name: String,
    layout: Layout,
    params: Params,
    rows: usize,
    members: Vec<Member>,
}

/// The batches of every model being collected, and the models not to batch.
pub struct Batcher {
    limits: BatchLimits,
    open: Mutex<Vec<Open>>,
    /// Models whose answers cannot be split or that take one row at a time
    /// (weak: the allocation, hence the address compared, outlives a reload).
    unbatched: Mutex<Vec<Weak<LoadedModel>>>,
    next_id: AtomicU64,
    sizes: HistogramVec,
    fallbacks: IntCounterVec,
}

impl Batcher {
    /// A batcher with `limits`; its metrics are registered in `metrics`.
    pub fn new(limits: BatchLimits, metrics: &super::metrics::Metrics) -> Self {
        let buckets = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0];
        let sizes = HistogramVec::new(
            HistogramOpts::new(
                "wasmflow_batch_size",
                "Requests merged into one predict call by adaptive batching (1: a request that waited alone).",
            )
            .buckets(buckets.to_vec()),
            &["model"],
        )
        .expect("valid metric");
        let fallbacks = IntCounterVec::new(
            Opts::new(
                "wasmflow_batch_fallbacks_total",
                "Merged predict calls whose requests were predicted again one by one (reason: error, unsplittable).",
            ),
            &["model", "reason"],
        )
        .expect("valid metric");
        metrics.register(Box::new(sizes.clone()));
        metrics.register(Box::new(fallbacks.clone()));
        Self {
            limits,
            open: Mutex::new(Vec::new()),
            unbatched: Mutex::new(Vec::new()),
            next_id: AtomicU64::new(0),
            sizes,
            fallbacks,
        }
    }

    /// Predicts `input` with `model` (served as `name`), merged with other
    /// requests when it can be; gives up at `deadline`.
    pub async fn predict(
        self: &Arc<Self>,
        name: &str,
        model: &Arc<LoadedModel>,
        input: Batch,
        params: Params,
        deadline: Instant,
    ) -> Result<Batch, ScoringError> {
        let batchable = rows::layout(&input).filter(|&(_, rows)| rows > 0 && rows < self.limits.max_rows);
        let Some((layout, rows)) = batchable.filter(|_| !self.is_unbatched(model)) else {
            return model.runtime.predict(input, params, deadline).await;
        };
        let (reply, answer) = oneshot::channel();
        let member = Member { input, rows, deadline, reply };
        if let Some((batch, slot)) = self.join(name, model, layout, params, member) {
            Arc::clone(self).run(batch, Some(slot)).await;
        }
        match tokio::time::timeout_at(deadline.into(), answer).await {
            Err(_) => Err(ScoringError::Timeout),
            Ok(Ok(reply)) => reply,
            Ok(Err(_)) => Err(ScoringError::Internal("the batch of this request was lost".into())),
        }
    }

    /// Adds `member` to the open batch it fits, or opens one (and starts its
    /// timer); a batch that is full, or that a member does not fit, is run now.
    /// With T = 0 and an instance idle, the new batch of `member` alone is
    /// returned with that instance, for the caller to run at once.
    fn join(
        self: &Arc<Self>,
        name: &str,
        model: &Arc<LoadedModel>,
        layout: Layout,
        params: Params,
        member: Member,
    ) -> Option<(Open, Slot)> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let same = open.iter().position(|b| Arc::ptr_eq(&b.model, model) && b.layout == layout && b.params == params);
        if let Some(i) = same {
            if open[i].rows + member.rows <= self.limits.max_rows {
                let batch = &mut open[i];
                batch.rows += member.rows;
                batch.members.push(member);
                if batch.rows >= self.limits.max_rows {
                    self.spawn_run(open.swap_remove(i));
                }
                return None;
            }
            self.spawn_run(open.swap_remove(i));
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (rows, first_deadline) = (member.rows, member.deadline);
        let batch =
            Open { id, model: Arc::clone(model), name: name.to_owned(), layout, params, rows, members: vec![member] };
        if self.limits.max_wait.is_zero()
            && let Some(slot) = model.runtime.try_reserve()
        {
            return Some((batch, slot));
        }
        open.push(batch);
        let (this, model, wait) = (Arc::clone(self), Arc::clone(model), self.limits.max_wait);
        tokio::spawn(async move {
            // T > 0: the batch runs T after it opened. T = 0: it runs as soon
            // as an instance is free (at once when one is idle).
            let slot = if wait.is_zero() {
                model.runtime.reserve(first_deadline).await.ok()
            } else {
                tokio::time::sleep(wait).await;
                None
            };
            let batch = {
                let mut open = this.open.lock().unwrap_or_else(|e| e.into_inner());
                open.iter().position(|b| b.id == id).map(|i| open.swap_remove(i))
            };
            if let Some(batch) = batch {
                this.run(batch, slot).await;
            }
        });
        None
    }

    fn spawn_run(self: &Arc<Self>, batch: Open) {
        tokio::spawn(Arc::clone(self).run(batch, None));
    }

    /// Runs a closed batch, in `slot` when an instance is already reserved,
    /// and answers each member.
    async fn run(self: Arc<Self>, batch: Open, slot: Option<Slot>) {
        let Open { model, name, params, mut members, .. } = batch;
        self.sizes.with_label_values(&[name.as_str()]).observe(members.len() as f64);
        // Callers that went away (deadline, closed connection) are not predicted.
        members.retain(|m| !m.reply.is_closed());
        if members.len() <= 1 {
            if let Some(m) = members.pop() {
                let _ = m.reply.send(predict(&model, slot, m.input, params, m.deadline).await);
            }
            return;
        }
        let inputs: Vec<&Batch> = members.iter().map(|m| &m.input).collect();
        let merged = rows::merge(&inputs);
        let deadline = members.iter().map(|m| m.deadline).max().expect("members");
        let counts: Vec<usize> = members.iter().map(|m| m.rows).collect();
        // Whether a failure is the merge's own (not the deadline or a full queue).
        let (reason, merge_failed) = match predict(&model, slot, merged, params.clone(), deadline).await {
            Ok(output) => match rows::split(output, &counts) {
                Some(parts) => {
                    for (member, part) in members.into_iter().zip(parts) {
                        let _ = member.reply.send(Ok(part));
                    }
                    return;
                }
                None => {
                    tracing::warn!("model '{name}': its answer has no row per input row; it is not batched any more");
                    self.unbatch(&model);
                    ("unsplittable", false)
                }
            },
            Err(error @ (ScoringError::Timeout | ScoringError::Overloaded { .. })) => {
                tracing::debug!("model '{name}': a batch of {} failed ({error}); predicting each alone", counts.len());
                ("error", false)
            }
            Err(error) => {
                tracing::debug!("model '{name}': a batch of {} failed ({error}); predicting each alone", counts.len());
                ("error", true)
            }
        };
        self.fallbacks.with_label_values(&[name.as_str(), reason]).inc();
        let all_ok = alone(&model, members, &params).await;
        if merge_failed && all_ok {
            tracing::warn!(
                "model '{name}': a merged batch failed where each request succeeds; it is not batched any more"
            );
            self.unbatch(&model);
        }
    }

    fn is_unbatched(&self, model: &Arc<LoadedModel>) -> bool {
        let unbatched = self.unbatched.lock().unwrap_or_else(|e| e.into_inner());
        unbatched.iter().any(|w| std::ptr::eq(w.as_ptr(), Arc::as_ptr(model)))
    }

    fn unbatch(&self, model: &Arc<LoadedModel>) {
        let mut unbatched = self.unbatched.lock().unwrap_or_else(|e| e.into_inner());
        unbatched.retain(|w| w.strong_count() > 0);
        unbatched.push(Arc::downgrade(model));
    }
}

/// `model`'s prediction of `input`, in `slot` when one is reserved.
async fn predict(
    model: &LoadedModel,
    slot: Option<Slot>,
    input: Batch,
    params: Params,
    deadline: Instant,
) -> Result<Batch, ScoringError> {
    match slot {
        Some(slot) => model.runtime.predict_in(slot, input, params, deadline).await,
        None => model.runtime.predict(input, params, deadline).await,
    }
}

/// Predicts each member alone, concurrently, each with its own deadline, and
/// answers it; true when every one succeeded.
async fn alone(model: &Arc<LoadedModel>, members: Vec<Member>, params: &Params) -> bool {
    let mut tasks = tokio::task::JoinSet::new();
    for m in members {
        let (model, params) = (Arc::clone(model), params.clone());
        tasks.spawn(async move {
            let answer = model.runtime.predict(m.input, params, m.deadline).await;
            let ok = answer.is_ok();
            let _ = m.reply.send(answer);
            ok
        });
    }
    let mut all_ok = true;
    while let Some(done) = tasks.join_next().await {
        all_ok &= done.unwrap_or(false);
    }
    all_ok
}

impl super::AppState {
    /// Predicts `input` with `model` (served as `name`): through the batcher
    /// when batching is on, else straight to the model's pool.
    pub(super) async fn predict(
        &self,
        name: &str,
        model: &Arc<LoadedModel>,
        input: Batch,
        params: Params,
        deadline: Instant,
    ) -> Result<Batch, ScoringError> {
        match &self.batcher {
            Some(batcher) => batcher.predict(name, model, input, params, deadline).await,
            None => model.runtime.predict(input, params, deadline).await,
        }
    }
}
