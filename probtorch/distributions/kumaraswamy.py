"""Kumaraswamy distribution."""
import math

from .. import constraints
from .._functions.creation import full_like, ones_like, zeros_like
from ..transforms import AffineTransform, PowerTransform
from .transformed_distribution import TransformedDistribution
from .uniform import Uniform
from .utils import broadcast_all, euler_constant

__all__ = ["Kumaraswamy"]


def _moment(a, b, n):
    """E[X^n] = b B(1 + n/a, b) for X ~ Kumaraswamy(a, b)."""
    t = 1 + n / a
    return (b.log() + t.lgamma() + b.lgamma() - (t + b).lgamma()).exp()


class Kumaraswamy(TransformedDistribution):
    r"""Kumaraswamy distribution on (0, 1): :math:`p(x) = ab\,x^{a-1}(1 - x^a)^{b-1}`, built as
    :math:`(1 - U^{1/b})^{1/a}` with :math:`U` uniform.

    Args:
        concentration1 (float or Tensor): :math:`a` (> 0).
        concentration0 (float or Tensor): :math:`b` (> 0).
    """

    arg_constraints = {"concentration1": constraints.positive, "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, concentration1, concentration0, validate_args=None):
        self.concentration1, self.concentration0 = broadcast_all(concentration1, concentration0)
        base = Uniform(zeros_like(self.concentration0), ones_like(self.concentration0), validate_args=validate_args)
        transforms = [PowerTransform(exponent=self.concentration0.reciprocal()),
                      AffineTransform(loc=1.0, scale=-1.0),
                      PowerTransform(exponent=self.concentration1.reciprocal())]
        super().__init__(base, transforms, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Kumaraswamy, _instance)
        new.concentration1 = self.concentration1.expand(batch_shape)
        new.concentration0 = self.concentration0.expand(batch_shape)
        return super().expand(batch_shape, _instance=new)

    @property
    def mean(self):
        return _moment(self.concentration1, self.concentration0, 1)

    @property
    def mode(self):
        """((a - 1) / (ab - 1))^(1/a), defined when a >= 1 and b >= 1 (NaN otherwise)."""
        a, b = self.concentration1, self.concentration0
        log_mode = ((a - 1).log() - (a * b - 1).log()) / a
        ok = (a >= 1) & (b >= 1)
        return log_mode.exp().where(ok, full_like(a, math.nan))

    @property
    def variance(self):
        a, b = self.concentration1, self.concentration0
        return _moment(a, b, 2) - _moment(a, b, 1).pow(2)

    def entropy(self):
        a, b = self.concentration1, self.concentration0
        harmonic_b = (b + 1).digamma() + euler_constant
        return (1 - b.reciprocal()) + (1 - a.reciprocal()) * harmonic_b - a.log() - b.log()
