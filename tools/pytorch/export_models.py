#!/usr/bin/python3
"""export_models.py: export latent's reference autoencoders from PyTorch.

    /usr/bin/python3 tools/pytorch/export_models.py --out testdata/models [--only NAME ...] [--large]

For every model it
  1. builds the network with a fixed seed, then trains it for a few Adam
     steps on seeded synthetic images, so weights (and BatchNorm running
     statistics) are non-trivial but reproducible;
  2. exports it with torch.onnx.export (opset 17, input "input" and output
     "output", batch dimension dynamic and named "batch");
  3. validates it with onnx.checker (full_check=True);
  4. writes a seeded random input batch in [0, 1) to test_data_set_0/input_0.pb
     and the output that ONNX Runtime computes for it (tools/ort/run.js) to
     test_data_set_0/output_0.pb: the golden is ONNX Runtime's output;
  5. records PyTorch's own output as pytorch_output_0.pb and checks that
     PyTorch and ONNX Runtime agree within 1e-4 (max abs diff);
  6. writes info.json (ops, shapes, sizes, max diff, versions).

Each model directory is built in a temporary sibling and renamed into place
only when every check passed. The large model (deep_ae, about 11 MB) is only
built with --large (or --only deep_ae) and its directory gets a .gitignore
that keeps it out of git.

Needs Debian's python3-torch, python3-onnx, python3-numpy, and node with
onnxruntime-node installed by tools/ort/install.sh. No PyPI.
"""

import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile
import warnings

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
RUN_JS = os.path.join(HERE, "..", "ort", "run.js")
sys.path.insert(0, HERE)
import check_onnx  # noqa: E402

OPSET = 17
TOLERANCE = 1e-4  # PyTorch vs ONNX Runtime, max abs diff, float32
IMG = 28


# ---------------------------------------------------------------- models


class DenseAE(nn.Module):
    """Fully connected autoencoder: sizes[0]-...-sizes[-1].

    hidden is the activation of every hidden layer, code the activation of
    the middle (code) layer, and the output layer is a sigmoid.
    """

    def __init__(self, sizes, hidden, code=None):
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.hidden = hidden
        self.code = hidden if code is None else code
        self.code_index = (len(sizes) - 1) // 2 - 1

    def forward(self, x):
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i == last:
                x = torch.sigmoid(x)
            elif i == self.code_index:
                x = self.code(x)
            else:
                x = self.hidden(x)
        return x


class ConvAEKeras(nn.Module):
    """The Keras blog's convolutional autoencoder, two pooling stages:
    Conv-ReLU-MaxPool x2, then Upsample(nearest)-Conv-ReLU x2, Conv-Sigmoid."""

    def __init__(self):
        super().__init__()
        self.enc1 = nn.Conv2d(1, 16, 3, padding=1)
        self.enc2 = nn.Conv2d(16, 8, 3, padding=1)
        self.dec1 = nn.Conv2d(8, 8, 3, padding=1)
        self.dec2 = nn.Conv2d(8, 16, 3, padding=1)
        self.out = nn.Conv2d(16, 1, 3, padding=1)
        self.up = nn.Upsample(scale_factor=2, mode="nearest")

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.enc1(x)), 2)  # 16x14x14
        x = F.max_pool2d(F.relu(self.enc2(x)), 2)  # 8x7x7 (the code)
        x = F.relu(self.dec1(self.up(x)))  # 8x14x14
        x = F.relu(self.dec2(self.up(x)))  # 16x28x28
        return torch.sigmoid(self.out(x))  # 1x28x28


class ConvAEStrided(nn.Module):
    """Strided Conv + BatchNorm + LeakyReLU encoder, ConvTranspose decoder
    (output_padding=1) with one BatchNorm after a ConvTranspose, sigmoid out."""

    def __init__(self, slope=0.2):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(1, 16, 3, stride=2, padding=1),  # 16x14x14
            nn.BatchNorm2d(16),
            nn.LeakyReLU(slope),
            nn.Conv2d(16, 32, 3, stride=2, padding=1),  # 32x7x7
            nn.BatchNorm2d(32),
            nn.LeakyReLU(slope),
        )
        self.decoder = nn.Sequential(
            nn.ConvTranspose2d(32, 16, 3, stride=2, padding=1, output_padding=1),  # 16x14x14
            nn.BatchNorm2d(16),
            nn.LeakyReLU(slope),
            nn.ConvTranspose2d(16, 1, 3, stride=2, padding=1, output_padding=1),  # 1x28x28
            nn.Sigmoid(),
        )

    def forward(self, x):
        return self.decoder(self.encoder(x))


