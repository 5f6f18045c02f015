#!/usr/bin/env python3
"""One-row request latency of a running scoring server, over one keep-alive
connection (stdlib only).

    cargo build --release
    target/release/wasmflow serve -m models/iris-onnx -p 5000 &
    python3 bench/latency.py --port 5000 --requests 2000

Works the same against `mlflow models serve` for a comparison. Prints p50, p90,
p99 and mean in microseconds, and requests per second on one connection.
"""

import argparse
import http.client
import json
import statistics
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--body", default=json.dumps({"inputs": [[5.1, 3.5, 1.4, 0.2]]}))
    args = parser.parse_args()

    connection = http.client.HTTPConnection(args.host, args.port)
    headers = {"Content-Type": "application/json"}

    def one() -> float:
        started = time.perf_counter()
        connection.request("POST", "/invocations", body=args.body, headers=headers)
        response = connection.getresponse()
        response.read()
        elapsed = time.perf_counter() - started
        if response.status != 200:
            raise SystemExit(f"status {response.status}")
        return elapsed

    for _ in range(args.warmup):
        one()
    samples = sorted(one() for _ in range(args.requests))
    quantile = lambda q: samples[min(len(samples) - 1, int(q * len(samples)))] * 1e6
    mean = statistics.fmean(samples)
    print(f"requests {len(samples)}  p50 {quantile(0.5):.0f} us  p90 {quantile(0.9):.0f} us  "
          f"p99 {quantile(0.99):.0f} us  mean {mean * 1e6:.0f} us  ({1 / mean:.0f} req/s on one connection)")


if __name__ == "__main__":
    main()
