#!/usr/bin/env python3
"""Record golden conformance cases from a REAL `mlflow models serve`.

Run after make_models.py, with the same venv (see models/README.md):
    /tmp/wf-venv/bin/python models/record_cases.py [model-name ...]

For each model directory it starts
    mlflow models serve -m models/<name> -h 127.0.0.1 -p <free port> --env-manager local
(with the venv's bin first on PATH and PYTHONHASHSEED=0, so that messages which
render Python sets come out in a stable order), waits for GET /ping, sends every case
below with http.client (so the exact body and Content-Type header are under our
control: content_type None means no Content-Type header at all), and writes what the
server answered, verbatim, to tests/conformance/<name>/<case>.json. Nothing is "fixed":
500s and odd bodies are recorded as they are.
"""

import base64
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CASES_DIR = os.path.join(ROOT, "tests", "conformance")
ONNX_MODELS = ["iris-onnx", "mlp-onnx", "iris-onnx-nosig", "mlp-onnx-nosig"]
# Custom pyfunc models (models/make_custom_models.py) that echo what reached predict.
CUSTOM_MODELS = ["echo-columns", "echo-unnamed-columns", "echo-tensor", "echo-named-tensors", "echo-nosig",
                 "echo-llm", "echo-typehint"]
# sklearn models (models/sklearn/<name>, recorded as sklearn-<name>): how sklearn's input
# validation fails inside MLflow (issue 13): NaN / infinity where the estimator does not
# take them, no rows, columns sklearn's feature-name check refuses.
SKLEARN_MODELS = ["sklearn-diabetes-linear", "sklearn-diabetes-gb", "sklearn-diabetes-rf", "sklearn-iris-rf",
                  "sklearn-diabetes-nan-hgb", "sklearn-iris-svc-rbf", "sklearn-diabetes-linear-nosig",
                  "sklearn-titanic-imputer-logreg", "sklearn-iris-knn-auto"]
# ONNX-ML models (models/onnx-ml/<name>, recorded as onnx-ml/<name>): skl2onnx's default
# output (Scaler, LinearClassifier, ZipMap, tree ensembles); MLflow answers ZipMap's
# list of dicts.
ONNX_ML_MODELS = ["onnx-ml/scaler-logreg", "onnx-ml/rf-classifier", "onnx-ml/gb-regressor"]
MODELS = ONNX_MODELS + CUSTOM_MODELS + SKLEARN_MODELS + ONNX_ML_MODELS
JSON = "application/json"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dumps(obj):
    return json.dumps(obj)


def load_expected(name):
    with open(os.path.join(HERE, "expected", name + ".json")) as f:
        return json.load(f)


def csv_text(header, rows):
    lines = [",".join(header)] if header is not None else []
    lines += [",".join(repr(v) for v in r) for r in rows]
    return "\n".join(lines) + "\n"


