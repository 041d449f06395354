"""Pooling kernels over windows described per spatial dimension.

Every pooling op here sees its input as ``x[b, d, h, w]`` (b runs over batch * channels; 1-d and 2-d pools use
unit leading spatial dims). Along each spatial dim a window is given by ``start[b, o]`` (per plane, so fractional
pooling fits too), a tap count ``count[o]`` and a dilation: it covers ``start + k * dilation`` for
``k < count``; positions outside ``[0, size)`` (padding) are skipped. Regular, adaptive and fractional pools only
differ in how those arrays are built. Indices are flat within a plane: ``(d * H + h) * W + w``.

Kernels (compiled lazily by ``_jit.kernel``; ``*_np`` are the numpy fallbacks used without numba):
    window_max(x, s0, c0, l0, s1, c1, l1, s2, c2, l2, out, idx)   max and its index (first max; a NaN wins,
                                                                  the last NaN in scan order, as torch)
    window_sum(x, ..., out)                                       sum over each window
    window_spread(g, ..., out)                                    adjoint of window_sum: out += g per window
    rows_scatter_add(g, idx, out) / rows_gather(x, idx, out)      out[b, idx[b, q]] += g[b, q] / x[b, idx[b, q]]
    rows_scatter_set(x, idx, out)                                 out[b, idx[b, q]] = x[b, q] (the last wins)
"""
import numpy as np

from ._jit import kernel

__all__ = ["window_max", "window_sum", "window_spread", "rows_scatter_add", "rows_gather", "rows_scatter_set",
           "window_max_np", "window_sum_np", "window_spread_np", "rows_scatter_add_np"]


_helpers = []


class _pool_kernel(kernel):
    """`kernel` that first makes the plain helper `_tap_ranges` callable from compiled code."""

    def __call__(self, *args):
        if self._compiled is None and not _helpers:
            from numba.extending import register_jitable
            _helpers.append(register_jitable(_tap_ranges))
        return super().__call__(*args)


def _tap_ranges(s, c, l, n, b, lo, hi):
    """In-bounds taps k in [lo[o], hi[o]) of the windows along one dim (plane b): no bounds checks in the loops."""
    for o in range(c.shape[0]):
        st = s[b, o]
        a = 0
        if st < 0:
            a = (-st + l - 1) // l
        e = c[o]
        last = st + (e - 1) * l
        if last >= n:
            e -= (last - n + l) // l
        lo[o] = a
        hi[o] = max(a, e)


@_pool_kernel
def window_max(x, s0, c0, l0, s1, c1, l1, s2, c2, l2, out, idx):
    B, D, H, W = x.shape
    oD, oH, oW = out.shape[1], out.shape[2], out.shape[3]
    lo0, hi0 = np.empty(oD, np.int64), np.empty(oD, np.int64)
    lo1, hi1 = np.empty(oH, np.int64), np.empty(oH, np.int64)
    lo2, hi2 = np.empty(oW, np.int64), np.empty(oW, np.int64)
    for b in range(B):
        _tap_ranges(s0, c0, l0, D, b, lo0, hi0)
        _tap_ranges(s1, c1, l1, H, b, lo1, hi1)
        _tap_ranges(s2, c2, l2, W, b, lo2, hi2)
        xb = x[b]
        for od in range(oD):
            d0 = s0[b, od]
            for oh in range(oH):
                h0 = s1[b, oh]
                for ow in range(oW):
                    w0 = s2[b, ow]
                    if lo0[od] >= hi0[od] or lo1[oh] >= hi1[oh] or lo2[ow] >= hi2[ow]:
                        out[b, od, oh, ow] = x[b, 0, 0, 0] * 0  # no in-bounds tap (never built by the ops)
                        idx[b, od, oh, ow] = -1
                        continue
                    # the first in-bounds tap starts the scan; then a larger value or a NaN replaces it
                    d = d0 + lo0[od] * l0
                    h = h0 + lo1[oh] * l1
                    w = w0 + lo2[ow] * l2
                    best = xb[d, h, w]
                    bi = (d * H + h) * W + w
                    for kd in range(lo0[od], hi0[od]):
                        d = d0 + kd * l0
                        for kh in range(lo1[oh], hi1[oh]):
                            h = h0 + kh * l1
                            for kw in range(lo2[ow], hi2[ow]):
                                v = xb[d, h, w0 + kw * l2]
                                if v > best or v != v:
                                    best = v
                                    bi = (d * H + h) * W + w0 + kw * l2
                    out[b, od, oh, ow] = best
                    idx[b, od, oh, ow] = bi


@_pool_kernel
def window_sum(x, s0, c0, l0, s1, c1, l1, s2, c2, l2, out):
    B, D, H, W = x.shape
    oD, oH, oW = out.shape[1], out.shape[2], out.shape[3]
    lo0, hi0 = np.empty(oD, np.int64), np.empty(oD, np.int64)
    lo1, hi1 = np.empty(oH, np.int64), np.empty(oH, np.int64)
    lo2, hi2 = np.empty(oW, np.int64), np.empty(oW, np.int64)
    for b in range(B):
        _tap_ranges(s0, c0, l0, D, b, lo0, hi0)
        _tap_ranges(s1, c1, l1, H, b, lo1, hi1)
        _tap_ranges(s2, c2, l2, W, b, lo2, hi2)
        for od in range(oD):
            for oh in range(oH):
                for ow in range(oW):
                    acc = 0.0
                    for kd in range(lo0[od], hi0[od]):
                        d = s0[b, od] + kd * l0
                        for kh in range(lo1[oh], hi1[oh]):
                            h = s1[b, oh] + kh * l1
                            w0 = s2[b, ow]
                            for kw in range(lo2[ow], hi2[ow]):
                                acc += x[b, d, h, w0 + kw * l2]
                    out[b, od, oh, ow] = acc


