"""Relaxed (concrete / Gumbel-sigmoid) Bernoulli distributions."""
import numpy as np

import probtorch

from .. import constraints
from .._random import _rng
from .._tensor import Size, _make
from ..transforms import SigmoidTransform
from .distribution import Distribution
from .transformed_distribution import TransformedDistribution
from .utils import _ProbsOrLogits, _forwarded, broadcast_all

__all__ = ["LogitRelaxedBernoulli", "RelaxedBernoulli"]


def _uniform_open(shape, dtype):
    """Uniform draws clamped into [tiny, 1 - eps] so that their logs and log1p(-u) stay finite."""
    fi = np.finfo(dtype.np)
    u = _rng(None).random(tuple(shape)).astype(dtype.np)
    return _make(np.clip(u, fi.tiny, 1 - fi.eps))


class LogitRelaxedBernoulli(_ProbsOrLogits, Distribution):
    r"""The logit of a :class:`RelaxedBernoulli` draw: :math:`x = (\ell + \log u - \log(1 - u)) / \tau` for
    :math:`u \sim U(0, 1)`, :math:`\ell` the logits and :math:`\tau` the temperature.

    .. math:: p(x) = \tau\, \frac{e^{\ell - \tau x}}{(1 + e^{\ell - \tau x})^2}

    (a logistic law with location :math:`\ell / \tau` and scale :math:`1 / \tau`). Reference: Maddison, Mnih & Teh
    (2017), "The Concrete Distribution: A Continuous Relaxation of Discrete Random Variables".

    Args:
        temperature (Tensor): relaxation temperature :math:`\tau > 0`.
        probs (Number, Tensor): probability of a 1 in the limit :math:`\tau \to 0`.
        logits (Number, Tensor): its log-odds (give exactly one of ``probs`` and ``logits``).
        validate_args (bool, optional): check parameters and sampled values.
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.real
    # torch 2.13 implements rsample here but leaves has_rsample False; the draw is pathwise, so say so
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        self.temperature = temperature
        self._set_probs_or_logits(probs, logits)
        super().__init__(self._param.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(LogitRelaxedBernoulli, batch_shape, _instance, ("probs", "logits"),
                                   shared=("temperature",))

    @property
    def param_shape(self):
        return self._param.size()

    def rsample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        probs = self.probs
        u = _uniform_open(shape, probs.dtype)
        # logistic noise log u - log(1 - u) shifted by the logits and scaled by 1 / temperature
        return (u.log() - (-u).log1p() + self.logits) / self.temperature

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        diff = logits - value * self.temperature
        # log tau + d - 2 softplus(d), d = logits - tau x
        return probtorch.log(probtorch.as_tensor(self.temperature, dtype=diff.dtype)) + diff \
            - 2 * probtorch.logaddexp(diff, 0.0)


class RelaxedBernoulli(TransformedDistribution):
    r"""A continuous relaxation of :class:`Bernoulli` on (0, 1): the sigmoid of a :class:`LogitRelaxedBernoulli`
    draw. As the temperature goes to 0 draws concentrate on {0, 1} with the Bernoulli probabilities; samples are
    reparameterized (``rsample``).

    Args:
        temperature (Tensor): relaxation temperature.
        probs (Number, Tensor): probability of a 1.
        logits (Number, Tensor): log-odds of a 1 (give exactly one of ``probs`` and ``logits``).
        validate_args (bool, optional): check parameters and sampled values.

    Example::

        >>> RelaxedBernoulli(probtorch.tensor([2.2]), probtorch.tensor([0.1, 0.2, 0.3, 0.99])).sample().shape
        probtorch.Size([4])
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        base_dist = LogitRelaxedBernoulli(temperature, probs, logits, validate_args=validate_args)
        super().__init__(base_dist, SigmoidTransform(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(RelaxedBernoulli, _instance)
        return super().expand(batch_shape, _instance=new)

    temperature = _forwarded("base_dist", "temperature")
    logits = _forwarded("base_dist", "logits")
    probs = _forwarded("base_dist", "probs")
