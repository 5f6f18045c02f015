#!/usr/bin/env python3
"""onnxruntime's time per call on the same models, batch sizes and inputs as
bench/compute (wasmflow-bench-compute), for the compute table of bench/run.

    bench/.venv/bin/python bench/compute_ort.py [--batches 1,64] [--seconds 2] [--threads 1,0] MODEL_DIR...

For each MLflow `onnx` model directory (its flavor's `data` file, external data
beside it) and batch size, an `InferenceSession` with onnxruntime's defaults
(CPU provider, ORT_ENABLE_ALL graph optimisations) runs the same pseudo-random
f32 inputs as the harness (the same xorshift, the same seed), warmed up, then
timed call by call (`session.run`, no pandas, no MLflow) for --seconds.

Threads: `1` sets intra_op_num_threads=1 and inter_op_num_threads=1, the fair
comparison with tract, which runs single-threaded (tract-linalg's default
executor; wasmflow does not enable its multithread-mm feature); `0` leaves both
at onnxruntime's default (intra-op: one thread per physical core).

stdout: one JSON object per line (`"kind": "ort"`); stderr: a short table.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import statistics
import sys
import time

import numpy as np
import onnxruntime as ort
import yaml

MASK = (1 << 64) - 1


def inputs(session: ort.InferenceSession, batch: int, seed: int) -> dict[str, np.ndarray]:
    """The harness's inputs: xorshift64 (13, 7, 17), the top 24 bits / 2**24."""
    state = seed | 1
    feeds = {}
    for info in session.get_inputs():
        if info.type != "tensor(float)":
            raise SystemExit(f"input {info.name} is {info.type}: this script feeds float32 only")
        shape = []
        for axis, dim in enumerate(info.shape):
            if isinstance(dim, int) and dim >= 0:
                shape.append(dim)
            elif axis == 0:
                shape.append(batch)
            else:
                raise SystemExit(f"input {info.name} has an unknown dimension on axis {axis}")
        values = np.empty(int(np.prod(shape)), dtype=np.float32)
        for i in range(values.size):
            state ^= (state << 13) & MASK
            state ^= state >> 7
            state ^= (state << 17) & MASK
            values[i] = (state >> 40) / float(1 << 24)
        feeds[info.name] = values.reshape(shape)
    return feeds


def time_calls(fn, warmup: float, seconds: float) -> dict:
    started = time.perf_counter()
    while time.perf_counter() - started < warmup:
        fn()
    samples = []
    started = time.perf_counter()
    while len(samples) < 10 or time.perf_counter() - started < seconds:
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    samples.sort()

    def at(q: float) -> float:
        return round(samples[round((len(samples) - 1) * q)] * 1e6, 1)

    return {"median_us": at(0.5), "p10_us": at(0.1), "p90_us": at(0.9), "iters": len(samples),
            "mean_us": round(statistics.fmean(samples) * 1e6, 1)}


def model_file(model_dir: pathlib.Path) -> pathlib.Path:
    mlmodel = yaml.safe_load((model_dir / "MLmodel").read_text())
    return model_dir / ((mlmodel.get("flavors", {}).get("onnx") or {}).get("data") or "model.onnx")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", nargs="+", type=pathlib.Path)
    parser.add_argument("--batches", default="1,64")
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--warmup", type=float, default=0.5)
    parser.add_argument("--threads", default="1,0", help="intra-op threads per run; 0 = onnxruntime's default (default 1,0)")
    args = parser.parse_args()
    batches = [int(b) for b in args.batches.split(",") if b.strip()]
    threads = [int(t) for t in args.threads.split(",") if t.strip()]
    rows = []
    for model_dir in args.models:
        path = model_file(model_dir)
        for n in threads:
            options = ort.SessionOptions()
            if n:
                options.intra_op_num_threads = n
                options.inter_op_num_threads = n
            session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
            for batch in batches:
                # Same seed as the harness: 0x5eed ^ batch.
                feeds = inputs(session, batch, 0x5EED ^ batch)
                outputs = session.run(None, feeds)
                timing = time_calls(lambda: session.run(None, feeds), args.warmup, args.seconds)
                point = {"kind": "ort", "model": model_dir.name, "batch": batch, "threads": n or "default",
                         **timing, "output_sums": [float(np.asarray(o, dtype=np.float64).sum()) for o in outputs],
                         "onnxruntime": ort.__version__}
                print(json.dumps(point), flush=True)
                rows.append(point)
    print(f"\n{'model':<12} {'batch':>5} {'threads':>8} {'p50 µs':>10} {'p90 µs':>10}", file=sys.stderr)
    for p in rows:
        print(f"{p['model']:<12} {p['batch']:>5} {str(p['threads']):>8} {p['median_us']:>10.1f} {p['p90_us']:>10.1f}",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