class ConvAEUnpool(nn.Module):
    """Conv-ReLU-MaxPool(indices) x2 encoder, MaxUnpool-Conv decoder."""

    def __init__(self):
        super().__init__()
        self.enc1 = nn.Conv2d(1, 16, 3, padding=1)
        self.enc2 = nn.Conv2d(16, 32, 3, padding=1)
        self.pool = nn.MaxPool2d(2, return_indices=True)
        self.unpool = nn.MaxUnpool2d(2)
        self.dec2 = nn.Conv2d(32, 16, 3, padding=1)
        self.dec1 = nn.Conv2d(16, 1, 3, padding=1)

    def forward(self, x):
        x, i1 = self.pool(F.relu(self.enc1(x)))  # 16x14x14
        x, i2 = self.pool(F.relu(self.enc2(x)))  # 32x7x7
        x = F.relu(self.dec2(self.unpool(x, i2)))  # 32x14x14 -> 16x14x14
        return torch.sigmoid(self.dec1(self.unpool(x, i1)))  # 16x28x28 -> 1x28x28


# ------------------------------------------------- MaxUnpool2d symbolic

# torch 1.13's ONNX exporter has no symbolic for aten::max_unpool2d. ONNX's
# MaxUnpool wants MaxPool's own Indices (flattened over N, C, H, W), while
# the exporter turns MaxPool's Indices into PyTorch's per-plane indices with
# Sub(indices, offset). When the unpool's indices come straight from that
# Sub, this symbolic takes the Sub's first input (ONNX's indices) and the
# pool's kernel/strides/pads, so the graph reads MaxPool -> MaxUnpool; the
# now-dead offset chain is removed by the exporter's dead-code pass.


def _max_unpool2d_symbolic(g, self, indices, output_size):
    sub = indices.node()
    if sub.kind() != "onnx::Sub":
        raise RuntimeError("max_unpool2d export: indices must come straight from MaxPool2d(return_indices=True)")
    raw = sub.inputsAt(0)
    pool = raw.node()
    if pool.kind() != "onnx::MaxPool" or pool.outputsSize() != 2:
        raise RuntimeError(f"max_unpool2d export: indices come from {pool.kind()}, want onnx::MaxPool")
    kernel = list(pool["kernel_shape"])
    strides = list(pool["strides"]) if pool.hasAttribute("strides") else [1] * len(kernel)
    pads = list(pool["pads"]) if pool.hasAttribute("pads") else [0] * (2 * len(kernel))
    # output_size is not read: F.max_unpool2d computes it from the input
    # size with the same default formula ONNX's MaxUnpool uses when no
    # output_shape input is given, and under tracing it is a dynamic value.
    # (An explicit, non-default output_size would need output_shape; the
    # PyTorch-vs-ORT shape check in export_one catches that case.)
    return g.op("MaxUnpool", self, raw, kernel_shape_i=kernel, strides_i=strides, pads_i=pads)


torch.onnx.register_custom_op_symbolic("aten::max_unpool2d", _max_unpool2d_symbolic, 11)


# ------------------------------------------------------------- registry

# Each entry: constructor, input shape without batch, seed, export options.
# "noise" is the masking-noise probability used in the short training run
# (the denoising autoencoder); the exported graph is the inference graph.
MODELS = collections.OrderedDict([
    ("dense_ae", dict(make=lambda: DenseAE([784, 256, 32, 256, 784], nn.ReLU()), shape=(784,), seed=101)),
    ("dae_tanh", dict(make=lambda: DenseAE([784, 256, 64, 256, 784], nn.Tanh()), shape=(784,), seed=102, noise=0.25)),
    # 60 steps leave this one's output nearly constant (0.45..0.49); 200 give
    # a useful spread (about 0.02..0.8).
    ("conv_ae_keras", dict(make=ConvAEKeras, shape=(1, IMG, IMG), seed=103, train_steps=200)),
    ("conv_ae_strided", dict(make=ConvAEStrided, shape=(1, IMG, IMG), seed=104, keep_bn=True)),
    ("conv_ae_unpool", dict(make=ConvAEUnpool, shape=(1, IMG, IMG), seed=105)),
    # Hinton & Salakhutdinov (2006): logistic units everywhere except the
    # 30-unit code layer, which is linear.
    ("deep_ae", dict(make=lambda: DenseAE([784, 1000, 500, 250, 30, 250, 500, 1000, 784], nn.Sigmoid(), code=nn.Identity()),
                     shape=(784,), seed=106, large=True, train_steps=10)),
])

