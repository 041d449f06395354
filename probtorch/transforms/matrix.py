"""Matrix transforms: onto lower Cholesky factors, positive-definite matrices and correlation Cholesky factors."""
import math

import numpy as np

from .. import constraints
from .._dtype import finfo
from ..nn import functional as F
from .transform import Transform

__all__ = ["CorrCholeskyTransform", "LowerCholeskyTransform", "PositiveDefiniteTransform"]


def _tril_flat_index(n, diag):
    """Flat (row-major) positions in an n x n matrix of the entries with ``col < row + diag + 1``, in row order."""
    rows, cols = np.nonzero(np.arange(n)[None, :] < np.arange(n)[:, None] + (diag + 1))
    return rows * n + cols


def _tril_to_vec(mat, diag=0):
    """The lower-triangular entries (below offset ``diag``) of the last two dims, row by row."""
    from .._functions.creation import from_numpy
    n = mat.shape[-1]
    idx = from_numpy(_tril_flat_index(n, diag).astype(np.int64))
    return mat.reshape(tuple(mat.shape[:-2]) + (n * n,)).index_select(-1, idx)


def _vec_to_tril(vec, n, diag=0):
    """Inverse of ``_tril_to_vec``: an n x n matrix with ``vec`` in its lower triangle (below ``diag``), else 0."""
    from .._functions.creation import from_numpy
    from .._functions.shape import cat
    m = vec.shape[-1]
    # Gather from vec extended by one zero: every position outside the triangle reads that zero.
    src = np.full(n * n, m, dtype=np.int64)
    src[_tril_flat_index(n, diag)] = np.arange(m)
    padded = cat([vec, vec.new_zeros(tuple(vec.shape[:-1]) + (1,))], -1)
    return padded.index_select(-1, from_numpy(src)).reshape(tuple(vec.shape[:-1]) + (n, n))


class LowerCholeskyTransform(Transform):
    """Map an unconstrained square matrix to a lower-triangular one with positive diagonal.

    Keeps the strictly lower triangle, exponentiates the diagonal and drops the upper triangle, so it is not
    injective; its pseudo-inverse takes the log of the diagonal.
    """

    domain = constraints.independent(constraints.real, 2)
    codomain = constraints.lower_cholesky

    def __eq__(self, other):
        return isinstance(other, LowerCholeskyTransform)

    def _call(self, x):
        return x.tril(-1) + x.diagonal(dim1=-2, dim2=-1).exp().diag_embed()

    def _inverse(self, y):
        return y.tril(-1) + y.diagonal(dim1=-2, dim2=-1).log().diag_embed()


class PositiveDefiniteTransform(Transform):
    r"""Map an unconstrained square matrix to a positive-definite one: :math:`y = L L^T` with
    ``L = LowerCholeskyTransform()(x)``. Not injective (the upper triangle of x is ignored); the pseudo-inverse goes
    through the Cholesky factor of y.
    """

    domain = constraints.independent(constraints.real, 2)
    codomain = constraints.positive_definite

    def __eq__(self, other):
        return isinstance(other, PositiveDefiniteTransform)

    def _call(self, x):
        L = LowerCholeskyTransform()(x)
        return L @ L.mT

    def _inverse(self, y):
        from .. import linalg
        return LowerCholeskyTransform().inv(linalg.cholesky(y))


class CorrCholeskyTransform(Transform):
    r"""Map a vector of length :math:`D(D-1)/2` to the Cholesky factor of a :math:`D \times D` correlation matrix.

    The vector fills the strictly lower triangle row by row after ``tanh`` (so each entry is a partial correlation
    in (-1, 1)); each row is then made unit-norm by stick-breaking: entry :math:`(i, j)` is scaled by
    :math:`\sqrt{\prod_{k<j}(1 - r_{ik}^2)}` and the diagonal takes the remaining length. The log-det is taken
    with respect to the strictly lower triangle of y (the free coordinates), following Stan's construction.
    """

    domain = constraints.real_vector
    codomain = constraints.corr_cholesky
    bijective = True

    def __eq__(self, other):
        return isinstance(other, CorrCholeskyTransform)

    @staticmethod
    def _dim_from_vec(n):
        d = int(round((0.25 + 2 * n) ** 0.5 + 0.5))
        if d * (d - 1) // 2 != n:
            raise ValueError("Input is not a flattend lower-diagonal number")
        return d

    def _call(self, x):
        from .._functions.creation import eye
        eps = finfo(x.dtype).eps
        r = x.tanh().clamp(min=-1 + eps, max=1 - eps)
        d = self._dim_from_vec(x.shape[-1])
        r = _vec_to_tril(r, d, diag=-1)
        # Stick left in each row before column j: cumulative product of sqrt(1 - r^2), shifted right by one.
        left = (1 - r * r).sqrt().cumprod(-1)
        left = F.pad(left[..., :-1], [1, 0], value=1.0)
        return (r + eye(d, dtype=x.dtype)) * left

    def _inverse(self, y):
        # Squared stick left before each column: 1 - (running sum of squares), shifted right by one.
        left = 1 - (y * y).cumsum(-1)
        left = F.pad(left[..., :-1], [1, 0], value=1.0)
        t = _tril_to_vec(y, diag=-1) / _tril_to_vec(left, diag=-1).sqrt()
        # atanh(t) = (log1p(t) - log1p(-t)) / 2
        return (t.log1p() - (-t).log1p()) / 2

    def log_abs_det_jacobian(self, x, y, intermediates=None):
        # With l_ik = log(1 - r_ik^2) (r = tanh x), the jacobian w.r.t. the free entries is triangular and
        # log|det| = sum_ik l_ik (tanh part) + 1/2 sum_i sum_{j<i} sum_{k<j} l_ik (stick part)
        #          = sum_ik l_ik (i - k + 1) / 2.
        # Computed from x alone with l = 2 (log 2 - |x| - softplus(-2|x|)), it stays finite where 1 - cumsum(y^2)
        # would cancel to 0.
        from .._functions.creation import from_numpy
        d = self._dim_from_vec(x.shape[-1])
        rows, cols = np.tril_indices(d, -1)
        weight = from_numpy(((rows - cols + 1) / 2.0).astype(np.float64)).to(x.dtype)
        ax = x.abs()
        log_1mr2 = 2 * (math.log(2.0) - ax - F.softplus(-2 * ax))
        return (log_1mr2 * weight).sum(-1)

    def forward_shape(self, shape):
        if len(shape) < 1:
            raise ValueError("Too few dimensions on input")
        d = self._dim_from_vec(shape[-1])
        return shape[:-1] + (d, d)

    def inverse_shape(self, shape):
        if len(shape) < 2:
            raise ValueError("Too few dimensions on input")
        if shape[-2] != shape[-1]:
            raise ValueError("Input is not square")
        d = shape[-1]
        return shape[:-2] + (d * (d - 1) // 2,)
