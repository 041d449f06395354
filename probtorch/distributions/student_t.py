"""Student's t distribution."""
import math

from .. import constraints
from .._tensor import Size
from .._functions.creation import full_like
from .distribution import Distribution
from .gamma import _standard_gamma_log
from .utils import broadcast_all, _standard_normal

__all__ = ["StudentT"]


class StudentT(Distribution):
    r"""Student's t distribution with ``df`` degrees of freedom, location ``loc`` and scale ``scale``:

    .. math:: p(x) = \frac{\Gamma(\frac{\nu+1}{2})}{\Gamma(\frac{\nu}{2})\sqrt{\nu\pi}\,\sigma}
              \left(1 + \frac{1}{\nu}\left(\frac{x-\mu}{\sigma}\right)^2\right)^{-\frac{\nu+1}{2}}

    ``rsample`` is pathwise in all three parameters: :math:`x = \mu + \sigma Z \sqrt{\nu / (2G)}` with
    :math:`Z` standard normal and :math:`G \sim \mathrm{Gamma}(\nu/2, 1)` implicitly reparameterized.

    Args:
        df (float or Tensor): degrees of freedom :math:`\nu` (> 0).
        loc (float or Tensor): location :math:`\mu` (default 0).
        scale (float or Tensor): scale :math:`\sigma` (> 0, default 1).
    """

    arg_constraints = {"df": constraints.positive, "loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, df, loc=0.0, scale=1.0, validate_args=None):
        self.df, self.loc, self.scale = broadcast_all(df, loc, scale)
        super().__init__(self.df.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(StudentT, batch_shape, _instance, ("df", "loc", "scale"))

    @property
    def mean(self):
        return self.loc.where(self.df > 1, full_like(self.loc, math.nan))

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        df = self.df
        finite = self.scale.pow(2) * df / (df - 2).where(df > 2, df.new_ones(()))
        heavy = full_like(finite, math.inf).where(df > 1, full_like(finite, math.nan))
        return finite.where(df > 2, heavy)

    def rsample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        z = _standard_normal(shape, self.df.dtype)
        half_df = 0.5 * self.df.expand(shape)
        # chi2(df) / df = G / (df / 2), G ~ Gamma(df / 2, 1); the ratio is formed in log space
        log_ratio = _standard_gamma_log(half_df) - half_df.log()
        return self.loc + self.scale * z * (-0.5 * log_ratio).exp()

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        y = (value - self.loc) / self.scale
        df = self.df
        norm = (self.scale.log() + 0.5 * df.log() + 0.5 * math.log(math.pi) + (0.5 * df).lgamma()
                - (0.5 * (df + 1.0)).lgamma())
        return -0.5 * (df + 1.0) * (y.pow(2) / df).log1p() - norm

    def entropy(self):
        df = self.df
        lbeta = (0.5 * df).lgamma() + math.lgamma(0.5) - (0.5 * (df + 1)).lgamma()
        return (self.scale.log() + 0.5 * (df + 1) * ((0.5 * (df + 1)).digamma() - (0.5 * df).digamma())
                + 0.5 * df.log() + lbeta)
