"""pad: constant padding (and cropping with negative pads) as one primitive; other modes composed."""
from ...prims import shape as S

__all__ = ["pad"]


def pad(input, pad, mode="constant", value=None):
    """Pad the last len(pad)//2 dims; pad = (left_last, right_last, left_prev, right_prev, ...)."""
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
    raise NotImplementedError(f"pad mode '{mode}' is not implemented yet")