TEST_BATCH = 3


# ----------------------------------------------------------------- data


def synthetic_images(n, seed):
    """n seeded 28x28 images in [0, 1]: a few soft strokes each."""
    rng = np.random.RandomState(seed)
    yy, xx = np.mgrid[0:IMG, 0:IMG].astype(np.float32)
    out = np.zeros((n, IMG, IMG), np.float32)
    for k in range(n):
        img = np.zeros((IMG, IMG), np.float32)
        for _ in range(rng.randint(2, 5)):
            # a stroke: Gaussian blobs along a random segment
            x0, y0, x1, y1 = rng.uniform(5, 23, size=4)
            width = rng.uniform(1.0, 2.0)
            for t in np.linspace(0, 1, 8):
                cx, cy = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
                img = np.maximum(img, np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * width ** 2)))
        out[k] = img
    return np.clip(out, 0, 1)


def train_briefly(model, spec, seed):
    """A few Adam steps on synthetic data so the weights are not just init."""
    steps = spec.get("train_steps", 60)
    data = torch.from_numpy(synthetic_images(256, seed + 1000)).reshape((256,) + spec["shape"])
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    model.train()
    for _ in range(steps):
        idx = torch.randint(0, data.shape[0], (32,), generator=gen)
        x = data[idx]
        noisy = x
        if spec.get("noise"):
            keep = (torch.rand(x.shape, generator=gen) >= spec["noise"]).to(x.dtype)
            noisy = x * keep
        loss = F.binary_cross_entropy(model(noisy), x)
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    return float(loss)


def perturb_batchnorm(model, seed):
    """Give BatchNorm layers non-trivial affine parameters, so folding them
    into the preceding convolution is actually tested."""
    gen = torch.Generator().manual_seed(seed + 2000)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.copy_(0.5 + torch.rand(m.weight.shape, generator=gen))
                m.bias.copy_(0.4 * torch.rand(m.bias.shape, generator=gen) - 0.2)


# --------------------------------------------------------------- export


def write_tensor(path, array, name):
    t = numpy_helper.from_array(np.ascontiguousarray(array), name)
    atomic_write(path, t.SerializeToString())


def read_tensor(path):
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return numpy_helper.to_array(t)


def atomic_write(path, data):
    d = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(dir=d, prefix="." + os.path.basename(path) + ".")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def shape_of(vi):
    return [d.dim_param if d.HasField("dim_param") else d.dim_value for d in vi.type.tensor_type.shape.dim]


