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
server answered, verbatim, to tests/cases/<name>/<case>.json. Nothing is "fixed":
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
CASES_DIR = os.path.join(ROOT, "tests", "cases")
MODELS = ["iris-onnx", "mlp-onnx", "iris-onnx-nosig", "mlp-onnx-nosig"]
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
    return c


PARQUET = "application/vnd.apache.parquet"


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


def record(name):
    model_dir = os.path.join(HERE, name)
    out_dir = os.path.join(CASES_DIR, name)
    if os.path.exists(out_dir):
        shutil.rmtree(out_dir)
    os.makedirs(out_dir)
    port = free_port()
    log_path = os.path.join(tempfile.gettempdir(), f"wf-serve-{name}.log")
    with open(log_path, "w") as logf:
        proc, workdir, cmd = serve(model_dir, port, logf)
        try:
            for case, desc, method, path, ctype, body in cases_for(name):
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
