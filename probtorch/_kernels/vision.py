"""Resampling along one axis by a sparse matrix: the kernel behind interpolate's separable passes.

An input viewed as (P, L_in, R) (the resampled axis in the middle) maps to (P, L_out, R) by a matrix given in CSR
form (``indptr``, ``cols``, ``vals``): ``out[p, i, r] = sum_e vals[e] * x[p, cols[e], r]`` over row i's entries,
accumulated in the entries' order starting from zero. The transpose of the matrix, in CSR form again, gives the
adjoint with the same kernel, so each row of the output is written by one thread and no scatter is needed.
"""
import numpy as np

from ._jit import kernel, available
from ._parallel import parallel_chunks

__all__ = ["csr_axis_apply", "csr_axis_apply_numpy", "tap_gather", "tap_scatter", "tap_dot", "tap_gather_numpy",
           "tap_index", "tap_index_numpy"]


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


# ------------------------------------------------------------------------------------ grid_sample's weighted taps
# An image batch x (N, C, L) (spatial dims flattened), tap positions idx (N, K, P) into L (-1: outside, no tap) and
# tap weights w (N, K, P) define three bilinear maps that are each other's derivatives:
#   gather   y[n, c, p]  = sum_k w[n, k, p] x[n, c, idx[n, k, p]]
#   scatter  z[n, c, i] += w[n, k, p] g[n, c, p]            (where idx[n, k, p] = i)
#   dot      v[n, k, p]  = sum_c g[n, c, p] x[n, c, idx[n, k, p]]
# Each kernel writes disjoint slices per n, so they run on threads over n.


# loop order: k, then p innermost, so the tap arrays stream and each image plane (one n, c) stays in cache


@kernel
def _tap_gather(x, idx, w, out):
    N, C, P = out.shape
    K = idx.shape[1]
    for n in range(N):
        for c in range(C):
            for p in range(P):
                out[n, c, p] = 0.0
            for k in range(K):
                for p in range(P):
                    i = idx[n, k, p]
                    if i >= 0:
                        out[n, c, p] += w[n, k, p] * x[n, c, i]
                    else:  # a tap outside the image reads 0 (so a NaN weight still gives NaN, as in torch)
                        out[n, c, p] += w[n, k, p] * 0.0


@kernel
def _tap_scatter(g, idx, w, out):
    N, C, P = g.shape
    K = idx.shape[1]
    for n in range(N):
        for c in range(C):
            for i in range(out.shape[2]):
                out[n, c, i] = 0.0
            for k in range(K):
                for p in range(P):
                    i = idx[n, k, p]
                    if i >= 0:
                        out[n, c, i] += w[n, k, p] * g[n, c, p]


@kernel
def _tap_dot(g, x, idx, out):
    N, C, P = g.shape
    K = idx.shape[1]
    for n in range(N):
        for k in range(K):
            for p in range(P):
                out[n, k, p] = 0.0
        for c in range(C):
            for k in range(K):
                for p in range(P):
                    i = idx[n, k, p]
                    if i >= 0:
                        out[n, k, p] += g[n, c, p] * x[n, c, i]


@kernel
def _tap_index_2d(py, px, H, W, out):
    N, Ky, P = py.shape
    Kx = px.shape[1]
    for n in range(N):
        for a in range(Ky):
            for b in range(Kx):
                k = a * Kx + b
                for p in range(P):
                    y = py[n, a, p]
                    x = px[n, b, p]
                    if 0 <= y < H and 0 <= x < W:  # (False for NaN)
                        out[n, k, p] = int(y) * W + int(x)
                    else:
                        out[n, k, p] = -1


@kernel
def _tap_index_3d(pz, py, px, D, H, W, out):
    N, Kz, P = pz.shape
    Ky = py.shape[1]
    Kx = px.shape[1]
    for n in range(N):
        for a in range(Kz):
            for b in range(Ky):
                for d in range(Kx):
                    k = (a * Ky + b) * Kx + d
                    for p in range(P):
                        z = pz[n, a, p]
                        y = py[n, b, p]
                        x = px[n, d, p]
                        if 0 <= z < D and 0 <= y < H and 0 <= x < W:
                            out[n, k, p] = (int(z) * H + int(y)) * W + int(x)
                        else:
                            out[n, k, p] = -1


