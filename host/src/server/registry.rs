//! The models one server serves, by name: each loaded into its own pool of
//! instances with its own limits and deadline, or recorded as failed to load
//! (answered "not ready" rather than stopping the others). What a name serves
//! can be replaced whole while requests run ([`ServedModel::replace`], used by
//! `--watch`): a request takes one [`Serving`] and finishes on it.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use wasmflow_protocol::{ScoringError, Signature};

use crate::runtime::Runtime;

/// A model ready to score requests.
pub struct LoadedModel {
    pub runtime: Runtime,
    /// The model's signature, enforced before the model is called.
    pub signature: Option<Arc<Signature>>,
    /// The scoring deadline of one request (`-t`).
    pub timeout: Duration,
    /// The flavor whose component serves it (V2's `platform`).
    pub flavor: String,
}

/// What one served name answers with at one moment: a model version and its
/// loaded model. Never changed in place; a reload swaps in a new one.
pub struct Serving {
    /// The name in `/models/NAME/…` and `/v2/models/NAME…`.
    pub name: String,
    /// The registered version the URI resolved to, if it names one.
    pub version: Option<String>,
    /// Where it was loaded from: its directory, or its URI if it failed to load.
    pub source: String,
    /// The loaded model, or `None` if it failed to load (logged).
    pub loaded: Option<Arc<LoadedModel>>,
}

impl Serving {
    /// The loaded model, or `ModelNotReady`.
    pub fn ready(&self) -> Result<Arc<LoadedModel>, ScoringError> {
        self.loaded.clone().ok_or_else(|| ScoringError::ModelNotReady(self.name.clone()))
    }
}

/// One `-m` of `wasmflow serve`.
pub struct ServedModel {
    /// The name in `/models/NAME/…` and `/v2/models/NAME…`.
    pub name: String,
    /// The model URI given on the command line (what `--watch` re-resolves).
    pub uri: String,
    /// What is served now. A `RwLock<Arc<…>>` rather than the `arc-swap` crate:
    /// readers hold the lock only to clone an `Arc` and the writer only to
    /// store a pointer, so at request rates there is nothing to contend on and
    /// no dependency is needed; a request keeps its `Arc` (the old model stays
    /// alive until the requests that took it finish).
    current: RwLock<Arc<Serving>>,
}

impl ServedModel {
    pub fn new(uri: impl Into<String>, serving: Serving) -> Self {
        Self { name: serving.name.clone(), uri: uri.into(), current: RwLock::new(Arc::new(serving)) }
    }

    /// What is served now; requests use the one they took until they finish.
    pub fn current(&self) -> Arc<Serving> {
        Arc::clone(&self.current.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// Serves `serving` from now on and returns what was served before (the
    /// caller drops it, outside the lock; requests in flight still hold it).
    pub fn replace(&self, serving: Serving) -> Arc<Serving> {
        let mut current = self.current.write().unwrap_or_else(|e| e.into_inner());
        std::mem::replace(&mut *current, Arc::new(serving))
    }

    /// The loaded model now served, or `ModelNotReady`.
    pub fn ready(&self) -> Result<Arc<LoadedModel>, ScoringError> {
        self.current().ready()
    }

    /// Whether a model is loaded now.
    pub fn is_ready(&self) -> bool {
        self.current().loaded.is_some()
    }
}

/// Every served model, in the order of the `-m` options.
pub struct Registry {
    models: Vec<ServedModel>,
}

impl Registry {
    /// A registry of `models`; the first one answers `/invocations` and `/ping`.
    /// Panics without models (the command line requires one).
    pub fn new(models: Vec<ServedModel>) -> Self {
        assert!(!models.is_empty(), "a server serves at least one model");
        Self { models }
    }

    /// The model of the unnamed MLflow routes (`/invocations`, `/ping`).
    pub fn first(&self) -> &ServedModel {
        &self.models[0]
    }

    /// Every model, in command-line order.
    pub fn models(&self) -> &[ServedModel] {
        &self.models
    }

    /// The model served as `name`.
    pub fn get(&self, name: &str) -> Option<&ServedModel> {
        self.models.iter().find(|m| m.name == name)
    }

    /// The loaded model served as `name`: `ModelNotFound` if there is none,
    /// `ModelNotReady` if it failed to load.
    pub fn loaded(&self, name: &str) -> Result<Arc<LoadedModel>, ScoringError> {
        self.get(name).ok_or_else(|| ScoringError::ModelNotFound(name.into()))?.ready()
    }

    /// True when every model is loaded.
    pub fn all_ready(&self) -> bool {
        self.models.iter().all(ServedModel::is_ready)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn not_loaded(name: &str, version: &str) -> Serving {
        Serving { name: name.into(), version: Some(version.into()), source: "models:/m@a".into(), loaded: None }
    }

    #[test]
    fn a_replaced_model_stays_with_those_who_took_it() {
        let served = ServedModel::new("models:/m@a", not_loaded("m", "1"));
        let taken = served.current();
        let before = served.replace(not_loaded("m", "2"));
        assert!(Arc::ptr_eq(&taken, &before));
        assert_eq!(taken.version.as_deref(), Some("1"));
        assert_eq!(served.current().version.as_deref(), Some("2"));
        assert!(matches!(served.ready(), Err(ScoringError::ModelNotReady(name)) if name == "m"));
    }
}
