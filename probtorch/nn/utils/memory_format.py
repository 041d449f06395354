"""Convolution weight memory formats.

probtorch keeps every tensor in numpy's row-major layout and its convolution kernels take contiguous inputs, so
there is no channels-last storage to convert to: these functions check their argument and return the module as it
is. Results are identical either way; only the memory layout (a performance detail in torch) differs.
"""
__all__ = ["convert_conv2d_weight_memory_format", "convert_conv3d_weight_memory_format"]


def _convert(module, memory_format, name):
    from ... import memory_format as _memory_format
    if not isinstance(memory_format, _memory_format):
        raise TypeError(f"{name}(): memory_format must be a probtorch.memory_format, got "
                        f"{type(memory_format).__name__}")
    return module


def convert_conv2d_weight_memory_format(module, memory_format):
    """Return ``module`` unchanged (see the module docstring: one memory layout only)."""
    return _convert(module, memory_format, "convert_conv2d_weight_memory_format")


def convert_conv3d_weight_memory_format(module, memory_format):
    """Return ``module`` unchanged (see the module docstring: one memory layout only)."""
    return _convert(module, memory_format, "convert_conv3d_weight_memory_format")
