"""`mlflow.models.set_model` (how a models-from-code file names its model) and
`ModelConfig` (the model configuration, as the file reads it at import)."""

_current = {"model": None, "config": None}


def set_model(model):
    """Records the model a models-from-code file defines (a `PythonModel`
    instance or a function), as MLflow's `set_model` does."""
    from mlflow.pyfunc import PythonModel

    if not (isinstance(model, PythonModel) or callable(model)):
        from mlflow.exceptions import MlflowException

        raise MlflowException(
            "Model should either be an instance of PyFuncModel, Langchain type, or LlamaIndex index."
        )
    _current["model"] = model


class ModelConfig:
    """The model configuration a code file reads: the one the model is served
    with (`model_config` in MLmodel, or `SERVING_MODEL_CONFIG`)."""

    def __init__(self, *, development_config=None):
        config = _current["config"]
        if config is None:
            config = development_config if isinstance(development_config, dict) else {}
        self.config = config

    def to_dict(self):
        return self.config

    def get(self, key):
        if key in self.config:
            return self.config[key]
        raise KeyError(f"Key '{key}' not found in configuration: {self.config}.")
