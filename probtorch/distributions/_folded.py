"""The law of |X| for X symmetric about 0: what HalfCauchy and HalfNormal share."""
import math

from .._functions.creation import full_like


class _FoldedAtZero:
    """Mixin for a TransformedDistribution that is ``|X|`` with ``X = base_dist`` symmetric about 0.

    The density is twice the base's on ``[0, inf)`` and zero below; ``cdf``, ``icdf`` and ``entropy`` follow
    from the base's.
    """

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        lp = self.base_dist.log_prob(value) + math.log(2)
        return lp.where(value >= 0, full_like(lp, -math.inf))

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return 2 * self.base_dist.cdf(value) - 1

    def icdf(self, prob):
        return self.base_dist.icdf((prob + 1) / 2)

    def entropy(self):
        return self.base_dist.entropy() - math.log(2)
