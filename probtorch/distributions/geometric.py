"""Geometric distribution: the number of failures before the first success."""
import numpy as np

import probtorch

from .. import constraints
from .._random import _rng
from .._tensor import Size, _make
from .distribution import Distribution
from .utils import _ProbsOrLogits, broadcast_all

__all__ = ["Geometric"]


class Geometric(_ProbsOrLogits, Distribution):
    r"""The number of failed Bernoulli(``probs``) trials before the first success.

    .. math:: p(k) = (1 - p)^k p, \quad k = 0, 1, 2, \dots

    Args:
        probs (Number, Tensor): success probability of each trial, in (0, 1].
        logits (Number, Tensor): log-odds of success (give exactly one of ``probs`` and ``logits``).
        validate_args (bool, optional): check parameters and sampled values.

    Example::

        >>> Geometric(probtorch.tensor(0.3)).sample()
        tensor(2.)
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, probs=None, logits=None, validate_args=None):
        self._set_probs_or_logits(probs, logits)
        super().__init__(self._param.size(), validate_args=validate_args)
        if self._validate_args and probs is not None:
            # the unit interval admits 0, but a success probability of 0 gives no distribution
            if not bool((self.probs > 0).all()):
                raise ValueError(
                    f"Expected parameter probs (Tensor of shape {tuple(self.probs.shape)}) of distribution "
                    f"{self!r} to satisfy the constraint {constraints.unit_interval!r} with probs > 0, but found "
                    f"invalid values:\n{self.probs}")

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(Geometric, batch_shape, _instance, ("probs", "logits"))

    @property
    def mean(self):
        return 1.0 / self.probs - 1.0

    @property
    def mode(self):
        return probtorch.zeros_like(self.probs)

    @property
    def variance(self):
        return (1.0 / self.probs - 1.0) / self.probs

    def sample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        with probtorch.no_grad():
            p = self.probs.detach()._data
            tiny = np.finfo(p.dtype).tiny
            u = np.clip(_rng(None).random(tuple(shape)), tiny, 1.0).astype(p.dtype)
            # inverse CDF: P(K >= k) = (1 - p)^k, so K = floor(log U / log(1 - p))
            with np.errstate(divide="ignore", invalid="ignore"):
                k = np.floor(np.log(u) / np.log1p(-np.broadcast_to(p, shape)))
            k = np.where(np.broadcast_to(p, shape) == 1, 0, k)
            return _make(np.asarray(k, dtype=p.dtype))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        value, probs = broadcast_all(value, self.probs)
        # 0 * log(1 - 1) is 0 here (a sure success has no failures); keep it out of the arithmetic so the
        # gradient stays finite too
        safe = probtorch.where((probs == 1) & (value == 0), 0.0, probs)
        return value * probtorch.log1p(-safe) + probtorch.log(self.probs)

    def entropy(self):
        # H = [softplus(logits) - p * logits] / p, the Bernoulli entropy divided by the success probability
        logits, probs = self.logits, self.probs
        return (probtorch.logaddexp(logits, 0.0) - probs * logits) / probs
