"""Binomial distribution."""
import numpy as np

import probtorch

from .. import constraints
from .._random import _rng
from .._tensor import Size, _make
from .distribution import Distribution
from .utils import _ProbsOrLogits

__all__ = ["Binomial"]


class Binomial(_ProbsOrLogits, Distribution):
    r"""The number of successes in ``total_count`` independent Bernoulli(``probs``) trials.

    .. math:: p(k) = \binom{n}{k} p^k (1 - p)^{n - k}, \quad k = 0, \dots, n

    ``total_count`` broadcasts with ``probs``/``logits``.

    Args:
        total_count (int, Tensor): number of trials :math:`n`.
        probs (Tensor): success probability of each trial.
        logits (Tensor): log-odds of success (give exactly one of ``probs`` and ``logits``).
        validate_args (bool, optional): check parameters and sampled values.

    Example::

        >>> Binomial(10, probtorch.tensor([0.2, 0.9])).sample()
        tensor([2., 9.])
    """

    arg_constraints = {"total_count": constraints.nonnegative_integer, "probs": constraints.unit_interval,
                       "logits": constraints.real}
    has_enumerate_support = True

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        (total_count,) = self._set_probs_or_logits(probs, logits, total_count)
        self.total_count = total_count.type_as(self._param)
        super().__init__(self._param.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(Binomial, batch_shape, _instance, ("total_count", "probs", "logits"))

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self):
        return constraints.integer_interval(0, self.total_count)

    @property
    def mean(self):
        return self.total_count * self.probs

    @property
    def mode(self):
        return ((self.total_count + 1) * self.probs).floor().clamp(max=self.total_count)

    @property
    def variance(self):
        return self.total_count * self.probs * (1 - self.probs)

    @property
    def param_shape(self):
        return self._param.size()

    def sample(self, sample_shape=Size()):
        shape = tuple(self._extended_shape(sample_shape))
        with probtorch.no_grad():
            p = self.probs.detach()._data
            n = self.total_count.detach()._data.astype(np.int64)
            k = _rng(None).binomial(np.broadcast_to(n, shape), np.broadcast_to(p, shape).astype(np.float64))
            return _make(np.asarray(k).astype(p.dtype))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        n = self.total_count
        log_binom = probtorch.lgamma(n + 1) - probtorch.lgamma(value + 1) - probtorch.lgamma(n - value + 1)
        # k log p + (n - k) log(1 - p) = k l - n softplus(l) for l = logits; infinite logits (p = 0 or 1) are
        # taken out of the arithmetic and given their limits, 0 where the draw is certain and -inf otherwise
        logits = self.logits
        inf = probtorch.isinf(logits)
        safe = probtorch.where(inf, 0.0, logits)
        log_pow = value * safe - n * probtorch.logaddexp(safe, 0.0)
        certain = probtorch.where(logits > 0, value == n, value == 0)
        log_pow = probtorch.where(inf, probtorch.where(certain, 0.0, float("-inf")), log_pow)
        return log_binom + log_pow

    def _homogeneous_count(self, what):
        total = int(self.total_count.max()) if self.total_count.numel() else 0
        if self.total_count.numel() and int(self.total_count.min()) != total:
            raise NotImplementedError(f"Inhomogeneous total count not supported by `{what}`.")
        return total

    def entropy(self):
        total = self._homogeneous_count("entropy")
        log_prob = self.log_prob(self.enumerate_support(False))
        return -(probtorch.exp(log_prob) * log_prob).sum(0)

    def enumerate_support(self, expand=True):
        total = self._homogeneous_count("enumerate_support")
        return self._support_over_batch(probtorch.arange(1 + total, dtype=self._param.dtype), expand)
