"""Regenerates repr_fixtures.json: str() of DataFrames and str()/repr() of numpy
arrays, as pandas/numpy print them, for the message-rendering unit tests.
Run with the venv of models/README.md:  python protocol/testdata/make_repr_fixtures.py
"""
import json, os
import numpy as np, pandas as pd

frames = [
    {"data": [[5.1, 3.5, 1.4]]},
    {"data": [[0.154, 0.214, -1.143], [-0.433, 1.168, -0.421], [0.973, -0.627, -1.57]], "columns": ["c0", "c1", "c2"]},
    {"data": [[r * 100 + c + 0.5 for c in range(12)] for r in range(3)]},
    {"data": [[r * 100 + c + 0.5 for c in range(25)] for r in range(3)]},
    {"data": [[r] for r in range(61)]},
    {"data": [[r, r * 1.5, "abcd"] for r in range(61)]},
    {"data": [[1.0, None, -2.25e-7, 1e9]]},
    {"data": [[[0.1, 0.2], None], [[0.3, 0.4], "x"]], "columns": ["f", "s"]},
    {"data": [[True, 1, 0.1], [False, -5, 2.0]], "columns": ["b", "i", "f"]},
    {"data": [[123456789.0, 1e-5, 1e15, 0.0001], [1.5, 2.0, 1.0, 0.5]], "columns": ["a", "b", "c", "d"]},
    {"data": [[1, "x"], [22, "yy"]], "columns": ["a", "bb"]},
    {"data": [[1, 2]], "columns": ["a_long_column_name", "b"]},
    {"data": [[0.1 * i for i in range(8)] for _ in range(2)], "columns": [f"feature_{i}" for i in range(8)]},
    {"data": [[1.0, 2.0], [3.0, 4.0]], "index": ["r1", "row2"]},
    {"data": [["a" * 60, 1]]},
    {"data": [[float("nan"), float("inf"), -float("inf")]]},
]
arrays = [
    {"data": [[5.1, 3.5, 1.4]], "dtype": "float32"},
    {"data": [[[5.1, 3.5, 1.4, 0.2], [7.0, 3.2, 4.7, 1.4], [6.3, 3.3, 6.0, 2.5]]], "dtype": "float32"},
    {"data": [0.154, 0.214, -1.143, 0.385, 0.173, -1.246, 0.058, -0.884], "dtype": "float32"},
    {"data": [[i, 1, 2] for i in range(400)], "dtype": "int64"},
    {"data": list(range(2000)), "dtype": "int32"},
    {"data": 5, "dtype": "float32"},
    {"data": [[1.5, 2.0]], "dtype": "float64"},
    {"data": [1e-5, 1.0, 1e9], "dtype": "float64"},
    {"data": [0.1, None, float("inf")], "dtype": "float32"},
    {"data": [True, False], "dtype": "bool"},
    {"data": ["a", "bb"], "dtype": "str"},
    {"data": [[1, 2], [3, 4]], "dtype": "uint8"},
    {"data": [[[1, 2], [3, 4]], [[5, 6], [7, 8]]], "dtype": "int16"},
    {"data": [0.1 * i for i in range(30)], "dtype": "float64"},
    {"data": [1e20, 1.0], "dtype": "float64"},
    {"data": [[0.0, 0.0]], "dtype": "float32"},
    {"data": [-1.5, 2.25, 100.125], "dtype": "float32"},
    {"data": [], "dtype": "float32"},
]

out = {"frames": [], "arrays": []}
for f in frames:
    df = pd.DataFrame(data=f["data"], columns=f.get("columns"), index=f.get("index"))
    out["frames"].append({**f, "str": str(df)})
for a in arrays:
    data = [float("nan") if x is None else x for x in a["data"]] if isinstance(a["data"], list) and None in a["data"] else a["data"]
    arr = np.array(data, dtype=a["dtype"])
    out["arrays"].append({**a, "str": str(arr), "repr": repr(arr)})
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "repr_fixtures.json")
with open(path, "w") as fh:
    json.dump(out, fh, indent=1, allow_nan=True)
