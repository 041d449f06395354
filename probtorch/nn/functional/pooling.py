"""Pooling: max, average, adaptive, power-average (lp), fractional max and max-unpooling over 1-3 spatial dims.

Every op views its input as planes ``(B, D, H, W)`` (B = batch * channels; 1-d and 2-d ops get unit leading spatial
dims) and describes its windows per spatial dim (see ``_kernels/pooling.py``). Four linear primitives, in two
adjoint pairs, carry every derivative, so each op is differentiable to any order:

    window_sum  <->  window_spread        (average / lp pooling)
    rows_gather <->  rows_scatter_add     (max pooling routes the gradient to the argmax; unpooling's gradient)

Max pooling finds values and flat per-plane indices in one kernel pass; its output is then the primitive
``max_pool``: a ``rows_gather`` by those indices whose forward result is the kernel's (not recomputed).
"""
import math

import numpy as np

from ..._primitive import Primitive
from ..._tensor import Tensor, _make
from ..._kernels import _jit
from ..._kernels import pooling as K
from ..._kernels._parallel import parallel_chunks

__all__ = [
    "max_pool1d", "max_pool2d", "max_pool3d",
    "max_pool1d_with_indices", "max_pool2d_with_indices", "max_pool3d_with_indices",
    "avg_pool1d", "avg_pool2d", "avg_pool3d",
    "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d",
    "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices", "adaptive_max_pool3d_with_indices",
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d",
    "lp_pool1d", "lp_pool2d", "lp_pool3d",
    "max_unpool1d", "max_unpool2d", "max_unpool3d",
    "fractional_max_pool2d", "fractional_max_pool3d",
    "fractional_max_pool2d_with_indices", "fractional_max_pool3d_with_indices",
]

_TYPE_NAMES = {"int8": "Char", "int16": "Short", "int32": "Int", "int64": "Long", "uint8": "Byte", "bool": "Bool",
               "float16": "Half", "bfloat16": "BFloat16", "complex64": "ComplexFloat",
               "complex128": "ComplexDouble"}


# ------------------------------------------------------------------------------------------------------- windows
class _Windows:
    """Per spatial dim (always 3, leading unit dims for 1-d / 2-d): starts (B or 1, o), counts (o,), dilation."""

    __slots__ = ("starts", "counts", "dils", "out")

    def __init__(self, starts, counts, dils):
        self.starts = [np.ascontiguousarray(s, dtype=np.int64) for s in starts]
        self.counts = [np.ascontiguousarray(c, dtype=np.int64) for c in counts]
        self.dils = [int(d) for d in dils]
        self.out = tuple(len(c) for c in self.counts)

    def triples(self):
        return [(s, c, l) for s, c, l in zip(self.starts, self.counts, self.dils)]

    def for_planes(self, B):
        """The kernels' arguments, starts broadcast over B planes (so row ranges split them too)."""
        return [np.broadcast_to(s, (B, s.shape[1])) for s in self.starts]


def _unit():
    return np.zeros((1, 1), np.int64), np.ones(1, np.int64), 1


def _lead(nd, starts, counts, dils):
    """Prefix unit dims so every window set has three spatial dims."""
    pad = 3 - nd
    return _Windows([np.zeros((1, 1), np.int64)] * pad + list(starts), [np.ones(1, np.int64)] * pad + list(counts),
                    [1] * pad + list(dils))


