"""Half-normal distribution."""
import math

from .. import constraints
from .._functions.creation import zeros_like
from ..transforms import AbsTransform
from ._folded import _FoldedAtZero
from .normal import Normal
from .transformed_distribution import TransformedDistribution
from .utils import _forwarded

__all__ = ["HalfNormal"]


class HalfNormal(_FoldedAtZero, TransformedDistribution):
    r"""Half-normal distribution: :math:`|X|` for :math:`X \sim \mathcal{N}(0, \sigma)`,
    :math:`p(x) = \frac{\sqrt 2}{\sigma\sqrt\pi} e^{-x^2 / (2\sigma^2)}` for :math:`x \ge 0`.

    Args:
        scale (float or Tensor): :math:`\sigma` (> 0).
    """

    arg_constraints = {"scale": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, scale, validate_args=None):
        super().__init__(Normal(0, scale, validate_args=False), AbsTransform(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(HalfNormal, _instance)
        return super().expand(batch_shape, _instance=new)

    scale = _forwarded("base_dist", "scale")

    @property
    def mean(self):
        return self.scale * math.sqrt(2 / math.pi)

    @property
    def mode(self):
        return zeros_like(self.scale)

    @property
    def variance(self):
        return self.scale.pow(2) * (1 - 2 / math.pi)
