"""Categorical distribution over the integers 0 .. K-1."""
import numpy as np

import probtorch

from .. import constraints
from .._random import _rng
from .._tensor import Size, _make
from .distribution import Distribution
from .utils import _ProbsOrLogits

__all__ = ["Categorical"]


class Categorical(_ProbsOrLogits, Distribution):
    r"""A draw of one of ``K`` categories, indexed ``0 .. K-1``.

    .. math:: p(x = k) = p_k, \quad \sum_k p_k = 1

    ``probs`` need only be non-negative with a positive sum along the last dim (it is normalized);
    ``logits`` are unnormalized log-probabilities. The last dim indexes categories; the rest is the batch.

    Args:
        probs (Tensor): event probabilities (or weights).
        logits (Tensor): event log-probabilities (unnormalized).
        validate_args (bool, optional): check parameters and sampled values.

    Example::

        >>> Categorical(probs=probtorch.tensor([0.2, 0.3, 0.5])).sample()
        tensor(2)
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    has_enumerate_support = True
    _is_binary = False

    def __init__(self, probs=None, logits=None, validate_args=None):
        self._set_probs_or_logits(probs, logits)
        name = "probs" if probs is not None else "logits"
        if self._param.dim() < 1:
            raise ValueError(f"`{name}` parameter must be at least one-dimensional.")
        if probs is not None:
            self.probs = self.probs / self.probs.sum(-1, keepdim=True)
        else:
            # normalize so that logsumexp(logits) == 0
            self.logits = self.logits - self.logits.logsumexp(dim=-1, keepdim=True)
        self._num_events = self._param.size()[-1]
        batch_shape = self._param.size()[:-1] if self._param.dim() > 1 else Size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(Categorical, batch_shape, _instance, ("probs", "logits"),
                                   shared=("_num_events",))

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self):
        return constraints.integer_interval(0, self._num_events - 1)

    @property
    def param_shape(self):
        return self._param.size()

    @property
    def mean(self):
        return probtorch.full(self._extended_shape(), float("nan"), dtype=self.probs.dtype)

    @property
    def mode(self):
        return self.probs.argmax(-1)

    @property
    def variance(self):
        return probtorch.full(self._extended_shape(), float("nan"), dtype=self.probs.dtype)

    def sample(self, sample_shape=Size()):
        sample_shape = Size(sample_shape)
        with probtorch.no_grad():
            p = np.asarray(self.probs.detach()._data, np.float64)
            k = self._num_events
            rows = p.reshape(-1, k)
            cdf = np.cumsum(rows, axis=-1)
            n = sample_shape.numel()
            # inverse-CDF sampling: the category is the number of cumulative sums at or below u * total
            u = _rng(None).random((n, rows.shape[0])) * cdf[:, -1]
            if n * rows.size <= 1 << 22:
                idx = (cdf[None, :, :] <= u[:, :, None]).sum(-1)
            else:  # many draws or categories: a binary search per batch member instead of an (n, B, K) table
                idx = np.empty(u.shape, np.int64)
                for b in range(rows.shape[0]):
                    idx[:, b] = np.searchsorted(cdf[b], u[:, b], side="right")
            idx = np.minimum(idx, k - 1)
            return _make(idx.astype(np.int64).reshape(self._extended_shape(sample_shape)))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        value = value.long().unsqueeze(-1)
        value, log_pmf = probtorch.broadcast_tensors(value, self.logits)
        value = value[..., :1]
        return log_pmf.gather(-1, value).squeeze(-1)

    def entropy(self):
        # clamp -inf logits to the most negative finite value so that 0 * log 0 contributes 0
        min_real = probtorch.finfo(self.logits.dtype).min
        logits = probtorch.clamp(self.logits, min=min_real)
        return -(logits * self.probs).sum(-1)

    def enumerate_support(self, expand=True):
        return self._support_over_batch(probtorch.arange(self._num_events, dtype=probtorch.int64), expand)
