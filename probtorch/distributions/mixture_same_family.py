"""Finite mixture whose components all belong to one family."""
import probtorch

from .. import constraints
from .._tensor import Size
from .categorical import Categorical
from .distribution import Distribution

__all__ = ["MixtureSameFamily"]


class MixtureSameFamily(Distribution):
    r"""A mixture of ``K`` components of one family, chosen by a categorical draw.

    .. math:: p(x) = \sum_{k=1}^{K} \pi_k\, p_k(x)

    The rightmost batch dim of ``component_distribution`` indexes the ``K`` components; ``mixture_distribution``
    is a :class:`Categorical` over them whose batch shape broadcasts with the remaining batch dims.

    Args:
        mixture_distribution (Categorical): the mixing weights :math:`\pi`.
        component_distribution (Distribution): the components, batch shape ``batch_shape + (K,)``.
        validate_args (bool, optional): check sampled values.

    Example::

        >>> mix = Categorical(probtorch.ones(5))
        >>> comp = Normal(probtorch.randn(5), probtorch.rand(5))
        >>> MixtureSameFamily(mix, comp).log_prob(probtorch.tensor(0.3)).shape
        probtorch.Size([])
    """

    arg_constraints = {}
    has_rsample = False

    def __init__(self, mixture_distribution, component_distribution, validate_args=None):
        self._mixture_distribution = mixture_distribution
        self._component_distribution = component_distribution
        if not isinstance(mixture_distribution, Categorical):
            raise ValueError("The Mixture distribution needs to be an instance of probtorch.distributions.Categorical")
        if not isinstance(component_distribution, Distribution):
            raise ValueError("The Component distribution needs to be an instance of "
                             "probtorch.distributions.Distribution")
        mdbs = mixture_distribution.batch_shape
        cdbs = component_distribution.batch_shape[:-1]
        for size1, size2 in zip(reversed(mdbs), reversed(cdbs)):
            if size1 != 1 and size2 != 1 and size1 != size2:
                raise ValueError(f"`mixture_distribution.batch_shape` ({tuple(mdbs)}) is not compatible with "
                                 f"`component_distribution.batch_shape` ({tuple(cdbs)})")
        km = mixture_distribution.logits.shape[-1]
        kc = component_distribution.batch_shape[-1] if len(component_distribution.batch_shape) else None
        if kc is None or km != kc:
            raise ValueError(f"`mixture_distribution` component count ({km}) does not equal "
                             f"`component_distribution.batch_shape[-1]` ({kc})")
        self._num_component = km
        event_shape = component_distribution.event_shape
        self._event_ndims = len(event_shape)
        super().__init__(cdbs, event_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(MixtureSameFamily, batch_shape, _instance,
                                   ("_component_distribution", "_mixture_distribution"),
                                   shared=("_num_component", "_event_ndims"))

    @constraints.dependent_property
    def support(self):
        return self._component_distribution.support

    @property
    def mixture_distribution(self):
        return self._mixture_distribution

    @property
    def component_distribution(self):
        return self._component_distribution

    def _weights(self):
        """Mixture probabilities shaped to broadcast against component quantities: (..., K) + (1,) * event_ndims."""
        probs = self._mixture_distribution.probs
        return probs.reshape(tuple(probs.shape) + (1,) * self._event_ndims)

    def _pad(self, x):
        """Insert the component dim into a value: (..., batch, event) -> (..., batch, 1, event)."""
        return x.unsqueeze(-1 - self._event_ndims)

    @property
    def mean(self):
        return (self._weights() * self._component_distribution.mean).sum(-1 - self._event_ndims)

    @property
    def variance(self):
        # law of total variance: E[Var(x | k)] + Var(E[x | k])
        w = self._weights()
        dim = -1 - self._event_ndims
        comp_mean = self._component_distribution.mean
        mean_cond_var = (w * self._component_distribution.variance).sum(dim)
        var_cond_mean = (w * (comp_mean - self._pad(self.mean)).pow(2)).sum(dim)
        return mean_cond_var + var_cond_mean

    def cdf(self, x):
        x = self._pad(x)
        cdf_x = self._component_distribution.cdf(x)
        return (cdf_x * self._mixture_distribution.probs).sum(-1)

    def log_prob(self, x):
        if self._validate_args:
            self._validate_sample(x)
        x = self._pad(x)
        log_prob_x = self._component_distribution.log_prob(x)  # (..., batch, K)
        log_mix_prob = probtorch.nn.functional.log_softmax(self._mixture_distribution.logits, dim=-1)
        return probtorch.logsumexp(log_prob_x + log_mix_prob, dim=-1)

    def sample(self, sample_shape=Size()):
        sample_shape = Size(sample_shape)
        with probtorch.no_grad():
            mix_sample = self._mixture_distribution.sample(sample_shape)  # sample + mixture batch
            comp_samples = self._component_distribution.sample(sample_shape)  # sample + batch + (K,) + event
            lead = tuple(comp_samples.shape[:len(sample_shape) + len(self.batch_shape)])
            mdbs = tuple(self._mixture_distribution.batch_shape)
            pad = (1,) * (len(self.batch_shape) - len(mdbs))
            index = mix_sample.reshape(tuple(sample_shape) + pad + mdbs + (1,) * (1 + self._event_ndims))
            # broadcast the mixture draw to the full batch (its batch shape may be smaller) and over the event
            index = index.expand(lead + (1,) + tuple(self.event_shape))
            return comp_samples.gather(len(lead), index).squeeze(len(lead))

    def __repr__(self):
        return (f"MixtureSameFamily(\n  {self._mixture_distribution!r},\n  {self._component_distribution!r})")