def cases_for(name):
    """(case-name, description, method, path, content_type, body) tuples."""
    exp = load_expected(name)
    rows, input_name = exp["inputs"], exp["input_name"]
    width = len(rows[0])
    r1, r3, r50 = rows[:1], rows[:3], rows[:50]
    # iris: pick one row of each class; mlp: first three rows.
    if name.startswith("iris"):
        r3 = [rows[0], rows[50], rows[100]]
    cols = [f"c{i}" for i in range(width)]
    numcols = [str(i) for i in range(width)]
    named = input_name if name.startswith("mlp") else None  # named-tensor cases
    wrong_width = [r[: width - 1] for r in r1]

    c = []

    def add(case, desc, body, ctype=JSON, method="POST", path="/invocations"):
        c.append((case, desc, method, path, ctype, body))

    # -- plain endpoints
    add("get_ping", "GET /ping", "", None, "GET", "/ping")
    add("get_health", "GET /health", "", None, "GET", "/health")
    add("get_version", "GET /version", "", None, "GET", "/version")
    add("get_invocations", "GET on /invocations (POST-only route)", "", None, "GET")
    add("get_unknown_path", "GET on an unknown path", "", None, "GET", "/nope")
    add("post_ping", "POST on /ping (GET-only route)", "{}", JSON, "POST", "/ping")

    # -- accepted formats
    add("inputs_rows", "inputs: list of 3 rows", dumps({"inputs": r3}))
    add("inputs_one_row", "inputs: a single row (list of 1 row)", dumps({"inputs": r1}))
    add("inputs_batch_50", "inputs: 50-row batch", dumps({"inputs": r50}))
    add("inputs_int_values", "inputs: JSON integers instead of floats",
        dumps({"inputs": [[int(round(v)) for v in r] for r in r1]}))
    add("inputs_dict_by_name", f"inputs: dict keyed by the ONNX input name ({input_name})",
        dumps({"inputs": {input_name: r3}}))
    add("instances_rows", "instances: list of 3 rows", dumps({"instances": r3}))
    if named:
        add("instances_records_named", "instances: list of {features: row} objects",
            dumps({"instances": [{named: r} for r in r3]}))
    add("dataframe_split_columns", "dataframe_split with columns c0..cN and data",
        dumps({"dataframe_split": {"columns": cols, "data": r3}}))
    add("dataframe_split_no_columns", "dataframe_split with data only",
        dumps({"dataframe_split": {"data": r3}}))
    add("dataframe_split_index", "dataframe_split with index, columns and data",
        dumps({"dataframe_split": {"index": [0, 1, 2], "columns": cols, "data": r3}}))
    add("dataframe_split_bad_index", "dataframe_split with index of length 2 for 3 rows",
        dumps({"dataframe_split": {"index": [0, 1], "columns": cols, "data": r3}}))
    if named:
        add("dataframe_split_named_column",
            "dataframe_split with one column named like the tensor, cells are rows",
            dumps({"dataframe_split": {"columns": [named], "data": [[r] for r in r3]}}))
    add("dataframe_records_numeric_keys", "dataframe_records with keys \"0\"..",
        dumps({"dataframe_records": [dict(zip(numcols, r)) for r in r3]}))
    add("dataframe_records_named_keys", "dataframe_records with keys c0..",
        dumps({"dataframe_records": [dict(zip(cols, r)) for r in r3]}))
    if named:
        add("dataframe_records_tensor_name", "dataframe_records [{features: row}, ...]",
            dumps({"dataframe_records": [{named: r} for r in r3]}))
    add("csv_with_header", "text/csv with header row c0..", csv_text(cols, r3), "text/csv")
    add("csv_numeric_header", "text/csv with header row 0..", csv_text(numcols, r3),
        "text/csv")
    add("csv_no_header", "text/csv without header (first row becomes header)",
        csv_text(None, r3), "text/csv")
    add("params_without_schema", "inputs plus params for a model without params schema",
        dumps({"inputs": r3, "params": {"temperature": 0.5}}))
    add("charset_utf8_upper", "Content-Type application/json; charset=UTF-8",
        dumps({"inputs": r3}), "application/json; charset=UTF-8")
    add("unknown_key_with_inputs", "unknown top-level key alongside inputs",
        dumps({"inputs": r3, "extra": 1}))
    add("inputs_null_value", "inputs with a null cell", dumps({"inputs": [[None] + r1[0][1:]]}))
    add("inputs_nan_token", "inputs with a bare NaN token (non-strict JSON)",
        '{"inputs": [[NaN' + "".join(", " + repr(v) for v in r1[0][1:]) + "]]}")
    add("llm_input_key", "top-level key 'input' (unified LLM detection)",
        dumps({"input": r3}))

    # -- errors
    add("err_invalid_json", "body is not valid JSON", '{"inputs": [[1, 2,')
    add("err_empty_json_body", "empty body with application/json", "")
    add("err_json_list", "JSON list body", dumps(r3))
    add("err_json_scalar", "JSON scalar body", "42")
    add("err_empty_object", "{} (no format key)", "{}")
    add("err_unknown_key_only", "only an unknown key", dumps({"data": r3}))
    add("err_two_format_keys", "inputs and instances together",
        dumps({"inputs": r3, "instances": r3}))
    add("err_wrong_rank", "inputs: flat list (rank 1)", dumps({"inputs": r1[0]}))
    add("err_rank3", "inputs: rank-3 nested list", dumps({"inputs": [r3]}))
    add("err_wrong_width", f"inputs: rows of width {width - 1}",
        dumps({"inputs": wrong_width}))
    add("err_ragged_rows", "inputs: rows of different widths",
        dumps({"inputs": [r3[0], r3[1][:-1]]}))
    add("err_non_numeric", "inputs: strings", dumps({"inputs": [["a"] * width]}))
    add("err_empty_inputs", "inputs: empty list", dumps({"inputs": []}))
    add("err_dataframe_split_list", "dataframe_split is a list",
        dumps({"dataframe_split": r3}))
    add("err_dataframe_split_no_data", "dataframe_split without data",
        dumps({"dataframe_split": {"columns": cols}}))
    add("err_dataframe_records_dict", "dataframe_records is a dict",
        dumps({"dataframe_records": dict(zip(numcols, r1[0]))}))
    add("err_dataframe_split_wrong_width", "dataframe_split with too few columns",
        dumps({"dataframe_split": {"data": wrong_width}}))
    add("err_params_not_dict", "params is a list", dumps({"inputs": r3, "params": [1]}))
    add("err_content_type_text_plain", "Content-Type text/plain",
        dumps({"inputs": r3}), "text/plain")
    add("err_content_type_format_param", "application/json; format=pandas-split",
        dumps({"inputs": r3}), "application/json; format=pandas-split")
    add("err_content_type_latin1", "application/json; charset=latin-1",
        dumps({"inputs": r3}), "application/json; charset=latin-1")
    add("err_content_type_uppercase", "Content-Type Application/JSON (case differs)",
        dumps({"inputs": r3}), "Application/JSON")
    add("err_no_content_type", "POST without a Content-Type header",
        dumps({"inputs": r3}), None)
    add("err_csv_empty", "text/csv with an empty body", "", "text/csv")
    add("err_csv_wrong_columns", f"text/csv with {width - 1} columns",
        csv_text(cols[:-1], wrong_width), "text/csv")
    add("err_csv_non_numeric", "text/csv with a non-numeric cell",
        csv_text(cols, [["x"] + r1[0][1:]]), "text/csv")

    # -- Parquet (MLflow 3.x also accepts application/vnd.apache.parquet); binary bodies
    add("parquet_float32_columns", "parquet body: DataFrame of float32 columns c0..",
        parquet_bytes({k: [r[i] for r in r3] for i, k in enumerate(cols)}, "float32"),
        PARQUET)
    add("parquet_float64_columns", "parquet body: DataFrame of float64 columns c0..",
        parquet_bytes({k: [r[i] for r in r3] for i, k in enumerate(cols)}, "float64"),
        PARQUET)
    if named:
        add("parquet_named_list_column",
            "parquet body: one column named like the tensor, cells are float32 lists",
            parquet_bytes({named: r3}, "list"), PARQUET)
    add("err_parquet_garbage", "parquet content type with a non-parquet body",
        b"not a parquet file", PARQUET)
    # -- hostile nesting: numpy's 64-dimension limit, MLflow's recursion limit,
    #    and a body far past it (MLflow's own JSON parser raises unhandled: 500)
    for depth in (100, 600, 100_000):
        add(f"err_nested_inputs_{depth}", f"inputs nested {depth} lists deep",
            '{"inputs": ' + "[" * depth + "]" * depth + "}")
    return c


