"""Multinomial distribution."""
import math

import numpy as np

import probtorch

from .. import constraints
from .._random import _rng
from .._tensor import Size, _make
from .binomial import Binomial
from .categorical import Categorical
from .distribution import Distribution
from .utils import _forwarded, broadcast_all

__all__ = ["Multinomial"]


class Multinomial(Distribution):
    r"""Counts of each of ``K`` categories in ``total_count`` independent categorical draws.

    .. math:: p(x) = \frac{n!}{\prod_k x_k!} \prod_k p_k^{x_k}, \quad \sum_k x_k = n

    ``log_prob`` accepts any count vector: it does not need the ``total_count`` given here (so one distribution
    scores draws of several sizes); ``sample`` and ``entropy`` use ``total_count``.

    Args:
        total_count (int): number of draws (one for the whole batch).
        probs (Tensor): event probabilities (or weights), last dim of size ``K``.
        logits (Tensor): event log-probabilities (unnormalized).
        validate_args (bool, optional): check parameters and sampled values.

    Example::

        >>> Multinomial(10, probtorch.tensor([1.0, 1.0, 2.0])).sample()
        tensor([3., 2., 5.])
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    total_count: int

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        if not isinstance(total_count, int):
            raise NotImplementedError("inhomogeneous total_count is not supported")
        self.total_count = total_count
        self._categorical = Categorical(probs=probs, logits=logits, validate_args=validate_args)
        self._binomial = Binomial(total_count=total_count, probs=self.probs, validate_args=False)
        batch_shape = self._categorical.batch_shape
        event_shape = self._categorical.param_shape[-1:]
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Multinomial, _instance)
        batch_shape = Size(batch_shape)
        new.total_count = self.total_count
        new._categorical = self._categorical.expand(batch_shape)
        new._binomial = Binomial(total_count=self.total_count, probs=new._categorical.probs, validate_args=False)
        super(Multinomial, new).__init__(batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @constraints.dependent_property(is_discrete=True, event_dim=1)
    def support(self):
        return constraints.multinomial(self.total_count)

    _param = _forwarded("_categorical", "_param")
    probs = _forwarded("_categorical", "probs")
    logits = _forwarded("_categorical", "logits")
    param_shape = _forwarded("_categorical", "param_shape")

    @property
    def mean(self):
        return self.probs * self.total_count

    @property
    def variance(self):
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape=Size()):
        sample_shape = Size(sample_shape)
        shape = tuple(self._extended_shape(sample_shape))
        with probtorch.no_grad():
            p = np.asarray(self.probs.detach()._data, np.float64)
            p = p / p.sum(-1, keepdims=True)
            counts = _rng(None).multinomial(self.total_count, np.broadcast_to(p, shape))
            return _make(np.asarray(counts, dtype=self.probs.dtype.np))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        # a category of probability 0 seen 0 times contributes 0 * log 0 = 0
        logits = probtorch.where((value == 0) & (logits == float("-inf")), 0.0, logits)
        log_factorial_n = probtorch.lgamma(value.sum(-1) + 1)
        log_factorial_xs = probtorch.lgamma(value + 1).sum(-1)
        log_powers = (logits * value).sum(-1)
        return log_factorial_n - log_factorial_xs + log_powers

    def entropy(self):
        # H = n H(categorical) - log n! + sum_k E[log x_k!], each x_k ~ Binomial(n, p_k)
        n = self.total_count
        support = self._binomial.enumerate_support()
        binomial_probs = probtorch.exp(self._binomial.log_prob(support))
        weights = probtorch.lgamma(support + 1)
        cat_entropy = self._categorical.entropy()
        return n * cat_entropy - math.lgamma(n + 1) + (binomial_probs * weights).sum([0, -1])
