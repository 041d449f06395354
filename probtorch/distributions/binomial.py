"""Binomial distribution."""
import numpy as np

import probtorch

from .. import constraints
from .._random import _rng
from .._tensor import Size, _make
from .distribution import Distribution
from .utils import broadcast_all, lazy_property, logits_to_probs, probs_to_logits

__all__ = ["Binomial"]


class Binomial(Distribution):
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
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            self.total_count, self.probs = broadcast_all(total_count, probs)
            self.total_count = self.total_count.type_as(self.probs)
            self._param = self.probs
        else:
            self.total_count, self.logits = broadcast_all(total_count, logits)
            self.total_count = self.total_count.type_as(self.logits)
            self._param = self.logits
        super().__init__(self._param.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Binomial, _instance)
        batch_shape = Size(batch_shape)
        new.total_count = self.total_count.expand(batch_shape)
        if "probs" in self.__dict__:
            new.probs = self.probs.expand(batch_shape)
            new._param = new.probs
        if "logits" in self.__dict__:
            new.logits = self.logits.expand(batch_shape)
            new._param = new.logits
        super(Binomial, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

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

    @lazy_property
    def logits(self):
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self):
        return logits_to_probs(self.logits, is_binary=True)

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
        values = probtorch.arange(1 + total, dtype=self._param.dtype)
        values = values.view((-1,) + (1,) * len(self._batch_shape))
        if expand:
            values = values.expand((-1,) + tuple(self._batch_shape))
        return values
