"""Elementwise transforms: each output entry depends on the matching input entry only."""
import math
from numbers import Number, Real

from .. import constraints
from .._tensor import Tensor
from .._dtype import finfo
from ..nn import functional as F
from .transform import Transform, _sum_rightmost

__all__ = ["AbsTransform", "AffineTransform", "CumulativeDistributionTransform", "ExpTransform", "PowerTransform",
           "SigmoidTransform", "SoftplusTransform", "TanhTransform"]


def _broadcast_with(shape, *params):
    """`shape` broadcast against the shapes of the tensor `params` (a number broadcasts like shape ())."""
    from .._functions.shape import broadcast_shapes
    return broadcast_shapes(shape, *(tuple(p.shape) for p in params if isinstance(p, Tensor)))


class ExpTransform(Transform):
    r""":math:`y = \exp(x)`."""

    domain = constraints.real
    codomain = constraints.positive
    bijective = True
    sign = +1

    def __eq__(self, other):
        return isinstance(other, ExpTransform)

    def _call(self, x):
        return x.exp()

    def _inverse(self, y):
        return y.log()

    def log_abs_det_jacobian(self, x, y):
        # d exp(x)/dx = exp(x), whose log is x itself: exact even where exp overflows.
        return x


class PowerTransform(Transform):
    r""":math:`y = x^{\text{exponent}}` on the positive reals.

    Args:
        exponent (float or Tensor): the power; a Tensor broadcasts against ``x``.
        cache_size (int): 0 or 1.
    """

    domain = constraints.positive
    codomain = constraints.positive
    bijective = True

    def __init__(self, exponent, cache_size=0):
        super().__init__(cache_size=cache_size)
        if not isinstance(exponent, Tensor):
            from .._functions.creation import tensor
            exponent = tensor(float(exponent))
        self.exponent = exponent

    def with_cache(self, cache_size=1):
        if self._cache_size == cache_size:
            return self
        return PowerTransform(self.exponent, cache_size=cache_size)

    @property
    def sign(self):
        return self.exponent.sign()

    def __eq__(self, other):
        if not isinstance(other, PowerTransform):
            return False
        return bool(self.exponent.eq(other.exponent).all().item())

    def _call(self, x):
        return x.pow(self.exponent)

    def _inverse(self, y):
        return y.pow(1 / self.exponent)

    def log_abs_det_jacobian(self, x, y):
        # log|p x^(p-1)| = log|p| + (p-1) log x: finite wherever x is, unlike log|p y / x| when y or x under/overflow.
        from .._dtype import result_type
        p = self.exponent
        p = p.to(result_type(p, x))  # log|p| in the result's precision, not the exponent's
        return p.abs().log() + (p - 1) * x.log()

    def forward_shape(self, shape):
        return _broadcast_with(shape, self.exponent)

    def inverse_shape(self, shape):
        return _broadcast_with(shape, self.exponent)


def _clipped_sigmoid(x):
    # Keep the output strictly inside (0, 1) so its logit and log stay finite.
    fi = finfo(x.dtype)
    return x.sigmoid().clamp(min=fi.tiny, max=1.0 - fi.eps)


class SigmoidTransform(Transform):
    r""":math:`y = 1 / (1 + e^{-x})`, clamped to ``[tiny, 1 - eps]`` of the dtype."""

    domain = constraints.real
    codomain = constraints.unit_interval
    bijective = True
    sign = +1

    def __eq__(self, other):
        return isinstance(other, SigmoidTransform)

    def _call(self, x):
        return _clipped_sigmoid(x)

    def _inverse(self, y):
        fi = finfo(y.dtype)
        y = y.clamp(min=fi.tiny, max=1.0 - fi.eps)
        return y.log() - (-y).log1p()

    def log_abs_det_jacobian(self, x, y):
        # log(sigmoid(x) * sigmoid(-x)) = -softplus(-x) - softplus(x), finite for all finite x.
        return -F.softplus(-x) - F.softplus(x)


class SoftplusTransform(Transform):
    r""":math:`y = \log(1 + e^x)`."""

    domain = constraints.real
    codomain = constraints.positive
    bijective = True
    sign = +1

    def __eq__(self, other):
        return isinstance(other, SoftplusTransform)

    def _call(self, x):
        return F.softplus(x)

    def _inverse(self, y):
        # x = log(e^y - 1) = y + log(1 - e^{-y}), accurate for small and large y.
        return y + (-(-y).expm1()).log()

    def log_abs_det_jacobian(self, x, y):
        # d softplus/dx = sigmoid(x), whose log is -softplus(-x).
        return -F.softplus(-x)


