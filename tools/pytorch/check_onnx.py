#!/usr/bin/python3
"""check_onnx.py: validate ONNX models with onnx.checker (full_check=True).

    /usr/bin/python3 tools/pytorch/check_onnx.py MODEL.onnx [MODEL2.onnx ...]

For each model, prints the IR version, the opset imports, the producer, the
graph inputs and outputs with their shapes and an op histogram, then "ok".
Exit status: 0 if every model passes, 1 if any fails the checker, 2 on bad
usage or a file that cannot be read.

Needs Debian's python3-onnx (no PyPI).
"""

import argparse
import collections
import sys

try:
    import onnx
except ImportError:  # pragma: no cover - environment problem
    sys.exit("check_onnx.py: python module 'onnx' missing (apt-get install -y python3-onnx)")


def _dims(value_info):
    t = value_info.type
    if not t.HasField("tensor_type"):
        return t.WhichOneof("value") or "?"
    tt = t.tensor_type
    elem = onnx.TensorProto.DataType.Name(tt.elem_type).lower()
    if not tt.HasField("shape"):
        return f"{elem}[?]"
    dims = []
    for d in tt.shape.dim:
        if d.HasField("dim_value"):
            dims.append(str(d.dim_value))
        elif d.HasField("dim_param"):
            dims.append(d.dim_param)
        else:
            dims.append("?")
    return f"{elem}[{','.join(dims)}]"


def describe(model):
    """Return a list of text lines describing a loaded ModelProto."""
    g = model.graph
    inits = {i.name for i in g.initializer}
    lines = [
        f"  ir_version {model.ir_version}",
        "  opset " + ", ".join(f"{o.domain or 'ai.onnx'}:{o.version}" for o in model.opset_import),
        f"  producer {model.producer_name} {model.producer_version}".rstrip(),
    ]
    for vi in g.input:
        if vi.name not in inits:
            lines.append(f"  input  {vi.name}: {_dims(vi)}")
    for vi in g.output:
        lines.append(f"  output {vi.name}: {_dims(vi)}")
    hist = collections.Counter(n.op_type for n in g.node)
    lines.append("  ops " + ", ".join(f"{op}x{c}" for op, c in sorted(hist.items())))
    params = sum(int(_numel(i)) for i in g.initializer)
    lines.append(f"  initializers {len(g.initializer)} ({params} elements)")
    return lines


def _numel(t):
    n = 1
    for d in t.dims:
        n *= d
    return n


def check(path):
    """Load and fully check one model. Returns (model, error-or-None).

    Raises OSError if the file cannot be read.
    """
    with open(path, "rb") as f:
        data = f.read()
    try:
        model = onnx.load_model_from_string(data)
    except Exception as e:  # protobuf's DecodeError and friends
        return None, f"not an ONNX model: {e}"
    try:
        # Checking the path (not the proto) lets the checker find external
        # data next to the file and handle models over 2 GB.
        onnx.checker.check_model(path, full_check=True)
    except Exception as e:  # onnx.checker.ValidationError, shape inference errors
        return model, str(e).strip()
    return model, None


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Validate ONNX models with onnx.checker.check_model(full_check=True).")
    ap.add_argument("models", nargs="+", metavar="MODEL.onnx")
    ap.add_argument("-q", "--quiet", action="store_true", help="print only failures")
    args = ap.parse_args(argv)

    status = 0
    for path in args.models:
        try:
            model, err = check(path)
        except OSError as e:
            print(f"{path}: cannot read: {e.strerror or e}", file=sys.stderr)
            return 2
        if model is not None and not args.quiet:
            print(path)
            print("\n".join(describe(model)))
        if err is not None:
            print(f"{path}: FAILED onnx.checker: {err}", file=sys.stderr)
            status = 1
        elif not args.quiet:
            print("  ok (onnx %s checker, full_check)" % onnx.__version__)
    return status


if __name__ == "__main__":
    sys.exit(main())
