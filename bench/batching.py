#!/usr/bin/env python3
"""Adaptive batching: throughput at c=64 with 1-row bodies, with and without
`--max-batch-size` / `--max-batch-time-ms`, side by side in one run.

    bench/batching.py                          # 3 rounds x 10 s per setting
    bench/batching.py --rounds 2 --duration 5  # shorter
    bench/batching.py --settings 16:1,32:2,64:5 --model models/mlp-onnx

For each round, for each setting (first the baseline, batching off), in turn:
start `wasmflow serve -m MODEL -w 2` on 127.0.0.1 (target/release/wasmflow, or
--wasmflow-bin), check that the 1-row body answers 200, warm up 2 s, run wrk
(bench/post.lua, 1 thread, --connections 64) for --duration seconds, read the
mean batch size from /metrics (wasmflow_batch_size sum/count), stop the server.
Settings alternate within a round, so a change of load on the machine hits all
of them alike. Prints a markdown table (median over the rounds of requests/s,
p50, p99; the ratio to the baseline) and writes it with the raw numbers to
bench/results/<YYYY-MM-DD>-batching.md / .json (-batching-c<N>.md for another
--connections). Needs wrk (apt-get install wrk).
"""

import argparse
import datetime as dt
import json
import os
import pathlib
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
LUA = ROOT / "bench" / "post.lua"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(url, body):
    request = urllib.request.Request(url, data=body.encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.read().decode()


def start(binary, model, port, setting):
    cmd = [binary, "serve", "-m", model, "-p", str(port), "-w", "2"]
    if setting:
        cmd += ["--max-batch-size", str(setting[0]), "--max-batch-time-ms", str(setting[1])]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"wasmflow exited with {proc.returncode}: {' '.join(cmd)}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=1):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    sys.exit("wasmflow did not become ready")


def wrk(url, body_file, connections, seconds):
    env = dict(os.environ, WRK_BODY_FILE=str(body_file))
    out = subprocess.run(
        ["wrk", "-t", "1", "-c", str(connections), "-d", f"{seconds}s", "--timeout", "10s", "-s", str(LUA), url],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(l for l in out.splitlines() if l.startswith("WRK_JSON "))
    result = json.loads(line[len("WRK_JSON ") :])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["errors"] = sum(result[k] for k in ("connect", "read", "write", "status", "timeout"))
    return result


def mean_batch(base):
    with urllib.request.urlopen(f"{base}/metrics", timeout=10) as r:
        text = r.read().decode()
    values = dict(re.findall(r'^wasmflow_batch_size_(sum|count)\{[^}]*\} (\S+)$', text, re.M))
    return float(values["sum"]) / float(values["count"]) if values.get("count") not in (None, "0") else None


def label(setting):
    return "off" if setting is None else f"N={setting[0]}, T={setting[1]} ms"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="models/mlp-onnx")
    parser.add_argument("--settings", default="16:1,32:2,64:5", help="N:T pairs, comma-separated")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--wasmflow-bin", default=str(ROOT / "target" / "release" / "wasmflow"))
    args = parser.parse_args()

    settings = [None] + [tuple(int(x) for x in s.split(":")) for s in args.settings.split(",")]
    example = json.loads((ROOT / args.model / "serving_input_example.json").read_text())
    key, rows = next(iter(example["inputs"].items())) if isinstance(example["inputs"], dict) else (None, example["inputs"])
    one_row = {"inputs": {key: rows[:1]}} if key else {"inputs": rows[:1]}
    body = json.dumps(one_row)
    load_start = os.getloadavg()
    runs = {label(s): [] for s in settings}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        f.write(body)
        body_file = f.name
    for round_ in range(args.rounds):
        for setting in settings:
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            proc = start(args.wasmflow_bin, args.model, port, setting)
            try:
                status, answer = post(f"{base}/invocations", body)
                assert status == 200, answer
                wrk(f"{base}/invocations", body_file, args.connections, 2)
                result = wrk(f"{base}/invocations", body_file, args.connections, args.duration)
                result["mean_batch"] = mean_batch(base)
            finally:
                os.killpg(proc.pid, 15)
                proc.wait()
            runs[label(setting)].append(result)
            print(f"round {round_ + 1} {label(setting)}: {result['rps']:.0f} req/s, p99 {result['p99_us'] / 1e3:.2f} ms, "
                  f"errors {result['errors']}, mean batch {result['mean_batch']}", file=sys.stderr)
    os.unlink(body_file)
    load_end = os.getloadavg()

    base_rps = statistics.median(r["rps"] for r in runs["off"])
    lines = [
        f"# Adaptive batching, {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC",
        "",
        f"`bench/batching.py --rounds {args.rounds} --duration {args.duration} --settings {args.settings}` on "
        f"`{args.model}`, `wasmflow serve -w 2`, wrk 1 thread, {args.connections} connections, 1-row body "
        f"({len(body)} B), everything on 127.0.0.1 on {os.cpu_count()} CPUs shared with wrk and other work; "
        f"load average {load_start[0]:.2f} at start, {load_end[0]:.2f} at end. "
        f"Medians of {args.rounds} rounds; settings alternate within each round.",
        "",
        "| batching | requests/s | vs off | p50 ms | p99 ms | mean requests per predict call | errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, results in runs.items():
        rps = statistics.median(r["rps"] for r in results)
        p50 = statistics.median(r["p50_us"] for r in results) / 1e3
        p99 = statistics.median(r["p99_us"] for r in results) / 1e3
        batches = [r["mean_batch"] for r in results if r["mean_batch"] is not None]
        batch = f"{statistics.median(batches):.1f}" if batches else "–"
        errors = sum(r["errors"] for r in results)
        lines.append(f"| {name} | {rps:.0f} | {rps / base_rps:.2f}× | {p50:.2f} | {p99:.2f} | {batch} | {errors} |")
    report = "\n".join(lines) + "\n"
    print(report)
    suffix = "" if args.connections == 64 else f"-c{args.connections}"
    out = ROOT / "bench" / "results" / f"{dt.date.today():%Y-%m-%d}-batching{suffix}"
    out.with_suffix(".md").write_text(report)
    out.with_suffix(".json").write_text(json.dumps({"args": vars(args), "body": body, "runs": runs}, indent=1) + "\n")
    print(f"wrote {out}.md", file=sys.stderr)


if __name__ == "__main__":
    main()
