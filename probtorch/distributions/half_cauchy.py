"""Half-Cauchy distribution."""
import math

from .. import constraints
from .._functions.creation import full, zeros_like
from ..transforms import AbsTransform
from ._folded import _FoldedAtZero
from .cauchy import Cauchy
from .transformed_distribution import TransformedDistribution
from .utils import _forwarded

__all__ = ["HalfCauchy"]


class HalfCauchy(_FoldedAtZero, TransformedDistribution):
    r"""Half-Cauchy distribution: :math:`|X|` for :math:`X \sim \mathrm{Cauchy}(0, \gamma)`,
    :math:`p(x) = \frac{2}{\pi\gamma(1 + (x/\gamma)^2)}` for :math:`x \ge 0`.

    Args:
        scale (float or Tensor): :math:`\gamma` (> 0).
    """

    arg_constraints = {"scale": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, scale, validate_args=None):
        super().__init__(Cauchy(0, scale, validate_args=False), AbsTransform(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(HalfCauchy, _instance)
        return super().expand(batch_shape, _instance=new)

    scale = _forwarded("base_dist", "scale")

    @property
    def mean(self):
        return full(self._extended_shape(), math.inf, dtype=self.scale.dtype)

    @property
    def mode(self):
        return zeros_like(self.scale)

    @property
    def variance(self):
        return self.base_dist.variance
