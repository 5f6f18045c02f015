"""Reads a JSON artifact in load_context and a default from model_config."""

import json

from mlflow.pyfunc import PythonModel
from mlflow.models import set_model


class Lookup(PythonModel):
    def load_context(self, context):
        with open(context.artifacts["table"], encoding="utf-8") as f:
            self.table = json.load(f)
        self.default_risk = context.model_config["default_risk"]

    def predict(self, context, model_input, params=None):
        names, risks = [], []
        for code in model_input["code"]:
            entry = self.table.get(code.upper(), {})
            names.append(entry.get("name", "unknown"))
            risks.append(entry.get("risk", self.default_risk))
        return {"name": names, "risk": risks, "version": self.table["_version"]}


set_model(Lookup())
