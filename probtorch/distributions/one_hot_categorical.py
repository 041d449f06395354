"""One-hot categorical distribution."""
import probtorch

from .. import constraints
from .._tensor import Size
from .categorical import Categorical
from .distribution import Distribution
from .utils import _forwarded

__all__ = ["OneHotCategorical"]


class OneHotCategorical(Distribution):
    r"""A categorical draw encoded as a one-hot vector of length ``K``.

    .. math:: p(x = e_k) = p_k

    Args:
        probs (Tensor): event probabilities (or weights), last dim of size ``K``.
        logits (Tensor): event log-probabilities (unnormalized).
        validate_args (bool, optional): check parameters and sampled values.

    Example::

        >>> OneHotCategorical(probs=probtorch.tensor([0.2, 0.8])).sample()
        tensor([0., 1.])
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.one_hot
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        self._categorical = Categorical(probs, logits, validate_args=validate_args)
        batch_shape = self._categorical.batch_shape
        event_shape = self._categorical.param_shape[-1:]
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(OneHotCategorical, batch_shape, _instance, ("_categorical",))

    _param = _forwarded("_categorical", "_param")
    probs = _forwarded("_categorical", "probs")
    logits = _forwarded("_categorical", "logits")
    param_shape = _forwarded("_categorical", "param_shape")

    @property
    def mean(self):
        return self._categorical.probs

    @property
    def mode(self):
        probs = self._categorical.probs
        return probtorch.nn.functional.one_hot(probs.argmax(-1), probs.shape[-1]).to(probs.dtype)

    @property
    def variance(self):
        p = self._categorical.probs
        return p * (1 - p)

    def sample(self, sample_shape=Size()):
        sample_shape = Size(sample_shape)
        probs = self._categorical.probs
        num_events = self._categorical._num_events
        indices = self._categorical.sample(sample_shape)
        return probtorch.nn.functional.one_hot(indices, num_events).to(probs.dtype)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        indices = value.max(-1)[1]
        return self._categorical.log_prob(indices)

    def entropy(self):
        return self._categorical.entropy()

    def enumerate_support(self, expand=True):
        return self._support_over_batch(probtorch.eye(self.event_shape[0], dtype=self._param.dtype), expand)
