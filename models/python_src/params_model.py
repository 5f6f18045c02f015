"""Params with defaults from the params schema; an MlflowException for bad ones."""

import mlflow
from mlflow.exceptions import MlflowException


class Decorate(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        prefix, repeat, upper = params["prefix"], params["repeat"], params["upper"]
        if repeat > 10:
            raise MlflowException.invalid_parameter_value(f"repeat must be at most 10, got {repeat}")
        out = []
        for text in model_input["text"]:
            text = params["sep"].join([text] * repeat)
            out.append(prefix + (text.upper() if upper else text))
        return out


mlflow.models.set_model(Decorate())
