#!/usr/bin/env python3
"""Record the ensemble's conformance cases (models/ensemble/, MLflow's documented
EnsembleModel) from a REAL `mlflow models serve`.

Run after make_ensemble_model.py, with the same venv (see models/README.md):
    /tmp/wasmflow-ci-venv/bin/python models/record_ensemble_cases.py

Uses models/record_tree_cases.py's recorder (record_cases.py's server command,
PYTHONHASHSEED=0, one http.client connection per request) and writes what the
server answered, verbatim, to tests/conformance/ensemble/<case>.json (same file
format). tests/e2e/ensemble.rs replays them against guest/ensemble.
"""

import json
import os
import sys

from sklearn.datasets import load_diabetes

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import record_cases as rc  # noqa: E402
import record_tree_cases as rtc  # noqa: E402

JSON = "application/json"
COLUMNS = ["age", "bmi", "bp", "s5"]


def cases():
    data = load_diabetes(as_frame=True).data[COLUMNS]
    rows = data.iloc[::20].values.tolist()  # 23 rows across the data set
    r3 = rows[:3]
    records = [dict(zip(COLUMNS, r)) for r in r3]
    rev = list(reversed(COLUMNS))
    csv = ",".join(COLUMNS) + "\n" + "\n".join(",".join(repr(v) for v in r) for r in r3) + "\n"
    return [
        ("split_rows", "dataframe_split: rows across the data set", JSON,
         json.dumps({"dataframe_split": {"columns": COLUMNS, "data": rows}})),
        ("records_rows", "dataframe_records: three rows", JSON, json.dumps({"dataframe_records": records})),
        ("csv_rows", "CSV with a header", "text/csv", csv),
        ("split_reordered_columns", "dataframe_split with the columns in reverse order", JSON,
         json.dumps({"dataframe_split": {"columns": rev, "data": [list(reversed(r)) for r in r3]}})),
        ("inputs_columns", "inputs: a dict of columns", JSON,
         json.dumps({"inputs": {c: [r[i] for r in r3] for i, c in enumerate(COLUMNS)}})),
        ("split_out_of_range", "values far outside the training data", JSON,
         json.dumps({"dataframe_split": {"columns": COLUMNS, "data": [[5.0, -3.0, 100.0, -0.5], [0, 0, 0, 0]]}})),
        ("err_missing_column", "dataframe_split without the last column (schema enforcement)", JSON,
         json.dumps({"dataframe_split": {"columns": COLUMNS[:-1], "data": [r[:-1] for r in r3]}})),
        ("err_text_value", "a string in a double column (schema enforcement)", JSON,
         json.dumps({"dataframe_records": [{"age": "old", "bmi": 0.0, "bp": 0.0, "s5": 0.0}]})),
    ]


if __name__ == "__main__":
    rtc.record_into("ensemble", os.path.join(rc.HERE, "ensemble"), cases())
