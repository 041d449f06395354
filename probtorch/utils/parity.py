"""List the torch names that probtorch lacks, namespace by namespace.

Run: python -m probtorch.utils.parity [--list NAMESPACE ...]   (needs torch installed; it is only read, never used)
"""
import argparse
import importlib
import inspect
import sys

# (torch namespace, probtorch namespace). Tensor methods are compared through the classes.
NAMESPACES = [
    ("torch", "probtorch"),
    ("torch.Tensor", "probtorch.Tensor"),
    ("torch.autograd", "probtorch.autograd"),
    ("torch.autograd.functional", "probtorch.autograd.functional"),
    ("torch.autograd.forward_ad", "probtorch.autograd.forward_ad"),
    ("torch.linalg", "probtorch.linalg"),
    ("torch.special", "probtorch.special"),
    ("torch.nn.functional", "probtorch.nn.functional"),
    ("torch.nn", "probtorch.nn"),
    ("torch.nn.init", "probtorch.nn.init"),
    ("torch.nn.utils", "probtorch.nn.utils"),
    ("torch.optim", "probtorch.optim"),
    ("torch.optim.lr_scheduler", "probtorch.optim.lr_scheduler"),
    ("torch.distributions", "probtorch.distributions"),
    ("torch.distributions.constraints", "probtorch.distributions.constraints"),
    ("torch.distributions.transforms", "probtorch.distributions.transforms"),
]

# torch names outside probtorch's scope (CUDA, quantization, sparse, compiler, serialization of torch's formats...)
_OUT_OF_SCOPE_PREFIXES = ("cuda", "mps", "xpu", "mtia", "quantiz", "q_", "fake_quant", "sparse", "compile", "jit",
                          "fx", "onnx", "export", "backends", "distributed", "fbgemm", "mkldnn", "cudnn", "miopen",
                          "vulkan", "xnnpack", "native_", "is_vulkan", "to_dlpack", "from_dlpack", "_")


def _resolve(path):
    parts = path.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for p in parts[i:]:
            obj = getattr(obj, p)
        return obj
    raise ImportError(path)


def _public_names(obj):
    names = getattr(obj, "__all__", None) if inspect.ismodule(obj) else None
    if names is None:
        names = [n for n in dir(obj) if not n.startswith("_")]
    res = set()
    for n in names:
        if n.startswith("_") or n.lower().startswith(_OUT_OF_SCOPE_PREFIXES):
            continue
        v = getattr(obj, n, None)
        if inspect.ismodule(v):
            continue
        res.add(n)
    return res


def report(namespaces=NAMESPACES):
    """{torch namespace: (present, total, sorted missing names)}."""
    out = {}
    for tname, pname in namespaces:
        theirs = _public_names(_resolve(tname))
        try:
            ours = _resolve(pname)
            missing = sorted(n for n in theirs if not hasattr(ours, n))
        except (ImportError, AttributeError):
            missing = sorted(theirs)
        out[tname] = (len(theirs) - len(missing), len(theirs), missing)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--list", nargs="*", default=None, help="print the missing names of these torch namespaces "
                                                             "(all when given without names)")
    args = ap.parse_args(argv)
    try:
        import torch  # noqa: F401
    except ImportError:
        print("torch is not installed: nothing to compare against", file=sys.stderr)
        return 1
    rep = report()
    print(f"{'torch namespace':36s} {'present':>8s} {'total':>6s} {'missing':>8s}")
    tp = tt = 0
    for ns, (present, total, missing) in rep.items():
        print(f"{ns:36s} {present:8d} {total:6d} {len(missing):8d}")
        tp += present
        tt += total
    print(f"{'all':36s} {tp:8d} {tt:6d} {tt - tp:8d}")
    if args.list is not None:
        for ns, (_, _, missing) in rep.items():
            if not args.list or ns in args.list:
                print(f"\n{ns} missing ({len(missing)}):")
                print("  " + ", ".join(missing))
    return 0


if __name__ == "__main__":
    sys.exit(main())
