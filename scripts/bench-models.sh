#!/usr/bin/env bash
# bench-models.sh: regenerate the models section of BENCHMARKS.md (the text
# between <!-- models:begin --> and <!-- models:end -->): latent against ONNX
# Runtime on the benchmark autoencoders at batch 1 and 64 with 1 and 2
# threads, the deep autoencoder against its weight-read bound, memory plans
# and compile times.
#
#   scripts/bench-models.sh                 # all models, writes BENCHMARKS.md
#   ITERS=500 BUDGET=15s scripts/bench-models.sh
#   scripts/bench-models.sh dense_ae dae_tanh   # only these (the table shows only them)
#
# Needs: Go with cgo (gcc), node+npm for tools/ort/install.sh (ONNX Runtime
# from the npm package onnxruntime-node, installed outside the repo), and,
# the first time, python3-torch + python3-onnx to export deep_ae (11 MB, not
# committed). The JSON lines of every configuration go to
# out/bench-models.jsonl. Variables: ITERS (timed runs per engine and
# configuration, at most; default 300), WARMUP (default 20), BUDGET (time for
# the timed runs of one configuration, which lowers ITERS for slow cells, but
# never below MIN_ITERS; default 10s), MIN_ITERS (default 60), BATCHES
# (default 1,64), THREADS (default 1,2), OUT (default BENCHMARKS.md),
# REVISION (the latent revision named in the section; default: the build's).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd -P)

ITERS=${ITERS:-300}
WARMUP=${WARMUP:-20}
BUDGET=${BUDGET:-10s}
MIN_ITERS=${MIN_ITERS:-60}
BATCHES=${BATCHES:-1,64}
THREADS=${THREADS:-1,2}
OUT=${OUT:-BENCHMARKS.md}

models=("$@")
if [ ${#models[@]} -eq 0 ]; then
  # The four models the benchmark issue names, then two more.
  models=(deep_ae dae_tanh conv_ae_keras conv_ae_strided conv_ae_unpool dense_ae)
fi

for m in "${models[@]}"; do
  if [ ! -f "testdata/models/$m/model.onnx" ]; then
    if [ "$m" = deep_ae ]; then
      echo "bench-models: exporting deep_ae (not committed) with tools/pytorch/export_models.py" >&2
      /usr/bin/python3 tools/pytorch/export_models.py --out testdata/models --only deep_ae >&2
    else
      echo "bench-models: testdata/models/$m/model.onnx is missing" >&2
      exit 1
    fi
  fi
done

case "$OUT" in /*) out_path=$OUT ;; *) out_path=$root/$OUT ;; esac
lib=$(tools/ort/install.sh)
paths=()
for m in "${models[@]}"; do paths+=("$root/testdata/models/$m/model.onnx"); done
mkdir -p out

CGO_ENABLED=1 go -C bench/ort run ./cmd/ortbench \
  --ort-lib "$lib" --batch "$BATCHES" --threads "$THREADS" \
  --iters "$ITERS" --warmup "$WARMUP" --budget "$BUDGET" --min-iters "$MIN_ITERS" \
  --json --table "$out_path" --command "scripts/bench-models.sh" \
  ${REVISION:+--revision "$REVISION"} \
  "${paths[@]}" >out/bench-models.jsonl.tmp
mv out/bench-models.jsonl.tmp out/bench-models.jsonl
echo "bench-models: wrote the models section of $OUT; JSON lines in out/bench-models.jsonl" >&2
