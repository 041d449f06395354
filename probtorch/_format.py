"""repr of tensors in torch's style: ``tensor([ 0.1748, -0.5485], requires_grad=True)``.

One number format is chosen for the whole tensor (from the elements that are shown): integral floats print as
``1.``, others with 4 decimals, and scientific notation (``1.0000e-05``) when the finite non-zero magnitudes span
more than three decades, exceed 1e8, or (non-integral) go below 1e-4. Every element is right-aligned to the widest
finite one, rows wrap at 80 columns, and tensors with more than 1000 elements show 3 items at each edge around ``...``.
"""
import math

import numpy as np

class _Options:
    """Print options (set_printoptions); read at every repr."""
    precision = 4
    threshold = 1000
    edgeitems = 3
    linewidth = 80
    sci_mode = None  # None: automatic; True / False: always / never scientific


_PROFILES = {"default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
             "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
             "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80)}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None):
    """Set how tensors print, as torch.set_printoptions.

    Args:
        precision (int): digits after the decimal point (default 4).
        threshold (int): elements above which the repr is summarized with ``...`` (default 1000).
        edgeitems (int): items shown at each edge of a summarized dimension (default 3).
        linewidth (int): characters per line before wrapping (default 80).
        profile (str): "default", "short" or "full" (never summarize); explicit arguments override it.
        sci_mode (bool, optional): force (True) or forbid (False) scientific notation; None chooses.
    """
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"unknown print profile {profile!r}; expected one of {sorted(_PROFILES)}")
        for k, v in _PROFILES[profile].items():
            setattr(_Options, k, v)
    for k, v in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems),
                 ("linewidth", linewidth)):
        if v is not None:
            setattr(_Options, k, v)
    _Options.sci_mode = sci_mode


class _NumberFormat:
    """How to print each element of one (real) array: a fixed style and a common width."""

    def __init__(self, values):
        kind = values.dtype.kind
        self.kind = kind
        self.sci = False
        self.integral = False
        if kind == "f":
            finite = values[np.isfinite(values)].astype(np.float64)
            nonzero = np.abs(finite[finite != 0])
            self.integral = bool(np.all(finite == np.ceil(finite)))
            if _Options.sci_mode is not None:
                self.sci = _Options.sci_mode
            elif nonzero.size:
                lo, hi = nonzero.min(), nonzero.max()
                self.sci = hi / lo > 1000.0 or hi > 1e8 or (not self.integral and lo < 1e-4)
        # the common width comes from the finite values; nan/inf are padded to it but never set it
        sized = values[np.isfinite(values)] if kind == "f" else values.reshape(-1)
        self.width = max((len(self.text(v)) for v in sized), default=0)

    def text(self, v):
        if self.kind == "b":
            return "True" if v else "False"
        if self.kind in "iu":
            return str(int(v))
        v = float(v)
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        if self.sci:
            return f"{v:.{_Options.precision}e}"
        if self.integral:
            return f"{v:.0f}."
        return f"{v:.{_Options.precision}f}"

    def __call__(self, v):
        return self.text(v).rjust(self.width)


class _ComplexFormat:
    """Complex elements as ``re+imj``, each part with its own real format."""

    def __init__(self, values):
        self.re = _NumberFormat(values.real)
        self.im = _NumberFormat(np.abs(values.imag))
        self.width = self.re.width + self.im.width + 2

    def __call__(self, v):
        sign = "-" if (v.imag < 0 or (v.imag == 0 and math.copysign(1.0, v.imag) < 0)) else "+"
        s = self.re.text(v.real).rjust(self.re.width) + sign + self.im.text(abs(v.imag)) + "j"
        return s.rjust(self.width)


def _shown(d, summarize):
    """The elements that will be printed (edges only when summarizing), flattened, for choosing the format."""
    if not summarize or d.ndim == 0:
        return d.reshape(-1)
    parts = []

    def walk(a):
        if a.ndim == 1:
            parts.append(a[:_Options.edgeitems] if a.shape[0] <= 2 * _Options.edgeitems else
                         np.concatenate([a[:_Options.edgeitems], a[-_Options.edgeitems:]]))
            return
        idx = range(a.shape[0]) if a.shape[0] <= 2 * _Options.edgeitems else \
            list(range(_Options.edgeitems)) + list(range(a.shape[0] - _Options.edgeitems, a.shape[0]))
        for i in idx:
            walk(a[i])
    walk(d)
    return np.concatenate(parts) if parts else d.reshape(-1)[:0]


def _body(d, fmt, indent, summarize):
    """The bracketed text of array `d` whose first line starts at column `indent`."""
    if d.ndim == 0:
        return fmt(d.item() if d.dtype.kind != "c" else complex(d))
    n = d.shape[0]
    cut = summarize and n > 2 * _Options.edgeitems
    if d.ndim == 1:
        items = [fmt(v) for v in (d[:_Options.edgeitems] if cut else d)]
        if cut:
            items += [" ..."] + [fmt(v) for v in d[-_Options.edgeitems:]]
        per_line = max(1, (_Options.linewidth - indent) // (fmt.width + 2))
        lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    rows = [_body(d[i], fmt, indent + 1, summarize) for i in (range(_Options.edgeitems) if cut else range(n))]
    if cut:
        rows += ["..."] + [_body(d[i], fmt, indent + 1, summarize) for i in range(n - _Options.edgeitems, n)]
    sep = "," + "\n" * (d.ndim - 1) + " " * (indent + 1)
    return "[" + sep.join(rows) + "]"


def format_tensor(t):
    """torch-style repr of Tensor `t` (dtype shown when it is not the one its values would imply)."""
    from ._dtype import get_default_dtype, from_numpy_dtype
    d = t._data
    dt = from_numpy_dtype(d.dtype)
    prefix = "tensor("
    suffix = []
    implied = {"f": get_default_dtype().np, "i": np.dtype(np.int64), "b": np.dtype(np.bool_),
               "c": np.dtype(np.complex128 if get_default_dtype().np == np.float64 else np.complex64)}
    if d.size == 0:
        body = "[]"
        if d.ndim != 1:
            suffix.append(f"size={tuple(d.shape)}")
        show_dtype = d.dtype != get_default_dtype().np  # an empty tensor cannot show its kind of values
    else:
        summarize = d.size > _Options.threshold
        shown = _shown(d, summarize)
        fmt = _ComplexFormat(shown) if d.dtype.kind == "c" else _NumberFormat(shown)
        body = _body(d, fmt, len(prefix), summarize)
        show_dtype = d.dtype != implied.get(d.dtype.kind)
    if show_dtype:
        suffix.append(f"dtype=probtorch.{dt.name}")
    fn = t.grad_fn
    if fn is not None:
        name = fn.name() if callable(getattr(fn, "name", None)) else type(fn).__name__
        suffix.append(f"grad_fn=<{name}>")
    elif t._rg:
        suffix.append("requires_grad=True")
    res = prefix + body + "".join(", " + s for s in suffix)
    if t._fw is not None:  # a dual tensor of forward-mode AD; torch wraps this suffix like its others
        tangent = "tangent=" + format_tensor(t._fw)
        last = res.rsplit("\n", 1)[-1]
        res += (",\n" + " " * len(prefix) if len(last) + len(tangent) + 2 > 80 else ", ") + tangent
    return res + ")"


def format_with_spec(t, format_spec):
    """format(t, spec): a 0-d tensor formats like its Python number (f"{loss:.3f}"); others only with an empty
    spec, as their repr."""
    if t._data.ndim == 0:
        return format(t.item(), format_spec)
    return object.__format__(t, format_spec)