PARQUET = "application/vnd.apache.parquet"


def custom_cases_for(name):
    """Cases for the echo models: what MLflow hands the model, per format and rule."""
    c = []

    def add(case, desc, body, ctype=JSON):
        c.append((case, desc, "POST", "/invocations", ctype, body if isinstance(body, str) else dumps(body)))

    if name == "echo-columns":
        cols = ["a", "b", "i", "f", "s", "flag", "opt"]
        rows = [[1, 1.5, 7, 0.25, "x", True, 2.5], [2, -3.0, -8, 1.1, "y", False, None]]
        req = cols[:-1]
        add("split_all_columns", "dataframe_split with every column", {"dataframe_split": {"columns": cols, "data": rows}})
        add("records_all_columns", "dataframe_records with every column",
            {"dataframe_records": [dict(zip(cols, r)) for r in rows]})
        add("split_without_optional", "optional column absent",
            {"dataframe_split": {"columns": req, "data": [r[:-1] for r in rows]}})
        add("split_extra_and_reordered", "columns in another order plus an extra one (dropped)",
            {"dataframe_split": {"columns": ["zzz"] + req[::-1], "data": [["extra"] + r[:-1][::-1] for r in rows]}})
        add("inputs_columnar", "inputs as a dict of columns",
            {"inputs": {k: [r[i] for r in rows] for i, k in enumerate(req)}})
        add("inputs_records", "inputs as a list of records", {"inputs": [dict(zip(req, r[:-1])) for r in rows]})
        add("instances_records", "instances as a list of records", {"instances": [dict(zip(req, r[:-1])) for r in rows]})
        add("inputs_single_record", "inputs as one record (scalars)", {"inputs": dict(zip(req, rows[0][:-1]))})
        add("csv_all_columns", "text/csv with a header", "a,b,i,f,s,flag\n1,1.5,7,0.25,x,True\n2,-3.0,-8,1.1,y,False\n",
            "text/csv")
        add("split_lenient_casts", "dataframe_split values pandas astype()-casts: float->long, int->string, str->bool",
            {"dataframe_split": {"columns": req, "data": [[1.7, 2, 3, 4, 5, 1.5], [9.0, 3, 4, 5, 6, 0]]}})
        add("split_int32_overflow", "9007199254740991.0 into an integer column (MLflow's test_parse_with_schema)",
            {"dataframe_split": {"columns": req, "data": [[1, 1.0, 9007199254740991.0, 1.0, "s", True]]}})
        add("inputs_int_into_double", "inputs: JSON ints into double and float columns",
            {"inputs": {"a": [1], "b": [2], "i": [3], "f": [4], "s": ["s"], "flag": [True]}})
        add("err_missing_required", "required column b missing",
            {"dataframe_split": {"columns": ["a", "i", "f", "s", "flag"], "data": [[1, 2, 3.0, "s", True]]}})
        add("err_missing_with_extra", "required columns missing, extra ones present",
            {"dataframe_records": [{"a": 1, "q": 2, "r": 3}]})
        add("err_split_string_into_long", "dataframe_split: a string into a long column",
            {"dataframe_split": {"columns": req, "data": [["x", 1.0, 1, 1.0, "s", True]]}})
        add("err_inputs_float_into_long", "inputs: 1.5 into a long column",
            {"inputs": {"a": [1.5], "b": [2.0], "i": [3], "f": [4.0], "s": ["s"], "flag": [True]}})
        add("err_inputs_string_into_double", "inputs: a string into a double column",
            {"inputs": {"a": [1], "b": ["x"], "i": [3], "f": [4.0], "s": ["s"], "flag": [True]}})
        add("err_inputs_unequal_lengths", "inputs: columns of different lengths",
            {"inputs": {"a": [1, 2], "b": [2.0], "i": [3], "f": [4.0], "s": ["s"], "flag": [True]}})
        one = {"dataframe_split": {"columns": req, "data": [rows[0][:-1]]}}
        add("params_defaults", "no params: the model gets every default", one)
        add("params_all_given", "every param given", dict(one, params={
            "temperature": 0.1, "max_tokens": 5, "top_k": 2, "scale": 0.25, "greedy": True, "prefix": "x",
            "stop": ["a", "b"], "weights": [0.5], "when": "2025-06-01T12:30:00"}))
        add("params_int_into_double_and_float", "ints for double and float params",
            dict(one, params={"temperature": 1, "scale": 2}))
        add("params_long_into_integer", "an int for an integer param", dict(one, params={"top_k": 9}))
        add("params_float_into_float", "0.2 for a float param (float32)", dict(one, params={"scale": 0.2}))
        add("params_int_list_into_double_list", "ints for a double list param", dict(one, params={"weights": [1, 2, 3]}))
        add("params_empty_list", "an empty list param", dict(one, params={"stop": []}))
        add("params_unknown_ignored", "unknown params are ignored", dict(one, params={"nope": 1, "temperature": 0.9}))
        add("params_date_only", "a date for a datetime param", dict(one, params={"when": "2025-06-01"}))
        add("err_params_not_dict", "params is a list", dict(one, params=[1]))
        add("err_params_string_into_long", "a string for a long param", dict(one, params={"max_tokens": "many"}))
        add("err_params_float_into_long", "1.5 for a long param", dict(one, params={"max_tokens": 1.5}))
        add("err_params_list_for_scalar", "a list for a scalar param", dict(one, params={"temperature": [0.1]}))
        add("err_params_scalar_for_list", "a scalar for a list param", dict(one, params={"stop": "a"}))
        add("err_params_bad_datetime", "not a datetime", dict(one, params={"when": "not a date"}))
        add("err_params_bool_into_double", "a bool for a double param", dict(one, params={"temperature": True}))
        add("err_params_string_into_bool", "a string for a boolean param", dict(one, params={"greedy": "yes"}))
        add("err_params_nested_list", "a 2-D list for a 1-D param", dict(one, params={"weights": [[1.0]]}))
        add("err_llm_prompt_on_columns", "a prompt body on a column model", {"prompt": "hi", "temperature": 0.3})
    elif name == "echo-unnamed-columns":
        add("split_two_columns", "dataframe_split with two columns", {"dataframe_split": {"data": [[1.5, "a"], [2, "b"]]}})
        add("split_three_columns", "three columns: the first two are used by position",
            {"dataframe_split": {"data": [[1.5, "a", 9], [2.5, "b", 8]]}})
        add("inputs_rows", "inputs as rows", {"inputs": [[1.5, "a"], [2.5, "b"]]})
        add("records_named_anything", "dataframe_records with any names",
            {"dataframe_records": [{"p": 1.0, "q": "a"}, {"p": 2.0, "q": "b"}]})
        add("split_number_into_string", "a number in the string column",
            {"dataframe_split": {"data": [[1.5, 5], [2.5, 6]]}})
        add("err_split_one_column", "one column for two", {"dataframe_split": {"data": [[1.5], [2.5]]}})
        add("err_split_string_into_double", "a string in the double column", {"dataframe_split": {"data": [["x", "a"]]}})
        add("csv_two_columns", "text/csv", "p,q\n1.5,a\n2.5,b\n", "text/csv")
    elif name == "echo-tensor":
        add("inputs_ints", "inputs: int rows", {"inputs": [[1, 2, 3], [4, 5, 6]]})
        add("inputs_floats_truncated", "inputs: floats cast to int64", {"inputs": [[1.7, -2.2, 3.0]]})
        add("instances_rows", "instances: rows", {"instances": [[1, 2, 3]]})
        add("split_rows", "dataframe_split", {"dataframe_split": {"data": [[1, 2, 3], [4, 5, 6]]}})
        add("records_rows", "dataframe_records", {"dataframe_records": [{"a": 1, "b": 2, "c": 3}]})
        add("csv_rows", "text/csv", "a,b,c\n1,2,3\n", "text/csv")
        add("params_without_schema", "params for a model without a params schema",
            {"inputs": [[1, 2, 3]], "params": {"temperature": 0.5}})
        add("err_wrong_width", "rows of width 2", {"inputs": [[1, 2]]})
        add("err_rank1", "a flat list", {"inputs": [1, 2, 3]})
        add("err_strings", "strings", {"inputs": [["a", "b", "c"]]})
        add("err_null", "a null cell", {"inputs": [[1, None, 3]]})
    elif name == "echo-named-tensors":
        add("inputs_dict", "inputs: a dict of arrays", {"inputs": {"x": [[1, 2], [3, 4]], "y": [5, 6]}})
        add("instances_records", "instances: records", {"instances": [{"x": [1, 2], "y": 5}, {"x": [3, 4], "y": 6}]})
        add("split_columns", "dataframe_split: x holds rows, y scalars",
            {"dataframe_split": {"columns": ["x", "y"], "data": [[[1.0, 2.0], 5], [[3.0, 4.0], 6]]}})
        add("inputs_extra_tensor", "an extra tensor is dropped",
            {"inputs": {"x": [[1, 2]], "y": [5], "z": [0]}})
        add("inputs_float_into_int32", "1.9 into the int32 tensor", {"inputs": {"x": [[1, 2]], "y": [1.9]}})
        add("err_missing_tensor", "y missing", {"inputs": {"x": [[1, 2]]}})
        add("err_wrong_shape", "x of width 3", {"inputs": {"x": [[1, 2, 3]], "y": [5]}})
        add("err_list_input", "a list for a named-tensor model", {"inputs": [[1, 2]]})
    elif name == "echo-nosig":
        add("inputs_int_rows", "inputs: int rows", {"inputs": [[1, 2], [3, 4]]})
        add("inputs_float_rows", "inputs: float rows", {"inputs": [[1.5, 2], [3, 4]]})
        add("inputs_strings", "inputs: strings", {"inputs": ["a", "bb", "ccc"]})
        add("inputs_bools", "inputs: bools", {"inputs": [True, False]})
        add("inputs_dict", "inputs: a dict of arrays", {"inputs": {"a": [1, 2], "b": [0.5, 1.5], "c": ["x", "y"]}})
        add("inputs_scalar", "inputs: a scalar", {"inputs": 5})
        add("inputs_nested_3d", "inputs: a 3-D list", {"inputs": [[[1, 2]], [[3, 4]]]})
        add("instances_rows", "instances: rows", {"instances": [[1, 2], [3, 4]]})
        add("split_mixed_types", "dataframe_split: int, float, string and bool columns",
            {"dataframe_split": {"columns": ["i", "f", "s", "b"], "data": [[1, 1.5, "x", True], [2, 2.5, "y", False]]}})
        add("split_ints_and_floats", "dataframe_split: a column of ints and floats",
            {"dataframe_split": {"columns": ["n"], "data": [[1], [2.5]]}})
        add("split_null_in_floats", "dataframe_split: a null among floats",
            {"dataframe_split": {"columns": ["n"], "data": [[1.5], [None]]}})
        add("records_missing_keys", "dataframe_records with a key missing in one record",
            {"dataframe_records": [{"a": 1, "b": 2.0}, {"a": 3}]})
        add("records_int_columns", "dataframe_records: int columns", {"dataframe_records": [{"a": 1}, {"a": 2}]})
        add("csv_mixed", "text/csv with mixed columns", "i,f,s\n1,1.5,x\n2,2.5,y\n", "text/csv")
        add("params_without_schema", "params without a params schema",
            {"inputs": [[1, 2]], "params": {"temperature": 0.5}})
        add("llm_prompt", "a prompt body: no format parsing, answer not wrapped", {"prompt": "hi", "max_tokens": 5})
        add("llm_messages", "a messages body", {"messages": [{"role": "user", "content": "hi"}]})
    elif name == "echo-typehint":
        add("inputs_strings", "inputs: a list of strings, handed over as is", {"inputs": ["a", "bb"]})
        add("inputs_with_params", "inputs plus params (no params schema)", {"inputs": ["a"], "params": {"k": 1}})
        add("err_inputs_wrong_type", "inputs: ints for list[str]", {"inputs": [1, 2]})
        add("err_inputs_not_list", "inputs: a string for list[str]", {"inputs": "a"})
        add("err_dataframe_split", "dataframe_split on a type-hint model",
            {"dataframe_split": {"columns": ["x"], "data": [["a"]]}})
        add("err_instances", "instances on a type-hint model", {"instances": ["a"]})
        add("llm_prompt", "a prompt body on a type-hint model", {"prompt": "hi"})
        add("csv_rows", "text/csv on a type-hint model", "x\na\nb\n", "text/csv")
    elif name == "echo-llm":
        msgs = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}]
        add("llm_messages", "messages body: answer not wrapped in predictions", {"messages": msgs})
        add("llm_messages_with_params", "params beside messages are split by the params schema",
            {"messages": msgs, "temperature": 0.2, "max_tokens": 8})
        add("llm_unknown_key_stays_in_data", "a key outside the params schema stays in the data",
            {"messages": msgs, "user": "u1"})
        add("inputs_messages", "the same through inputs (answer wrapped)", {"inputs": {"messages": [msgs]}})
        add("inputs_messages_params", "inputs plus params", {"inputs": {"messages": [msgs]}, "params": {"temperature": 1}})
        add("err_llm_missing_role", "a message without role", {"messages": [{"content": "hi"}]})
        add("err_llm_extra_property", "a message with an unknown property",
            {"messages": [{"role": "user", "content": "hi", "name": "x"}]})
        add("err_llm_messages_not_list", "messages is a string", {"messages": "hi"})
        add("err_llm_prompt_only", "a prompt body on a messages model", {"prompt": "hi"})
        add("err_llm_bad_param", "a param of the wrong type", {"messages": msgs, "max_tokens": "many"})
    return c


