"""Fisher-Snedecor (F) distribution."""
import math

from .. import constraints, _dtype
from .._tensor import Size
from .._functions.creation import full_like
from .distribution import Distribution
from .gamma import _standard_gamma_log
from .utils import broadcast_all

__all__ = ["FisherSnedecor"]


class FisherSnedecor(Distribution):
    r"""Fisher-Snedecor (F) distribution with ``df1`` and ``df2`` degrees of freedom: the law of
    :math:`(X_1/d_1)/(X_2/d_2)` for independent :math:`X_i \sim \chi^2(d_i)`.

    .. math:: p(x) = \frac{1}{B(d_1/2, d_2/2)} \left(\frac{d_1}{d_2}\right)^{d_1/2} x^{d_1/2 - 1}
              \left(1 + \frac{d_1}{d_2}x\right)^{-(d_1+d_2)/2}

    Args:
        df1 (float or Tensor): numerator degrees of freedom (> 0).
        df2 (float or Tensor): denominator degrees of freedom (> 0).
    """

    arg_constraints = {"df1": constraints.positive, "df2": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, df1, df2, validate_args=None):
        self.df1, self.df2 = broadcast_all(df1, df2)
        super().__init__(self.df1.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(FisherSnedecor, batch_shape, _instance, ("df1", "df2"))

    @property
    def mean(self):
        df2 = self.df2
        safe = df2.where(df2 > 2, full_like(df2, 3.0))
        return (safe / (safe - 2)).where(df2 > 2, full_like(df2, math.nan))

    @property
    def mode(self):
        df1, df2 = self.df1, self.df2
        res = (df1 - 2) / df1 * df2 / (df2 + 2)
        return res.where(df1 > 2, full_like(res, math.nan))

    @property
    def variance(self):
        df1, df2 = self.df1, self.df2
        safe = df2.where(df2 > 4, full_like(df2, 5.0))
        res = 2 * safe.pow(2) * (df1 + safe - 2) / (df1 * (safe - 2).pow(2) * (safe - 4))
        return res.where(df2 > 4, full_like(res, math.nan))

    def rsample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        h1 = 0.5 * self.df1.expand(shape)
        h2 = 0.5 * self.df2.expand(shape)
        # (G1 / h1) / (G2 / h2), G_i ~ Gamma(h_i, 1), formed in log space
        log_y = _standard_gamma_log(h1) - h1.log() - _standard_gamma_log(h2) + h2.log()
        y = log_y.exp()
        finfo = _dtype.finfo(y.dtype)
        return y.clamp(min=finfo.tiny, max=finfo.max)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        h1, h2 = 0.5 * self.df1, 0.5 * self.df2
        ratio = self.df1 / self.df2
        return ((h1 + h2).lgamma() - h1.lgamma() - h2.lgamma() + h1 * ratio.log() + (h1 - 1) * value.log()
                - (h1 + h2) * (ratio * value).log1p())
