#!/usr/bin/env bash
# Memory of one `wasmflow serve` holding N models vs N processes of one model
# each (README.md, "Many models"): the sum of VmRSS (/proc/PID/status) after a
# few requests to every model. Usage: bench/many_models_rss.sh [WORKERS]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/release/wasmflow
workers=${1:-2}
models=(models/iris-onnx models/sklearn/iris-rf models/xgboost/xgb-classifier-multi models/python/lookup)
iris='{"inputs": [[5.1, 3.5, 1.4, 0.2], [6.3, 3.3, 6.0, 2.5]]}'
rf='{"dataframe_split": {"columns": ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"], "data": [[5.1, 3.5, 1.4, 0.2]]}}'
xgb='{"dataframe_split": {"columns": ["x0", "x1", "x2", "x3", "x4"], "data": [[0.1, 0.2, 0.3, 0.4, 0.5]]}}'
lookup='{"dataframe_split": {"columns": ["code"], "data": [["fr"], ["zz"]]}}'
bodies=("$iris" "$rf" "$xgb" "$lookup")

# Starts `wasmflow serve ARGS…` on a free port; sets $pid and $base.
start() {
  local log; log=$(mktemp)
  "$bin" serve -p 0 -w "$workers" "$@" 2>"$log" &
  pid=$!
  until grep -q "at http://" "$log"; do sleep 0.2; kill -0 "$pid"; done
  base=$(grep -o "at http://[0-9.:]*" "$log" | head -1 | cut -d' ' -f2)
}
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
hit() { for _ in 1 2 3 4 5; do curl -sf "$1" -H 'Content-Type: application/json' -d "$2" >/dev/null; done; }

args=(); for m in "${models[@]}"; do args+=(-m "$m"); done
start "${args[@]}"
for i in "${!models[@]}"; do hit "$base/models/$(basename "${models[$i]}")/invocations" "${bodies[$i]}"; done
one=$(rss_kb "$pid"); kill "$pid"; wait "$pid" 2>/dev/null || true

total=0
for i in "${!models[@]}"; do
  start -m "${models[$i]}"
  hit "$base/invocations" "${bodies[$i]}"
  kb=$(rss_kb "$pid"); total=$((total + kb))
  echo "  ${models[$i]} alone: $((kb / 1024)) MiB"
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
echo "${#models[@]} models, -w $workers: one process $((one / 1024)) MiB; ${#models[@]} processes $((total / 1024)) MiB"
