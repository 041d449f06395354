"""Batched triangular solves by substitution, for many small systems (where a Python loop over LAPACK calls is
slow and numpy has no batched triangular solver). A zero on the diagonal gives inf / NaN, as LAPACK's trsm."""
import numpy as np

from ._jit import kernel, available

__all__ = ["solve_triangular_batched", "trsm_batched"]


@kernel
def trsm_batched(A, B, lower, unit, out):
    """out[b] = A[b]^-1 B[b] reading only A's lower (or upper) triangle; A (nb, n, n), B and out (nb, n, k)."""
    nb, n, k = B.shape
    for b in range(nb):
        for c in range(k):
            for step in range(n):
                i = step if lower else n - 1 - step
                s = B[b, i, c]
                if lower:
                    for j in range(i):
                        s -= A[b, i, j] * out[b, j, c]
                else:
                    for j in range(i + 1, n):
                        s -= A[b, i, j] * out[b, j, c]
                out[b, i, c] = s if unit else s / A[b, i, i]


def solve_triangular_batched(A, B, upper, unitriangular):
    """A^-1 B for stacks (*, n, n) and (*, n, k) of one dtype, batch dims already broadcast; None without numba."""
    if not available():
        return None
    nb = int(np.prod(A.shape[:-2]))
    a = np.ascontiguousarray(A).reshape((nb,) + A.shape[-2:])
    b = np.ascontiguousarray(B).reshape((nb,) + B.shape[-2:])
    out = np.empty_like(b)
    trsm_batched(a, b, not upper, bool(unitriangular), out)
    return out.reshape(B.shape)
