"""Generalized Pareto distribution."""
import math

from .. import constraints
from .._tensor import Size
from .._random import rand
from .._functions.creation import full_like, ones_like, zeros_like
from .distribution import Distribution
from .utils import broadcast_all

__all__ = ["GeneralizedPareto"]

# Below this |concentration| the closed forms (which divide by it) are replaced by their expansions to second
# order around 0: the values, first and second derivatives stay exact at concentration == 0 (torch's version
# returns a zero gradient w.r.t. the concentration there).
_ZERO_TOL = 1e-5


class GeneralizedPareto(Distribution):
    r"""Generalized Pareto distribution with location :math:`\mu`, scale :math:`\sigma` and shape
    (``concentration``) :math:`\xi`:

    .. math:: p(x) = \frac{1}{\sigma}\left(1 + \xi z\right)^{-1/\xi - 1}, \quad z = \frac{x-\mu}{\sigma}

    (:math:`\frac{1}{\sigma}e^{-z}` when :math:`\xi = 0`), on :math:`x \ge \mu`, bounded above by
    :math:`\mu - \sigma/\xi` when :math:`\xi < 0`. Exponential, Pareto and Uniform laws are special cases.
    Works in any float dtype (float64 parameters included).

    Args:
        loc (float or Tensor): location :math:`\mu`.
        scale (float or Tensor): scale :math:`\sigma` (> 0).
        concentration (float or Tensor): shape :math:`\xi` (real).
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive, "concentration": constraints.real}
    has_rsample = True

    def __init__(self, loc, scale, concentration, validate_args=None):
        self.loc, self.scale, self.concentration = broadcast_all(loc, scale, concentration)
        super().__init__(self.loc.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(GeneralizedPareto, batch_shape, _instance, ("loc", "scale", "concentration"))

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self):
        upper = (self.loc - self.scale / self.concentration).where(self.concentration < 0,
                                                                   full_like(self.loc, math.inf))
        return constraints.interval(self.loc, upper)

    def _safe(self):
        """(is-zero mask, concentration with zeros replaced by 1) so both branches of a `where` stay finite."""
        c = self.concentration
        zero = c.abs() <= _ZERO_TOL
        return zero, c.where(~zero, ones_like(c))

    def rsample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        return self.icdf(rand(shape, dtype=self.loc.dtype))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        z = (value - self.loc) / self.scale
        zero, c = self._safe()
        xi = self.concentration
        y = 1 / c + 1
        # y == 0 (concentration -1, the uniform case) makes y * log1p(-z) = 0 even at z = 1
        nonzero = (y * (c * z).log1p()).where(y != 0, zeros_like(y))
        # (1/xi + 1) log1p(xi z) = z + xi (z - z^2/2) + xi^2 (z^3/3 - z^2/2) + O(xi^3)
        near = z + xi * (z - 0.5 * z * z) + xi * xi * (z * z * z / 3 - 0.5 * z * z)
        return -self.scale.log() - near.where(zero, nonzero)

    def log_survival_function(self, value):
        """log(1 - cdf(value))."""
        if self._validate_args:
            self._validate_sample(value)
        z = (value - self.loc) / self.scale
        zero, c = self._safe()
        xi = self.concentration
        # -log1p(xi z) / xi = -z + xi z^2/2 - xi^2 z^3/3 + O(xi^3)
        near = -z + xi * 0.5 * z * z - xi * xi * z * z * z / 3
        return near.where(zero, -(c * z).log1p() / c)

    def log_cdf(self, value):
        """log(cdf(value))."""
        return (-self.log_survival_function(value).exp()).log1p()

    def cdf(self, value):
        return self.log_cdf(value).exp()

    def icdf(self, value):
        zero, c = self._safe()
        xi = self.concentration
        logu = (-value).log1p()
        # expm1(-xi L) / xi = -L + xi L^2/2 - xi^2 L^3/6 + O(xi^3)
        near = -logu + xi * 0.5 * logu * logu - xi * xi * logu * logu * logu / 6
        return self.loc + self.scale * near.where(zero, (-c * logu).expm1() / c)

    @property
    def mean(self):
        c = self.concentration
        ok = c < 1
        safe = c.where(ok, full_like(c, 0.5))
        return (self.loc + self.scale / (1 - safe)).where(ok, full_like(c, math.nan))

    @property
    def variance(self):
        c = self.concentration
        ok = c < 0.5
        safe = c.where(ok, full_like(c, 0.25))
        return (self.scale.pow(2) / ((1 - safe).pow(2) * (1 - 2 * safe))).where(ok, full_like(c, math.nan))

    @property
    def mode(self):
        return self.loc

    def entropy(self):
        return (self.scale.log() + self.concentration + 1).broadcast_to(self._batch_shape)
