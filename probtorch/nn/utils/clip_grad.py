"""Gradient clipping: the total norm of a set of gradients, scaling them to a maximum norm, clamping their values.

``foreach`` is accepted for signature compatibility; there is a single CPU code path here, so it changes nothing.
"""
import math
import warnings

from ..._grad_mode import no_grad
from ..._tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "clip_grads_with_norm_", "get_total_norm"]


def _as_list(tensors):
    return [tensors] if isinstance(tensors, Tensor) else list(tensors)


def _grads(parameters):
    return [p.grad for p in _as_list(parameters) if p.grad is not None]


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The ``norm_type``-norm of all ``tensors`` taken together, as if they were concatenated into one vector.

    Args:
        tensors: a Tensor or an iterable of Tensors (typically gradients).
        norm_type (float or str): the order of the norm; ``inf`` / ``'inf'`` gives the largest absolute value.
        error_if_nonfinite (bool): raise a RuntimeError when the result is nan or +-inf.
        foreach: accepted and ignored (one code path).

    Returns:
        A 0-dim Tensor (``tensor(0.)`` for an empty input), in the promoted dtype of the inputs.
    """
    from ...linalg import vector_norm
    from ..._functions.shape import stack
    from ..._functions.creation import tensor as _tensor
    tensors = _as_list(tensors)
    norm_type = float(norm_type)
    if len(tensors) == 0:
        return _tensor(0.0)
    with no_grad():
        # the norm of the per-tensor norms equals the norm of the concatenation for every order p (incl. 0, +-inf)
        total = vector_norm(stack([vector_norm(t, norm_type) for t in tensors]), norm_type)
    if error_if_nonfinite and not math.isfinite(float(total.item())):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so "
                           "it cannot be clipped. To disable this error and scale the gradients by the non-finite "
                           "norm anyway, set `error_if_nonfinite=False`")
    return total


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scale the gradients of ``parameters`` in place by ``min(1, max_norm / (total_norm + 1e-6))``.

    ``total_norm`` is a Tensor, usually from `get_total_norm`; splitting the two steps lets the norm be computed
    over more tensors than are clipped.
    """
    from ..._functions.math import clamp
    grads = _grads(parameters)
    if len(grads) == 0:
        return None
    if not isinstance(total_norm, Tensor):
        raise TypeError(f"clip_grads_with_norm_(): total_norm must be a Tensor, got {type(total_norm).__name__}")
    with no_grad():
        coef = clamp(float(max_norm) / (total_norm + 1e-6), max=1.0)
        for g in grads:
            g.mul_(coef.to(g.dtype))
    return None


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Rescale the gradients of ``parameters`` in place so that their joint ``norm_type``-norm is at most ``max_norm``.

    Args:
        parameters: a Tensor or an iterable of Tensors; those whose ``.grad`` is None are skipped.
        max_norm (float): the largest allowed total norm.
        norm_type (float or str): order of the norm (``inf`` for the max-norm).
        error_if_nonfinite (bool): raise when the total norm is nan or +-inf instead of scaling by it.
        foreach: accepted and ignored.

    Returns:
        The total norm of the gradients before clipping (a 0-dim Tensor).

    Example::

        >>> loss.backward()
        >>> probtorch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    """
    parameters = _as_list(parameters)
    grads = _grads(parameters)
    total = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total, foreach)
    return total


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Deprecated spelling of `clip_grad_norm_` (emits a FutureWarning)."""
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of `torch.nn.utils.clip_grad_norm_`.",
                  FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient of ``parameters`` in place to ``[-clip_value, clip_value]``; returns None."""
    clip_value = float(clip_value)
    with no_grad():
        for g in _grads(parameters):
            g.clamp_(-clip_value, clip_value)
    return None
