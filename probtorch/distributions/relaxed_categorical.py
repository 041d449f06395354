"""Relaxed (concrete / Gumbel-softmax) one-hot categorical distributions."""
import probtorch

from .. import constraints
from .._tensor import Size
from ..transforms import ExpTransform
from .categorical import Categorical
from .distribution import Distribution
from .relaxed_bernoulli import _uniform_open
from .transformed_distribution import TransformedDistribution
from .utils import _forwarded

__all__ = ["ExpRelaxedCategorical", "RelaxedOneHotCategorical"]


class ExpRelaxedCategorical(Distribution):
    r"""The elementwise log of a :class:`RelaxedOneHotCategorical` draw: with :math:`g_k` standard Gumbel noise,
    :math:`x = \mathrm{log\_softmax}((\ell + g) / \tau)`.

    .. math::
        p(x) = (K - 1)!\, \tau^{K - 1}
        \exp\Big(\sum_k (\ell_k - \tau x_k) - K \log\sum_k e^{\ell_k - \tau x_k}\Big)

    for the normalized logits :math:`\ell` (the density of the concrete distribution written in log space;
    Maddison, Mnih & Teh 2017). Working in log space keeps draws at low temperature finite.

    Args:
        temperature (Tensor): relaxation temperature :math:`\tau > 0`.
        probs (Tensor): event probabilities (or weights), last dim of size ``K``.
        logits (Tensor): unnormalized event log-probabilities.
        validate_args (bool, optional): check parameters and sampled values.
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        self._categorical = Categorical(probs, logits, validate_args=validate_args)
        self.temperature = temperature
        batch_shape = self._categorical.batch_shape
        event_shape = self._categorical.param_shape[-1:]
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(ExpRelaxedCategorical, batch_shape, _instance, ("_categorical",),
                                   shared=("temperature",))

    param_shape = _forwarded("_categorical", "param_shape")
    logits = _forwarded("_categorical", "logits")
    probs = _forwarded("_categorical", "probs")

    def rsample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        u = _uniform_open(shape, self.logits.dtype)
        gumbels = -((-(u.log())).log())
        scores = (self.logits + gumbels) / self.temperature
        return scores - scores.logsumexp(dim=-1, keepdim=True)

    def log_prob(self, value):
        K = self._categorical._num_events
        if self._validate_args:
            self._validate_sample(value)
        logits, value = probtorch.broadcast_tensors(self.logits, value)
        temperature = probtorch.as_tensor(self.temperature, dtype=value.dtype)
        # log((K-1)!) + (K-1) log tau
        log_scale = probtorch.full_like(temperature, float(K)).lgamma() + (K - 1) * temperature.log()
        score = logits - value * temperature
        score = (score - score.logsumexp(dim=-1, keepdim=True)).sum(-1)
        return score + log_scale


class RelaxedOneHotCategorical(TransformedDistribution):
    r"""A continuous relaxation of :class:`OneHotCategorical` on the simplex (the Gumbel-softmax / concrete
    distribution): :math:`x = \mathrm{softmax}((\ell + g) / \tau)` with :math:`g` standard Gumbel noise. Samples are
    reparameterized (``rsample``); as :math:`\tau \to 0` they approach one-hot draws.

    Args:
        temperature (Tensor): relaxation temperature.
        probs (Tensor): event probabilities (or weights).
        logits (Tensor): unnormalized event log-probabilities.
        validate_args (bool, optional): check parameters and sampled values.

    Example::

        >>> RelaxedOneHotCategorical(probtorch.tensor([2.2]), probtorch.tensor([0.1, 0.2, 0.3, 0.4])).sample().shape
        probtorch.Size([4])
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        base_dist = ExpRelaxedCategorical(temperature, probs, logits, validate_args=validate_args)
        super().__init__(base_dist, ExpTransform(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(RelaxedOneHotCategorical, _instance)
        return super().expand(batch_shape, _instance=new)

    temperature = _forwarded("base_dist", "temperature")
    logits = _forwarded("base_dist", "logits")
    probs = _forwarded("base_dist", "probs")
