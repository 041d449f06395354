"""ExponentialFamily: distributions with density exp(<t(x), theta> - F(theta) + k(x))."""
from .distribution import Distribution

__all__ = ["ExponentialFamily"]


class ExponentialFamily(Distribution):
    r"""Base class for exponential-family distributions, whose density is

    .. math:: p_\theta(x) = \exp(\langle t(x), \theta\rangle - F(\theta) + k(x))

    with natural parameters :math:`\theta`, sufficient statistic :math:`t(x)`, log-normalizer :math:`F` and carrier
    measure :math:`k`. Subclasses provide ``_natural_params``, ``_log_normalizer`` and ``_mean_carrier_measure``;
    the entropy then follows as a Bregman divergence, :math:`H = F(\theta) - \langle\theta, \nabla F(\theta)\rangle
    - E[k(x)]`, with the gradient of :math:`F` taken by autograd. (Reference: Nielsen & Nock, *Entropies and
    cross-entropies of exponential families*, 2010.)
    """

    @property
    def _natural_params(self):
        """The natural parameters, a tuple of Tensors."""
        raise NotImplementedError

    def _log_normalizer(self, *natural_params):
        """The log-normalizer F as a function of the natural parameters (batched)."""
        raise NotImplementedError

    @property
    def _mean_carrier_measure(self):
        """E[k(x)], the expected carrier measure."""
        raise NotImplementedError

    def entropy(self):
        """Entropy from the Bregman divergence of the log-normalizer (differentiable w.r.t. the parameters)."""
        from ..autograd import grad
        from .._grad_mode import enable_grad
        with enable_grad():
            # parameters already on a graph stay on it, so the entropy is differentiable w.r.t. them
            nparams = [p if p.requires_grad else p.detach().requires_grad_() for p in self._natural_params]
            lognorm = self._log_normalizer(*nparams)
            grads = grad(lognorm.sum(), nparams, create_graph=True)
        result = lognorm - self._mean_carrier_measure
        batch = tuple(self._batch_shape)
        for p, g in zip(nparams, grads):
            result = result - (p * g).reshape(batch + (-1,)).sum(-1)
        return result
