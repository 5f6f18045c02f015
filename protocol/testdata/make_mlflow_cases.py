"""Regenerates mlflow_cases.json: MLflow's own scoring code (`invocations()` of
mlflow.pyfunc.scoring_server, the function behind /invocations) answering
requests for echo models with column / unnamed-column / params signatures.
Run with the venv of models/README.md:  python protocol/testdata/make_mlflow_cases.py
"""
import json, os, sys, tempfile, warnings, logging
warnings.filterwarnings("ignore")
logging.disable(logging.CRITICAL)
import mlflow, mlflow.pyfunc
from mlflow.exceptions import MlflowException
from mlflow.models import ModelSignature
import numpy as np
from mlflow.types import Schema, ColSpec, ParamSchema, ParamSpec, TensorSpec
from mlflow.pyfunc.scoring_server import invocations


class EchoInput(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        return model_input


class EchoParams(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        return params


COLS = Schema([
    ColSpec("double", "a"), ColSpec("long", "b"), ColSpec("string", "c"),
    ColSpec("boolean", "d"), ColSpec("float", "e", required=False), ColSpec("integer", "f"),
])
UNNAMED = Schema([ColSpec("string")])
UNNAMED2 = Schema([ColSpec("double"), ColSpec("long")])
PARAMS = ParamSchema([
    ParamSpec("temperature", "float", 0.5), ParamSpec("max_tokens", "long", 10),
    ParamSpec("stop", "string", ["\n"], (-1,)), ParamSpec("flag", "boolean", False),
    ParamSpec("d", "double", 1.5), ParamSpec("n", "integer", 1),
])

row = {"a": 1.5, "b": 2, "c": "x", "d": True, "f": 3}
row2 = {"a": 2, "b": 3, "c": "yy", "d": False, "f": -1}
J = "application/json"
models = {
    "cols": (EchoInput(), ModelSignature(inputs=COLS, params=PARAMS), [
        (J, {"dataframe_records": [row, row2]}),
        (J, {"dataframe_records": [{**row, "e": 0.25, "zz": 9}, row2]}),
        (J, {"dataframe_split": {"columns": list(row), "data": [list(row.values()), list(row2.values())]}}),
        (J, {"dataframe_split": {"columns": ["f", "d", "c", "b", "a"], "data": [[3, True, "x", 2, 1.5]]}}),
        (J, {"inputs": {k: [v] for k, v in row.items()}}),
        (J, {"inputs": row}),
        (J, {"instances": [row, row2]}),
        (J, {"inputs": [row, row2]}),
        (J, {"dataframe_records": [{"a": 1.5, "c": "x"}]}),
        (J, {"dataframe_records": [{"a": "nope", "b": 2, "c": "x", "d": True, "f": 3}]}),
        (J, {"dataframe_records": [{"a": 1.5, "b": 2.7, "c": 5, "d": 0, "f": 9007199254740991.0}]}),
        (J, {"dataframe_records": [{"a": 1.5, "b": None, "c": "x", "d": True, "f": 3}]}),
        (J, {"dataframe_records": [row], "params": [1]}),
        (J, {"dataframe_records": [row], "params": {"temperature": "hot"}}),
        (J, {"inputs": [[1, 2, 3]]}),
        (J, {"inputs": {"a": [1.5, 2.5], "b": [1], "c": ["x", "y"], "d": [True, True], "f": [1, 2]}}),
        (J, {"instances": [{"a": 1.5, "b": 2}, {"a": 2.5}]}),
        ("text/csv", "a,b,c,d,f\n1.5,2,x,True,3\n2,3,yy,False,-1\n"),
        ("text/csv", "a,b,c,d,f\nzz,2,x,True,3\n"),
        ("text/csv", "a,c\n1.5,x\n"),
        (J, {"messages": [{"role": "user", "content": "hi"}], "temperature": 0.1}),
    ]),
    "unnamed": (EchoInput(), ModelSignature(inputs=UNNAMED), [
        (J, {"inputs": ["a", "b"]}),
        (J, {"instances": ["a", "b"]}),
        (J, {"dataframe_split": {"data": [["a"], ["b"]]}}),
        (J, {"inputs": [1, 2]}),
        (J, {"inputs": {"x": ["a"]}}),
        ("text/csv", "q\na\nb\n"),
        ("text/csv", "q\n1\n2\n"),
    ]),
    "unnamed2": (EchoInput(), ModelSignature(inputs=UNNAMED2), [
        (J, {"dataframe_split": {"data": [[1.5, 2], [2, 3]]}}),
        (J, {"dataframe_split": {"data": [[1.5]]}}),
        (J, {"inputs": [[1.5, 2, 9]]}),
        ("text/csv", "x,y\n1.5,2\n"),
        ("text/csv", "x,y\n1.5,2.5\n"),
        ("text/csv", "x,y\n1.5,\n"),
    ]),
    "params": (EchoParams(), ModelSignature(inputs=Schema([ColSpec("string", "x")]), params=PARAMS), [
        (J, {"inputs": {"x": ["a"]}}),
        (J, {"inputs": {"x": ["a"]}, "params": {"temperature": 1, "stop": ["a", "b"], "zzz": 3}}),
        (J, {"inputs": {"x": ["a"]}, "params": {"max_tokens": 1.5}}),
        (J, {"inputs": {"x": ["a"]}, "params": {"n": 3000000000}}),
        (J, {"inputs": {"x": ["a"]}, "params": {"stop": "x"}}),
        (J, {"inputs": {"x": ["a"]}, "params": {"flag": 1}}),
        (J, {"inputs": {"x": ["a"]}, "params": {"d": "1.5"}}),
        (J, {"inputs": {"x": ["a"]}, "params": {"temperature": [0.5]}}),
    ]),
    "tensors2": (EchoInput(), ModelSignature(inputs=Schema([
        TensorSpec(np.dtype("float32"), (-1, 2), "x"), TensorSpec(np.dtype("int64"), (-1,), "y")])), [
        (J, {"inputs": {"x": [[1, 2], [3, 4]], "y": [7, 8]}}),
        (J, {"inputs": {"x": [[1, 2]]}}),
        (J, {"inputs": {"x": [[1, 2]], "y": [1.5]}}),
        (J, {"inputs": [[1, 2]]}),
        (J, {"instances": [{"x": [1, 2], "y": 7}, {"x": [3, 4], "y": 8}]}),
        (J, {"dataframe_records": [{"x": [1, 2], "y": 7}, {"x": [3, 4], "y": 8}]}),
        (J, {"dataframe_split": {"columns": ["x", "y"], "data": [[[1, 2], 7]]}}),
        (J, {"dataframe_records": [{"x": [1, 2, 3], "y": 7}]}),
        (J, {"inputs": {"x": [[1, "a"]], "y": [1]}}),
        (J, {"inputs": {"x": [[1, 2]], "y": [300000000000000000000]}}),
    ]),
    "tensor_int": (EchoInput(), ModelSignature(inputs=Schema([TensorSpec(np.dtype("int32"), (-1, 2))])), [
        (J, {"inputs": [[1, 2], [3, 4]]}),
        (J, {"inputs": [[1.7, 2], [3, 4]]}),
        (J, {"inputs": [[true_ := True, False]]}),
        (J, {"dataframe_split": {"data": [[1.5, 2], [3, 4]]}}),
        (J, {"dataframe_records": [{"a": 1}, {"a": 2}]}),
        (J, {"inputs": 5}),
        (J, {"inputs": [[None, 1]]}),
    ]),
    "typed_cols": (EchoInput(), ModelSignature(inputs=Schema([
        ColSpec("binary", "bin"), ColSpec("datetime", "when"), ColSpec("long", "n", required=False)])), [
        (J, {"dataframe_records": [{"bin": "YWJj", "when": "2024-01-02"}]}),
        (J, {"dataframe_records": [{"bin": "YWJj", "when": "2024-01-02", "n": 5}]}),
        (J, {"dataframe_records": [{"bin": "!!", "when": "2024-01-02"}]}),
        (J, {"dataframe_records": [{"bin": "YWJj", "when": "2024-01-02", "n": 1.5}]}),
        (J, {"inputs": {"bin": ["YWJj"], "when": ["2024-01-02"]}}),
        ("text/csv", "bin,when\nYWJj,2024-01-02\n"),
        (J, {"dataframe_records": [{"bin": "YWJj", "when": "2024-01-02 10:30:00.5"}]}),
        (J, {"dataframe_records": [{"bin": "YWJj", "when": "not a date"}]}),
        # Impossible calendar dates and clock times (pandas and numpy refuse them).
        *[(J, {fmt: body}) for when in ["2024-02-31", "2023-02-29", "2024-02-29", "2024-13-01", "2024-00-10",
                                         "2024-01-02 25:61", "2024-01-02T24:00:00", "2024-01-02T23:59:60",
                                         "2024-01-02T10:61", "2024-01-02T10:30:00.123456789"]
          for fmt, body in [("dataframe_records", [{"bin": "YWJj", "when": when}]),
                            ("inputs", {"bin": ["YWJj"], "when": [when]})]],
        *[("text/csv", f"bin,when\nYWJj,{when}\n") for when in ["2024-02-31", "2024-01-02 25:61"]],
    ]),
    "nosig": (EchoInput(), None, [
        (J, {"dataframe_records": [{"a": 1, "b": "x"}, {"a": 2, "b": None}]}),
        (J, {"dataframe_split": {"columns": ["a", "b"], "data": [[1, 2.5], [3, None]]}}),
        (J, {"inputs": [[1, 2], [3, 4]]}),
        (J, {"inputs": [1.5, 2]}),
        (J, {"inputs": {"a": [1, 2], "b": ["x", "y"]}}),
        (J, {"instances": [{"a": 1, "b": 2}, {"a": 3, "b": 4}]}),
        (J, {"inputs": [True, False]}),
        (J, {"inputs": "text"}),
        (J, {"prompt": "hello", "max_tokens": 3}),
        ("text/csv", "a,b,c\n1,2.5,x\n3,,y\n"),
        ("text/csv", "a,b\n1,True\n2,False\n"),
    ]),
}

out = []
for name, (model_obj, sig, cases) in models.items():
    path = os.path.join(tempfile.mkdtemp(), "model")
    mlflow.pyfunc.save_model(path, python_model=model_obj, signature=sig)
    model = mlflow.pyfunc.load_model(path)
    input_schema = model.metadata.get_input_schema()
    sig_json = None
    if sig is not None:
        d = sig.to_dict()
        sig_json = {"inputs": d.get("inputs"), "outputs": d.get("outputs"), "params": d.get("params")}
    for ct, body in cases:
        text = body if isinstance(body, str) else json.dumps(body)
        try:
            r = invocations(text, ct, model, input_schema)
            resp = {"status": r.status, "content_type": r.mimetype, "body": r.response}
        except MlflowException as e:
            resp = {"status": e.get_http_status_code(), "content_type": "application/json",
                    "body": e.serialize_as_json()}
        out.append({"model": name, "signature": sig_json,
                    "request": {"content_type": ct, "body": text}, "response": resp})

dest = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mlflow_cases.json")
with open(dest, "w") as fh:
    json.dump(out, fh, indent=1)
print(len(out), "cases")