def sklearn_cases_for(name):
    """Cases for a sklearn model, from the rows of its models/expected/<name>.json."""
    exp = load_expected(name)
    cols, rows = exp["columns"], exp["data"][:3]
    # The cell changed is a float column's: a NaN in an int column is the signature's error, not sklearn's.
    numeric = [j for j, v in enumerate(rows[0]) if isinstance(v, float)]
    c = []

    def add(case, desc, body):
        c.append((case, desc, "POST", "/invocations", JSON, body if isinstance(body, str) else dumps(body)))

    def with_cell(value):
        changed = [list(r) for r in rows]
        changed[1][numeric[0]] = value
        return changed

    add("split_rows", "dataframe_split: three rows", {"dataframe_split": {"columns": cols, "data": rows}})
    add("split_null_cell", f"a null (NaN) in column {cols[numeric[0]]}",
        {"dataframe_split": {"columns": cols, "data": with_cell(None)}})
    # json.dumps writes the bare tokens Infinity / -Infinity, which MLflow's json.loads reads.
    add("split_infinity_cell", f"Infinity in column {cols[numeric[0]]}",
        {"dataframe_split": {"columns": cols, "data": with_cell(float("inf"))}})
    add("split_minus_infinity_cell", f"-Infinity in column {cols[numeric[0]]}",
        {"dataframe_split": {"columns": cols, "data": with_cell(float("-inf"))}})
    add("split_no_rows", "dataframe_split with no rows", {"dataframe_split": {"columns": cols, "data": []}})
    add("records_no_rows", "dataframe_records: an empty list", {"dataframe_records": []})
    if name == "sklearn-diabetes-linear-nosig":
        add("split_reordered_columns", "the columns in reverse order",
            {"dataframe_split": {"columns": cols[::-1], "data": [r[::-1] for r in rows]}})
        add("split_unknown_column", "the first column renamed",
            {"dataframe_split": {"columns": ["bogus"] + cols[1:], "data": rows}})
        add("split_extra_column", "an extra column at the end",
            {"dataframe_split": {"columns": cols + ["extra"], "data": [r + [0.0] for r in rows]}})
        add("split_missing_column", "the last column left out",
            {"dataframe_split": {"columns": cols[:-1], "data": [r[:-1] for r in rows]}})
        add("inputs_rows", "inputs: bare rows (no column names)", {"inputs": rows})
    if name == "sklearn-titanic-imputer-logreg":
        strings = [j for j, v in enumerate(rows[0]) if isinstance(v, str)]
        changed = [list(r) for r in rows]
        changed[1][strings[-1]] = None
        add("split_null_string", f"a null in the string column {cols[strings[-1]]}",
            {"dataframe_split": {"columns": cols, "data": changed}})
    return c


