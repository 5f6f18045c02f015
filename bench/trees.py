#!/usr/bin/env python3
"""Tree ensembles: per-row cost inside the flavor component vs the reference library
natively, single-threaded, at batch 1 and 1,000 (issue 14's speed goal: ≤ 1.5× the
native library inside wasm).

    bench/.venv/bin/python bench/trees.py                 # ~2 minutes after the build
    bench/.venv/bin/python bench/trees.py --seconds 5 --models xgb-trees

Any Python with bench/requirements.txt works (mlflow 3.17.2, xgboost 3.2.0, lightgbm
4.6.0, onnxruntime 1.32.0, skl2onnx, scikit-learn). What it does:

1. writes the models of bench/tree_models.py into bench/models/ when missing
   (bench/make_models.py): xgb-trees (XGBoost, 200 trees of depth 6), lgb-trees
   (LightGBM, 200 trees of 31 leaves), forest-onnx (100-tree random forest, skl2onnx);
2. writes 1,000 rows of 20 features (10 % missing) to a CSV and runs
   `wasmflow-bench-compute --trees` (bench/compute, `cargo build --release`): the
   component's `predict` in wasmtime as `wasmflow serve` runs it (epoch interruption
   on, a DataFrame for xgboost/lightgbm, a float32 tensor for ONNX; the WIT boundary
   both ways included), and the same forest on the tree engine natively;
3. times the libraries on the same rows in this process, one thread: XGBoost
   `Booster.inplace_predict(ndarray)` (nthread 1) and, as MLflow's pyfunc calls it,
   `Booster.predict(DMatrix(DataFrame))`; LightGBM `Booster.predict(ndarray,
   num_threads=1)` and `predict(DataFrame)`; onnxruntime `InferenceSession.run` with
   one intra- and inter-op thread. Each is warmed up, then timed call by call for
   --seconds; the median per call divided by the batch is the per-row cost;
4. checks the component's outputs against the library's (1e-6 relative; labels
   exactly) and writes a markdown table to bench/results/<date>-trees.md (a number
   is appended rather than overwrite), the raw numbers beside it as .json.

The ratio that matters is wasm / library (ndarray call): the lowest-overhead call
the library has. Python's call overhead (a few µs) is in the library's figure, so at
batch 1 it favours wasmflow; at batch 1,000 it is negligible. The machine's load
average is recorded at start and end; on a loaded machine (load above its CPU
count) the figures are labelled as such.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import pathlib
import platform
import subprocess
import sys
import tempfile

import numpy as np

BENCH = pathlib.Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
import tree_models  # noqa: E402
from compute_ort import time_calls  # noqa: E402

HARNESS = "wasmflow-bench-compute"
GOAL = 1.5  # wasm / native library (issue 14)
TOLERANCE = 1e-6


def timed(fn, warmup: float, seconds: float) -> float:
    """Median seconds per call of `fn` after `warmup` seconds of calls (compute_ort's timing)."""
    return time_calls(fn, warmup, seconds)["median_us"] / 1e6


def library_calls(name: str, model_dir: pathlib.Path, x: np.ndarray):
    """(ndarray call, pyfunc-style call, outputs) of the model's own library, one thread."""
    import pandas as pd

    df = pd.DataFrame(x, columns=tree_models.COLUMNS)
    if name.startswith("xgb"):
        import xgboost as xgb

        booster = xgb.Booster(model_file=str(model_dir / "model.ubj"))
        booster.set_param({"nthread": 1})
        return (lambda: booster.inplace_predict(x), lambda: booster.predict(xgb.DMatrix(df, nthread=1)),
                booster.inplace_predict(x))
    if name.startswith("lgb"):
        import lightgbm as lgb

        booster = lgb.Booster(model_file=str(model_dir / "model.lgb"))
        return (lambda: booster.predict(x, num_threads=1), lambda: booster.predict(df, num_threads=1),
                booster.predict(x, num_threads=1))
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(model_dir / "model.onnx"), options, providers=["CPUExecutionProvider"])
    feed = {"input": x.astype(np.float32)}
    run = lambda: session.run(None, feed)  # noqa: E731
    return run, None, run()


