#!/usr/bin/env python3
"""Runs the compute harness over builds of the ONNX flavor and engine settings,
interleaved, and prints one table (issue 20 item 1: each lever alone and combined).

    bench/compute/levers.py --harness target/release/wasmflow-bench-compute \\
        --variant simd128=base.wasm --variant patched=patched.wasm \\
        --rounds 3 --seconds 2 --out levers.json bench/models/mlp-784 bench/models/cnn-small

Each round runs every (component, epoch on/off) pair once, in order, so slow phases
of a loaded machine hit every variant alike. Each run times native tract beside the
component in the same process: the ratio of a run is the unit, and the table gives
the median over rounds of each run's wasm median and of its wasm/native ratio.
Standard library only.
"""

import argparse
import json
import pathlib
import statistics
import subprocess
import sys


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--harness", required=True, type=pathlib.Path)
    ap.add_argument("--variant", action="append", required=True, help="NAME=COMPONENT.wasm")
    ap.add_argument("--epochs", default="on,off", help="on, off or on,off")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", default="2")
    ap.add_argument("--batches", default="1,64")
    ap.add_argument("--cache-dir", default="/tmp/wasmflow-levers-cache")
    ap.add_argument("--out", type=pathlib.Path, help="raw JSON lines of every run")
    ap.add_argument("models", nargs="+")
    args = ap.parse_args()

    variants = [v.split("=", 1) for v in args.variant]
    epochs = args.epochs.split(",")
    points: dict[tuple, list[dict]] = {}
    raw = []
    for round_ in range(args.rounds):
        for name, path in variants:
            for epoch in epochs:
                cmd = [str(args.harness), "--component", path, "--batches", args.batches, "--seconds", args.seconds,
                       "--cache-dir", args.cache_dir, *(["--no-epoch"] if epoch == "off" else []), *args.models]
                done = subprocess.run(cmd, capture_output=True, text=True)
                if done.returncode != 0:
                    print(f"!! {name} epoch {epoch}: {done.stderr[-1500:]}", file=sys.stderr)
                    return 1
                for line in done.stdout.splitlines():
                    p = json.loads(line)
                    if p.get("kind") != "point":
                        continue
                    p.update(variant=name, epoch=epoch, round=round_)
                    raw.append(p)
                    points.setdefault((p["model"], p["batch"], name, epoch), []).append(p)
                print(f"round {round_ + 1}/{args.rounds}: {name} epoch {epoch} done", file=sys.stderr)
    if args.out:
        args.out.write_text("".join(json.dumps(p) + "\n" for p in raw))

    print("| model | batch | build | epoch | wasm ms | native ms | wasm/native | max diff | agree |")
    print("|---|---:|---|---|---:|---:|---:|---:|---|")
    for (model, batch, name, epoch), ps in points.items():
        med = lambda xs: statistics.median(xs)  # noqa: E731
        wasm = med([p["wasm"]["median_us"] for p in ps]) / 1000
        native = med([p["native"]["median_us"] for p in ps]) / 1000
        ratio = med([p["wasm_native_ratio"] for p in ps])
        diff = max(p["max_abs_diff"] for p in ps)
        agree = all(p["agree"] for p in ps)
        print(f"| {model} | {batch} | {name} | {epoch} | {wasm:.3f} | {native:.3f} | {ratio:.2f}× | {diff:.1e} | "
              f"{'yes' if agree else 'NO'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
