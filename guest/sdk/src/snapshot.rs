//! The model a flavor loads under `snapshot.preload`, kept for `model.load`.
//!
//! `wasmflow build` (and the host's per-request isolation) pre-initialises a
//! flavor with wizer: it calls `preload` once with the model directory mounted,
//! then snapshots the instance's memory. Resource handles do not survive a
//! snapshot, memory does; so the loaded model is kept here, and every later
//! `model.load` with the same request gets it back without touching a file (a
//! snapshotted instance has no preopens left).

use std::any::Any;
use std::cell::RefCell;
use std::rc::Rc;

use crate::exports::wasmflow::inference::predictor::{Error, LoadRequest};

thread_local! {
    /// The preloaded model and the request that loaded it. Wasm components are
    /// single-threaded, so this is one slot per instance.
    static PRELOADED: RefCell<Option<(LoadRequest, Rc<dyn Any>)>> = const { RefCell::new(None) };
}

/// Loads the model of `request` with `load_model` and keeps it for [`load`].
pub fn preload<T: 'static>(
    request: LoadRequest,
    load_model: impl FnOnce(&LoadRequest) -> Result<T, Error>,
) -> Result<(), Error> {
    // Freed memory zeroed: it stays out of the snapshot (see `scrub`).
    let model: Rc<dyn Any> = Rc::new(crate::scrub::scrubbing(|| load_model(&request))?);
    PRELOADED.with(|slot| *slot.borrow_mut() = Some((request, model)));
    Ok(())
}

/// The model for `request`: the preloaded one if `request` is the one it was
/// preloaded with, otherwise a fresh `load_model(request)`.
pub fn load<T: 'static>(
    request: &LoadRequest,
    load_model: impl FnOnce(&LoadRequest) -> Result<T, Error>,
) -> Result<Rc<T>, Error> {
    let preloaded = PRELOADED.with(|slot| {
        slot.borrow().as_ref().filter(|(kept, _)| same_request(kept, request)).map(|(_, model)| model.clone())
    });
    match preloaded.map(Rc::downcast::<T>) {
        Some(Ok(model)) => Ok(model),
        _ => load_model(request).map(Rc::new),
    }
}

fn same_request(a: &LoadRequest, b: &LoadRequest) -> bool {
    a.model_dir == b.model_dir
        && a.flavor_config == b.flavor_config
        && a.pyfunc_config == b.pyfunc_config
        && a.model_config == b.model_config
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(dir: &str) -> LoadRequest {
        LoadRequest {
            model_dir: dir.into(),
            flavor_config: "{}".into(),
            pyfunc_config: "{}".into(),
            model_config: "{}".into(),
        }
    }

    #[test]
    fn the_preloaded_model_is_reused_only_for_its_request() {
        preload(request("/model"), |_| Ok(41_u32)).unwrap();
        let reused = load(&request("/model"), |_| -> Result<u32, Error> { panic!("must not load again") }).unwrap();
        assert_eq!(*reused, 41);
        assert_eq!(*load(&request("/other"), |_| Ok(7_u32)).unwrap(), 7);
        // A different model type for the same request loads afresh.
        assert_eq!(*load(&request("/model"), |_| Ok("text")).unwrap(), "text");
    }
}
