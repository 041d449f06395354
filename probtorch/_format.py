"""repr of tensors in torch's style: tensor([1., 2.], requires_grad=True)."""
import numpy as np


def _fmt_float(x, sci, decimals):
    if np.isnan(x):
        return "nan"
    if np.isinf(x):
        return "inf" if x > 0 else "-inf"
    if sci:
        return f"{x:.4e}"
    if decimals == 0:
        return f"{x:.0f}."
    return f"{x:.{decimals}f}"


def format_tensor(t):
    d = t._data
    suffix = []
    if d.dtype.kind == "f":
        finite = d[np.isfinite(d)]
        absf = np.abs(finite)
        ints = finite.size == 0 or np.all(finite == np.round(finite))
        sci = absf.size > 0 and (absf.max() >= 1e8 or (absf[absf > 0].size and absf[absf > 0].min() < 1e-4))
        decimals = 0 if ints else 4
        body = np.array2string(d, separator=", ", threshold=1000, edgeitems=3, max_line_width=80,
                               formatter={"float_kind": lambda x: _fmt_float(x, sci, decimals)}, prefix="tensor(")
        if d.dtype != np.dtype(_default_np()):
            suffix.append(f"dtype=probtorch.{d.dtype.name}")
    elif d.dtype.kind == "b":
        body = np.array2string(d, separator=", ", threshold=1000, formatter={"bool": lambda x: str(bool(x))},
                               prefix="tensor(")
    else:
        body = np.array2string(d, separator=", ", threshold=1000, prefix="tensor(")
        if d.dtype != np.int64:
            suffix.append(f"dtype=probtorch.{_name(d.dtype)}")
    if d.size == 0:
        body = "[]"
        suffix.append(f"size={tuple(d.shape)}") if d.ndim > 1 else None
    if t.grad_fn is not None:
        suffix.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t._rg:
        suffix.append("requires_grad=True")
    return "tensor(" + body + "".join(", " + s for s in suffix) + ")"


def _name(np_dtype):
    from ._dtype import from_numpy_dtype
    return from_numpy_dtype(np_dtype).name


def _default_np():
    from ._dtype import get_default_dtype
    return get_default_dtype().np
