"""Logistic-normal distribution over the simplex."""
from .. import constraints
from ..transforms import StickBreakingTransform
from .normal import Normal
from .transformed_distribution import TransformedDistribution

__all__ = ["LogisticNormal"]


class LogisticNormal(TransformedDistribution):
    r"""Logistic-normal distribution: a normal vector of length K - 1 mapped onto the K-simplex by stick
    breaking, :math:`X \sim \mathcal{N}(\mu, \mathrm{diag}(\sigma^2))`, :math:`Y = \mathrm{StickBreaking}(X)`.

    Args:
        loc (float or Tensor): mean of the base normal (last dim K - 1).
        scale (float or Tensor): standard deviation of the base normal (> 0).
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        base = Normal(loc, scale, validate_args=validate_args)
        if not base.batch_shape:
            base = base.expand([1])
        super().__init__(base, StickBreakingTransform(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(LogisticNormal, _instance)
        return super().expand(batch_shape, _instance=new)

    @property
    def loc(self):
        return self.base_dist.base_dist.loc

    @property
    def scale(self):
        return self.base_dist.base_dist.scale
