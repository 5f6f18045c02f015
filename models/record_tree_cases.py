#!/usr/bin/env python3
"""Record conformance cases for the xgboost/lightgbm models from a REAL `mlflow models serve`.

Run after make_tree_models.py, with the same venv (see models/README.md):
    /tmp/wf-venv/bin/python models/record_tree_cases.py [flavor/model ...]

Uses models/record_cases.py's server handling (same command line, PYTHONHASHSEED=0,
one http.client connection per request) and writes what the server answered,
verbatim, to tests/conformance/<flavor>/<model>/<case>.json (same file format).
"""

import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import record_cases as rc  # noqa: E402

MODELS = [
    "xgboost/xgb-classifier-binary",
    "xgboost/xgb-booster-softprob",
    "xgboost/xgb-regressor-quantiles",
    "lightgbm/lgb-binary",
    "lightgbm/lgb-multiclass",
    "xgboost/xgb-booster-categorical",
    "xgboost/xgb-ranker",
    "lightgbm/lgb-categorical",
    "lightgbm/lgb-linear-tree",
    "lightgbm/lgb-sklearn-classifier",
    "lightgbm/lgb-sklearn-classifier-strings",
]
JSON = "application/json"


def cases_for(model):
    exp = rc.load_expected("trees-" + model.split("/")[1])
    cols, rows = exp["columns"], exp["data"]
    r3 = rows[:3]
    records = [dict(zip(cols, r)) for r in r3]
    rev = list(reversed(cols))
    csv = ",".join(cols) + "\n" + "\n".join(",".join("" if v is None else repr(v) for v in r) for r in r3) + "\n"
    return [
        ("split_all_rows", "dataframe_split: every held-out row, NaN as null", JSON,
         json.dumps({"dataframe_split": {"columns": cols, "data": rows}})),
        ("records_three_rows", "dataframe_records: three rows", JSON, json.dumps({"dataframe_records": records})),
        ("csv_three_rows", "CSV with a header, missing values empty", "text/csv", csv),
        ("inputs_rows", "inputs: a list of rows (an ndarray, no column names)", JSON, json.dumps({"inputs": r3})),
        ("split_reordered_columns", "dataframe_split with the columns in reverse order", JSON,
         json.dumps({"dataframe_split": {"columns": rev, "data": [list(reversed(r)) for r in r3]}})),
        ("err_split_missing_column", "dataframe_split without the last column", JSON,
         json.dumps({"dataframe_split": {"columns": cols[:-1], "data": [r[:-1] for r in r3]}})),
    ]


def record(model):
    record_into(model, os.path.join(rc.HERE, model), cases_for(model))


def record_into(name, model_dir, cases):
    """Serves `model_dir` with MLflow and writes its answers to `cases`
    ((case, description, content type, body) tuples) into tests/conformance/<name>/."""
    out_dir = os.path.join(rc.CASES_DIR, name)
    shutil.rmtree(out_dir, ignore_errors=True)
    os.makedirs(out_dir)
    port = rc.free_port()
    log_path = os.path.join(tempfile.gettempdir(), f"wf-serve-{name.replace('/', '-')}.log")
    with open(log_path, "w") as logf:
        proc, workdir, _ = rc.serve(model_dir, port, logf)
        try:
            for case, desc, ctype, body in cases:
                status, rctype, rbody = rc.request(port, "POST", "/invocations", ctype, body)
                doc = {
                    "description": desc,
                    "request": {"method": "POST", "path": "/invocations", "content_type": ctype, "body": body},
                    "response": {"status": status, "content_type": rctype, "body": rbody},
                }
                with open(os.path.join(out_dir, case + ".json"), "w") as f:
                    json.dump(doc, f, indent=2, ensure_ascii=False)
                    f.write("\n")
                print(f"{name}/{case}: {status} {rbody[:150]!r}")
        finally:
            rc.stop(proc)
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    for m in sys.argv[1:] or MODELS:
        record(m)
