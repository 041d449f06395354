"""Dirichlet distribution over the probability simplex."""
from .. import constraints
from .._tensor import Size
from ..nn.functional import softmax, one_hot
from ..prims.densities import dirichlet_log_prob
from .exp_family import ExponentialFamily
from .gamma import _standard_gamma_log

__all__ = ["Dirichlet"]


class Dirichlet(ExponentialFamily):
    r"""Dirichlet distribution on the simplex :math:`\{x : x_i > 0, \sum_i x_i = 1\}`:

    .. math:: p(x) = \frac{\Gamma(\sum_i \alpha_i)}{\prod_i \Gamma(\alpha_i)} \prod_i x_i^{\alpha_i - 1}

    ``rsample`` normalizes independent Gamma(:math:`\alpha_i`, 1) draws, done in log space (a softmax of log-gamma
    samples) so that tiny concentrations do not collapse to the simplex centre or to NaN; each log-gamma draw is
    implicitly reparameterized, which makes the sample pathwise-differentiable.

    Args:
        concentration (Tensor): concentrations :math:`\alpha` (> 0), the last dim indexing the categories.
    """

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, concentration, validate_args=None):
        if concentration.dim() < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        self.concentration = concentration
        batch_shape, event_shape = concentration.shape[:-1], concentration.shape[-1:]
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(Dirichlet, batch_shape, _instance, ("concentration",))

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        return softmax(_standard_gamma_log(self.concentration.expand(shape)), -1)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return dirichlet_log_prob(self.concentration, value)

    @property
    def mean(self):
        return self.concentration / self.concentration.sum(-1, True)

    @property
    def mode(self):
        cm1 = (self.concentration - 1).clamp(min=0.0)
        mode = cm1 / cm1.sum(-1, True)
        # with every concentration below one the density peaks at a vertex: the largest concentration's
        all_below = (self.concentration < 1).all(-1, keepdim=True)
        vertex = one_hot(self.concentration.argmax(-1), self.concentration.shape[-1]).to(mode.dtype)
        return vertex.where(all_below, mode)

    @property
    def variance(self):
        c0 = self.concentration.sum(-1, True)
        return self.concentration * (c0 - self.concentration) / (c0.pow(2) * (c0 + 1))

    def entropy(self):
        c = self.concentration
        k = c.size(-1)
        a0 = c.sum(-1)
        return c.lgamma().sum(-1) - a0.lgamma() - (k - a0) * a0.digamma() - ((c - 1.0) * c.digamma()).sum(-1)

    @property
    def _natural_params(self):
        return (self.concentration,)

    @property
    def _mean_carrier_measure(self):
        # carrier k(x) = -sum_i log x_i for the statistics log x; E[log x_i] = psi(a_i) - psi(sum_j a_j)
        c = self.concentration
        return -(c.digamma() - c.sum(-1, True).digamma()).sum(-1)

    def _log_normalizer(self, x):
        return x.lgamma().sum(-1) - x.sum(-1).lgamma()
