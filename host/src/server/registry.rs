//! The models one server serves, by name: each loaded into its own pool of
//! instances with its own limits and deadline, or recorded as failed to load
//! (answered "not ready" rather than stopping the others).

use std::sync::Arc;
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

/// One `-m` of `wasmflow serve`.
pub struct ServedModel {
    /// The name in `/models/NAME/…` and `/v2/models/NAME…`.
    pub name: String,
    /// The registered version the URI resolved to, if it names one.
    pub version: Option<String>,
    /// Where it was loaded from: its directory, or its URI if it failed to load.
    pub source: String,
    /// The loaded model, or `None` if it failed to load (logged at start-up).
    pub loaded: Option<Arc<LoadedModel>>,
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
    pub fn loaded(&self, name: &str) -> Result<&Arc<LoadedModel>, ScoringError> {
        self.get(name).ok_or_else(|| ScoringError::ModelNotFound(name.into()))?.ready()
    }

    /// True when every model loaded.
    pub fn all_ready(&self) -> bool {
        self.models.iter().all(|m| m.loaded.is_some())
    }
}

impl ServedModel {
    /// The loaded model, or `ModelNotReady`.
    pub fn ready(&self) -> Result<&Arc<LoadedModel>, ScoringError> {
        self.loaded.as_ref().ok_or_else(|| ScoringError::ModelNotReady(self.name.clone()))
    }
}
