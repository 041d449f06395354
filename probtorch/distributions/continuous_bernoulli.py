"""Continuous Bernoulli distribution on [0, 1]."""
import math

from .. import constraints
from .._tensor import Size
from .._random import rand
from .._functions.creation import full_like, zeros_like, ones_like
from ..nn.functional import binary_cross_entropy_with_logits
from .exp_family import ExponentialFamily
from .utils import _ProbsOrLogits, broadcast_all, clamp_probs, lazy_property, logits_to_probs

__all__ = ["ContinuousBernoulli"]


class ContinuousBernoulli(_ProbsOrLogits, ExponentialFamily):
    r"""Continuous Bernoulli distribution (Loaiza-Ganem & Cunningham, 2019) on [0, 1]:

    .. math:: p(x) = C(\lambda)\, \lambda^x (1 - \lambda)^{1 - x}, \qquad
              C(\lambda) = \frac{2\,\mathrm{artanh}(1 - 2\lambda)}{1 - 2\lambda}

    Near :math:`\lambda = 1/2` the closed forms lose precision; inside ``lims`` they are replaced by Taylor
    expansions in :math:`\lambda - 1/2`. Unlike torch, ``cdf`` and ``icdf`` (hence ``rsample``) keep their
    dependence on :math:`\lambda` there, so pathwise gradients are not zero.

    Args:
        probs (Number, Tensor): :math:`\lambda` in (0, 1).
        logits (Number, Tensor): log-odds of :math:`\lambda` (give exactly one of ``probs``/``logits``).
        lims (tuple): the interval of :math:`\lambda` treated with Taylor expansions.
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    _mean_carrier_measure = 0
    has_rsample = True

    def __init__(self, probs=None, logits=None, lims=(0.499, 0.501), validate_args=None):
        self._set_probs_or_logits(probs, logits)
        if probs is not None:
            # probs are checked before clamping (clamping would hide values outside [0, 1])
            if validate_args if validate_args is not None else self._validate_args:
                if not bool(self.arg_constraints["probs"].check(self.probs)._data.all()):
                    raise ValueError(f"Expected parameter probs ({type(self.probs).__name__} of shape "
                                     f"{tuple(self.probs.shape)}) of distribution ContinuousBernoulli to satisfy the "
                                     f"constraint {self.arg_constraints['probs']!r}, but found invalid values:\n"
                                     f"{self.probs}")
            self.probs = clamp_probs(self.probs)
        self._lims = lims
        super().__init__(self._param.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(ContinuousBernoulli, batch_shape, _instance, ("probs", "logits"),
                                   shared=("_lims",))

    @lazy_property
    def probs(self):
        # clamped, as given probs are: the closed forms need lambda strictly inside (0, 1)
        return clamp_probs(logits_to_probs(self.logits, is_binary=True))

    @property
    def param_shape(self):
        return self._param.size()

    # -- the closed forms are evaluated at a safe lambda inside `lims`, then replaced there by Taylor series
    def _stable(self):
        p = self.probs
        return (p <= self._lims[0]) | (p > self._lims[1])

    def _cut_probs(self):
        return self.probs.where(self._stable(), full_like(self.probs, self._lims[0]))

    def _cont_bern_log_norm(self):
        """log C(lambda)."""
        p = self._cut_probs()
        below = p <= 0.5
        # log C = log|log(1 - p) - log p| - log|1 - 2p|, the second term split by side of 1/2 for precision
        log_abs = (-2.0 * p.where(below, zeros_like(p))).log1p().where(
            below, (2.0 * p.where(~below, ones_like(p)) - 1.0).log())
        closed = ((-p).log1p() - p.log()).abs().log() - log_abs
        x2 = (self.probs - 0.5).pow(2)
        taylor = math.log(2.0) + (4.0 / 3.0 + 104.0 / 45.0 * x2) * x2
        return closed.where(self._stable(), taylor)

    @property
    def mean(self):
        p = self._cut_probs()
        closed = p / (2.0 * p - 1.0) + 1.0 / ((-p).log1p() - p.log())
        x = self.probs - 0.5
        taylor = 0.5 + (1.0 / 3.0 + 16.0 / 45.0 * x.pow(2)) * x
        return closed.where(self._stable(), taylor)

    @property
    def variance(self):
        p = self._cut_probs()
        closed = p * (p - 1.0) / (1.0 - 2.0 * p).pow(2) + 1.0 / ((-p).log1p() - p.log()).pow(2)
        x2 = (self.probs - 0.5).pow(2)
        taylor = 1.0 / 12.0 - (1.0 / 15.0 - 128.0 / 945.0 * x2) * x2
        return closed.where(self._stable(), taylor)

    def rsample(self, sample_shape=Size()):
        u = rand(self._extended_shape(sample_shape), dtype=self.probs.dtype)
        return self.icdf(u)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        return -binary_cross_entropy_with_logits(logits, value, reduction="none") + self._cont_bern_log_norm()

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        p = self._cut_probs()
        closed = (p.pow(value) * (1.0 - p).pow(1.0 - value) + p - 1.0) / (2.0 * p - 1.0)
        # second-order expansion in delta = lambda - 1/2 (torch uses the uniform CDF here, whose derivative
        # w.r.t. lambda is zero)
        d = self.probs - 0.5
        x = value
        taylor = x - 2.0 * d * x * (1.0 - x) + d * d * x * (4.0 / 3.0 - 4.0 * x + 8.0 / 3.0 * x * x)
        inner = closed.where(self._stable(), taylor)
        return zeros_like(inner).where(value <= 0.0, ones_like(inner).where(value >= 1.0, inner))

    def icdf(self, value):
        p = self._cut_probs()
        closed = ((-p + value * (2.0 * p - 1.0)).log1p() - (-p).log1p()) / (p.log() - (-p).log1p())
        # the inverse of the expansion used in `cdf`, so that rsample has the right gradient near lambda = 1/2
        d = self.probs - 0.5
        u = value
        taylor = u + 2.0 * d * u * (1.0 - u) + d * d * u * (8.0 / 3.0 - 8.0 * u + 16.0 / 3.0 * u * u)
        return closed.where(self._stable(), taylor)

    def entropy(self):
        log_q = (-self.probs).log1p()
        log_p = self.probs.log()
        return self.mean * (log_q - log_p) - self._cont_bern_log_norm() - log_q

    @property
    def _natural_params(self):
        return (self.logits,)

    def _log_normalizer(self, x):
        """log C as a function of the natural parameter (the logits)."""
        stable = (x <= self._lims[0] - 0.5) | (x > self._lims[1] - 0.5)
        cut = x.where(stable, full_like(x, self._lims[0] - 0.5))
        closed = cut.expm1().abs().log() - cut.abs().log()
        taylor = 0.5 * x + x.pow(2) / 24.0 - x.pow(4) / 2880.0
        return closed.where(stable, taylor)
