"""Business rules over records: approve, review or reject each transaction."""

import mlflow
from mlflow.models import set_model

HIGH_RISK = {"XX", "YY"}


class Rules(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        decisions = []
        for row in model_input.to_dict(orient="records"):
            amount, country, age = row["amount"], row["country"], row["age"]
            if amount < 0:
                raise ValueError(f"amount must not be negative, got {amount}")
            if age < 18:
                decisions.append({"decision": "reject", "reason": "under age"})
            elif country in HIGH_RISK or amount > 10_000:
                decisions.append({"decision": "review", "reason": f"{country} / {amount:.2f}"})
            else:
                decisions.append({"decision": "approve", "reason": None})
        return decisions


set_model(Rules())
