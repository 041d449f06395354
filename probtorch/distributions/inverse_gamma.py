"""Inverse-gamma distribution."""
import math

from .. import constraints
from .._functions.creation import full_like
from ..transforms import PowerTransform
from .gamma import Gamma
from .transformed_distribution import TransformedDistribution
from .utils import _forwarded

__all__ = ["InverseGamma"]


class InverseGamma(TransformedDistribution):
    r"""Inverse-gamma distribution: :math:`1/X` for :math:`X \sim \mathrm{Gamma}(\alpha, \beta)`,

    .. math:: p(x) = \frac{\beta^\alpha}{\Gamma(\alpha)} x^{-\alpha-1} e^{-\beta/x}

    ``rsample`` is pathwise through the Gamma's implicit reparameterization.

    Args:
        concentration (float or Tensor): shape :math:`\alpha` (> 0).
        rate (float or Tensor): scale :math:`\beta` (> 0) (the rate of the underlying Gamma).
    """

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, concentration, rate, validate_args=None):
        base = Gamma(concentration, rate, validate_args=validate_args)
        neg_one = -base.rate.new_ones(())
        super().__init__(base, PowerTransform(neg_one), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(InverseGamma, _instance)
        return super().expand(batch_shape, _instance=new)

    concentration = _forwarded("base_dist", "concentration")
    rate = _forwarded("base_dist", "rate")

    @property
    def mean(self):
        c = self.concentration
        return (self.rate / (c - 1)).where(c > 1, full_like(c, math.inf))

    @property
    def mode(self):
        return self.rate / (self.concentration + 1)

    @property
    def variance(self):
        c = self.concentration
        return (self.rate.pow(2) / ((c - 1).pow(2) * (c - 2))).where(c > 2, full_like(c, math.inf))

    def entropy(self):
        c = self.concentration
        return c + self.rate.log() + c.lgamma() - (1 + c) * c.digamma()
