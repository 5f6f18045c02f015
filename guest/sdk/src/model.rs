//! The [`Model`] trait and [`export_model!`](crate::export_model): everything a
//! custom model or a flavor writes, with the WIT resource, the metadata and the
//! snapshot slot (`snapshot.preload` → `model.load`) kept here.

use std::rc::Rc;

use crate::exports::wasmflow::inference::predictor::{
    Batch, Error, GuestModel, LoadRequest, Metadata, Model as WitModel, Param,
};

/// A model served by a component: loaded once per instance, then asked to
/// predict batch after batch.
pub trait Model: Sized + 'static {
    /// Reads the artifacts: `request.model_dir` is the model directory (read-only,
    /// `/model`); the MLmodel sections come as JSON (`flavor_config`,
    /// `pyfunc_config`, `model_config`). Fails with [`Error::Load`].
    fn load(request: &LoadRequest) -> Result<Self, Error>;

    /// Runs the model on one batch: tensors, a typed table or JSON that already fit
    /// the signature, and typed params with their defaults filled in.
    fn predict(&self, input: Batch, params: &[Param]) -> Result<Batch, Error>;

    /// What the model says about itself; by default a `python_function` model with
    /// no declared inputs or outputs (the host reads those from the MLmodel).
    fn metadata(&self) -> Metadata {
        Metadata { flavor: "python_function".into(), inputs: Vec::new(), outputs: Vec::new() }
    }
}

/// How `model.load` and `snapshot.preload` reach [`Model::load`]: through the
/// core export [`LOAD_FROM_FILES`](crate::snapshot::LOAD_FROM_FILES), which
/// `wasmflow build` seals (see [`snapshot`](crate::snapshot)). `export_model!`
/// implements it.
#[doc(hidden)]
pub trait FromFiles: Model {
    /// [`Model::load`] through the export.
    fn from_files(request: &LoadRequest) -> Result<Self, Error>;
}

/// The `model` resource over a [`Model`], shared with the snapshot's slot.
pub struct Served<M: FromFiles>(Rc<M>);

impl<M: FromFiles> GuestModel for Served<M> {
    fn load(request: LoadRequest) -> Result<WitModel, Error> {
        // The model preloaded into a snapshot when the request is the same, else a fresh load.
        crate::snapshot::load(&request, M::from_files).map(|model| WitModel::new(Served(model)))
    }

    fn metadata(&self) -> Metadata {
        self.0.metadata()
    }

    fn predict(&self, input: Batch, params: Vec<Param>) -> Result<Batch, Error> {
        self.0.predict(input, &params)
    }
}

/// Exports a [`Model`] as the component's `predictor` and `snapshot` interfaces:
/// `wasmflow_guest::export_model!(MyModel);` at the crate root of a `cdylib`
/// built for `wasm32-wasip2`.
#[macro_export]
macro_rules! export_model {
    ($model:ty) => {
        struct __WasmflowComponent;

        impl $crate::exports::wasmflow::inference::predictor::Guest for __WasmflowComponent {
            type Model = $crate::model::Served<$model>;
        }

        impl $crate::exports::wasmflow::inference::snapshot::Guest for __WasmflowComponent {
            fn preload(
                request: $crate::exports::wasmflow::inference::predictor::LoadRequest,
            ) -> ::core::result::Result<(), $crate::exports::wasmflow::inference::predictor::Error> {
                $crate::snapshot::preload(request, <$model as $crate::model::FromFiles>::from_files)
            }
        }

        /// [`Model::load`] as a core export of its own, the one way from files to
        /// a model: `wasmflow build` seals it (`snapshot::LOAD_FROM_FILES`). Never
        /// inlined, or the model's readers would stay reachable from its callers.
        #[unsafe(export_name = "wasmflow-load-from-files")]
        #[inline(never)]
        extern "C" fn __wasmflow_load_from_files(
            request: *const ::core::ffi::c_void,
            out: *mut ::core::ffi::c_void,
        ) -> u32 {
            // SAFETY: called by `load_through` only, with the pointers it promises.
            unsafe { $crate::snapshot::load_into::<$model>(request, out) }
        }

        impl $crate::model::FromFiles for $model {
            fn from_files(
                request: &$crate::exports::wasmflow::inference::predictor::LoadRequest,
            ) -> ::core::result::Result<Self, $crate::exports::wasmflow::inference::predictor::Error> {
                $crate::snapshot::load_through(request, |request, out| __wasmflow_load_from_files(request, out))
            }
        }

        $crate::export!(__WasmflowComponent);
    };
}
