"""Log-normal distribution."""
from .. import constraints
from ..transforms import ExpTransform
from .normal import Normal
from .transformed_distribution import TransformedDistribution
from .utils import _forwarded

__all__ = ["LogNormal"]


class LogNormal(TransformedDistribution):
    r"""Log-normal distribution: :math:`\exp(X)` for :math:`X \sim \mathcal{N}(\mu, \sigma)`.

    Args:
        loc (float or Tensor): mean :math:`\mu` of log(X).
        scale (float or Tensor): standard deviation :math:`\sigma` (> 0) of log(X).
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        super().__init__(Normal(loc, scale, validate_args=validate_args), ExpTransform(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(LogNormal, _instance)
        return super().expand(batch_shape, _instance=new)

    loc = _forwarded("base_dist", "loc")
    scale = _forwarded("base_dist", "scale")

    @property
    def mean(self):
        return (self.loc + self.scale.pow(2) / 2).exp()

    @property
    def mode(self):
        return (self.loc - self.scale.pow(2)).exp()

    @property
    def variance(self):
        s2 = self.scale.pow(2)
        return s2.expm1() * (2 * self.loc + s2).exp()

    def entropy(self):
        return self.base_dist.entropy() + self.loc