def parquet_bytes(columns, kind):
    import io

    import numpy as np
    import pandas as pd

    if kind == "list":
        df = pd.DataFrame({k: [np.asarray(v, dtype=np.float32) for v in vals]
                           for k, vals in columns.items()})
    else:
        df = pd.DataFrame({k: np.asarray(v, dtype=kind) for k, v in columns.items()})
    buf = io.BytesIO()
    df.to_parquet(buf, engine="pyarrow", index=False)
    return buf.getvalue()


def request(port, method, path, ctype, body):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {}
    if ctype is not None:
        headers["Content-Type"] = ctype
    if isinstance(body, bytes):
        data = body
    else:
        data = body.encode("utf-8") if (method != "GET" or body) else None
    conn.request(method, path, body=data, headers=headers)
    resp = conn.getresponse()
    raw = resp.read()
    out = (resp.status, resp.getheader("Content-Type"), raw.decode("utf-8"))
    conn.close()
    return out


def serve(model_dir, port, logf):
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env["PYTHONHASHSEED"] = "0"
    cmd = [os.path.join(os.path.dirname(sys.executable), "mlflow"), "models", "serve",
           "-m", model_dir, "-h", "127.0.0.1", "-p", str(port), "--env-manager", "local"]
    workdir = tempfile.mkdtemp(prefix="wf-serve-")  # keep mlflow.db etc. out of the repo
    proc = subprocess.Popen(cmd, cwd=workdir, env=env, stdout=logf, stderr=subprocess.STDOUT,
                            start_new_session=True)
    deadline = time.time() + 180
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"mlflow models serve exited with {proc.returncode}")
        try:
            if request(port, "GET", "/ping", None, "")[0] == 200:
                return proc, workdir, cmd
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError("server did not answer /ping in time")


