#!/usr/bin/env python3
"""Write the custom-model fixtures in models/custom/ with REAL MLflow.

Each is an `mlflow.pyfunc.PythonModel` that echoes what reached `predict`: the kind
of Python object (DataFrame, ndarray, dict, ...), its column or array dtypes and
values, and the params. Recording these from `mlflow models serve`
(models/record_cases.py) pins down exactly what MLflow hands a model after format
parsing, schema enforcement and params validation. wasmflow serves the same
directories with guest/echo, a Rust component with the same logic, so the
conformance suite compares the two servers on the data the model sees.

    /tmp/wf-venv/bin/python models/make_custom_models.py
"""

import os
import shutil

import mlflow.pyfunc
import numpy as np
import pandas as pd
from mlflow.models import ModelSignature
from mlflow.types.schema import Array, ColSpec, Object, ParamSchema, ParamSpec, Property, Schema, TensorSpec

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "custom")


def describe(data):
    """What the model received, as JSON-able Python (the contract guest/echo mirrors)."""
    if isinstance(data, pd.DataFrame):
        return {"kind": "DataFrame", "columns": [
            {"name": str(c), "dtype": str(data[c].dtype), "values": data[c].tolist()} for c in data.columns]}
    if isinstance(data, np.ndarray):
        return {"kind": "ndarray", "dtype": str(data.dtype), "shape": list(data.shape), "values": data.tolist()}
    if isinstance(data, dict):
        return {"kind": "dict", "items": [dict(name=str(k), **describe(v)) for k, v in data.items()]}
    return {"kind": type(data).__name__, "value": data}


class Echo(mlflow.pyfunc.PythonModel):
    """Answers what it was given: the input as the model saw it, and the params."""

    def predict(self, context, model_input, params=None):
        return {"input": describe(model_input), "params": params}


class TypedEcho(mlflow.pyfunc.PythonModel):
    """The same echo with type hints: MLflow derives the signature from them."""

    def predict(self, model_input: list[str], params=None) -> dict:
        return {"input": describe(model_input), "params": params}


def save(name, signature, model=None):
    path = os.path.join(OUT, name)
    if os.path.exists(path):
        shutil.rmtree(path)
    if model is None:
        mlflow.pyfunc.save_model(path, python_model=Echo(), signature=signature)
    else:  # the signature comes from the type hints
        mlflow.pyfunc.save_model(path, python_model=model)
    print("wrote", path)


PARAMS = ParamSchema([
    ParamSpec("temperature", "double", 0.5),
    ParamSpec("max_tokens", "long", 16),
    ParamSpec("top_k", "integer", 4),
    ParamSpec("scale", "float", 1.5),
    ParamSpec("greedy", "boolean", False),
    ParamSpec("prefix", "string", ">"),
    ParamSpec("stop", "string", ["\n", "."], (-1,)),
    ParamSpec("weights", "double", [1.0, 2.0], (-1,)),
    ParamSpec("when", "datetime", np.datetime64("2024-01-02T03:04:05")),
])


def main():
    os.makedirs(OUT, exist_ok=True)
    save("echo-columns", ModelSignature(
        inputs=Schema([
            ColSpec("long", "a"),
            ColSpec("double", "b"),
            ColSpec("integer", "i"),
            ColSpec("float", "f"),
            ColSpec("string", "s"),
            ColSpec("boolean", "flag"),
            ColSpec("double", "opt", required=False),
        ]),
        params=PARAMS,
    ))
    save("echo-unnamed-columns", ModelSignature(inputs=Schema([ColSpec("double"), ColSpec("string")])))
    save("echo-tensor", ModelSignature(inputs=Schema([TensorSpec(np.dtype("int64"), (-1, 3))])))
    save("echo-named-tensors", ModelSignature(inputs=Schema([
        TensorSpec(np.dtype("float64"), (-1, 2), "x"),
        TensorSpec(np.dtype("int32"), (-1,), "y"),
    ])))
    save("echo-nosig", None)
    save("echo-typehint", None, TypedEcho())
    save("echo-llm", ModelSignature(
        inputs=Schema([ColSpec(Array(Object([Property("role", "string"), Property("content", "string")])),
                               "messages")]),
        params=ParamSchema([ParamSpec("temperature", "float", 0.7), ParamSpec("max_tokens", "long", 64)]),
    ))


if __name__ == "__main__":
    main()
