"""Bernoulli distribution."""
import probtorch

from .. import constraints
from .._tensor import Size
from .exp_family import ExponentialFamily
from .utils import _ProbsOrLogits, broadcast_all

__all__ = ["Bernoulli"]


class Bernoulli(_ProbsOrLogits, ExponentialFamily):
    r"""A coin flip: 1 with probability ``probs``, 0 otherwise.

    .. math:: p(x) = p^x (1 - p)^{1 - x}, \quad x \in \{0, 1\}

    Args:
        probs (Number, Tensor): probability of a 1.
        logits (Number, Tensor): log-odds of a 1 (give exactly one of ``probs`` and ``logits``).
        validate_args (bool, optional): check parameters and sampled values.

    Example::

        >>> Bernoulli(probs=probtorch.tensor(0.3)).sample((2,))
        tensor([0., 1.])
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True
    _mean_carrier_measure = 0

    def __init__(self, probs=None, logits=None, validate_args=None):
        self._set_probs_or_logits(probs, logits)
        super().__init__(self._param.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(Bernoulli, batch_shape, _instance, ("probs", "logits"))

    @property
    def mean(self):
        return self.probs

    @property
    def mode(self):
        mode = (self.probs >= 0.5).to(self.probs.dtype)
        return probtorch.where(self.probs == 0.5, float("nan"), mode)

    @property
    def variance(self):
        return self.probs * (1 - self.probs)

    @property
    def param_shape(self):
        return self._param.size()

    def sample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        with probtorch.no_grad():
            return probtorch.bernoulli(self.probs.expand(shape))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        # log p(x) = x * logits - log(1 + e^logits), with softplus written as logaddexp(logits, 0)
        return value * logits - probtorch.logaddexp(logits, 0.0)

    def entropy(self):
        logits, probs = self.logits, self.probs
        return probtorch.logaddexp(logits, 0.0) - probs * logits

    def enumerate_support(self, expand=True):
        return self._support_over_batch(probtorch.arange(2, dtype=self._param.dtype), expand)

    @property
    def _natural_params(self):
        return (probtorch.logit(self.probs),)

    def _log_normalizer(self, x):
        return probtorch.log1p(probtorch.exp(x))