def stop(proc):
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def onnx_ml_cases_for(name):
    """A few formats for an ONNX-ML model, from the rows of its expected.json."""
    with open(os.path.join(HERE, name, "expected.json")) as f:
        rows = json.load(f)["inputs"][:3]
    width = len(rows[0])
    cols = [f"c{i}" for i in range(width)]
    c = []

    def add(case, desc, body, ctype=JSON):
        c.append((case, desc, "POST", "/invocations", ctype, body))

    add("inputs_rows", "inputs: list of 3 rows", dumps({"inputs": rows}))
    add("instances_rows", "instances: list of 3 rows", dumps({"instances": rows}))
    add("dataframe_split_columns", "dataframe_split with columns c0..cN and data",
        dumps({"dataframe_split": {"columns": cols, "data": rows}}))
    add("dataframe_records_named_keys", "dataframe_records with keys c0..",
        dumps({"dataframe_records": [dict(zip(cols, r)) for r in rows]}))
    add("csv_with_header", "text/csv with header row c0..", csv_text(cols, rows), "text/csv")
    add("err_wrong_width", f"inputs: rows of width {width - 1}", dumps({"inputs": [r[:-1] for r in rows]}))
    return c


def model_dir_of(name):
    if name in ONNX_ML_MODELS:
        return os.path.join(HERE, name)
    if name in SKLEARN_MODELS:
        return os.path.join(HERE, "sklearn", name.removeprefix("sklearn-"))
    return os.path.join(HERE, "custom", name) if name in CUSTOM_MODELS else os.path.join(HERE, name)


