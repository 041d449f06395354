"""Poisson distribution."""
import numpy as np

import probtorch

from .. import constraints
from .._random import _rng
from .._tensor import Size, _make
from .exp_family import ExponentialFamily
from .utils import broadcast_all

__all__ = ["Poisson"]


class Poisson(ExponentialFamily):
    r"""Counts of events that happen at a constant ``rate``.

    .. math:: p(k) = \frac{\lambda^k e^{-\lambda}}{k!}, \quad k = 0, 1, 2, \dots

    Args:
        rate (Number, Tensor): the rate :math:`\lambda \ge 0`.
        validate_args (bool, optional): check parameters and sampled values.

    Example::

        >>> Poisson(probtorch.tensor([4.0])).sample()
        tensor([3.])
    """

    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    def __init__(self, rate, validate_args=None):
        (self.rate,) = broadcast_all(rate)
        super().__init__(self.rate.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(Poisson, batch_shape, _instance, ("rate",))

    @property
    def mean(self):
        return self.rate

    @property
    def mode(self):
        return self.rate.floor()

    @property
    def variance(self):
        return self.rate

    def sample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        with probtorch.no_grad():
            rate = self.rate.detach()._data
            return _make(np.asarray(_rng(None).poisson(np.broadcast_to(rate, tuple(shape))), dtype=rate.dtype))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        rate, value = broadcast_all(self.rate, value)
        # xlogy keeps 0 * log(0) = 0 for a zero rate
        return probtorch.xlogy(value, rate) - rate - probtorch.lgamma(value + 1)

    @property
    def _natural_params(self):
        return (probtorch.log(self.rate),)

    def _log_normalizer(self, x):
        return probtorch.exp(x)
