"""Scatter-add with accumulation over repeated indices (numpy's ``np.add.at``), compiled.

The kernel covers the index forms the scatter primitives produce: ``k`` full slices, then a group of adjacent
integer (or boolean) arrays, then full slices. Such an index addresses ``out`` viewed as (P, Q, R), where Q spans
the indexed dimensions, through one flat position per broadcast index element; the kernel then adds
``src`` viewed as (P, N, R). Other index forms go to ``np.add.at``.
"""
import numpy as np

from ._jit import kernel, available

__all__ = ["index_add_at", "add_at_3d"]


@kernel
def add_at_3d(out, lin, src):
    """out[p, lin[n], r] += src[p, n, r] for all p, n, r (repeated lin entries accumulate)."""
    P, N, R = src.shape
    for p in range(P):
        for n in range(N):
            q = lin[n]
            for r in range(R):
                out[p, q, r] += src[p, n, r]


def _is_full(s):
    return isinstance(s, slice) and s.start is None and s.stop is None and s.step is None


def _plan(shape, idx):
    """(k, m, arrays) when idx is k full slices + m adjacent advanced indices + full slices, else None."""
    if not isinstance(idx, tuple):
        idx = (idx,)
    k = 0
    while k < len(idx) and _is_full(idx[k]):
        k += 1
    arrays = []
    j = k
    while j < len(idx):
        a = idx[j]
        if isinstance(a, np.ndarray) and a.dtype.kind == "b":
            arrays.extend(np.nonzero(a))
        elif isinstance(a, np.ndarray) and a.dtype.kind in "iu":
            arrays.append(a)
        elif isinstance(a, (int, np.integer)) and not isinstance(a, bool):
            arrays.append(np.asarray(a))
        else:
            break
        j += 1
    if not any(a.ndim > 0 for a in arrays) or k + len(arrays) > len(shape):
        return None
    if not all(_is_full(s) for s in idx[j:]):
        return None
    return k, len(arrays), arrays


def _flat_positions(arrays, dims):
    """Flat positions into the indexed dimensions (negative indices wrapped, bounds checked) and their shape."""
    if len(arrays) > 1:
        arrays = np.broadcast_arrays(*arrays)
    wrapped = []
    for ax, (a, d) in enumerate(zip(arrays, dims)):
        if a.size:
            lo, hi = a.min(), a.max()
            if lo < -d or hi >= d:
                raise IndexError(f"index {lo if lo < -d else hi} is out of bounds for axis {ax} with size {d}")
            if lo < 0:
                a = np.where(a < 0, a + d, a)
        wrapped.append(a)
    if len(wrapped) == 1:
        lin = wrapped[0]
    else:
        lin = np.ravel_multi_index(wrapped, dims) if wrapped[0].size else np.zeros(arrays[0].shape, np.intp)
    return lin, arrays[0].shape


# below this many added elements, or for a plain 1-D scatter (numpy has a fast loop for it), np.add.at is faster
_MIN_KERNEL_SIZE = 2048


def index_add_at(out, idx, src):
    """out[idx] += src in place, repeated indices accumulating (the semantics of ``np.add.at``)."""
    plan = _plan(out.shape, idx) if out.dtype.kind in "iufc" else None
    if plan is None or not available():
        np.add.at(out, idx, src)
        return
    k, m, arrays = plan
    if (out.ndim == 1 and m == 1) or np.size(src) < _MIN_KERNEL_SIZE:
        np.add.at(out, idx, src)
        return
    dims = out.shape[k:k + m]
    lin, bshape = _flat_positions(arrays, dims)
    lead, tail = out.shape[:k], out.shape[k + m:]
    P, R = int(np.prod(lead)), int(np.prod(tail))
    src = np.broadcast_to(np.asarray(src).astype(out.dtype, copy=False), lead + bshape + tail)
    src3 = np.ascontiguousarray(src).reshape(P, lin.size, R)
    target = out if out.flags.c_contiguous else np.ascontiguousarray(out)
    add_at_3d(target.reshape(P, int(np.prod(dims)), R), lin.reshape(-1).astype(np.intp, copy=False), src3)
    if target is not out:
        out[...] = target