def record(name):
    model_dir = model_dir_of(name)
    out_dir = os.path.join(CASES_DIR, name)
    if os.path.exists(out_dir):
        shutil.rmtree(out_dir)
    os.makedirs(out_dir)
    port = free_port()
    log_path = os.path.join(tempfile.gettempdir(), f"wf-serve-{name.replace('/', '-')}.log")
    with open(log_path, "w") as logf:
        proc, workdir, cmd = serve(model_dir, port, logf)
        try:
            if name in SKLEARN_MODELS:
                cases = sklearn_cases_for(name)
            elif name in ONNX_ML_MODELS:
                cases = onnx_ml_cases_for(name)
            else:
                cases = custom_cases_for(name) if name in CUSTOM_MODELS else cases_for(name)
            for case, desc, method, path, ctype, body in cases:
                status, rctype, rbody = request(port, method, path, ctype, body)
                req = {"method": method, "path": path, "content_type": ctype, "body": body}
                if isinstance(body, bytes):  # binary body: body is null, bytes in base64
                    req["body"] = None
                    req["body_base64"] = base64.b64encode(body).decode("ascii")
                doc = {
                    "description": desc,
                    "request": req,
                    "response": {"status": status, "content_type": rctype, "body": rbody},
                }
                with open(os.path.join(out_dir, case + ".json"), "w") as f:
                    json.dump(doc, f, indent=2, ensure_ascii=False)
                    f.write("\n")
                print(f"{name}/{case}: {status} {rbody[:100]!r}")
        finally:
            stop(proc)
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"{name}: server log in {log_path}")


def main(argv):
    for name in argv or MODELS:
        record(name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
