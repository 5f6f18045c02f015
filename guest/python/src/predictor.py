"""The WIT `model` resource of the `python_function` flavor: `load`, `metadata`
and `predict`, delegating to `wasmflow_pyfunc` (loading the model file,
converting batches, calling `predict` as MLflow's pyfunc wrapper does)."""

from wit_world.exports import predictor as wit

from wasmflow_pyfunc import convert, loader


class Model(wit.Model):
    """One loaded MLflow models-from-code model."""

    def __init__(self, loaded: "loader.Loaded"):
        self.loaded = loaded

    @classmethod
    def load(cls, request: wit.LoadRequest) -> "Model":
        return cls(loader.load(request))

    def metadata(self) -> wit.Metadata:
        return wit.Metadata(flavor="python_function", inputs=[], outputs=[])

    def predict(self, input: wit.Batch, params: list) -> wit.Batch:
        return wit.Batch_Json(convert.predict(self.loaded, input, params))
