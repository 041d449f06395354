"""Negative binomial distribution."""
import numpy as np

import probtorch

from .. import constraints
from .._random import _rng
from .._tensor import Size, _make
from .distribution import Distribution
from .utils import _ProbsOrLogits

__all__ = ["NegativeBinomial"]


def _logsigmoid(x):
    return -probtorch.logaddexp(-x, 0.0)


class NegativeBinomial(_ProbsOrLogits, Distribution):
    r"""The number of successes before ``total_count`` failures, each trial succeeding with ``probs``.

    .. math:: p(k) = \frac{\Gamma(r + k)}{k!\,\Gamma(r)} p^k (1 - p)^r, \quad k = 0, 1, 2, \dots

    ``total_count`` (:math:`r`) may be any non-negative real: the law is then a Gamma-Poisson mixture.

    Args:
        total_count (float, Tensor): number of failures :math:`r \ge 0`.
        probs (Tensor): success probability, in [0, 1).
        logits (Tensor): log-odds of success (give exactly one of ``probs`` and ``logits``).
        validate_args (bool, optional): check parameters and sampled values.

    Example::

        >>> NegativeBinomial(3.0, probtorch.tensor(0.5)).sample()
        tensor(2.)
    """

    arg_constraints = {"total_count": constraints.greater_than_eq(0), "probs": constraints.half_open_interval(0.0, 1.0),
                       "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, total_count, probs=None, logits=None, validate_args=None):
        (total_count,) = self._set_probs_or_logits(probs, logits, total_count)
        self.total_count = total_count.type_as(self._param)
        super().__init__(self._param.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(NegativeBinomial, batch_shape, _instance, ("total_count", "probs", "logits"))

    @property
    def mean(self):
        return self.total_count * probtorch.exp(self.logits)

    @property
    def mode(self):
        return ((self.total_count - 1) * probtorch.exp(self.logits)).floor().clamp(min=0.0)

    @property
    def variance(self):
        # mean / (1 - p), with 1 - p = sigmoid(-logits)
        return self.mean / probtorch.sigmoid(-self.logits)

    @property
    def param_shape(self):
        return self._param.size()

    def sample(self, sample_shape=Size()):
        shape = tuple(self._extended_shape(sample_shape))
        with probtorch.no_grad():
            r = np.broadcast_to(self.total_count.detach()._data, shape)
            odds = np.broadcast_to(np.exp(self.logits.detach()._data.astype(np.float64)), shape)
            rng = _rng(None)
            # Gamma-Poisson mixture: the Poisson rate is Gamma(shape r, scale p / (1 - p))
            rate = rng.gamma(r, 1.0) * odds
            return _make(np.asarray(rng.poisson(rate), dtype=self._param.dtype.np))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        r, logits = self.total_count, self.logits
        # r log(1 - p) + k log p, with log p = logsigmoid(logits) and log(1 - p) = logsigmoid(-logits)
        log_unnormalized = r * _logsigmoid(-logits) + value * _logsigmoid(logits)
        log_coef = probtorch.lgamma(r + value) - probtorch.lgamma(1.0 + value) - probtorch.lgamma(r)
        # r = k = 0 is the point mass at 0: its coefficient is 1 (lgamma(0) - lgamma(0) would be nan)
        log_coef = probtorch.where(r + value == 0.0, 0.0, log_coef)
        return log_unnormalized + log_coef
