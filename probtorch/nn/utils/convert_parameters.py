"""Flatten a list of parameters into one vector, and write such a vector back into the parameters."""
from ..._tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters):
    """Concatenate the flattened ``parameters`` into one 1-D Tensor (differentiable with respect to them)."""
    from ..._functions.shape import cat
    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of the 1-D ``vec`` into ``parameters`` (their ``.data``), in order.

    The parameters then share memory with ``vec``, as in torch. Entries of ``vec`` beyond the total size are
    ignored; too short a vector raises a RuntimeError.
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    start = 0
    for p in parameters:
        n = p.numel()
        p.data = vec[start:start + n].view_as(p).data
        start += n