def agree(got, want) -> tuple[bool, float]:
    """Whether the component's outputs equal the library's (flattened, in order)."""
    want = np.concatenate([np.asarray(w, dtype=np.float64).ravel() for w in (want if isinstance(want, list) else [want])])
    got = np.asarray([v for part in got for v in part] if got and isinstance(got[0], list) else got, dtype=np.float64)
    if got.shape != want.shape:
        return False, float("inf")
    rel = np.abs(got - want) / np.maximum(np.abs(want), 1e-3)
    worst = float(rel.max()) if rel.size else 0.0
    return worst <= TOLERANCE, worst


def harness(args, dirs: list[pathlib.Path], rows_csv: pathlib.Path, work: pathlib.Path) -> list[dict]:
    if args.harness:
        binary = pathlib.Path(args.harness)
    else:
        print(f"== cargo build --release -p {HARNESS}", file=sys.stderr)
        subprocess.run(["cargo", "build", "--release", "-p", HARNESS], cwd=ROOT, check=True)
        target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target")
        binary = (target if target.is_absolute() else ROOT / target) / "release" / HARNESS
    cmd = [str(binary), "--trees", str(rows_csv), "--batches", ",".join(map(str, args.batches)),
           "--seconds", f"{args.seconds:g}", "--cache-dir", str(work / "cache"), *map(str, dirs)]
    print("== " + " ".join(cmd[:1] + ["--trees", "ROWS.csv"] + cmd[3:]), file=sys.stderr)
    out = subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.PIPE).stdout.decode()
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def row(p: dict) -> str:
    """One point as a row of the report's table."""
    def cell(v):
        return "-" if v is None else f"{v:.3f}"

    lib, native = p["library_us_per_row"], p.get("native_engine_us_per_row")
    ratio = p["wasm_us_per_row"] / lib
    cells = [p["model"], str(p["batch"]), cell(p["wasm_us_per_row"]), cell(native), cell(lib),
             cell(p["library_pyfunc_us_per_row"]), f"{ratio:.2f}×", "-" if native is None else f"{native / lib:.2f}×",
             f"{'yes' if p['agree'] else 'NO'} (worst {p['worst_rel']:.1e})", "met" if ratio <= GOAL else "**not met**"]
    return "| " + " | ".join(cells) + " |"


