"""Multivariate normal with a low-rank plus diagonal covariance."""
import math

import probtorch

from .. import constraints
from .._tensor import Size
from .distribution import Distribution
from .multivariate_normal import _batch_mahalanobis, _batch_mv
from .utils import _standard_normal, lazy_property

__all__ = ["LowRankMultivariateNormal"]

_LOG_2PI = math.log(2 * math.pi)


def _capacitance_tril(W, D):
    """Cholesky factor of the capacitance matrix C = I + W^T D^-1 W (r x r)."""
    r = W.shape[-1]
    Wt_Dinv = W.mT / D.unsqueeze(-2)
    K = probtorch.matmul(Wt_Dinv, W)
    K = K + probtorch.eye(r, dtype=K.dtype)
    return probtorch.linalg.cholesky(K)


class LowRankMultivariateNormal(Distribution):
    r"""A multivariate normal whose covariance is a low-rank term plus a diagonal,
    :math:`\Sigma = W W^T + \mathrm{diag}(D)`.

    Densities, samples and entropies cost :math:`O(n r^2)` instead of :math:`O(n^3)`: the inverse and determinant
    of :math:`\Sigma` come from the Woodbury identity and the matrix determinant lemma through the :math:`r \times r`
    capacitance matrix :math:`C = I + W^T D^{-1} W`.

    Args:
        loc (Tensor): mean, shape ``(..., n)``.
        cov_factor (Tensor): the factor :math:`W`, shape ``(..., n, r)``.
        cov_diag (Tensor): the positive diagonal :math:`D`, shape ``(..., n)``.
        validate_args (bool, optional): check parameters and sampled values.

    Example::

        >>> m = LowRankMultivariateNormal(probtorch.zeros(3), probtorch.ones(3, 1), probtorch.ones(3))
        >>> m.sample().shape
        probtorch.Size([3])
    """

    arg_constraints = {"loc": constraints.real_vector, "cov_factor": constraints.independent(constraints.real, 2),
                       "cov_diag": constraints.independent(constraints.positive, 1)}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc, cov_factor, cov_diag, validate_args=None):
        if loc.dim() < 1:
            raise ValueError("loc must be at least one-dimensional.")
        n = loc.shape[-1]
        if cov_factor.dim() < 2:
            raise ValueError("cov_factor must be at least two-dimensional, with optional leading batch dimensions")
        if cov_factor.shape[-2] != n:
            raise ValueError(f"cov_factor must be a batch of matrices with shape {n} x m, got "
                             f"{tuple(cov_factor.shape)}")
        if cov_diag.dim() < 1 or cov_diag.shape[-1] != n:
            raise ValueError(f"cov_diag must be a batch of vectors with shape {(n,)}, got {tuple(cov_diag.shape)}")
        try:
            batch_shape = Size(probtorch.broadcast_shapes(tuple(loc.shape[:-1]), tuple(cov_factor.shape[:-2]),
                                                          tuple(cov_diag.shape[:-1])))
        except (RuntimeError, ValueError):
            raise ValueError(f"Incompatible batch shapes: loc {tuple(loc.shape)}, cov_factor "
                             f"{tuple(cov_factor.shape)}, cov_diag {tuple(cov_diag.shape)}") from None
        r = cov_factor.shape[-1]
        self.loc = loc.expand(tuple(batch_shape) + (n,))
        self.cov_factor = cov_factor.expand(tuple(batch_shape) + (n, r))
        self.cov_diag = cov_diag.expand(tuple(batch_shape) + (n,))
        super().__init__(batch_shape, Size((n,)), validate_args=validate_args)
        self._unbroadcasted_cov_factor = cov_factor
        self._unbroadcasted_cov_diag = cov_diag

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(LowRankMultivariateNormal, _instance)
        batch_shape = Size(batch_shape)
        n = self._event_shape[0]
        new.loc = self.loc.expand(tuple(batch_shape) + (n,))
        new.cov_diag = self.cov_diag.expand(tuple(batch_shape) + (n,))
        new.cov_factor = self.cov_factor.expand(tuple(batch_shape) + tuple(self.cov_factor.shape[-2:]))
        new._unbroadcasted_cov_factor = self._unbroadcasted_cov_factor
        new._unbroadcasted_cov_diag = self._unbroadcasted_cov_diag
        if "_capacitance_tril" in self.__dict__:
            new._capacitance_tril = self._capacitance_tril
        super(LowRankMultivariateNormal, new).__init__(batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @lazy_property
    def _capacitance_tril(self):
        # computed on first use, so that validate_args=False constructs without any factorization
        return _capacitance_tril(self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag)

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @lazy_property
    def variance(self):
        W, D = self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag
        return (W.pow(2).sum(-1) + D).expand(tuple(self._batch_shape) + tuple(self._event_shape))

    @lazy_property
    def scale_tril(self):
        # Sigma = D^1/2 (I + D^-1/2 W W^T D^-1/2) D^1/2, so its factor is D^1/2 chol(I + D^-1/2 W W^T D^-1/2)
        W, D = self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag
        n = self._event_shape[0]
        sqrt_d = D.sqrt().unsqueeze(-1)
        scaled = W / sqrt_d
        K = probtorch.matmul(scaled, scaled.mT) + probtorch.eye(n, dtype=W.dtype)
        L = sqrt_d * probtorch.linalg.cholesky(K)
        return L.expand(tuple(self._batch_shape) + (n, n))

    @lazy_property
    def covariance_matrix(self):
        W, D = self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag
        n = self._event_shape[0]
        cov = probtorch.matmul(W, W.mT) + probtorch.diag_embed(D)
        return cov.expand(tuple(self._batch_shape) + (n, n))

    @lazy_property
    def precision_matrix(self):
        # Woodbury: Sigma^-1 = D^-1 - D^-1 W C^-1 W^T D^-1 = D^-1 - A^T A with A = Lc^-1 W^T D^-1
        W, D = self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag
        n = self._event_shape[0]
        Wt_Dinv = W.mT / D.unsqueeze(-2)
        Lc = self._capacitance_tril
        lead = tuple(probtorch.broadcast_shapes(tuple(Lc.shape[:-2]), tuple(Wt_Dinv.shape[:-2])))
        r = W.shape[-1]
        A = probtorch.linalg.solve_triangular(Lc.expand(lead + (r, r)), Wt_Dinv.expand(lead + (r, n)), upper=False)
        prec = probtorch.diag_embed(D.reciprocal()) - probtorch.matmul(A.mT, A)
        return prec.expand(tuple(self._batch_shape) + (n, n))

    def _half_log_det(self):
        # matrix determinant lemma: log|Sigma| = log|C| + sum(log D)
        Lc = self._capacitance_tril
        return (probtorch.diagonal(Lc, dim1=-2, dim2=-1).log().sum(-1)
                + 0.5 * self._unbroadcasted_cov_diag.log().sum(-1))

    def rsample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        W = self._unbroadcasted_cov_factor
        eps_w = _standard_normal(tuple(shape[:-1]) + (W.shape[-1],), dtype=self.loc.dtype)
        eps_d = _standard_normal(shape, dtype=self.loc.dtype)
        return self.loc + _batch_mv(W, eps_w) + self._unbroadcasted_cov_diag.sqrt() * eps_d

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        diff = value - self.loc
        W, D = self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag
        # Woodbury: x^T Sigma^-1 x = x^T D^-1 x - |Lc^-1 W^T D^-1 x|^2
        m_diag = (diff * diff / D).sum(-1)
        Wt_Dinv_x = _batch_mv(W.mT, diff / D)
        m_low = _batch_mahalanobis(self._capacitance_tril, Wt_Dinv_x)
        n = self._event_shape[0]
        return -0.5 * (n * _LOG_2PI + m_diag - m_low) - self._half_log_det()

    def entropy(self):
        n = self._event_shape[0]
        H = 0.5 * n * (1.0 + _LOG_2PI) + self._half_log_det()
        if len(self._batch_shape) == 0:
            return H
        return H.expand(self._batch_shape)
