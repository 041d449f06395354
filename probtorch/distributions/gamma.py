"""Gamma distribution, with pathwise (implicitly reparameterized) samples."""

from .. import constraints, _dtype
from .._tensor import Size
from ..prims.densities import gamma_log_prob
from ..prims.gamma import standard_gamma_log, gammainc, gammaincinv
from .exp_family import ExponentialFamily
from .utils import broadcast_all

__all__ = ["Gamma"]


def _standard_gamma_log(concentration):
    """log of Gamma(concentration, 1) samples, differentiable w.r.t. the concentration along the quantile path."""
    return standard_gamma_log(concentration)


def _standard_gamma(concentration):
    """Gamma(concentration, 1) samples, differentiable w.r.t. the concentration (implicit reparameterization)."""
    return standard_gamma_log(concentration).exp()


class Gamma(ExponentialFamily):
    r"""Gamma distribution with shape ``concentration`` :math:`\alpha` and ``rate`` :math:`\beta`:

    .. math:: p(x) = \frac{\beta^\alpha}{\Gamma(\alpha)} x^{\alpha - 1} e^{-\beta x}, \quad x > 0

    ``rsample`` is pathwise: the derivative of a sample w.r.t. :math:`\alpha` follows the quantile path,
    :math:`dx/d\alpha = -(\partial F/\partial\alpha)/p(x)` (Figurnov et al., *Implicit Reparameterization
    Gradients*, 2018), computed by a compiled series / continued-fraction kernel accurate for tiny and huge
    :math:`\alpha`. Samples are drawn in log space, so :math:`\alpha = 10^{-3}` gives distinct, finite values.

    ``cdf`` is differentiable in the concentration too (torch's is not), and ``icdf`` is provided.

    Args:
        concentration (float or Tensor): shape :math:`\alpha` (> 0).
        rate (float or Tensor): rate :math:`\beta` (> 0), the inverse scale.
    """

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _mean_carrier_measure = 0

    def __init__(self, concentration, rate, validate_args=None):
        self.concentration, self.rate = broadcast_all(concentration, rate)
        super().__init__(self.concentration.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(Gamma, batch_shape, _instance, ("concentration", "rate"))

    @property
    def mean(self):
        return self.concentration / self.rate

    @property
    def mode(self):
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self):
        return self.concentration / self.rate.pow(2)

    def _log_rsample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        return _standard_gamma_log(self.concentration.expand(shape)) - self.rate.expand(shape).log()

    def rsample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        value = _standard_gamma_log(self.concentration.expand(shape)).exp() / self.rate.expand(shape)
        # a sample that underflowed to 0 is moved to the smallest normal number, so log_prob stays finite (the
        # clamp, an identity otherwise, is only recorded when some sample needs it)
        tiny = _dtype.finfo(value.dtype).tiny
        return value.clamp(min=tiny) if value.numel() and not value._data.min() >= tiny else value

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return gamma_log_prob(self.concentration, self.rate, value)

    def entropy(self):
        a = self.concentration
        return a - self.rate.log() + a.lgamma() + (1.0 - a) * a.digamma()

    @property
    def _natural_params(self):
        return (self.concentration - 1, -self.rate)

    def _log_normalizer(self, x, y):
        return (x + 1).lgamma() + (x + 1) * (-y.reciprocal()).log()

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return gammainc(self.concentration, self.rate * value)

    def icdf(self, value):
        """Quantile function (torch has none for Gamma); differentiable in value, concentration and rate."""
        return gammaincinv(self.concentration, value) / self.rate
