"""A small stand-in for MLflow inside the `python_function` component.

It holds what a models-from-code file uses when MLflow serves it: the
`mlflow.pyfunc.PythonModel` base class and `PythonModelContext`,
`mlflow.models.set_model`, `mlflow.models.ModelConfig` and
`mlflow.exceptions.MlflowException`. Anything else of MLflow (tracking,
logging models, tracing) is not here: a model file that calls it at import
fails at load with a one-line error naming the line.
"""

from mlflow import exceptions, models, pyfunc  # noqa: F401
from mlflow.models import set_model  # noqa: F401

__version__ = "3.17.2"
