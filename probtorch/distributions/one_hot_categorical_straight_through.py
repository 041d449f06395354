"""One-hot categorical with a straight-through gradient estimator."""
from .._tensor import Size
from .one_hot_categorical import OneHotCategorical

__all__ = ["OneHotCategoricalStraightThrough"]


class OneHotCategoricalStraightThrough(OneHotCategorical):
    r"""A :class:`OneHotCategorical` whose ``rsample`` passes gradients straight through the draw.

    The forward value of ``rsample`` is an exact one-hot sample; its gradient is that of ``probs``, the
    straight-through estimator of Bengio et al. (2013), "Estimating or Propagating Gradients Through Stochastic
    Neurons for Conditional Computation".
    """

    has_rsample = True

    def rsample(self, sample_shape=Size()):
        samples = self.sample(sample_shape)
        probs = self._categorical.probs
        # value: the one-hot sample; derivative: d probs (the term in parentheses is zero in value)
        return samples + (probs - probs.detach())
