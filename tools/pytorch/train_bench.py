#!/usr/bin/env python3
"""PyTorch training-speed peer of `latent experiment train-speed`.

Trains the same sigmoid autoencoder (default 784-1000-500-250-30-250-500-
1000-784, every layer Linear + Sigmoid) on the first --samples MNIST
training digits with mean squared error and plain SGD (no momentum), for
--epochs epochs over shuffled mini-batches, and prints one JSON object with
the throughput of the last epoch (the first warms up): wall-clock samples/s
and samples per CPU-second of the process (time.process_time).

Needs Debian's python3-torch (PyTorch 1.13) and numpy; run it with
/usr/bin/python3. scripts/bench-train.sh runs it side by side with latent.
"""
import argparse
import gzip
import json
import os
import struct
import time

np = torch = None  # imported in main, after the thread environment is set


def load_mnist(directory, n):
    with gzip.open(os.path.join(directory, "train-images-idx3-ubyte.gz")) as f:
        magic, count, rows, cols = struct.unpack(">IIII", f.read(16))
        if magic != 2051:
            raise SystemExit("bad MNIST image file magic %d" % magic)
        data = np.frombuffer(f.read(), dtype=np.uint8)
    x = data.reshape(count, rows * cols)[:n].astype(np.float32) / 255.0
    return torch.from_numpy(x)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--mnist-dir", required=True, help="directory with train-images-idx3-ubyte.gz")
    p.add_argument("--sizes", default="784,1000,500,250,30", help="encoder sizes, input first")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--threads", type=int, default=1, help="torch.set_num_threads (intra-op, OpenMP)")
    p.add_argument("--blas-threads", type=int, default=1, help="OpenBLAS threads (OPENBLAS_NUM_THREADS)")
    p.add_argument("--samples", type=int, default=20000)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--lr", type=float, default=0.01)
    a = p.parse_args()

    # Debian's PyTorch (and numpy) run matrix products on OpenBLAS, whose
    # own thread pool ignores torch.set_num_threads and is sized when the
    # library loads: without these variables, set before numpy and torch
    # are imported, a "one-thread" run keeps two cores busy. With both
    # pools at two threads on two cores they fight (a fraction of the
    # one-thread speed), so scripts/bench-train.sh tries (2, 1) and (1, 2).
    os.environ["OMP_NUM_THREADS"] = str(a.threads)
    os.environ["MKL_NUM_THREADS"] = str(a.threads)
    os.environ["OPENBLAS_NUM_THREADS"] = str(a.blas_threads)
    global np, torch
    import numpy as _np
    import torch as _torch
    np, torch = _np, _torch
    torch.set_num_threads(a.threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    torch.manual_seed(1)
    sizes = [int(s) for s in a.sizes.split(",")]
    dims = sizes + sizes[-2::-1]
    layers = []
    for i in range(len(dims) - 1):
        layers += [torch.nn.Linear(dims[i], dims[i + 1]), torch.nn.Sigmoid()]
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.SGD(model.parameters(), lr=a.lr)
    loss_fn = torch.nn.MSELoss()
    x = load_mnist(a.mnist_dir, a.samples)
    g = torch.Generator().manual_seed(1)

    for _ in range(a.epochs):
        perm = torch.randperm(x.shape[0], generator=g)
        t0, c0 = time.perf_counter(), time.process_time()
        total, seen = 0.0, 0
        for i in range(0, x.shape[0], a.batch):
            xb = x[perm[i:i + a.batch]]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), xb)
            loss.backward()
            opt.step()
            total += loss.item() * xb.shape[0]
            seen += xb.shape[0]
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0

    print(json.dumps({
        "engine": "pytorch " + torch.__version__,
        "model": "sigmoid autoencoder %s, mean squared error, SGD" % "-".join(map(str, dims)),
        "batch": a.batch,
        "threads": max(a.threads, a.blas_threads),
        "torch_threads": a.threads,
        "blas_threads": a.blas_threads,
        "samples": seen,
        "samples_per_sec": seen / wall,
        "samples_per_cpu_sec": seen / cpu if cpu > 0 else 0,
        "loss": total / seen,
    }))


if __name__ == "__main__":
    main()