@_pool_kernel
def window_spread(g, s0, c0, l0, s1, c1, l1, s2, c2, l2, out):
    B, D, H, W = out.shape
    oD, oH, oW = g.shape[1], g.shape[2], g.shape[3]
    lo0, hi0 = np.empty(oD, np.int64), np.empty(oD, np.int64)
    lo1, hi1 = np.empty(oH, np.int64), np.empty(oH, np.int64)
    lo2, hi2 = np.empty(oW, np.int64), np.empty(oW, np.int64)
    for b in range(B):
        _tap_ranges(s0, c0, l0, D, b, lo0, hi0)
        _tap_ranges(s1, c1, l1, H, b, lo1, hi1)
        _tap_ranges(s2, c2, l2, W, b, lo2, hi2)
        for od in range(oD):
            for oh in range(oH):
                for ow in range(oW):
                    v = g[b, od, oh, ow]
                    for kd in range(lo0[od], hi0[od]):
                        d = s0[b, od] + kd * l0
                        for kh in range(lo1[oh], hi1[oh]):
                            h = s1[b, oh] + kh * l1
                            w0 = s2[b, ow]
                            for kw in range(lo2[ow], hi2[ow]):
                                out[b, d, h, w0 + kw * l2] += v


@kernel
def rows_scatter_add(g, idx, out):
    for b in range(g.shape[0]):
        for q in range(g.shape[1]):
            out[b, idx[b, q]] += g[b, q]


@kernel
def rows_scatter_set(x, idx, out):
    for b in range(x.shape[0]):
        for q in range(x.shape[1]):
            out[b, idx[b, q]] = x[b, q]


@kernel
def rows_gather(x, idx, out):
    for b in range(idx.shape[0]):
        for q in range(idx.shape[1]):
            out[b, q] = x[b, idx[b, q]]


# ---------------------------------------------------------------------------------------------- numpy fallbacks
def _taps(shape, wins):
    """Flat tap positions (B, oD, oH, oW, K) and their validity, K = product of the largest tap counts."""
    B, D, H, W = shape
    pos, ok = [], []
    for (s, c, l), n in zip(wins, (D, H, W)):
        k = np.arange(max(int(c.max()) if c.size else 0, 1))
        p = s[:, :, None] + k * l                                   # (B or 1, o, K)
        pos.append(p)
        ok.append((p >= 0) & (p < n) & (k < c[:, None]))
    p0, p1, p2 = (p[:, :, None, None, :, None, None] if i == 0 else
                  p[:, None, :, None, None, :, None] if i == 1 else
                  p[:, None, None, :, None, None, :] for i, p in enumerate(pos))
    v0, v1, v2 = (v[:, :, None, None, :, None, None] if i == 0 else
                  v[:, None, :, None, None, :, None] if i == 1 else
                  v[:, None, None, :, None, None, :] for i, v in enumerate(ok))
    flat = (p0 * H + p1) * W + p2
    valid = v0 & v1 & v2
    full = np.broadcast_shapes(flat.shape, valid.shape, (B,) + (1,) * 6)
    flat = np.broadcast_to(flat, full)
    valid = np.broadcast_to(valid, full)
    o = full[1:4]
    k = full[4] * full[5] * full[6]
    return flat.reshape(B, *o, k), valid.reshape(B, *o, k)


def _gather_taps(x, flat, valid):
    B = x.shape[0]
    planes = x.reshape(B, int(np.prod(x.shape[1:])))
    safe = np.where(valid, flat, 0)
    return np.take_along_axis(planes, safe.reshape(B, safe[0].size if B else 0), axis=1).reshape(flat.shape)


def window_max_np(x, wins):
    flat, valid = _taps(x.shape, wins)
    v = _gather_taps(x, flat, valid)
    low = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    masked = np.where(valid, v, np.asarray(low, x.dtype))
    nan = np.isnan(masked) & valid
    k = masked.shape[-1]
    last_nan = k - 1 - np.argmax(nan[..., ::-1], axis=-1)
    first_max = np.argmax(masked, axis=-1)
    # a window of -inf only: torch keeps its first in-bounds tap
    none = ~np.take_along_axis(valid, first_max[..., None], -1)[..., 0]
    first_max = np.where(none, np.argmax(valid, axis=-1), first_max)
    pick = np.where(nan.any(-1), last_nan, first_max)
    idx = np.take_along_axis(flat, pick[..., None], -1)[..., 0]
    out = np.take_along_axis(masked, pick[..., None], -1)[..., 0]
    return out.astype(x.dtype, copy=False), idx.astype(np.int64)


def window_sum_np(x, wins):
    flat, valid = _taps(x.shape, wins)
    v = _gather_taps(x, flat, valid)
    return np.where(valid, v, 0).sum(-1).astype(x.dtype, copy=False)


def window_spread_np(g, wins, shape):
    flat, valid = _taps(shape, wins)
    B = shape[0]
    n = valid[0].size if B else 0
    w = np.where(valid, g[..., None], 0).reshape(B, n)
    return rows_scatter_add_np(w, np.where(valid, flat, 0).reshape(B, n), int(np.prod(shape[1:]))).reshape(shape)


def rows_scatter_add_np(g, idx, size):
    B = g.shape[0]
    lin = (idx + np.arange(B)[:, None] * size).ravel()
    res = np.bincount(lin, weights=g.ravel().astype(np.float64), minlength=B * size)
    return res.reshape(B, size).astype(g.dtype, copy=False)
