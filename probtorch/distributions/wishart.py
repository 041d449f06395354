"""Wishart distribution over positive-definite matrices."""
import math
import warnings
from numbers import Number

import numpy as np

import probtorch

from .. import constraints
from .._tensor import Size, _make
from .chi2 import Chi2
from .exp_family import ExponentialFamily
from .multivariate_normal import _precision_to_scale_tril
from .utils import _one_matrix_parameter, _standard_normal, lazy_property

__all__ = ["Wishart"]

_LOG_2 = math.log(2.0)


def _mvdigamma(a, p):
    """Multivariate digamma: sum_{i<p} digamma(a - i/2)."""
    offsets = probtorch.arange(p, dtype=a.dtype) * 0.5
    return probtorch.digamma(a.unsqueeze(-1) - offsets).sum(-1)


class Wishart(ExponentialFamily):
    r"""The Wishart distribution over :math:`p \times p` positive-definite matrices: the law of
    :math:`\sum_{k=1}^{\nu} x_k x_k^T` for :math:`x_k \sim N(0, \Sigma)` (extended to real :math:`\nu > p - 1`).

    .. math::
        p(X) = \frac{|X|^{(\nu - p - 1)/2} e^{-\mathrm{tr}(\Sigma^{-1} X)/2}}
                    {2^{\nu p / 2} |\Sigma|^{\nu/2} \Gamma_p(\nu/2)}

    ``rsample`` uses the Bartlett decomposition (chi-square diagonal with pathwise gradients, normal
    off-diagonal), so samples are differentiable with respect to ``df`` and the scale.

    Args:
        df (float, Tensor): degrees of freedom :math:`\nu > p - 1`.
        covariance_matrix (Tensor): the scale matrix :math:`\Sigma` (positive-definite).
        precision_matrix (Tensor): :math:`\Sigma^{-1}`.
        scale_tril (Tensor): the lower Cholesky factor of :math:`\Sigma`.
        validate_args (bool, optional): check parameters and sampled values.

    Example::

        >>> Wishart(probtorch.tensor(4.0), probtorch.eye(2)).sample().shape
        probtorch.Size([2, 2])
    """

    support = constraints.positive_definite
    has_rsample = True
    _mean_carrier_measure = 0

    @property
    def arg_constraints(self):
        p = self._event_shape[-1] if len(self._event_shape) else 1
        return {"covariance_matrix": constraints.positive_definite, "precision_matrix": constraints.positive_definite,
                "scale_tril": constraints.lower_cholesky, "df": constraints.greater_than(p - 1)}

    def __init__(self, df, covariance_matrix=None, precision_matrix=None, scale_tril=None, validate_args=None):
        name, given = _one_matrix_parameter(covariance_matrix, precision_matrix, scale_tril)
        if given.dim() < 2:
            raise ValueError(f"{name} must be at least two-dimensional, with optional leading batch dimensions")
        if given.shape[-1] != given.shape[-2]:
            raise ValueError(f"{name} must be a batch of square matrices, got shape {tuple(given.shape)}")
        if isinstance(df, Number):
            batch_shape = Size(given.shape[:-2])
            df = probtorch.tensor(float(df), dtype=given.dtype)
        else:
            batch_shape = Size(probtorch.broadcast_shapes(tuple(given.shape[:-2]), tuple(df.shape)))
        event_shape = Size(given.shape[-2:])
        p = event_shape[-1]
        self.df = df.expand(batch_shape)
        setattr(self, name, given.expand(tuple(batch_shape) + (p, p)))
        super().__init__(batch_shape, event_shape, validate_args=validate_args)
        # with validation on the df constraint has already been checked; without it, df <= p - 1 still has no law
        if not self._validate_args and bool((self.df <= p - 1).any()):
            raise ValueError(f"Value of df={df} expected to be greater than ndim - 1 = {p - 1}.")
        if scale_tril is not None:
            self._unbroadcasted_scale_tril = scale_tril
        elif covariance_matrix is not None:
            self._unbroadcasted_scale_tril = probtorch.linalg.cholesky(covariance_matrix)
        else:
            self._unbroadcasted_scale_tril = _precision_to_scale_tril(precision_matrix)
        if bool((self.df < p).any()):
            warnings.warn("Low df values detected. Singular samples are highly likely to occur for ndim - 1 < df < "
                          "ndim.")
        # Bartlett: the squared diagonal of the random factor is chi-square with df - i degrees of freedom
        self._dist_chi2 = Chi2(self.df.unsqueeze(-1) - probtorch.arange(p, dtype=self.df.dtype),
                               validate_args=False)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Wishart, _instance)
        batch_shape = Size(batch_shape)
        p = self._event_shape[-1]
        cov_shape = tuple(batch_shape) + (p, p)
        new._unbroadcasted_scale_tril = self._unbroadcasted_scale_tril.expand(cov_shape)
        new.df = self.df.expand(batch_shape)
        for name in ("covariance_matrix", "scale_tril", "precision_matrix"):
            if name in self.__dict__:
                setattr(new, name, self.__dict__[name].expand(cov_shape))
        new._dist_chi2 = self._dist_chi2.expand(tuple(batch_shape) + (p,))
        super(Wishart, new).__init__(batch_shape, self._event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _full(self, m):
        return m.expand(tuple(self._batch_shape) + tuple(self._event_shape))

    @lazy_property
    def scale_tril(self):
        return self._full(self._unbroadcasted_scale_tril)

    @lazy_property
    def covariance_matrix(self):
        L = self._unbroadcasted_scale_tril
        return self._full(probtorch.matmul(L, L.mT))

    @lazy_property
    def precision_matrix(self):
        return self._full(probtorch.linalg.cholesky_inverse(self._unbroadcasted_scale_tril))

    def _df(self):
        return self.df.reshape(tuple(self.df.shape) + (1, 1))

    @property
    def mean(self):
        return self._df() * self.covariance_matrix

    @property
    def mode(self):
        p = self._event_shape[-1]
        factor = self._df() - p - 1
        factor = probtorch.where(factor <= 0, float("nan"), factor)
        return factor * self.covariance_matrix

    @property
    def variance(self):
        # Var(X_ij) = df (S_ij^2 + S_ii S_jj)
        S = self.covariance_matrix
        diag = probtorch.diagonal(S, dim1=-2, dim2=-1)
        return self._df() * (S.pow(2) + diag.unsqueeze(-1) * diag.unsqueeze(-2))

    def _bartlett_sampling(self, sample_shape=Size()):
        p = self._event_shape[-1]
        shape = tuple(self._extended_shape(sample_shape))
        # the factor A: sqrt(chi2(df - i)) on the diagonal, standard normals below it
        diag = self._dist_chi2.rsample(sample_shape).sqrt()
        tiny = float(np.finfo(diag._data.dtype).tiny)
        diag = diag.clamp(min=tiny)
        rows, cols = np.tril_indices(p, -1)
        lower = np.zeros(shape, diag._data.dtype)
        lower[..., rows, cols] = _standard_normal(shape[:-2] + (len(rows),), dtype=diag.dtype)._data
        A = _make(lower) + probtorch.diag_embed(diag)
        chol = probtorch.matmul(self._unbroadcasted_scale_tril, A)
        return probtorch.matmul(chol, chol.mT)

    def rsample(self, sample_shape=Size(), max_try_correction=None):
        r"""Bartlett-decomposition samples, shape ``sample_shape + batch_shape + (p, p)``.

        Draws that come out numerically singular (possible for small ``df``) are drawn again, up to
        ``max_try_correction`` times (default 3 for float32, 10 otherwise); a warning reports any left.
        """
        if max_try_correction is None:
            max_try_correction = 3 if self.df.dtype is probtorch.float32 else 10
        sample_shape = Size(sample_shape)
        sample = self._bartlett_sampling(sample_shape)
        ok = self.support.check(sample)
        for _ in range(max_try_correction):
            if bool(ok.all()):
                break
            redraw = self._bartlett_sampling(sample_shape)
            mask = ok.reshape(tuple(ok.shape) + (1, 1))
            sample = probtorch.where(mask, sample, redraw)
            ok = self.support.check(sample)
        if not bool(ok.all()):
            warnings.warn(f"Singular samples remain after {max_try_correction} corrections.")
        return sample

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        nu = self.df
        p = self._event_shape[-1]
        L = self._unbroadcasted_scale_tril
        half_logdet_scale = probtorch.diagonal(L, dim1=-2, dim2=-1).log().sum(-1)
        logdet_value = 2 * probtorch.diagonal(probtorch.linalg.cholesky(value), dim1=-2, dim2=-1).log().sum(-1)
        # tr(S^-1 X), with S^-1 X from the Cholesky solve against the scale factor
        lead = tuple(probtorch.broadcast_shapes(tuple(value.shape[:-2]), tuple(L.shape[:-2])))
        trace = probtorch.diagonal(probtorch.linalg.cholesky_solve(value.expand(lead + (p, p)),
                                                                   L.expand(lead + (p, p))),
                                   dim1=-2, dim2=-1).sum(-1)
        return (-nu * p * _LOG_2 / 2 - nu * half_logdet_scale - probtorch.mvlgamma(nu / 2, p)
                + (nu - p - 1) / 2 * logdet_value - trace / 2)

    def entropy(self):
        nu = self.df
        p = self._event_shape[-1]
        half_logdet = probtorch.diagonal(self._unbroadcasted_scale_tril, dim1=-2, dim2=-1).log().sum(-1)
        # H = (p+1)/2 log|S| + p(p+1)/2 log 2 + log Gamma_p(nu/2) - (nu-p-1)/2 psi_p(nu/2) + nu p / 2
        return ((p + 1) * half_logdet + p * (p + 1) / 2 * _LOG_2 + probtorch.mvlgamma(nu / 2, p)
                - (nu - p - 1) / 2 * _mvdigamma(nu / 2, p) + nu * p / 2)

    @property
    def _natural_params(self):
        p = self._event_shape[-1]
        return -self.precision_matrix / 2, (self.df - p - 1) / 2

    def _log_normalizer(self, x, y):
        # with nu/2 = y + (p+1)/2 and |S| = 1/|-2x|: nu/2 (log|S| + p log 2) + log Gamma_p(nu/2)
        p = self._event_shape[-1]
        half_nu = y + (p + 1) / 2
        logdet = probtorch.linalg.slogdet(-2 * x)[1]
        return half_nu * (-logdet + p * _LOG_2) + probtorch.mvlgamma(half_nu, p)
