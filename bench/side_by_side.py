#!/usr/bin/env python3
"""Two wasmflow builds side by side: one-connection latency (p50, mean) of 1-row
and 100-row requests on the native server and on `wasmflow build` components under
`wasmtime serve`, and start-up to the first `/ping`; two rounds, A B A B.

    # each DIR holds `wasmflow` (the binary) and the components it built:
    #   DIR/wasmflow build -m models/sklearn/iris-rf -o DIR/iris-rf.built.wasm
    #   DIR/wasmflow build -m models/iris-onnx       -o DIR/iris-onnx.built.wasm
    python bench/side_by_side.py BEFORE_DIR AFTER_DIR [REQUESTS] > results.jsonl

Needs pandas (the parquet body) and the wasmtime CLI the e2e tests install
(target/tools/wasmtime-49.0.4, or WASMFLOW_WASMTIME_BIN). Used for
bench/results/2026-12-04-small.md.
"""
import http.client, io, json, os, signal, socket, statistics, subprocess, sys, time
import pandas as pd
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WASMTIME = os.environ.get("WASMFLOW_WASMTIME_BIN", f"{REPO}/target/tools/wasmtime-49.0.4/wasmtime_cli/wasmtime")
DIRS = {"before": os.path.abspath(sys.argv[1]), "after": os.path.abspath(sys.argv[2])}
cols = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]
rows1 = [[5.1, 3.5, 1.4, 0.2]]
rows100 = [[5.1 + (i % 7) * 0.1, 3.5 - (i % 5) * 0.1, 1.4 + (i % 11) * 0.3, 0.2 + (i % 3) * 0.5] for i in range(100)]
def split(rows): return json.dumps({"dataframe_split": {"columns": cols, "data": rows}}).encode()
def inputs(rows): return json.dumps({"inputs": rows}).encode()
def parquet(rows):
    b = io.BytesIO(); pd.DataFrame(rows, columns=cols).to_parquet(b); return b.getvalue()
JSON, PQ = "application/json", "application/vnd.apache.parquet"
bodies = {
    "iris-rf": [("1-row json", split(rows1), JSON), ("100-row json", split(rows100), JSON), ("100-row parquet", parquet(rows100), PQ)],
    "iris-onnx": [("1-row json", inputs(rows1), JSON), ("100-row json", inputs(rows100), JSON)],
}
def port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p
def start(cmd, p):
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    while True:
        try:
            c = http.client.HTTPConnection("127.0.0.1", p, timeout=5); c.request("GET", "/ping"); r = c.getresponse(); r.read()
            if r.status == 200: return proc, time.perf_counter() - t0
        except OSError: pass
        if proc.poll() is not None: raise SystemExit(f"died: {cmd}")
        time.sleep(0.02)
def lat(p, body, ctype, n):
    c = http.client.HTTPConnection("127.0.0.1", p, timeout=60)
    def one():
        t = time.perf_counter(); c.request("POST", "/invocations", body=body, headers={"Content-Type": ctype})
        r = c.getresponse(); r.read(); assert r.status == 200, (r.status); return time.perf_counter() - t
    for _ in range(max(20, n // 10)): one()
    s = sorted(one() for _ in range(n)); return s[len(s) // 2] * 1e6, statistics.fmean(s) * 1e6
results = []
def kill(proc): os.killpg(proc.pid, signal.SIGKILL); proc.wait()
N = int(sys.argv[3]) if len(sys.argv) > 3 else 300
for rnd in range(2):
    for model, mdir in [("iris-rf", "models/sklearn/iris-rf"), ("iris-onnx", "models/iris-onnx")]:
        for variant in ["before", "after"]:
            for host in ["native", "wasmtime serve"]:
                p = port()
                if host == "native":
                    cmd = ["nice", "-n", "10", f"{DIRS[variant]}/wasmflow", "serve", "-m", f"{REPO}/{mdir}", "-p", str(p), "-w", "1", "--cache-dir", f"{DIRS[variant]}/cache"]
                else:
                    cmd = ["nice", "-n", "10", WASMTIME, "serve", "-Scli", "--addr", f"127.0.0.1:{p}", f"{DIRS[variant]}/{model}.built.wasm"]
                proc, startup = start(cmd, p)
                try:
                    for name, body, ctype in bodies[model]:
                        p50, mean = lat(p, body, ctype, N)
                        results.append(dict(round=rnd, model=model, variant=variant, host=host, body=name, p50=p50, mean=mean, startup=startup))
                        print(json.dumps(results[-1]), flush=True)
                finally:
                    kill(proc)