def loadavg() -> str:
    try:
        return " ".join(pathlib.Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def report_path(date: str) -> pathlib.Path:
    path = BENCH / "results" / f"{date}-trees.md"
    n = 2
    while path.exists():
        path = BENCH / "results" / f"{date}-trees-{n}.md"
        n += 1
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default=",".join(tree_models.MODELS), help="comma-separated (default: all three)")
    parser.add_argument("--batches", default="1,1000", type=lambda s: [int(b) for b in s.split(",")])
    parser.add_argument("--seconds", type=float, default=2.0, help="timed seconds per side and point")
    parser.add_argument("--warmup", type=float, default=0.5)
    parser.add_argument("--harness", help=f"a built {HARNESS} (default: cargo build --release)")
    parser.add_argument("--no-write", action="store_true", help="print the table, write no report")
    args = parser.parse_args()
    names = args.models.split(",")
    started = dt.datetime.now(dt.timezone.utc)
    load_start = loadavg()

    missing = [n for n in names if not (BENCH / "models" / n / "MLmodel").exists()]
    if missing:
        subprocess.run([sys.executable, str(BENCH / "make_models.py"), "--out", str(BENCH / "models"), *missing],
                       check=True, cwd=BENCH)
    dirs = [BENCH / "models" / n for n in names]
    x = tree_models.rows(max(args.batches), tree_models.SEED + 9)
    with tempfile.TemporaryDirectory(prefix="wasmflow-trees-") as tmp:
        work = pathlib.Path(tmp)
        rows_csv = work / "rows.csv"
        with open(rows_csv, "w") as f:
            f.write(",".join(tree_models.COLUMNS) + "\n")
            for values in x:
                f.write(",".join("" if np.isnan(v) else repr(float(v)) for v in values) + "\n")
        points = harness(args, dirs, rows_csv, work)

    table = []
    for p in points:
        name, n = p["model"], p["batch"]
        array_call, pyfunc_call, want = library_calls(name, BENCH / "models" / name, x[:n])
        ok, worst = agree(p["outputs"], want)
        lib = timed(array_call, args.warmup, args.seconds) * 1e6 / n
        pyfunc = timed(pyfunc_call, args.warmup, args.seconds) * 1e6 / n if pyfunc_call else None
        p.update({"library_us_per_row": lib, "library_pyfunc_us_per_row": pyfunc, "agree": ok, "worst_rel": worst})
        del p["outputs"]
        table.append(p)
        print(f"{name:<12} {n:>5} wasm {p['wasm_us_per_row']:8.3f} µs/row, library {lib:8.3f} µs/row "
              f"({p['wasm_us_per_row'] / lib:.2f}x){'' if ok else '  OUTPUTS DIFFER'}", file=sys.stderr)

    load_end = loadavg()
    cpus = os.cpu_count() or 1
    loaded = max(float(v) for v in (load_start.split() + load_end.split()) if v != "?") > cpus
    versions = {}
    for module in ("xgboost", "lightgbm", "onnxruntime", "mlflow"):
        try:
            versions[module] = __import__(module).__version__
        except ImportError:
            versions[module] = "?"
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    label = f"**loaded machine** (load average above its {cpus} CPUs)" if loaded else "quiet machine"
    lines = [
        f"# Tree ensembles: the component vs the native libraries, {started:%Y-%m-%d %H:%M} UTC",
        "",
        f"{label}; load average at start {load_start}, at end {load_end}. {platform.processor() or platform.machine()}, "
        f"{cpus} CPUs, {platform.system()} {platform.release()}. wasmflow at {commit}{' (work tree modified)' if dirty else ''}; "
        + ", ".join(f"{k} {v}" for k, v in versions.items()) + f", Python {platform.python_version()}.",
        "",
        "Median per-row cost (µs) of one `predict` call of the batch, single-threaded. **wasm**: the flavor component "
        "in wasmtime as `wasmflow serve` runs it (WIT boundary both ways included); **native engine**: the same forest "
        "on wasmflow's tree engine compiled natively; **library**: the reference library's lowest-overhead call on an "
        "ndarray (XGBoost `inplace_predict`, LightGBM `Booster.predict`, onnxruntime `run`, one thread); **via pyfunc's "
        "call**: the call MLflow's pyfunc makes (DMatrix of a DataFrame, DataFrame). Outputs: the component against the "
        f"library, {TOLERANCE:g} relative. Goal (issue 14): wasm ≤ {GOAL}× the library.",
        "",
        "| model | batch | wasm | native engine | library | via pyfunc's call | wasm / library | native engine / library | outputs agree | goal ≤ 1.5× |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    lines += [row(p) for p in table]
    argv = " ".join(sys.argv[1:])
    lines += ["", f"Command: `bench/.venv/bin/python bench/trees.py{(' ' + argv) if argv else ''}`", ""]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        path = report_path(f"{started:%Y-%m-%d}")
        path.write_text(text)
        path.with_suffix(".json").write_text(json.dumps({"started": started.isoformat(), "load_start": load_start,
                                                         "load_end": load_end, "versions": versions,
                                                         "points": table}, indent=1) + "\n")
        print(f"wrote {path.relative_to(ROOT)}", file=sys.stderr)
    return 0 if all(p["agree"] for p in table) else 1


if __name__ == "__main__":
    sys.exit(main())
