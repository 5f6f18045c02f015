//! The model a flavor loads under `snapshot.preload`, kept for `model.load`.
//!
//! `wasmflow build` (and the host's per-request isolation) pre-initialises a
//! flavor with wizer: it calls `preload` once with the model directory mounted,
//! then snapshots the instance's memory. Resource handles do not survive a
//! snapshot, memory does; so the loaded model is kept here, and every later
//! `model.load` with the same request gets it back without touching a file (a
//! snapshotted instance has no preopens left).
//!
//! Every load from files goes through one core export, [`LOAD_FROM_FILES`]
//! (`export_model!` defines it): a component that `wasmflow build` embeds a
//! model in never loads another, so the build seals that export (its body
//! becomes "not filled") and drops the code only it reached: the model's
//! readers (pickle, skops, zip, protobuf...), often half the component. A
//! sealed component answers a load of another request with [`Error::Load`].

use std::any::Any;
use std::cell::RefCell;
use std::ffi::c_void;
use std::ptr;
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

/// Name of the core export through which a component reads a model from files
/// (`export_model!` defines it with this name; `wasmflow build` looks for it).
/// Its core type is `(i32 request, i32 out) -> i32 filled`.
pub const LOAD_FROM_FILES: &str = "wasmflow-load-from-files";

/// What a sealed component answers when asked to load from files.
const SEALED: &str = "this component was built with its model embedded and reads no model files";

/// The body of the [`LOAD_FROM_FILES`] export: `M::load(request)` into `out`; 1 = filled.
///
/// # Safety
/// `request` points to a live [`LoadRequest`] and `out` to a live
/// `Option<Result<M, Error>>`, as [`load_through`] passes them.
#[doc(hidden)]
pub unsafe fn load_into<M: crate::Model>(request: *const c_void, out: *mut c_void) -> u32 {
    // SAFETY: the caller's promise.
    let (request, out) = unsafe { (&*request.cast::<LoadRequest>(), &mut *out.cast::<Option<Result<M, Error>>>()) };
    *out = Some(M::load(request));
    1
}

/// Loads `request` through `export` (a call of the [`LOAD_FROM_FILES`] export):
/// its result, or [`Error::Load`] when the export was sealed and filled nothing.
#[doc(hidden)]
pub fn load_through<M>(
    request: &LoadRequest,
    export: impl FnOnce(*const c_void, *mut c_void) -> u32,
) -> Result<M, Error> {
    let mut out: Option<Result<M, Error>> = None;
    let filled = export(ptr::from_ref(request).cast(), ptr::from_mut(&mut out).cast());
    match out {
        Some(loaded) if filled == 1 => loaded,
        _ => Err(Error::Load(SEALED.into())),
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

    #[test]
    fn a_load_through_the_export_gets_its_result_or_the_sealed_error() {
        let fill = |request: *const c_void, out: *mut c_void| {
            // SAFETY: `load_through` passes a request and an `Option<Result<String, Error>>`.
            let (request, out) =
                unsafe { (&*request.cast::<LoadRequest>(), &mut *out.cast::<Option<Result<String, Error>>>()) };
            *out = Some(Ok(request.model_dir.clone()));
            1
        };
        assert_eq!(load_through::<String>(&request("/model"), fill).unwrap(), "/model");
        // A sealed export: its body returns 0 and fills nothing.
        let sealed = load_through::<String>(&request("/model"), |_, _| 0);
        assert!(matches!(sealed, Err(Error::Load(message)) if message == SEALED));
    }
}
