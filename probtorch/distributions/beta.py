"""Beta distribution."""
from .. import constraints
from .._functions.shape import stack
from .exp_family import ExponentialFamily
from ..prims.densities import beta_log_prob
from .dirichlet import Dirichlet
from .gamma import _standard_gamma_log
from .utils import broadcast_all

__all__ = ["Beta"]


class Beta(ExponentialFamily):
    r"""Beta distribution on (0, 1):

    .. math:: p(x) = \frac{x^{\alpha - 1}(1 - x)^{\beta - 1}}{B(\alpha, \beta)}

    ``rsample`` is pathwise: :math:`x = \sigma(\log G_1 - \log G_0)` with implicitly reparameterized log-gamma draws.

    Args:
        concentration1 (float or Tensor): :math:`\alpha` (> 0), the first concentration.
        concentration0 (float or Tensor): :math:`\beta` (> 0), the second concentration.
    """

    arg_constraints = {"concentration1": constraints.positive, "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, concentration1, concentration0, validate_args=None):
        c1, c0 = broadcast_all(concentration1, concentration0)
        self._c1, self._c0 = c1, c0
        super().__init__(c1.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(Beta, batch_shape, _instance, ("_c1", "_c0"))

    @property
    def concentration1(self):
        return self._c1

    @property
    def concentration0(self):
        return self._c0

    @property
    def _dirichlet(self):
        """The equivalent Dirichlet over (x, 1 - x)."""
        d = self.__dict__.get("_dirichlet_cache")
        if d is None:
            d = Dirichlet(stack([self._c1, self._c0], -1), validate_args=False)
            self.__dict__["_dirichlet_cache"] = d
        return d

    @property
    def mean(self):
        return self._c1 / (self._c1 + self._c0)

    @property
    def mode(self):
        return self._dirichlet.mode[..., 0]

    @property
    def variance(self):
        total = self._c1 + self._c0
        return self._c1 * self._c0 / (total.pow(2) * (total + 1))

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        # x = G1 / (G1 + G0) = sigmoid(log G1 - log G0), stable for tiny concentrations
        l1 = _standard_gamma_log(self._c1.expand(shape))
        l0 = _standard_gamma_log(self._c0.expand(shape))
        return (l1 - l0).sigmoid()

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return beta_log_prob(self._c1, self._c0, value)

    def entropy(self):
        return self._dirichlet.entropy()

    @property
    def _natural_params(self):
        return (self._c1, self._c0)

    @property
    def _mean_carrier_measure(self):
        # carrier k(x) = -log x - log(1 - x) for the statistics (log x, log(1 - x)); E[log x] = psi(a) - psi(a + b)
        a, b = self._c1, self._c0
        total = (a + b).digamma()
        return -(a.digamma() - total) - (b.digamma() - total)

    def _log_normalizer(self, x, y):
        return x.lgamma() + y.lgamma() - (x + y).lgamma()