class TanhTransform(Transform):
    r""":math:`y = \tanh(x)`.

    The log-det uses :math:`\log(1 - \tanh^2 x) = 2(\log 2 - |x| - \mathrm{softplus}(-2|x|))`, finite for every
    finite x. The inverse is ``atanh`` except at ``y = ±1`` exactly (where a float ``tanh`` lands for moderate x,
    |x| > 9 in float32): there it returns the largest finite preimage instead of ±inf, so a log-prob computed from
    such a y stays finite. Everywhere else the values are torch's; ``cache_size=1`` still gives the exact x back.
    """

    domain = constraints.real
    codomain = constraints.interval(-1.0, 1.0)
    bijective = True
    sign = +1

    def __eq__(self, other):
        return isinstance(other, TanhTransform)

    def _call(self, x):
        return x.tanh()

    def _inverse(self, y):
        from .._functions.math import where
        # 1 - eps/2 is the largest float below 1; only y == ±1 exactly moves (|y| > 1 stays NaN, as it must).
        inner = 1.0 - finfo(y.dtype).eps / 2
        y = where(y.abs() == 1, y * inner, y)
        return y.atanh()

    def log_abs_det_jacobian(self, x, y):
        # tanh' = 1 - tanh^2 = 4 / (e^x + e^-x)^2, even in x; using |x| keeps every term O(|x|) with no cancellation.
        ax = x.abs()
        return 2.0 * (math.log(2.0) - ax - F.softplus(-2.0 * ax))


class AbsTransform(Transform):
    r""":math:`y = |x|`; not injective, its pseudo-inverse is the identity on the nonnegative reals."""

    domain = constraints.real
    codomain = constraints.positive

    def __eq__(self, other):
        return isinstance(other, AbsTransform)

    def _call(self, x):
        return x.abs()

    def _inverse(self, y):
        return y


class AffineTransform(Transform):
    r""":math:`y = \text{loc} + \text{scale} \cdot x`.

    Args:
        loc (Tensor or float): shift.
        scale (Tensor or float): scale; the map is bijective only where it is nonzero.
        event_dim (int): number of rightmost dims of ``x`` forming one event; the log-det is summed over them.
        cache_size (int): 0 or 1.
    """

    bijective = True

    def __init__(self, loc, scale, event_dim=0, cache_size=0):
        super().__init__(cache_size=cache_size)
        self.loc = loc
        self.scale = scale
        self._event_dim = event_dim

    @property
    def event_dim(self):
        return self._event_dim

    @property
    def domain(self):
        if self.event_dim == 0:
            return constraints.real
        return constraints.independent(constraints.real, self.event_dim)

    @property
    def codomain(self):
        return self.domain

    def with_cache(self, cache_size=1):
        if self._cache_size == cache_size:
            return self
        return AffineTransform(self.loc, self.scale, self.event_dim, cache_size=cache_size)

    def __eq__(self, other):
        if not isinstance(other, AffineTransform):
            return False
        for a, b in ((self.loc, other.loc), (self.scale, other.scale)):
            if isinstance(a, Number) and isinstance(b, Number):
                if a != b:
                    return False
            elif not bool((a == b).all().item()):
                return False
        return True

    @property
    def sign(self):
        if isinstance(self.scale, Real):
            s = float(self.scale)
            return 1 if s > 0 else -1 if s < 0 else 0
        return self.scale.sign()

    def _call(self, x):
        return self.loc + self.scale * x

    def _inverse(self, y):
        return (y - self.loc) / self.scale

    def log_abs_det_jacobian(self, x, y):
        from .._functions.creation import full_like
        from .._functions.shape import broadcast_shapes
        scale = self.scale
        if isinstance(scale, Real):
            result = full_like(x, math.log(abs(scale)))
        else:
            # Broadcast to the full shape before summing the event dims, so a scale with fewer dims than the event
            # is counted once per event entry (torch's 0-d tensor scale with event_dim > 0 is counted only once).
            shape = broadcast_shapes(tuple(x.shape), tuple(scale.shape))
            result = scale.abs().log().expand(shape)
        result = _sum_rightmost(result, self.event_dim)
        # The batch shape is that of x (or of y, when loc broadcasts x up).
        full = tuple(x.shape) if not isinstance(y, Tensor) else broadcast_shapes(tuple(x.shape), tuple(y.shape))
        batch = full[:len(full) - self.event_dim]
        return result.expand(broadcast_shapes(tuple(result.shape), batch))

    def forward_shape(self, shape):
        return _broadcast_with(shape, self.loc, self.scale)

    def inverse_shape(self, shape):
        return _broadcast_with(shape, self.loc, self.scale)


class CumulativeDistributionTransform(Transform):
    r""":math:`y = F(x)`, the cumulative distribution function of a univariate ``distribution``.

    The distribution is duck-typed: it needs ``cdf``, ``icdf``, ``log_prob`` and ``support``. Its density is the
    jacobian, so the log-det is ``distribution.log_prob(x)``. A Gaussian copula, for instance, pushes a multivariate
    normal through ``CumulativeDistributionTransform(Normal(0, 1))``.

    Args:
        distribution: a univariate distribution.
        cache_size (int): 0 or 1.
    """

    bijective = True
    codomain = constraints.unit_interval
    sign = +1

    def __init__(self, distribution, cache_size=0):
        super().__init__(cache_size=cache_size)
        self.distribution = distribution

    @property
    def domain(self):
        return self.distribution.support

    def with_cache(self, cache_size=1):
        if self._cache_size == cache_size:
            return self
        return CumulativeDistributionTransform(self.distribution, cache_size=cache_size)

    def _call(self, x):
        return self.distribution.cdf(x)

    def _inverse(self, y):
        return self.distribution.icdf(y)

    def log_abs_det_jacobian(self, x, y):
        return self.distribution.log_prob(x)
