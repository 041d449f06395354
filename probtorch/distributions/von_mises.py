"""Von Mises (circular normal) distribution."""
import math

from .. import constraints
from .._tensor import Size
from .._grad_mode import no_grad
from ..prims.elementwise import i0e, i1e
from ..prims.von_mises import von_mises_centered
from .distribution import Distribution
from .utils import broadcast_all

__all__ = ["VonMises"]


class VonMises(Distribution):
    r"""Von Mises distribution on the circle, values in :math:`[-\pi, \pi)`:

    .. math:: p(x) = \frac{\exp(\kappa \cos(x - \mu))}{2\pi I_0(\kappa)}

    Sampling uses the Best-Fisher rejection algorithm in float64. Unlike torch, ``rsample`` is available: the
    derivative of a sample w.r.t. :math:`\mu` is 1 and w.r.t. :math:`\kappa` follows the quantile path,
    :math:`-(\partial F/\partial\kappa)/p(x)` (implicit reparameterization, Figurnov et al. 2018), computed from the
    Fourier series of the CDF.

    Args:
        loc (Tensor): the mean direction :math:`\mu` in radians.
        concentration (Tensor): :math:`\kappa` (> 0).
    """

    arg_constraints = {"loc": constraints.real, "concentration": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc, concentration, validate_args=None):
        self.loc, self.concentration = broadcast_all(loc, concentration)
        super().__init__(self.loc.shape, Size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(VonMises, batch_shape, _instance, ("loc", "concentration"))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        k = self.concentration
        # log I_0(k) = log i0e(k) + k
        return k * ((value - self.loc).cos() - 1) - math.log(2 * math.pi) - i0e(k).log()

    def rsample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        z = von_mises_centered(self.concentration.expand(shape))
        x = self.loc + z
        # wrap into [-pi, pi); the wrapping offset is piecewise constant, so it carries no gradient
        with no_grad():
            offset = ((x + math.pi) / (2 * math.pi)).floor() * (2 * math.pi)
        return x - offset

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        """The circular variance 1 - I_1(k) / I_0(k)."""
        k = self.concentration
        return 1 - i1e(k) / i0e(k)
