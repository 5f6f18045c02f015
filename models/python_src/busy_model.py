"""Loops forever on the input "spin" (the request deadline must stop it)."""

import mlflow


class Busy(mlflow.pyfunc.PythonModel):
    def predict(self, model_input: list[str], params=None) -> list[str]:
        if "spin" in model_input:
            while True:
                pass
        return model_input


mlflow.models.set_model(Busy())
