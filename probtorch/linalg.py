"""probtorch.linalg: matrix products, factorizations and solves with torch's names."""
import numpy as np

from ._tensor import Tensor
from .prims import linalg as L

__all__ = ["matmul", "dot", "inner", "vecdot"]


def matmul(input, other, *, out=None):
    """Matrix product with torch's rules for 1-D operands and broadcast batch dims."""
    if not isinstance(other, Tensor) or not isinstance(input, Tensor):
        raise TypeError("matmul(): argument 'other' (position 2) must be Tensor")
    if input.ndim == 0 or other.ndim == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {input.ndim}D and "
                           f"{other.ndim}D")
    if input.dtype is not other.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {input.dtype.name} != "
                           f"{other.dtype.name}")
    a = input.unsqueeze(0) if input.ndim == 1 else input
    b = other.unsqueeze(-1) if other.ndim == 1 else other
    if a.shape[-1] != b.shape[-2]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a.shape[-2]}x{a.shape[-1]} and "
                           f"{b.shape[-2]}x{b.shape[-1]})")
    res = L.matmul(a, b)
    if input.ndim == 1:
        res = res.squeeze(-2)
    if other.ndim == 1:
        res = res.squeeze(-1)
    return res


def dot(input, other):
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    if input.shape[0] != other.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{input.shape[0]}] and src "
                           f"[{other.shape[0]}] to have the same number of elements, but got {input.shape[0]} and "
                           f"{other.shape[0]} elements respectively")
    return matmul(input, other)


def inner(input, other):
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    from ._functions.shape import tensordot
    return tensordot(input, other, ([-1], [-1]))


def vecdot(x, y, *, dim=-1):
    return (x * y).sum(dim)
