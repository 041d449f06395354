"""Resampling along one axis by a sparse matrix: the kernel behind interpolate's separable passes.

An input viewed as (P, L_in, R) (the resampled axis in the middle) maps to (P, L_out, R) by a matrix given in CSR
form (``indptr``, ``cols``, ``vals``): ``out[p, i, r] = sum_e vals[e] * x[p, cols[e], r]`` over row i's entries,
accumulated in the entries' order starting from zero. The transpose of the matrix, in CSR form again, gives the
adjoint with the same kernel, so each row of the output is written by one thread and no scatter is needed.
"""
import numpy as np

from ._jit import kernel, available
from ._parallel import parallel_chunks

__all__ = ["csr_axis_apply", "csr_axis_apply_numpy"]


@kernel
def _csr_axis(x, indptr, cols, vals, out):
    P, L_out, R = out.shape
    for p in range(P):
        for i in range(L_out):
            for r in range(R):
                out[p, i, r] = 0.0
            for e in range(indptr[i], indptr[i + 1]):
                c = cols[e]
                w = vals[e]
                for r in range(R):
                    out[p, i, r] += w * x[p, c, r]


@kernel
def _csr_last(x, indptr, cols, vals, out):
    # R == 1: the resampled axis is the last one (rows of a matrix)
    P, L_out = out.shape
    for p in range(P):
        for i in range(L_out):
            out[p, i] = 0.0
            for e in range(indptr[i], indptr[i + 1]):
                out[p, i] += vals[e] * x[p, cols[e]]


def csr_axis_apply_numpy(x3, indptr, cols, vals, n_out):
    """The obviously-correct reference: a loop over the matrix rows in numpy."""
    P, _, R = x3.shape
    out = np.zeros((P, n_out, R), x3.dtype)
    for i in range(n_out):
        for e in range(indptr[i], indptr[i + 1]):
            out[:, i, :] += vals[e] * x3[:, cols[e], :]
    return out


def csr_axis_apply(x3, indptr, cols, vals, n_out):
    """(P, L_in, R) -> (P, n_out, R) by the CSR matrix; vals must have x3's dtype."""
    P, L_in, R = x3.shape
    out = np.empty((P, n_out, R), x3.dtype)
    if out.size == 0:
        return out
    if L_in == 0:
        out[...] = 0
        return out
    if not available():
        import scipy.sparse as sp
        m = sp.csr_matrix((vals, cols, indptr), shape=(n_out, L_in))
        xt = np.moveaxis(x3, 1, 0).reshape(L_in, P * R)
        res = np.asarray(m @ xt).reshape(n_out, P, R)
        out[...] = np.moveaxis(res, 0, 1)
        return out
    x3 = np.ascontiguousarray(x3)
    work = n_out * R * max(1, len(vals) // max(n_out, 1))
    min_rows = max(1, (1 << 16) // max(work, 1))
    if R == 1:
        parallel_chunks(lambda a, b: _csr_last(a, indptr, cols, vals, b), x3.reshape(P, L_in), out.reshape(P, n_out),
                        min_rows=min_rows)
    else:
        parallel_chunks(lambda a, b: _csr_axis(a, indptr, cols, vals, b), x3, out, min_rows=min_rows)
    return out
