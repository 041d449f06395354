"""pad: constant padding (and cropping with negative pads) as one primitive; reflect / replicate / circular
composed from index_select (so their gradients are index_add, with no extra rules)."""
import numpy as np

from ...prims import shape as S
from ..._tensor import _make

__all__ = ["pad"]

_MODE_DIMS = {"reflect": (1, 2, 3), "replicate": (1, 2, 3), "circular": (1, 2, 3)}


def _source_index(n, left, right, mode):
    """For each output position along a padded dim, the input position it copies."""
    pos = np.arange(-left, n + right)
    if mode == "replicate":
        return np.clip(pos, 0, n - 1)
    if mode == "circular":
        return pos % n
    # reflect: mirror about the edge elements (which are not repeated)
    period = 2 * (n - 1)
    pos = np.abs(pos) % period if period else np.zeros_like(pos)
    return np.where(pos >= n, period - pos, pos)


def pad(input, pad, mode="constant", value=None):
    """Pad the last len(pad)//2 dims; pad = (left_last, right_last, left_prev, right_prev, ...).

    mode "constant" fills with `value` (negative pads crop); "reflect", "replicate" and "circular" pad the last 1-3
    dims of a batched input ([N, C, *] or unbatched [C, *]) with mirrored, edge or wrapped-around values.
    """
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.ndim:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input dimension but got "
                           f"padding length {len(pad)} and input of dimension {input.ndim}")
    widths = [(0, 0)] * input.ndim
    for k in range(len(pad) // 2):
        widths[input.ndim - 1 - k] = (int(pad[2 * k]), int(pad[2 * k + 1]))
    if mode == "constant":
        return S.constant_pad(input, pad=tuple(widths), value=0.0 if value is None else value)
    if mode not in _MODE_DIMS:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value not in (None, 0, 0.0):
        raise ValueError(f'Padding mode "{mode}" doesn\'t take in value argument.')
    k = len(pad) // 2
    if k not in _MODE_DIMS[mode] or input.ndim not in (k + 1, k + 2):
        raise NotImplementedError(f"Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now "
                                  f"(got {input.ndim}D input with {len(pad)} pad values in mode '{mode}')")
    out = input
    for d in range(input.ndim - k, input.ndim):
        left, right = widths[d]
        n = input.shape[d]
        if mode == "reflect" and (left >= n or right >= n):
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding input dimension, "
                               f"but got: padding ({left}, {right}) at dimension {d} of input {list(input.shape)}")
        if mode == "circular" and (left > n or right > n):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if min(left, right) < 0:
            raise RuntimeError(f"negative padding is not supported in mode '{mode}'")
        if left or right:
            out = out.index_select(d, _make(_source_index(n, left, right, mode)))
    return out
