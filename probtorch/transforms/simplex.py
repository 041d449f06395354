"""Transforms onto the probability simplex: softmax (not injective) and stick-breaking (a bijection)."""
from .. import constraints
from .._dtype import finfo
from ..nn import functional as F
from .transform import Transform

__all__ = ["SoftmaxTransform", "StickBreakingTransform"]


class SoftmaxTransform(Transform):
    r""":math:`y = \exp(x) / \sum \exp(x)` along the last dim.

    Not injective (adding a constant to x leaves y unchanged), so there is no log-det; the pseudo-inverse is
    ``log y`` and satisfies ``t(t.inv(y)) == y`` on the simplex. Use it to optimize, not to change variables in a
    density.
    """

    domain = constraints.real_vector
    codomain = constraints.simplex

    def __eq__(self, other):
        return isinstance(other, SoftmaxTransform)

    def _call(self, x):
        # Shifting by the max keeps exp from overflowing; the shift cancels in the ratio.
        e = (x - x.max(-1, True)[0]).exp()
        return e / e.sum(-1, True)

    def _inverse(self, y):
        return y.log()

    def forward_shape(self, shape):
        if len(shape) < 1:
            raise ValueError("Too few dimensions on input")
        return shape

    def inverse_shape(self, shape):
        if len(shape) < 1:
            raise ValueError("Too few dimensions on input")
        return shape


def _offset_log(k, like):
    """log(K - i) for i = 0..K-1: the shifts that map x = 0 to the uniform simplex point."""
    from .._functions.creation import arange
    return arange(k, 0, -1, dtype=like.dtype).log()


class StickBreakingTransform(Transform):
    r"""Map :math:`x \in \mathbb{R}^K` to the simplex in :math:`\mathbb{R}^{K+1}` by breaking a stick.

    With :math:`z_i = \sigma(x_i - \log(K - i))`, take the fraction :math:`z_i` of what is left of the stick:
    :math:`y_i = z_i \prod_{j<i}(1 - z_j)`, and the last entry gets the remainder. ``x = 0`` maps to the uniform
    point. Everything is computed in log space (``log z = logsigmoid(u)``, ``log(1 - z) = logsigmoid(-u)``), so the
    values and log-det stay finite and accurate for large |x| in float32 and float64; the inverse uses tail sums of
    y instead of ``1 - cumsum(y)``, avoiding cancellation when the mass sits in the first entries (so x -> y -> x
    round-trips even where ``y[0]`` rounds to 1). Values equal torch's wherever its clamps are inactive; gradients
    with respect to y agree with torch's along the simplex and differ only by a multiple of the ones vector (the
    inverse does not assume ``y`` sums exactly to 1; it is invariant to rescaling y).
    """

    domain = constraints.real_vector
    codomain = constraints.simplex
    bijective = True

    def __eq__(self, other):
        return isinstance(other, StickBreakingTransform)

    @staticmethod
    def _log_pieces(x):
        """log y_i for i < K and sum_j log(1 - z_j), from x."""
        u = x - _offset_log(x.shape[-1], x)
        log_z = F.logsigmoid(u)
        log_1mz = F.logsigmoid(-u)
        # log of the stick left before each break: exclusive cumulative sum of log(1 - z).
        left = log_1mz.cumsum(-1)
        left_before = F.pad(left[..., :-1], [1, 0], value=0.0)
        return log_z + left_before, log_1mz, log_1mz.sum(-1, True)

    def _call(self, x):
        from .._functions.shape import cat
        if x.shape[-1] == 0:  # no breaks: the whole stick is the single entry
            return x.new_ones(tuple(x.shape[:-1]) + (1,))
        log_y, _, log_last = self._log_pieces(x)
        return cat([log_y, log_last], -1).exp()

    def _inverse(self, y):
        y_crop = y[..., :-1]
        # Stick left after each break = sum of the later entries (tail sums: no cancellation, scale-free).
        tail = y[..., 1:].flip(-1).cumsum(-1).flip(-1)
        tail = tail.clamp(min=finfo(y.dtype).tiny)
        return y_crop.log() - tail.log() + _offset_log(y_crop.shape[-1], y)

    def log_abs_det_jacobian(self, x, y):
        # The jacobian is triangular with diagonal dy_i/dx_i = y_i (1 - z_i); sum the logs in log space.
        if x.shape[-1] == 0:
            return x.sum(-1)
        log_y, log_1mz, _ = self._log_pieces(x)
        return (log_y + log_1mz).sum(-1)

    def forward_shape(self, shape):
        if len(shape) < 1:
            raise ValueError("Too few dimensions on input")
        return shape[:-1] + (shape[-1] + 1,)

    def inverse_shape(self, shape):
        if len(shape) < 1:
            raise ValueError("Too few dimensions on input")
        return shape[:-1] + (shape[-1] - 1,)