def _min_rows(win, P):
    taps = 1
    for c in win.counts:
        taps *= int(c.max()) if c.size else 0
    work = max(taps * int(np.prod(win.out)), P, 1)
    return max(1, (1 << 16) // work)


# ---------------------------------------------------------------------------------------------------- primitives
def _kernel_dtype(a):
    # numba has no float16: such planes go through float32
    return a.astype(np.float32) if a.dtype == np.float16 else a


def _tap_matrices(win, spatial):
    """Per spatial dim, M (o, n) with M[o, p] = taps of window o at p (None where the dim is left as is).

    Windows shared by all planes make the window sum of finite values separable: three small matrix products
    (BLAS), whose transposes give the adjoint.
    """
    res = []
    for (s, c, l), n in zip(win.triples(), spatial):
        o = len(c)
        if o == n and l == 1 and np.all(c == 1) and np.array_equal(s[0], np.arange(n)):
            res.append(None)
            continue
        M = np.zeros((o, n))
        for k in range(int(c.max()) if o else 0):
            p = s[0] + k * l
            ok = (k < c) & (p >= 0) & (p < n)
            np.add.at(M, (np.nonzero(ok)[0], p[ok]), 1.0)
        res.append(M)
    return res


def _separable(win, a):
    return all(s.shape[0] == 1 for s in win.starts) and a.dtype.kind == "f"


def _sum_by_matrices(x, mats, transpose=False):
    """x (B, D, H, W) contracted with M (or M^T when `transpose`) along each spatial dim."""
    M0, M1, M2 = (None if M is None else (M.T if transpose else M).astype(x.dtype) for M in mats)
    y = x
    if M2 is not None:
        y = y @ M2.T
    if M1 is not None:
        y = M1 @ y
    if M0 is not None:
        B, D, H, W = y.shape
        y = (M0 @ y.reshape(B, D, H * W)).reshape(B, M0.shape[0], H, W)
    return np.ascontiguousarray(y)


def _window_sum_impl(x, win):
    B = x.shape[0]
    xk = _kernel_dtype(np.ascontiguousarray(x))
    out = None
    if _separable(win, xk):
        out = _sum_by_matrices(xk, _tap_matrices(win, x.shape[1:]))
        # a product with a 0 entry of a tap matrix spreads an inf or NaN input to every window of its row: then
        # (and only then is the result non-finite) the windows are summed one by one instead
        if not np.isfinite(out).all():
            out = None
    if out is not None:
        pass
    elif _jit.available():
        out = np.empty((B,) + win.out, xk.dtype)
        s0, s1, s2 = win.for_planes(B)
        (c0, c1, c2), (l0, l1, l2) = win.counts, win.dils
        parallel_chunks(lambda a, o, t0, t1, t2: K.window_sum(a, t0, c0, l0, t1, c1, l1, t2, c2, l2, o),
                        xk, out, s0, s1, s2, min_rows=_min_rows(win, int(np.prod(x.shape[1:]))))
    else:
        out = K.window_sum_np(xk, win.triples())
    return out.astype(x.dtype, copy=False)


def _window_spread_impl(g, win, shape):
    B = shape[0]
    gk = _kernel_dtype(np.ascontiguousarray(g))
    if _separable(win, gk) and np.isfinite(gk).all():  # (see _window_sum_impl)
        out = _sum_by_matrices(gk, _tap_matrices(win, shape[1:]), transpose=True)
    elif _jit.available():
        out = np.zeros(shape, gk.dtype)
        s0, s1, s2 = win.for_planes(B)
        (c0, c1, c2), (l0, l1, l2) = win.counts, win.dils
        parallel_chunks(lambda a, o, t0, t1, t2: K.window_spread(a, t0, c0, l0, t1, c1, l1, t2, c2, l2, o),
                        gk, out, s0, s1, s2, min_rows=_min_rows(win, int(np.prod(shape[1:]))))
    else:
        out = K.window_spread_np(gk, win.triples(), shape)
    return out.astype(g.dtype, copy=False)


window_sum = Primitive("window_sum", _window_sum_impl, saves=(), linear=True)
window_sum.defvjp(lambda g, out, x, win: (window_spread(g, win=win, shape=tuple(x.shape)),))
window_spread = Primitive("window_spread", _window_spread_impl, saves=(), linear=True)
window_spread.defvjp(lambda g, out, x, win, shape: (window_sum(g, win=win),))


def _rows_gather_impl(x, idx):
    if _jit.available() and x.dtype != np.float16:
        out = np.empty(idx.shape, x.dtype)
        parallel_chunks(K.rows_gather, np.ascontiguousarray(x), idx, out, min_rows=max(1, 4096 // max(idx.shape[1], 1)))
        return out
    return np.take_along_axis(x, idx, axis=1)


def _rows_scatter_add_impl(g, idx, size):
    B = g.shape[0]
    if _jit.available() and g.dtype != np.float16:
        out = np.zeros((B, size), g.dtype)
        parallel_chunks(K.rows_scatter_add, np.ascontiguousarray(g), idx, out,
                        min_rows=max(1, 4096 // max(size, 1)))
        return out
    return K.rows_scatter_add_np(g, idx, size)


def _rows_scatter_set_impl(x, idx, size):
    out = np.zeros((x.shape[0], size), x.dtype)
    if _jit.available() and x.dtype != np.float16 and x.dtype != np.bool_:
        K.rows_scatter_set(np.ascontiguousarray(x), idx, out)
    else:
        np.put_along_axis(out, idx, x, axis=1)  # numpy assigns in order too: the last write wins
    return out


rows_gather = Primitive("rows_gather", _rows_gather_impl, saves=(), linear=True)
rows_gather.defvjp(lambda g, out, x, idx: (rows_scatter_add(g, idx=idx, size=x.shape[1]),))
rows_scatter_add = Primitive("rows_scatter_add", _rows_scatter_add_impl, saves=(), linear=True)
rows_scatter_add.defvjp(lambda g, out, x, idx, size: (rows_gather(g, idx=idx),))
# unpooling writes (the last of repeated indices wins, as torch); its gradient reads every written position back
rows_scatter_set = Primitive("max_unpool", _rows_scatter_set_impl, saves=(), linear=True)
rows_scatter_set.defvjp(lambda g, out, x, idx, size: (rows_gather(g, idx=idx),))


# max pooling's output: a rows_gather by the argmax indices whose values the kernel already found (`pre`); not
# flagged linear, since its impl ignores x: forward mode uses the jvp below instead of applying it to tangents
max_pool = Primitive("max_pool", lambda x, idx, pre: pre, saves=())
max_pool.defvjp(lambda g, out, x, idx, pre: (rows_scatter_add(g, idx=idx, size=x.shape[1]),))
max_pool.defjvp(lambda tangents, out, x, idx, pre: rows_gather(tangents[0], idx=idx))


def _window_max(x4, win):
    """(values, flat per-plane indices) of every window: ndarrays."""
    x = _kernel_dtype(np.ascontiguousarray(x4))
    B = x.shape[0]
    if _jit.available():
        out = np.empty((B,) + win.out, x.dtype)
        idx = np.empty((B,) + win.out, np.int64)
        s0, s1, s2 = win.for_planes(B)
        (c0, c1, c2), (l0, l1, l2) = win.counts, win.dils
        parallel_chunks(lambda a, o, i, t0, t1, t2: K.window_max(a, t0, c0, l0, t1, c1, l1, t2, c2, l2, o, i),
                        x, out, idx, s0, s1, s2, min_rows=_min_rows(win, int(np.prod(x.shape[1:]))))
    else:
        out, idx = K.window_max_np(x, win.triples())
    return out.astype(x4.dtype, copy=False), idx


# ------------------------------------------------------------------------------------------------ shared helpers
def _tuple(value, nd, name, what, allow_empty=False):
    if isinstance(value, Tensor):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        value = tuple(value)
        if len(value) == 1:
            value = value * nd
        if len(value) != nd:
            plural = "s" if nd > 1 else ""
            raise RuntimeError(f"{name}: {what} must either be a single int, or a tuple of {nd} int{plural}")
        return tuple(int(v) for v in value)
    return (int(value),) * nd


def _planes(input, nd, name, allow_empty_batch=True):
    """input as (B, D, H, W) planes, and the leading (batch, channel) shape to restore."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    shape = tuple(input.shape)
    if input.ndim not in (nd + 1, nd + 2) or any(s == 0 for s in shape[-nd - 1:]):
        raise RuntimeError(f"{name}: Expected {nd + 1}D or {nd + 2}D (batch mode) tensor with optional 0 dim batch "
                           f"size for input, but got: {list(shape)}")
    lead = shape[:-nd]
    spatial = (1,) * (3 - nd) + shape[-nd:]
    B = int(np.prod(lead))
    return input.reshape((B,) + spatial), lead


def _restore(t, lead, nd):
    return t.reshape(tuple(lead) + tuple(t.shape[4 - nd:]))


def _check_dtype(input, name, allow_int=True):
    dt = input.dtype
    if dt.name == "bool" or dt.is_complex or (not allow_int and not dt.is_floating_point):
        raise NotImplementedError(f'"{name}" not implemented for \'{_TYPE_NAMES.get(dt.name, dt.name)}\'')


def _out_size(n, k, s, p, d, ceil):
    eff = d * (k - 1) + 1
    num = n + 2 * p - eff + ((s - 1) if ceil else 0)
    o = num // s + 1  # floor division, as torch's div_rtn
    if ceil and (o - 1) * s >= n + p:
        o -= 1  # the last window must start inside the input or its left padding
    return o


def _regular(name, input_spatial, nd, k, s, p, d, ceil, channels=1):
    """Windows of a strided pool; validates torch's constraints."""
    dims = "THW"[3 - nd:]
    if any(v <= 0 for v in k):
        got = " ".join(f"k{c}: {v}" for c, v in zip(dims, k))
        raise RuntimeError(f"kernel size should be greater than zero, but got {got}")
    if any(v <= 0 for v in s):
        raise RuntimeError("stride should not be zero")
    if any(v < 0 for v in p):
        raise RuntimeError(f"pad must be non-negative, but got pad: {min(p)}")
    if any(v <= 0 for v in d):
        got = " ".join(f"dilation{c}: {v}" for c, v in zip(dims, d))
        raise RuntimeError(f"dilation should be greater than zero, but got {got}")
    for kk, pp, dd in zip(k, p, d):
        if pp > kk // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={pp}, "
                               f"kernel_size={kk} and dilation={dd}")
    outs = [_out_size(n, kk, ss, pp, dd, ceil) for n, kk, ss, pp, dd in zip(input_spatial, k, s, p, d)]
    if any(o < 1 for o in outs):
        if name == "max_pool1d":
            raise RuntimeError(f"max_pool1d() Invalid computed output size: {outs[0]}")
        # the message names (channels x spatial sizes); 1-d average pooling runs as 2-d with a unit height
        ins, os_ = [channels] + list(input_spatial), [channels] + outs
        if name == "avg_pool1d":
            ins.insert(1, 1)
            os_.insert(1, 1)
        raise RuntimeError(f"Given input size: ({'x'.join(map(str, ins))}). Calculated output size: "
                           f"({'x'.join(map(str, os_))}). Output size is too small")
    starts = [(np.arange(o) * ss - pp)[None] for o, ss, pp in zip(outs, s, p)]
    counts = [np.full(o, kk) for o, kk in zip(outs, k)]
    return _lead(nd, starts, counts, d), outs


def _pool_args(name, nd, kernel_size, stride, padding, dilation):
    k = _tuple(kernel_size, nd, name, "kernel_size")
    s = k if stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0) else \
        _tuple(stride, nd, name, "stride")
    p = _tuple(padding, nd, name, "padding")
    d = _tuple(dilation, nd, name, "dilation")
    return k, s, p, d


def _max_from_windows(input, nd, win, lead, x4):
    vals, idx = _window_max(x4._data, win)
    B = x4.shape[0]
    Q = int(np.prod(win.out))
    flat_idx = idx.reshape(B, Q)
    out = max_pool(x4.reshape(B, int(np.prod(x4.shape[1:]))), idx=flat_idx, pre=vals.reshape(B, Q))
    out = _restore(out.reshape((B,) + win.out), lead, nd)
    indices = _restore(_make(idx), lead, nd)
    return out, indices


# --------------------------------------------------------------------------------------------------- max pooling
def _max_pool(nd, input, kernel_size, stride, padding, dilation, ceil_mode):
    name = f"max_pool{nd}d"
    k, s, p, d = _pool_args(name, nd, kernel_size, stride, padding, dilation)
    if nd == 1 and not input.dtype.is_floating_point:
        _check_dtype(input, "max_pool1d_impl", allow_int=False)
    _check_dtype(input, name)
    x4, lead = _planes(input, nd, name)
    win, _ = _regular(name, tuple(input.shape[-nd:]), nd, k, s, p, d, ceil_mode, input.shape[-nd - 1])
    return _max_from_windows(input, nd, win, lead, x4)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    """1-d max pooling over (N, C, L) or (C, L); returns (output, flat indices into L)."""
    return _max_pool(1, input, kernel_size, stride, padding, dilation, ceil_mode)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    """2-d max pooling over (N, C, H, W) or (C, H, W); returns (output, flat indices into H * W)."""
    return _max_pool(2, input, kernel_size, stride, padding, dilation, ceil_mode)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    """3-d max pooling over (N, C, D, H, W) or (C, D, H, W); returns (output, flat indices into D * H * W)."""
    return _max_pool(3, input, kernel_size, stride, padding, dilation, ceil_mode)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """1-d max pooling: the maximum of each window of `kernel_size` taps spaced by `dilation`, every `stride`.

    Args:
        input: (N, C, L) or (C, L).
        kernel_size, stride (default kernel_size), padding (implicit -inf, at most half the kernel), dilation.
        ceil_mode: round the output length up (a last window must still start inside the input or left padding).
        return_indices: also return each maximum's position along L (the first maximum of its window).
    """
    out, idx = _max_pool(1, input, kernel_size, stride, padding, dilation, ceil_mode)
    return (out, idx) if return_indices else out


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """2-d max pooling over (N, C, H, W) or (C, H, W); see `max_pool1d` (indices are flat into H * W)."""
    out, idx = _max_pool(2, input, kernel_size, stride, padding, dilation, ceil_mode)
    return (out, idx) if return_indices else out


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """3-d max pooling over (N, C, D, H, W) or (C, D, H, W); see `max_pool1d` (indices flat into D * H * W)."""
    out, idx = _max_pool(3, input, kernel_size, stride, padding, dilation, ceil_mode)
    return (out, idx) if return_indices else out


# ----------------------------------------------------------------------------------------------- average pooling
def _avg_pool(nd, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    name = f"avg_pool{nd}d"
    k, s, p, d = _pool_args(name, nd, kernel_size, stride, padding, 1)
    _check_dtype(input, name)
    if nd == 1 and input.ndim not in (2, 3):
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input.ndim}-dimensional tensor for argument #1 "
                           "'self' (while checking arguments for avg_pool1d)")
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    x4, lead = _planes(input, nd, name)
    spatial = tuple(input.shape[-nd:])
    win, outs = _regular(name, spatial, nd, k, s, p, d, ceil_mode, input.shape[-nd - 1])
    if divisor_override is not None:
        div = np.full(outs, float(divisor_override))
    else:
        # the window is cut at the padded border; count_include_pad=False also leaves out the padding itself
        sizes = []
        for n, o, kk, ss, pp in zip(spatial, outs, k, s, p):
            st = np.arange(o) * ss - pp
            end = np.minimum(st + kk, n + pp)
            sizes.append(end - st if count_include_pad else np.minimum(end, n) - np.maximum(st, 0))
        div = sizes[0].astype(np.float64)
        for sz in sizes[1:]:
            div = np.multiply.outer(div, sz)
    total = window_sum(x4, win=win)
    if not input.dtype.is_floating_point:
        res = total.div(_make(div.astype(np.int64).reshape((1,) * (4 - nd) + div.shape)), rounding_mode="trunc")
    else:
        inv = _make((1.0 / div).astype(input.dtype.np).reshape((1,) * (4 - nd) + div.shape))
        res = total * inv
    return _restore(res, lead, nd)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """1-d average pooling over (N, C, L) or (C, L).

    Args:
        kernel_size, stride (default kernel_size), padding (zeros, at most half the kernel), ceil_mode.
        count_include_pad: divide by the window size including padded taps (else only by the input taps).
    """
    return _avg_pool(1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """2-d average pooling over (N, C, H, W) or (C, H, W); `divisor_override` replaces every window's divisor."""
    return _avg_pool(2, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """3-d average pooling over (N, C, D, H, W) or (C, D, H, W); see `avg_pool2d`."""
    return _avg_pool(3, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)


# ------------------------------------------------------------------------------------------------------ adaptive
def _adaptive_windows(name, input, nd, output_size):
    if isinstance(output_size, (list, tuple)):
        if len(output_size) != nd:
            raise RuntimeError(f"{name}: output_size must be {nd}")
        sizes = tuple(input.shape[-nd + i] if v is None else int(v) for i, v in enumerate(output_size))
    else:
        sizes = (int(output_size),) * nd
    if any(v < 0 for v in sizes):
        raise RuntimeError(f"{name}: elements of output_size must be greater than or equal to 0 but received "
                           f"{list(sizes)}")
    starts, counts = [], []
    for n, o in zip(input.shape[-nd:], sizes):
        i = np.arange(o)
        st = (i * n) // o if o else i
        end = -((-(i + 1) * n) // o) if o else i  # ceil((i + 1) * n / o)
        starts.append(st[None])
        counts.append(end - st)
    return _lead(nd, starts, counts, [1] * nd)


def _check_adaptive_input(input, nd, name):
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"{name}(): Expected {nd + 1}D or {nd + 2}D tensor, but got {list(input.shape)}")
    for i in range(input.ndim - nd, input.ndim):
        if input.shape[i] == 0:
            raise RuntimeError(f"{name}(): Expected input to have non-zero size for non-batch dimensions, but input "
                               f"has sizes {list(input.shape)} with dimension {i} being empty")


def _adaptive_max(nd, input, output_size):
    name = f"adaptive_max_pool{nd}d"
    _check_dtype(input, name, allow_int=False)
    _check_adaptive_input(input, nd, name)
    x4, lead = _planes(input, nd, name)
    win = _adaptive_windows(name, input, nd, output_size)
    return _max_from_windows(input, nd, win, lead, x4)


def _adaptive_avg(nd, input, output_size):
    name = f"adaptive_avg_pool{nd}d"
    _check_dtype(input, name, allow_int=False)
    _check_adaptive_input(input, nd, name)
    x4, lead = _planes(input, nd, name)
    win = _adaptive_windows(name, input, nd, output_size)
    if all(o == 1 for o in win.out):  # global pooling: one mean per plane
        return _restore(x4.mean((1, 2, 3), keepdim=True), lead, nd)
    div = np.ones((), np.float64)
    for c in win.counts:
        div = np.multiply.outer(div, c)
    inv = _make((1.0 / np.maximum(div, 1))[None].astype(input.dtype.np))
    return _restore(window_sum(x4, win=win) * inv, lead, nd)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=False):
    """Adaptive 1-d max pooling to length `output_size`; returns (output, indices along L)."""
    return _adaptive_max(1, input, output_size)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=False):
    """Adaptive 2-d max pooling to `output_size` (an int, or a pair with None keeping that input size)."""
    return _adaptive_max(2, input, output_size)


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=False):
    """Adaptive 3-d max pooling to `output_size`; returns (output, flat indices into D * H * W)."""
    return _adaptive_max(3, input, output_size)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Adaptive 1-d max pooling: output i covers input positions floor(i L / out) to ceil((i + 1) L / out)."""
    out, idx = _adaptive_max(1, input, output_size)
    return (out, idx) if return_indices else out


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Adaptive 2-d max pooling (windows as in `adaptive_max_pool1d`, per spatial dim)."""
    out, idx = _adaptive_max(2, input, output_size)
    return (out, idx) if return_indices else out


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """Adaptive 3-d max pooling (windows as in `adaptive_max_pool1d`, per spatial dim)."""
    out, idx = _adaptive_max(3, input, output_size)
    return (out, idx) if return_indices else out


def adaptive_avg_pool1d(input, output_size):
    """Adaptive 1-d average pooling: output i averages input positions floor(i L / out) to ceil((i + 1) L / out)."""
    return _adaptive_avg(1, input, output_size)


def adaptive_avg_pool2d(input, output_size):
    """Adaptive 2-d average pooling to `output_size` (an int or a pair; None keeps that input size)."""
    return _adaptive_avg(2, input, output_size)


def adaptive_avg_pool3d(input, output_size):
    """Adaptive 3-d average pooling to `output_size` (an int or a triple; None keeps that input size)."""
    return _adaptive_avg(3, input, output_size)


# ------------------------------------------------------------------------------------------------------ lp pools
def _lp_pool(nd, input, norm_type, kernel_size, stride, ceil_mode):
    k = _tuple(kernel_size, nd, f"lp_pool{nd}d", "kernel_size")
    if norm_type == math.inf:  # the limit of the power mean: the largest magnitude of each window
        pool = (max_pool1d, max_pool2d, max_pool3d)[nd - 1]
        return pool(input.abs(), k, stride, 0, ceil_mode=ceil_mode)
    avg = (avg_pool1d, avg_pool2d, avg_pool3d)[nd - 1]
    out = avg(input.pow(norm_type), k, stride, 0, ceil_mode)
    # avg * kernel size is the sum of x^p over the window (torch scales by the full kernel size also for windows
    # cut by ceil_mode); sign * abs is its sign * relu(abs) form: NaN stays NaN and the gradient at 0 is 0
    return (out.sign() * out.abs()).mul(math.prod(k)).pow(1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling: (sum over each window of x ** norm_type) ** (1 / norm_type), over (N, C, L)."""
    return _lp_pool(1, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """2-d power-average pooling (see `lp_pool1d`)."""
    return _lp_pool(2, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """3-d power-average pooling (see `lp_pool1d`)."""
    return _lp_pool(3, input, norm_type, kernel_size, stride, ceil_mode)


# --------------------------------------------------------------------------------------------------- max unpool
def _max_unpool(nd, input, indices, kernel_size, stride, padding, output_size):
    name = f"max_unpool{nd}d"
    k, s, p, _ = _pool_args(name, nd, kernel_size, stride, padding, 1)
    if not isinstance(indices, Tensor) or indices.dtype.name != "int64":
        raise RuntimeError(f"elements in indices should be type int64 but got: "
                           f"{getattr(indices, 'dtype', type(indices).__name__)}")
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor "
                           f"({list(input.shape)}) but got indices tensor with shape: {list(indices.shape)}")
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"{name}: Expected {nd + 1}D or {nd + 2}D tensor, but got {list(input.shape)}")
    default = [(n - 1) * ss - 2 * pp + kk for n, ss, pp, kk in zip(input.shape[-nd:], s, p, k)]
    if output_size is None:
        size = default
    else:
        size = list(output_size)
        if len(size) == nd + 2 or len(size) == nd + 1 and input.ndim == nd + 1:
            size = size[-nd:]
        if len(size) != nd:
            raise ValueError(f"output_size should be a sequence containing {nd} or {nd + 2} elements, but it has a "
                             f"length of '{len(size)}'")
        for i, (v, dv, ss) in enumerate(zip(size, default, s)):
            if not (dv - ss < v < dv + ss):
                raise ValueError(f'invalid output_size "{size}" (dim {i} must be between {dv - ss} and {dv + ss})')
        size = [int(v) for v in size]
    lead = tuple(input.shape[:-nd])
    B = int(np.prod(lead))
    P = int(np.prod(size))
    Q = int(np.prod(input.shape[-nd:]))
    idx = np.ascontiguousarray(indices._data.reshape(B, Q))
    if idx.size:
        bad = (idx < 0) | (idx >= P)
        if bad.any():
            raise RuntimeError(f"Found an invalid max index: {int(idx[bad][0])} (output volumes are of size "
                               f"{'x'.join(map(str, size))})")
    out = rows_scatter_set(input.reshape(B, Q), idx=idx, size=P)
    return out.reshape(lead + tuple(size))


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of `max_pool1d`: place each value at its index along L, zeros elsewhere."""
    return _max_unpool(1, input, indices, kernel_size, stride, padding, output_size)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of `max_pool2d`: values placed at their flat H * W indices, zeros elsewhere."""
    return _max_unpool(2, input, indices, kernel_size, stride, padding, output_size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of `max_pool3d`: values placed at their flat D * H * W indices, zeros elsewhere."""
    return _max_unpool(3, input, indices, kernel_size, stride, padding, output_size)


# -------------------------------------------------------------------------------------------- fractional pooling
def _intervals(sample, n, pool, o, dtype):
    """Window starts of fractional pooling for per-plane samples u in [0, 1) (torch's pseudo-random sequence)."""
    B = sample.shape[0]
    starts = np.empty((B, o), np.int64)
    if o > 1:
        # computed in the input's precision, as the reference does
        alpha = dtype.type(n - pool) / dtype.type(o - 1)
        i = np.arange(o - 1, dtype=dtype)
        u = sample.astype(dtype)[:, None]
        starts[:, :-1] = ((i + u) * alpha).astype(np.int64) - (u * alpha).astype(np.int64)
    starts[:, o - 1] = n - pool
    return starts


def _fractional(nd, input, kernel_size, output_size, output_ratio, _random_samples):
    name = f"fractional_max_pool{nd}d"
    if output_size is None and output_ratio is None:
        raise ValueError(f"{name} requires specifying either an output_size or an output_ratio")
    _check_dtype(input, name, allow_int=False)
    k = _tuple(kernel_size, nd, name, "kernel_size")
    if output_size is None:
        ratio = _tuple_float(output_ratio, nd)
        for r in ratio:
            if not 0 < r < 1:
                raise ValueError(f"output_ratio must be between 0 and 1 (got {output_ratio})")
        output_size = [int(input.shape[-nd + i] * ratio[i]) for i in range(nd)]
    o = _tuple(output_size, nd, name, "output_size")
    if input.ndim not in (nd + 1, nd + 2) or any(v == 0 for v in input.shape[-nd - 1:]):
        raise RuntimeError(f"{name}(): Expected {nd + 1}D or {nd + 2}D tensor, but got: {list(input.shape)}")
    spatial = tuple(input.shape[-nd:])
    what = ("time", "height", "width")[3 - nd:]
    for kk, oo, n, w in zip(k, o, spatial, what):
        if oo + kk - 1 > n:
            raise RuntimeError(f"{name}(): pool {w} {kk} too large relative to input {w} {n}")
    N = 1 if input.ndim == nd + 1 else input.shape[0]
    C = input.shape[-nd - 1]
    if _random_samples is None:
        from ... import _random
        samples = _random.rand(N, C, nd, dtype=input.dtype)._data
    else:
        samples = _random_samples._data if isinstance(_random_samples, Tensor) else np.asarray(_random_samples)
        if samples.ndim != 3 or samples.shape[0] < N or samples.shape[1] != C or samples.shape[2] != nd:
            raise RuntimeError(f"Expect _random_samples to be of shape ({N}, {C}, {nd}) but got "
                               f"{list(samples.shape)}")
        samples = samples[:N]
    samples = samples.reshape(N * C, nd)
    # the reference reads the samples in reverse for 2-d (u[0] drives width) and in order for 3-d
    cols = [1, 0] if nd == 2 else [0, 1, 2]
    dt = input.dtype.np if input.dtype.np != np.float16 else np.dtype(np.float32)
    starts = [_intervals(samples[:, c], n, kk, oo, dt) for c, n, kk, oo in zip(cols, spatial, k, o)]
    counts = [np.full(oo, kk) for oo, kk in zip(o, k)]
    win = _lead(nd, starts, counts, [1] * nd)
    x4, lead = _planes(input, nd, name)
    return _max_from_windows(input, nd, win, lead, x4)


def _tuple_float(v, nd):
    if isinstance(v, (list, tuple)):
        v = tuple(float(a) for a in v)
        return v * nd if len(v) == 1 else v
    return (float(v),) * nd


def fractional_max_pool2d_with_indices(input, kernel_size, output_size=None, output_ratio=None,
                                       return_indices=False, _random_samples=None):
    """Fractional 2-d max pooling; returns (output, flat indices into H * W)."""
    return _fractional(2, input, kernel_size, output_size, output_ratio, _random_samples)


def fractional_max_pool3d_with_indices(input, kernel_size, output_size=None, output_ratio=None,
                                       return_indices=False, _random_samples=None):
    """Fractional 3-d max pooling; returns (output, flat indices into D * H * W)."""
    return _fractional(3, input, kernel_size, output_size, output_ratio, _random_samples)


def fractional_max_pool2d(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                          _random_samples=None):
    """Fractional max pooling (Graham, 2014): windows of `kernel_size` at pseudo-random, increasing starts.

    Args:
        output_size or output_ratio (in (0, 1)): the output's spatial size.
        _random_samples: (N, C, 2) uniforms in [0, 1) fixing the window starts (drawn from the default generator
            when omitted).
    """
    out, idx = _fractional(2, input, kernel_size, output_size, output_ratio, _random_samples)
    return (out, idx) if return_indices else out


def fractional_max_pool3d(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                          _random_samples=None):
    """Fractional 3-d max pooling (see `fractional_max_pool2d`; samples of shape (N, C, 3))."""
    out, idx = _fractional(3, input, kernel_size, output_size, output_ratio, _random_samples)
    return (out, idx) if return_indices else out
