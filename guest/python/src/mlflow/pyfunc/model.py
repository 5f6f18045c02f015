"""`PythonModel` and `PythonModelContext`, with MLflow's attributes and defaults."""


class PythonModelContext:
    """What `load_context` and `predict` get: the artifact paths (inside the
    sandbox, under `/model`) and the model configuration."""

    def __init__(self, artifacts, model_config):
        self._artifacts = artifacts
        self._model_config = model_config

    @property
    def artifacts(self):
        """Artifact name → absolute path of the file in the model directory."""
        return self._artifacts

    @property
    def model_config(self):
        """The MLmodel's `model_config` (or `SERVING_MODEL_CONFIG`)."""
        return self._model_config


class PythonModel:
    """Base class of MLflow custom models: override `predict`, and `load_context`
    to read artifacts once at load."""

    def load_context(self, context):
        """Called once at load with the `PythonModelContext`."""

    def predict(self, context, model_input, params=None):
        raise NotImplementedError("PythonModel.predict")
