"""Multivariate normal distribution."""
import math

import probtorch

from .. import constraints
from .._tensor import Size
from ..prims.mahalanobis import mahalanobis
from .distribution import Distribution
from .utils import _one_matrix_parameter, _standard_normal, lazy_property

__all__ = ["MultivariateNormal"]

_LOG_2PI = math.log(2 * math.pi)


def _batch_mv(bmat, bvec):
    """Matrix-vector products with broadcast batch dims: bmat (..., n, m), bvec (..., m) -> (..., n)."""
    if bmat.dim() == 2:
        # one matrix for every vector: a single (..., m) x (m, n) product (and the same shapes backward), instead of
        # a stack of matrix-vector products against the matrix broadcast over the batch
        return probtorch.matmul(bvec, bmat.mT)
    return probtorch.matmul(bmat, bvec.unsqueeze(-1)).squeeze(-1)


def _batch_mahalanobis(L, x):
    r"""The squared Mahalanobis norms :math:`|L^{-1} x|^2` for a batch of lower-triangular factors.

    ``L`` has shape ``bL + (n, n)`` and ``x`` has shape ``lead + (n,)`` with ``bL`` broadcastable to ``lead``.
    ``L`` is never broadcast: each distinct factor is used once, with the vectors that share it (see
    ``probtorch.prims.mahalanobis``).
    """
    return mahalanobis(L, x, 0.0)


def _precision_to_scale_tril(P, Lf=None):
    # With J the reversal permutation, chol(J P J) = Lf gives P = U U^T for U = J Lf J (upper triangular), so the
    # covariance P^-1 = U^-T U^-1 has the lower-triangular factor U^-T.
    if Lf is None:
        Lf = probtorch.linalg.cholesky(probtorch.flip(P, (-2, -1)))
    Ut = probtorch.flip(Lf, (-2, -1)).mT  # U^T, lower triangular
    eye = probtorch.eye(P.shape[-1], dtype=P.dtype)
    return probtorch.linalg.solve_triangular(Ut, eye, upper=False)


class _SymmetricPartOfPositiveDefinite(type(constraints.positive_definite)):
    """positive_definite's symmetry test alone: the factorization the distribution needs anyway decides the rest."""

    def check(self, value):
        return constraints.symmetric.check(value)

    def __repr__(self):
        return repr(constraints.positive_definite)


