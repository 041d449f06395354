"""Running arg-extremum along the last axis (behind cummax / cummin), compiled.

Per row, the index of the running maximum (or minimum): ties move to the later index and a NaN, once seen, stays
the extremum (a later NaN takes over), as torch's cummax / cummin.
"""
import numpy as np

from ._jit import kernel, available

__all__ = ["cum_extreme_index", "cum_extreme_index_2d"]


@kernel
def cum_extreme_index_2d(d, is_max, out):
    """out[i, k] = index of the running max (is_max) or min of d[i, :k + 1]."""
    M, n = d.shape
    for i in range(M):
        if n == 0:
            continue
        best = d[i, 0]
        cur = 0
        for k in range(n):
            x = d[i, k]
            if is_max:
                better = x > best or x == best or x != x
            else:
                better = x < best or x == best or x != x
            if better:
                cur = k
                best = x
            out[i, k] = cur


def cum_extreme_index(d, is_max):
    """The int64 index array for `d` (any shape, scanned along the last axis); None when no kernel applies."""
    if d.ndim == 0 or d.dtype.kind not in "iuf" or not available():
        return None
    shape = d.shape
    if d.size == 0:
        return np.zeros(shape, np.int64)
    d2 = np.ascontiguousarray(d).reshape(-1, shape[-1])
    out = np.zeros(d2.shape, np.int64)
    cum_extreme_index_2d(d2, bool(is_max), out)
    return out.reshape(shape)
