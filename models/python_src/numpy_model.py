"""Imports numpy, which the sandbox does not have."""
import numpy as np

import mlflow


class Mean(mlflow.pyfunc.PythonModel):
    def predict(self, model_input: list[float], params=None) -> float:
        return float(np.mean(model_input))


mlflow.models.set_model(Mean())
