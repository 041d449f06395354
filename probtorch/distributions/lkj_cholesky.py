"""LKJ distribution over Cholesky factors of correlation matrices."""
import math

import numpy as np

from .. import constraints
from .._tensor import Size, _make
from .._random import _rng
from .._functions.math import mvlgamma
from .distribution import Distribution
from .utils import broadcast_all

__all__ = ["LKJCholesky"]


class LKJCholesky(Distribution):
    r"""LKJ distribution over lower Cholesky factors :math:`L` of ``dim`` x ``dim`` correlation matrices
    :math:`\Omega = LL^\top`, with density :math:`p(\Omega) \propto \det(\Omega)^{\eta - 1}`; expressed on the
    factor (Lewandowski, Kurowicka & Joe, 2009):

    .. math:: p(L) \propto \prod_{i=2}^{d} L_{ii}^{d - i + 2(\eta - 1)}

    Samples come from the onion method: row :math:`i` (0-based, :math:`i \ge 1`) is
    :math:`(\sqrt{y_i}\,u_i, \sqrt{1 - y_i}, 0, \dots)` with :math:`y_i \sim \mathrm{Beta}(i/2, \eta + (d-1-i)/2)` and
    :math:`u_i` uniform on the unit sphere in :math:`\mathbb{R}^i`. Every off-diagonal correlation then has the
    marginal law :math:`2\,\mathrm{Beta}(\eta - 1 + d/2, \eta - 1 + d/2) - 1`.

    Args:
        dim (int): matrix dimension d (>= 2).
        concentration (float or Tensor): :math:`\eta` (> 0); 1 is uniform over correlation matrices.
    """

    arg_constraints = {"concentration": constraints.positive}
    support = constraints.corr_cholesky

    def __init__(self, dim, concentration=1.0, validate_args=None):
        if dim < 2:
            raise ValueError(f"Expected dim to be an integer greater than or equal to 2. Found dim={dim}.")
        self.dim = dim
        (self.concentration,) = broadcast_all(concentration)
        super().__init__(self.concentration.size(), Size((dim, dim)), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(LKJCholesky, batch_shape, _instance, ("concentration",), shared=("dim",))

    def sample(self, sample_shape=Size()):
        d = self.dim
        batch = tuple(sample_shape) + tuple(self._batch_shape)
        eta = np.broadcast_to(self.concentration._data.astype(np.float64), batch)
        rng = _rng(None)
        i = np.arange(1, d, dtype=np.float64)
        y = rng.beta(np.broadcast_to(i / 2, batch + (d - 1,)), eta[..., None] + (d - 1 - i) / 2)
        w = np.tril(rng.standard_normal(batch + (d, d)), -1)
        w[..., 0, :] = 0.0
        norms = np.linalg.norm(w[..., 1:, :], axis=-1, keepdims=True)
        w[..., 1:, :] *= np.sqrt(y)[..., None] / norms
        diag = np.concatenate([np.ones(batch + (1,)), np.sqrt(np.clip(1.0 - y, 0.0, None))], -1)
        idx = np.arange(d)
        w[..., idx, idx] = diag
        return _make(w.astype(self.concentration._data.dtype))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        d = self.dim
        eta = self.concentration
        diag = value.diagonal(dim1=-2, dim2=-1)[..., 1:]
        # exponent of L_ii (1-based i = 2..d): d - i + 2 (eta - 1)
        order = _make(np.arange(2, d + 1, dtype=value._data.dtype))
        exponents = 2 * (eta - 1).unsqueeze(-1) + d - order
        unnormalized = (exponents * diag.log()).sum(-1)
        # log of the normalizing constant of the LKJ density on Cholesky factors
        dm1 = d - 1
        alpha = eta + 0.5 * dm1
        log_norm = 0.5 * dm1 * math.log(math.pi) + mvlgamma(alpha - 0.5, dm1) - dm1 * alpha.lgamma()
        return unnormalized - log_norm