def _tap_rows(c, p, k):
    return max(1, (1 << 16) // max(c * p * k, 1))


def _index_dtype(sizes):
    return np.int32 if int(np.prod(sizes, dtype=np.int64)) < (1 << 31) else np.int64


def tap_index(positions, sizes):
    """Flat tap positions (N, K, P), -1 outside (or NaN), from per-axis positions (N, K_axis, P) holding integral
    values (floats or ints); the taps are their product, the last axis varying fastest."""
    N, _, P = positions[0].shape
    K = int(np.prod([q.shape[1] for q in positions]))
    if not available() or N * K * P == 0:
        return tap_index_numpy(positions, sizes)
    out = np.empty((N, K, P), _index_dtype(sizes))
    pos = [np.ascontiguousarray(q) for q in positions]
    if len(pos) == 2:
        parallel_chunks(lambda a, b, o: _tap_index_2d(a, b, sizes[0], sizes[1], o), *pos, out,
                        min_rows=_tap_rows(1, P, K))
    else:
        parallel_chunks(lambda a, b, c, o: _tap_index_3d(a, b, c, sizes[0], sizes[1], sizes[2], o), *pos, out,
                        min_rows=_tap_rows(1, P, K))
    return out


def tap_index_numpy(positions, sizes):
    nd = len(positions)
    N, _, P = positions[0].shape
    ok = np.ones((N,) + tuple(q.shape[1] for q in positions) + (P,), bool)
    lin = np.zeros(ok.shape, np.int64)
    for d, (q, size) in enumerate(zip(positions, sizes)):
        shape = [N] + [1] * nd + [P]
        shape[1 + d] = q.shape[1]
        with np.errstate(invalid="ignore"):
            inside = (q >= 0) & (q < size)
        q = np.where(inside, q, 0).astype(np.int64).reshape(shape)
        ok &= inside.reshape(shape)
        lin = lin * size + q
    return np.where(ok, lin, -1).reshape(N, int(np.prod(ok.shape[1:-1])), P).astype(_index_dtype(sizes))


def _taps_numpy(x, idx):
    """x's values at the taps, (N, C, K, P), zero where idx is -1."""
    n = np.arange(x.shape[0])[:, None, None]
    vals = x[n, :, np.maximum(idx, 0)]  # (N, K, P, C)
    vals = np.where((idx >= 0)[..., None], vals, 0)
    return np.moveaxis(vals, 3, 1)


def tap_gather(x, idx, w):
    N, C, L = x.shape
    K, P = idx.shape[1:]
    if x.size == 0 or idx.size == 0:
        return np.zeros((N, C, P), x.dtype)
    if not available():
        return np.einsum("nckp,nkp->ncp", _taps_numpy(x, idx), w).astype(x.dtype)
    out = np.empty((N, C, P), x.dtype)
    parallel_chunks(_tap_gather, np.ascontiguousarray(x), idx, np.ascontiguousarray(w), out,
                    min_rows=_tap_rows(C, P, K))
    return out


def tap_scatter(g, idx, w, size):
    N, C, P = g.shape
    K = idx.shape[1]
    out = np.zeros((N, C, size), g.dtype)
    if g.size == 0 or idx.size == 0 or size == 0:
        return out
    if not available():
        n = np.broadcast_to(np.arange(N)[:, None, None], idx.shape)
        contrib = np.einsum("ncp,nkp->nkpc", g, w)
        ok = idx >= 0
        np.add.at(out, (n[ok], slice(None), idx[ok]), contrib[ok])
        return out
    parallel_chunks(_tap_scatter, np.ascontiguousarray(g), idx, np.ascontiguousarray(w), out,
                    min_rows=_tap_rows(C, P, K))
    return out


def tap_dot(g, x, idx):
    N, C, P = g.shape
    K = idx.shape[1]
    if g.size == 0 or idx.size == 0:
        return np.zeros((N, K, P), g.dtype)
    if not available():
        return np.einsum("ncp,nckp->nkp", g, _taps_numpy(x, idx)).astype(g.dtype)
    out = np.empty((N, K, P), g.dtype)
    parallel_chunks(_tap_dot, np.ascontiguousarray(g), np.ascontiguousarray(x), idx, out,
                    min_rows=_tap_rows(C, P, K))
    return out


def tap_gather_numpy(x, idx, w):
    """Loop reference for the tap kernels' tests: y[n, c, p] = sum_k w x[n, c, idx] over idx >= 0."""
    N, C, _ = x.shape
    K, P = idx.shape[1:]
    out = np.zeros((N, C, P), x.dtype)
    for n in range(N):
        for p in range(P):
            for k in range(K):
                out[n, :, p] += w[n, k, p] * (x[n, :, idx[n, k, p]] if idx[n, k, p] >= 0 else 0.0)
    return out