def export_one(name, spec, out_root, threads):
    seed = spec["seed"]
    torch.manual_seed(seed)
    model = spec["make"]()
    perturb_batchnorm(model, seed)
    loss = train_briefly(model, spec, seed)

    final = os.path.join(out_root, name)
    work = tempfile.mkdtemp(dir=out_root, prefix=f".{name}.")
    try:
        os.chmod(work, 0o755)
        model_path = os.path.join(work, "model.onnx")
        dummy = torch.zeros((2,) + spec["shape"])
        kwargs = dict(
            opset_version=OPSET,
            input_names=["input"],
            output_names=["output"],
            dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
            do_constant_folding=True,
        )
        if spec.get("keep_bn"):
            # EVAL mode would fuse BatchNorm into the Conv before export
            # (_jit_pass_onnx_eval_peephole). PRESERVE with the module in
            # eval() exports inference-mode BatchNormalization nodes instead.
            kwargs["training"] = torch.onnx.TrainingMode.PRESERVE
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(model, dummy, model_path, **kwargs)

        m = onnx.load(model_path)
        m.doc_string = f"latent test model {name} (tools/pytorch/export_models.py, seed {seed})"
        atomic_write(model_path, m.SerializeToString())
        checked, err = check_onnx.check(model_path)
        if err:
            raise RuntimeError(f"{name}: onnx.checker: {err}")

        # Test data: a seeded batch in [0, 1).
        rng = np.random.RandomState(seed)
        x = rng.random_sample((TEST_BATCH,) + spec["shape"]).astype(np.float32)
        tdir = os.path.join(work, "test_data_set_0")
        os.makedirs(tdir)
        write_tensor(os.path.join(tdir, "input_0.pb"), x, "input")
        with torch.no_grad():
            y_torch = model(torch.from_numpy(x)).numpy()
        write_tensor(os.path.join(work, "pytorch_output_0.pb"), y_torch, "output")

        cmd = ["node", RUN_JS, model_path, os.path.join(tdir, "input_0.pb"), "-o", tdir, "-q", "--threads", str(threads)]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"{name}: tools/ort/run.js failed ({r.returncode}): {r.stderr.strip()}")
        y_ort = read_tensor(os.path.join(tdir, "output_0.pb"))
        if y_ort.shape != y_torch.shape:
            raise RuntimeError(f"{name}: ORT output shape {y_ort.shape} != PyTorch {y_torch.shape}")
        diff = float(np.max(np.abs(y_ort.astype(np.float64) - y_torch)))
        if not diff <= TOLERANCE:
            raise RuntimeError(f"{name}: PyTorch vs ONNX Runtime max abs diff {diff:.3g} > {TOLERANCE}")

        g = checked.graph
        ops = collections.Counter(n.op_type for n in g.node)
        params = sum(int(np.prod(i.dims)) for i in g.initializer)
        info = collections.OrderedDict(
            name=name,
            seed=seed,
            opset=OPSET,
            ir_version=checked.ir_version,
            inputs=[dict(name=v.name, shape=shape_of(v)) for v in g.input if v.name not in {i.name for i in g.initializer}],
            outputs=[dict(name=v.name, shape=shape_of(v)) for v in g.output],
            ops=dict(sorted(ops.items())),
            nodes=len(g.node),
            parameters=params,
            model_bytes=os.path.getsize(model_path),
            test_batch=TEST_BATCH,
            train_loss=round(loss, 6),
            max_abs_diff_pytorch_vs_ort=diff,
            output_range=[float(y_ort.min()), float(y_ort.max())],
            torch=torch.__version__,
            onnx=onnx.__version__,
            onnxruntime=ort_version(),
            golden="test_data_set_0/output_0.pb is ONNX Runtime's output (CPU EP, 1 thread); pytorch_output_0.pb is PyTorch's",
        )
        atomic_write(os.path.join(work, "info.json"), (json.dumps(info, indent=2) + "\n").encode())
        if spec.get("large"):
            atomic_write(os.path.join(work, ".gitignore"),
                         b"# generated by tools/pytorch/export_models.py --large; too big to commit\n*\n")

        if os.path.exists(final):
            shutil.rmtree(final)
        os.rename(work, final)
        work = None
        return info
    finally:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)


_ORT_VERSION = None


def ort_version():
    global _ORT_VERSION
    if _ORT_VERSION is None:
        d = os.environ.get("LATENT_ORT_DIR", "/work/.cache/ort")
        try:
            with open(os.path.join(d, "node_modules", "onnxruntime-node", "package.json")) as f:
                _ORT_VERSION = json.load(f)["version"]
        except (OSError, ValueError, KeyError):
            _ORT_VERSION = "unknown"
    return _ORT_VERSION


def main(argv=None):
    ap = argparse.ArgumentParser(description="Export latent's reference autoencoders from PyTorch to ONNX with ONNX Runtime goldens.")
    ap.add_argument("--out", default="testdata/models", help="output root (default testdata/models)")
    ap.add_argument("--only", action="append", choices=list(MODELS), metavar="NAME",
                    help="export only NAME (repeatable); one of " + ", ".join(MODELS))
    ap.add_argument("--large", action="store_true", help="also export the large models (deep_ae, ~11 MB, not committed)")
    ap.add_argument("--threads", type=int, default=1, help="ONNX Runtime intra-op threads for the goldens (default 1)")
    args = ap.parse_args(argv)

    if not os.path.exists(RUN_JS):
        print(f"export_models.py: {RUN_JS} missing", file=sys.stderr)
        return 2
    if shutil.which("node") is None:
        print("export_models.py: node not found (apt-get install -y nodejs)", file=sys.stderr)
        return 2
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(1)

    names = args.only or [n for n, s in MODELS.items() if args.large or not s.get("large")]
    failed = 0
    for name in names:
        try:
            info = export_one(name, MODELS[name], args.out, args.threads)
        except Exception as e:  # report and go on with the other models
            print(f"FAIL {name}: {e}", file=sys.stderr)
            failed += 1
            continue
        ins = ", ".join(f"{i['name']}{i['shape']}" for i in info["inputs"])
        outs = ", ".join(f"{o['name']}{o['shape']}" for o in info["outputs"])
        ops = " ".join(f"{k}x{v}" for k, v in info["ops"].items())
        print(f"{name}: {info['model_bytes']} bytes, {info['parameters']} params, {ins} -> {outs}")
        print(f"  ops: {ops}")
        print(f"  max |PyTorch - ORT| = {info['max_abs_diff_pytorch_vs_ort']:.3g} (tolerance {TOLERANCE})")
    print(f"{len(names) - failed} exported, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
