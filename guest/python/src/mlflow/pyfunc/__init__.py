"""`mlflow.pyfunc`: the custom-model classes a model file subclasses."""

from mlflow.pyfunc.model import PythonModel, PythonModelContext  # noqa: F401

FLAVOR_NAME = "python_function"
