#!/usr/bin/env python3
"""Record conformance cases for the Python models (models/python/) from a REAL
`mlflow models serve`.

Run after make_python_models.py, with the same venv (see models/README.md):
    /tmp/wasmflow-ci-venv/bin/python models/record_python_cases.py [model ...]

Uses models/record_tree_cases.py's recorder (record_cases.py's server command,
PYTHONHASHSEED=0, one http.client connection per request) and writes what the
server answered, verbatim, to tests/conformance/python/<model>/<case>.json (same file format).
`busy` and `imports-numpy` are not recorded: one loops, the other cannot run in
wasmflow's sandbox (tests/e2e/python.rs checks both).
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import record_cases as rc  # noqa: E402
import record_tree_cases as rtc  # noqa: E402

JSON = "application/json"


def j(obj):
    return json.dumps(obj)


CASES = {
    "rules": [
        ("split_rows", "dataframe_split: three transactions", JSON,
         j({"dataframe_split": {"columns": ["amount", "country", "age"],
                                "data": [[12.5, "FR", 30], [20000.0, "DE", 41], [5.0, "XX", 16]]}})),
        ("records_rows", "dataframe_records, columns out of order", JSON,
         j({"dataframe_records": [{"age": 50, "country": "YY", "amount": 99.0}, {"age": 22, "country": "FR", "amount": 1.0}]})),
        ("csv_rows", "CSV with a header", "text/csv", "amount,country,age\n1.5,FR,30\n12000,IT,40\n"),
        ("err_negative_amount", "the model raises ValueError: MLflow's 400 BAD_REQUEST", JSON,
         j({"dataframe_split": {"columns": ["amount", "country", "age"], "data": [[-5.0, "FR", 30]]}})),
        ("err_missing_column", "a required column is missing (schema enforcement, before the model)", JSON,
         j({"dataframe_split": {"columns": ["amount", "country"], "data": [[1.0, "FR"]]}})),
    ],
    "normalize": [
        ("inputs_strings", "type hint list[str]: inputs handed over as a list", JSON,
         j({"inputs": ["Héllo,  World!", "  Ça   VA?  ", "naïve café-au-lait"]})),
        ("inputs_empty_string", "an empty string", JSON, j({"inputs": [""]})),
        ("err_inputs_not_strings", "list[str] hint: a number is refused", JSON, j({"inputs": ["a", 1]})),
        ("err_dataframe_split", "a type-hint model needs `inputs`", JSON,
         j({"dataframe_split": {"columns": ["x"], "data": [["a"]]}})),
        ("err_inputs_string", "list[str] hint: a bare string is refused", JSON, j({"inputs": "Hello"})),
        ("inputs_unicode", "non-ASCII text, tabs and newlines", JSON,
         j({"inputs": ["Straße\tÜber\nAlles", "ÉCOLE — d'été", "日本語 テキスト!"]})),
    ],
    "lookup": [
        ("split_codes", "codes looked up in the JSON artifact, default risk from model_config", JSON,
         j({"dataframe_split": {"columns": ["code"], "data": [["fr"], ["xx"], ["zz"]]}})),
        ("records_codes", "dataframe_records", JSON, j({"dataframe_records": [{"code": "FR"}]})),
        ("csv_codes", "CSV with a header", "text/csv", "code\nxx\nfr\n"),
        ("split_extra_column", "an extra column is dropped", JSON,
         j({"dataframe_split": {"columns": ["code", "other"], "data": [["fr", 1]]}})),
        ("err_number_code", "a number in a string column (schema enforcement)", JSON,
         j({"dataframe_records": [{"code": 5}]})),
    ],
    "params": [
        ("defaults", "no params: the schema's defaults", JSON,
         j({"dataframe_split": {"columns": ["text"], "data": [["hi"], ["yo"]]}})),
        ("some_params", "two params given, the others default", JSON,
         j({"dataframe_records": [{"text": "hi"}], "params": {"repeat": 3, "upper": True}})),
        ("all_params", "every param given", JSON,
         j({"dataframe_records": [{"text": "a"}], "params": {"prefix": "# ", "repeat": 2, "upper": False, "sep": "-"}})),
        ("err_param_type", "a param of the wrong type (host-side check)", JSON,
         j({"dataframe_records": [{"text": "a"}], "params": {"repeat": "many"}})),
        ("err_mlflow_exception", "the model raises MlflowException.invalid_parameter_value", JSON,
         j({"dataframe_records": [{"text": "a"}], "params": {"repeat": 11}})),
    ],
}


def record(model):
    rtc.record_into(f"python/{model}", os.path.join(rc.HERE, "python", model), CASES[model])


if __name__ == "__main__":
    for m in sys.argv[1:] or CASES:
        record(m)
