//! A flavor for tests of the host's resilience. `predict` reads a string
//! tensor or column named `action` and:
//! - `echo`: returns the input unchanged;
//! - `trap`: panics (a wasm trap);
//! - `loop`: spins forever (until the host's deadline interrupts it);
//! - `alloc`: allocates until the memory limit stops it;
//! - `fail`: returns an `evaluation` error;
//! - `slow`: works for half a second, then returns the input unchanged;
//! - `count`: returns how many `count` requests this instance has served
//!   (state that only a reused instance remembers).
//!
//! `on_load: trap | loop | alloc | fail` in the MLmodel's flavor section makes
//! `snapshot.preload` and `model.load` misbehave the same way instead.

use std::cell::Cell;

use wasmflow_guest::exports::wasmflow::inference::predictor::{
    Batch, Error, LoadRequest, Metadata, Param, Tensor, Values,
};
use wasmflow_guest::exports::wasmflow::inference::predictor::{Guest, GuestModel, Model};
use wasmflow_guest::exports::wasmflow::inference::snapshot::Guest as SnapshotGuest;

struct Flavor;

struct FaultModel {
    counted: Cell<i64>,
}

impl Guest for Flavor {
    type Model = FaultModel;
}

impl SnapshotGuest for Flavor {
    fn preload(request: LoadRequest) -> Result<(), Error> {
        misbehave_on_load(&request)
    }
}

impl GuestModel for FaultModel {
    fn load(request: LoadRequest) -> Result<Model, Error> {
        misbehave_on_load(&request)?;
        // Reading the preopened directory proves the host mounted it.
        std::fs::read_dir(&request.model_dir).map_err(|e| Error::Load(format!("{}: {e}", request.model_dir)))?;
        Ok(Model::new(FaultModel { counted: Cell::new(0) }))
    }

    fn metadata(&self) -> Metadata {
        Metadata { flavor: "wasmflow_fault".into(), inputs: Vec::new(), outputs: Vec::new() }
    }

    fn predict(&self, input: Batch, _params: Vec<Param>) -> Result<Batch, Error> {
        match action(&input).as_deref() {
            Some("echo") => Ok(input),
            Some(fault @ ("trap" | "loop" | "alloc")) => misbehave(fault),
            Some("fail") => Err(Error::Evaluation("asked to fail".into())),
            Some("slow") => {
                let started = std::time::Instant::now();
                while started.elapsed() < std::time::Duration::from_millis(500) {
                    std::hint::black_box(started);
                }
                Ok(input)
            }
            Some("count") => {
                self.counted.set(self.counted.get() + 1);
                let values = Values::I64(vec![self.counted.get()]);
                Ok(Batch::Tensors(vec![Tensor { name: Some("count".into()), shape: vec![1], values }]))
            }
            other => Err(Error::InvalidInput(format!("unknown action {other:?}"))),
        }
    }
}

/// Traps, spins forever or hoards memory until the host stops it.
fn misbehave(fault: &str) -> ! {
    match fault {
        "loop" => {
            let mut n: u64 = 0;
            loop {
                n = std::hint::black_box(n.wrapping_add(1));
            }
        }
        "alloc" => {
            let mut hoard: Vec<Vec<u8>> = Vec::new();
            loop {
                hoard.push(vec![1u8; 16 << 20]);
                std::hint::black_box(&hoard);
            }
        }
        _ => panic!("asked to trap"),
    }
}

/// Applies the flavor section's `on_load` (read from its JSON text by hand:
/// a test flavor needs no JSON parser).
fn misbehave_on_load(request: &LoadRequest) -> Result<(), Error> {
    let key = "\"on_load\"";
    let Some(start) = request.flavor_config.find(key).map(|at| at + key.len()) else { return Ok(()) };
    let value = request.flavor_config[start..].trim_start_matches([':', ' ', '"']);
    let fault = value.split('"').next().unwrap_or_default();
    match fault {
        "fail" => Err(Error::Load("asked to fail at load".into())),
        "trap" | "loop" | "alloc" => misbehave(fault),
        other => Err(Error::Load(format!("unknown on_load {other:?}"))),
    }
}

/// The first value of the `action` tensor or column.
fn action(input: &Batch) -> Option<String> {
    let values = match input {
        Batch::Tensors(tensors) => tensors.iter().find(|t| t.name.as_deref() == Some("action")).map(|t| &t.values),
        Batch::Table(columns) => columns.iter().find(|c| c.name == "action").map(|c| &c.values),
        Batch::Json(_) => None,
    }?;
    match values {
        Values::Utf8(v) => v.first().cloned(),
        _ => None,
    }
}

wasmflow_guest::export!(Flavor);
