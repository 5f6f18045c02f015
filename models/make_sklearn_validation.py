#!/usr/bin/env python3
"""What scikit-learn's input validation does to each sklearn fixture (issue 13).

Run from the repository root with the venv of models/README.md (same pins):
    /tmp/wf-venv/bin/python models/make_sklearn_validation.py

For every models/expected/sklearn-<name>.json it loads models/sklearn/<name> with
mlflow.sklearn.load_model and calls its predict_fn on three inputs built from the
fixture's first two rows, as MLflow's server hands them to the model (a DataFrame,
or a float64 ndarray when the fixture has no columns):
  nan:   the first numeric cell of row 1 set to NaN (a JSON null);
  inf:   the same cell set to +inf (a JSON Infinity);
  empty: no rows.
It writes models/expected/validation/sklearn-<name>.json:
  {"model", "cases": {case: {"error": "<the exception's message>"} | {"outputs": ...}}}
MLflow's server answers any such exception with 400 BAD_REQUEST, the message in its
stack_trace (see tests/conformance/sklearn-*).
"""

import glob
import json
import math
import os

import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))


def frame(exp, rows):
    if exp["columns"] is None:
        return np.array([[math.nan if v is None else v for v in r] for r in rows], dtype=np.float64).reshape(
            len(rows), len(exp["data"][0]))
    df = pd.DataFrame([[np.nan if v is None else v for v in r] for r in rows], columns=exp["columns"])
    if not rows:  # keep the column types a served frame would have
        full = pd.DataFrame([[np.nan if v is None else v for v in r] for r in exp["data"][:1]], columns=exp["columns"])
        df = full.iloc[:0]
    return df


def main():
    import mlflow.sklearn

    out_dir = os.path.join(HERE, "expected", "validation")
    os.makedirs(out_dir, exist_ok=True)
    for path in sorted(glob.glob(os.path.join(HERE, "expected", "sklearn-*.json"))):
        exp = json.load(open(path))
        name = os.path.basename(path)[len("sklearn-"):-len(".json")]
        model = mlflow.sklearn.load_model(os.path.join(HERE, "sklearn", name))
        rows = [list(r) for r in exp["data"][:2]]
        col = next(j for j, v in enumerate(rows[0]) if isinstance(v, (int, float)) and not isinstance(v, bool))
        cases = {}
        for case, value in (("nan", math.nan), ("inf", math.inf), ("empty", None)):
            changed = [list(r) for r in rows]
            if case == "empty":
                changed = []
            else:
                changed[1][col] = value
            try:
                result = getattr(model, exp["predict_fn"])(frame(exp, changed))
                cases[case] = {"outputs": [None if isinstance(v, float) and v != v else v
                                           for v in np.asarray(result).reshape(-1).tolist()]}
            except Exception as e:  # noqa: BLE001 - any exception is what MLflow reports
                cases[case] = {"error": str(e), "type": type(e).__name__}
        with open(os.path.join(out_dir, f"sklearn-{name}.json"), "w") as f:
            json.dump({"model": name, "column": col, "cases": cases}, f, indent=1)
            f.write("\n")
        print(name, {k: (v.get("error", "ok")[:70]) for k, v in cases.items()})


if __name__ == "__main__":
    main()
