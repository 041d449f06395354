"""Padding modules: constant, zero, reflection, replication and circular padding in 1, 2 and 3 dimensions.

Each stores `padding` as F.pad's tuple (last dimension first, (before, after) per dimension) and calls
`probtorch.nn.functional.pad`.
"""
from .. import functional as F
from .module import Module

__all__ = ["ConstantPad1d", "ConstantPad2d", "ConstantPad3d", "ZeroPad1d", "ZeroPad2d", "ZeroPad3d",
           "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d",
           "ReplicationPad3d", "CircularPad1d", "CircularPad2d", "CircularPad3d"]


def _pad_tuple(padding, n):
    """An int pads every side; otherwise a sequence of 2*n ints."""
    if isinstance(padding, int):
        return (padding,) * (2 * n)
    padding = tuple(padding)
    if len(padding) != 2 * n:
        raise ValueError(f"expected padding to be an int or a {2 * n}-tuple, got {len(padding)} values")
    return padding


class _PadNd(Module):
    _nd = 1
    _mode = "constant"

    def __init__(self, padding):
        super().__init__()
        self.padding = _pad_tuple(padding, self._nd)

    def _check_dim(self, input):
        nd = self._nd
        if input.dim() not in (nd + 1, nd + 2):
            raise ValueError(f"expected {nd + 1}D or {nd + 2}D input (got {input.dim()}D input)")

    def forward(self, input):
        if self._mode == "circular":
            self._check_dim(input)
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self):
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value):
        super().__init__(padding)
        self.value = value

    def forward(self, input):
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dimension with `value`; `padding` is an int or (left, right)."""
    _nd = 1


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two dimensions with `value`; `padding` is an int or (left, right, top, bottom)."""
    _nd = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last three dimensions with `value`; `padding` is an int or a 6-tuple (last dimension first)."""
    _nd = 3


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad1d(_ZeroPadNd):
    """Pad the last dimension with zeros."""
    _nd = 1


class ZeroPad2d(_ZeroPadNd):
    """Pad the last two dimensions with zeros."""
    _nd = 2


class ZeroPad3d(_ZeroPadNd):
    """Pad the last three dimensions with zeros."""
    _nd = 3


class ReflectionPad1d(_PadNd):
    """Pad the last dimension with its mirror image (edge not repeated)."""
    _nd, _mode = 1, "reflect"


class ReflectionPad2d(_PadNd):
    """Pad the last two dimensions by reflection."""
    _nd, _mode = 2, "reflect"


class ReflectionPad3d(_PadNd):
    """Pad the last three dimensions by reflection."""
    _nd, _mode = 3, "reflect"


class ReplicationPad1d(_PadNd):
    """Pad the last dimension by repeating its edge values."""
    _nd, _mode = 1, "replicate"


class ReplicationPad2d(_PadNd):
    """Pad the last two dimensions by repeating edge values."""
    _nd, _mode = 2, "replicate"


class ReplicationPad3d(_PadNd):
    """Pad the last three dimensions by repeating edge values."""
    _nd, _mode = 3, "replicate"


class CircularPad1d(_PadNd):
    """Pad the last dimension periodically (values wrap around)."""
    _nd, _mode = 1, "circular"


class CircularPad2d(_PadNd):
    """Pad the last two dimensions periodically."""
    _nd, _mode = 2, "circular"


class CircularPad3d(_PadNd):
    """Pad the last three dimensions periodically."""
    _nd, _mode = 3, "circular"
