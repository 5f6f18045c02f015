#!/usr/bin/env python3
"""Write the Python-model fixtures in models/python/ with REAL MLflow.

Each is a *models from code* pyfunc model: the model's class lives in a file of
models/python_src/, and `mlflow.pyfunc.save_model(python_model="<file>.py")`
copies that file into the model directory (`loader_module:
mlflow.pyfunc.loaders.code_model`). wasmflow runs the same file inside its
`python_function` component (guest/python); models/record_python_cases.py
records what `mlflow models serve` answers for them.

    /tmp/wasmflow-ci-venv/bin/python models/make_python_models.py
"""

import json
import os
import shutil
import tempfile

import mlflow.pyfunc
import pandas as pd
from mlflow.models import infer_signature

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "python_src")
OUT = os.path.join(HERE, "python")


def save(name, code, **kwargs):
    path = os.path.join(OUT, name)
    if os.path.exists(path):
        shutil.rmtree(path)
    mlflow.pyfunc.save_model(path, python_model=os.path.join(SRC, code), **kwargs)
    print("wrote", path)


def main():
    os.makedirs(OUT, exist_ok=True)
    rules_example = pd.DataFrame({"amount": [12.5, 20000.0], "country": ["FR", "XX"], "age": [30, 41]})
    save("rules", "rules_model.py", signature=infer_signature(rules_example), input_example=rules_example)

    save("normalize", "normalize_model.py", input_example=["Héllo,  World!"])

    with tempfile.TemporaryDirectory() as tmp:
        table = os.path.join(tmp, "countries.json")
        with open(table, "w") as f:
            json.dump({"_version": 3, "FR": {"name": "France", "risk": 0.1}, "XX": {"name": "Nowhere", "risk": 0.9}}, f)
        example = pd.DataFrame({"code": ["fr", "zz"]})
        save("lookup", "lookup_model.py", artifacts={"table": table}, model_config={"default_risk": 0.5},
             signature=infer_signature(example), input_example=example)

    example = pd.DataFrame({"text": ["hi", "there"]})
    params = {"prefix": ">", "repeat": 1, "upper": False, "sep": " "}
    save("params", "params_model.py", signature=infer_signature(example, params=params), input_example=example)

    save("busy", "busy_model.py", input_example=["a"])
    save("imports-numpy", "numpy_model.py", input_example=[1.0, 2.0])


if __name__ == "__main__":
    main()