class MultivariateNormal(Distribution):
    r"""A normal distribution over vectors, given by its mean and one of a covariance matrix, a precision matrix or
    a lower-triangular scale factor (with positive diagonal).

    .. math:: p(x) = (2\pi)^{-n/2} |\Sigma|^{-1/2} \exp\left(-\tfrac12 (x - \mu)^T \Sigma^{-1} (x - \mu)\right)

    The scale factor :math:`L` (:math:`\Sigma = L L^T`) is computed once; ``log_prob`` of a batch of values against
    a batch of factors solves each distinct factor once, never copying it across broadcast dims.

    Args:
        loc (Tensor): mean, shape ``(..., n)``.
        covariance_matrix (Tensor): positive-definite covariance, shape ``(..., n, n)``.
        precision_matrix (Tensor): positive-definite inverse covariance.
        scale_tril (Tensor): lower-triangular factor of the covariance with positive diagonal.
        validate_args (bool, optional): check parameters and sampled values.

    Example::

        >>> m = MultivariateNormal(probtorch.zeros(2), probtorch.eye(2))
        >>> m.sample().shape
        probtorch.Size([2])
    """

    arg_constraints = {"loc": constraints.real_vector, "covariance_matrix": constraints.positive_definite,
                       "precision_matrix": constraints.positive_definite, "scale_tril": constraints.lower_cholesky}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc, covariance_matrix=None, precision_matrix=None, scale_tril=None, validate_args=None):
        if loc.dim() < 1:
            raise ValueError("loc must be at least one-dimensional.")
        name, given = _one_matrix_parameter(covariance_matrix, precision_matrix, scale_tril)
        if given.dim() < 2:
            raise ValueError(f"{name} matrix must be at least two-dimensional, with optional leading batch "
                             "dimensions")
        batch_shape = Size(probtorch.broadcast_shapes(tuple(given.shape[:-2]), tuple(loc.shape[:-1])))
        n = loc.shape[-1]
        if given.shape[-2:] != (n, n):
            raise ValueError(f"{name} must have shape (..., {n}, {n}) to match loc of shape {tuple(loc.shape)}, "
                             f"got {tuple(given.shape)}")
        setattr(self, name, given.expand(tuple(batch_shape) + (n, n)))
        self.loc = loc.expand(tuple(batch_shape) + (n,))
        info = None
        if scale_tril is None:
            # factor once: the Cholesky factorization is both the scale and the positive-definiteness test, so the
            # generic parameter check only needs to test symmetry (the flip keeps definiteness for a precision)
            A = covariance_matrix if covariance_matrix is not None else probtorch.flip(precision_matrix, (-2, -1))
            factor, info = probtorch.linalg.cholesky_ex(A)
            self.arg_constraints = dict(type(self).arg_constraints,
                                        **{name: _SymmetricPartOfPositiveDefinite()})
        try:
            super().__init__(batch_shape, Size((n,)), validate_args=validate_args)
        finally:
            self.__dict__.pop("arg_constraints", None)
        if info is not None and bool((info != 0).any()):
            if self._validate_args:
                value = getattr(self, name)
                raise ValueError(
                    f"Expected parameter {name} ({type(value).__name__} of shape {tuple(value.shape)}) of "
                    f"distribution {self!r} to satisfy the constraint {constraints.positive_definite!r}, but found "
                    f"invalid values:\n{value}")
            probtorch.linalg.cholesky(A)  # raises LinAlgError naming the failing minor
        if scale_tril is not None:
            self._unbroadcasted_scale_tril = scale_tril
        elif covariance_matrix is not None:
            self._unbroadcasted_scale_tril = factor
        else:
            self._unbroadcasted_scale_tril = _precision_to_scale_tril(precision_matrix, factor)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(MultivariateNormal, _instance)
        batch_shape = Size(batch_shape)
        loc_shape = tuple(batch_shape) + tuple(self.event_shape)
        cov_shape = loc_shape + tuple(self.event_shape)
        new.loc = self.loc.expand(loc_shape)
        new._unbroadcasted_scale_tril = self._unbroadcasted_scale_tril
        for name in ("covariance_matrix", "scale_tril", "precision_matrix"):
            if name in self.__dict__:
                setattr(new, name, self.__dict__[name].expand(cov_shape))
        super(MultivariateNormal, new).__init__(batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @lazy_property
    def scale_tril(self):
        return self._unbroadcasted_scale_tril.expand(tuple(self._batch_shape) + tuple(self._event_shape) * 2)

    @lazy_property
    def covariance_matrix(self):
        L = self._unbroadcasted_scale_tril
        return probtorch.matmul(L, L.mT).expand(tuple(self._batch_shape) + tuple(self._event_shape) * 2)

    @lazy_property
    def precision_matrix(self):
        return probtorch.linalg.cholesky_inverse(self._unbroadcasted_scale_tril).expand(
            tuple(self._batch_shape) + tuple(self._event_shape) * 2)

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        # diag(L L^T) = row sums of L^2
        return self._unbroadcasted_scale_tril.pow(2).sum(-1).expand(tuple(self._batch_shape) +
                                                                    tuple(self._event_shape))

    def _half_log_det(self):
        return probtorch.diagonal(self._unbroadcasted_scale_tril, dim1=-2, dim2=-1).log().sum(-1)

    def rsample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        eps = _standard_normal(shape, dtype=self.loc.dtype)
        return self.loc + _batch_mv(self._unbroadcasted_scale_tril, eps)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        # one primitive for |L^-1 (value - loc)|^2: its gradient w.r.t. loc and L contracts over the values first
        M = mahalanobis(self._unbroadcasted_scale_tril, value, self.loc)
        n = self._event_shape[0]
        return -0.5 * M - (0.5 * n * _LOG_2PI + self._half_log_det())

    def entropy(self):
        n = self._event_shape[0]
        H = 0.5 * n * (1.0 + _LOG_2PI) + self._half_log_det()
        if len(self._batch_shape) == 0:
            return H
        return H.expand(self._batch_shape)
