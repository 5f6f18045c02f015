"""The `python_function` flavor component: componentize-py's entry module.

componentize-py runs this module once when it builds the component and
snapshots the interpreter: everything imported here (the `mlflow` stand-in, the
standard-library modules of `wasmflow_pyfunc.stdlib`) is in the component's
memory, so a model file that imports them pays nothing at load. The `model`
resource lives in `predictor.py` (componentize-py looks it up by the interface's
name); this module exports `snapshot.preload`.
"""

from wit_world import exports
from wit_world.exports import predictor as wit

import wasmflow_pyfunc.stdlib  # noqa: F401  (pre-imports the standard library)
import mlflow  # noqa: F401
import mlflow.pyfunc  # noqa: F401
import mlflow.models  # noqa: F401
from wasmflow_pyfunc import loader


class Predictor(exports.Predictor):
    """The `predictor` interface: all of it is the `model` resource."""


class Snapshot(exports.Snapshot):
    """`snapshot.preload`: loads the model under pre-initialisation and keeps it."""

    def preload(self, request: wit.LoadRequest) -> None:
        loader.preload(request)
