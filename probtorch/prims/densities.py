"""Fused log-densities (Gamma, Beta, Dirichlet) as primitives: one compiled pass forward, Tensor-op rules backward.

Each is exactly the composition it replaces (the docstring of `_kernels.densities` has the formulas), with the same
values at the support's edges and the same gradients, including xlogy's convention there; the composition itself is
the numpy path for small, half-precision or out-of-domain inputs, and when numba is unavailable.
"""
import math

import numpy as np

from .._primitive import Primitive
from . import elementwise as E

__all__ = ["gamma_log_prob", "beta_log_prob", "dirichlet_log_prob"]

_FAST_MIN_SIZE = 4096  # below this the composed numpy path costs less than a compiled call
_COMPILED_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _xlogy(u, y):
    return E._xlogy_impl(u, y)


def _lgamma(a):
    return E._lgamma_impl(a)


def _compiled(kernel_name, arrays, shape, rows):
    """The kernel's result on `arrays` broadcast to `shape` and reshaped to `rows` (a kernel's leading dims), or
    None when the composed path must run instead (small, another dtype, parameters outside the domain)."""
    from .._kernels import _jit
    dt = arrays[0].dtype
    if dt not in _COMPILED_DTYPES or math.prod(shape) < _FAST_MIN_SIZE or not _jit.available():
        return None
    from .._kernels import densities
    from .._kernels._parallel import parallel_chunks
    flat = [np.ascontiguousarray(np.broadcast_to(a, shape)).reshape(rows) for a in arrays]
    out = np.empty(rows[:1], dt)
    if sum(parallel_chunks(getattr(densities, kernel_name), *flat, out)):
        return None
    return out


def _elementwise_impl(kernel_name, composed):
    def impl(*args):
        dt = next(a.dtype for a in args if isinstance(a, np.ndarray))
        arrays = [np.asarray(a, dt) for a in args]  # Python scalars take the tensors' dtype
        shape = np.broadcast_shapes(*(a.shape for a in arrays))
        out = _compiled(kernel_name, arrays, shape, (math.prod(shape),))
        if out is not None:
            return out.reshape(shape)
        return np.asarray(composed(*arrays), dt)
    impl.__name__ = kernel_name
    return impl


def _requires_grad(t):
    return getattr(t, "requires_grad", False)


def _dxlogy(u, y):
    """d(xlogy(u, y))/du: log y, with xlogy's convention 0 where u == 0 and y <= 0."""
    from .._functions.math import where
    log_y = y.log()
    edge = (u == 0) & (y <= 0)
    return where(edge, 0.0, log_y) if edge.any() else log_y


def _gamma_composed(a, b, x):
    return _xlogy(a, b) + _xlogy(a - 1, x) - b * x - _lgamma(a)


gamma_log_prob = Primitive("gamma_log_prob", _elementwise_impl("gamma_log_prob", _gamma_composed),
                           elementwise=True, dtype_rule="float")


@gamma_log_prob.defvjp
def _gamma_log_prob_vjp(g, out, a, b, x):
    a, b, x = (E._as_t(v, g) for v in (a, b, x))  # a Python-number operand takes g's dtype
    ga = g * (b.log() + _dxlogy(a - 1, x) - a.digamma()) if _requires_grad(a) else None
    gb = g * (a / b - x) if _requires_grad(b) else None
    gx = g * ((a - 1) / x - b) if _requires_grad(x) else None
    return ga, gb, gx


def _beta_composed(a, b, x):
    return _xlogy(a - 1, x) + _xlogy(b - 1, 1 - x) + _lgamma(a + b) - _lgamma(a) - _lgamma(b)


beta_log_prob = Primitive("beta_log_prob", _elementwise_impl("beta_log_prob", _beta_composed),
                          elementwise=True, dtype_rule="float")


@beta_log_prob.defvjp
def _beta_log_prob_vjp(g, out, a, b, x):
    a, b, x = (E._as_t(v, g) for v in (a, b, x))
    psi_ab = (a + b).digamma() if _requires_grad(a) or _requires_grad(b) else None
    ga = g * (_dxlogy(a - 1, x) - a.digamma() + psi_ab) if _requires_grad(a) else None
    gb = g * (_dxlogy(b - 1, 1 - x) - b.digamma() + psi_ab) if _requires_grad(b) else None
    gx = g * ((a - 1) / x - (b - 1) / (1 - x)) if _requires_grad(x) else None
    return ga, gb, gx


def _dirichlet_composed(c, x):
    return _xlogy(c - 1, x).sum(-1) + _lgamma(c.sum(-1)) - _lgamma(c).sum(-1)


def _dirichlet_impl(c, x):
    """c, x: (..., K), broadcast together; the result has their broadcast batch shape."""
    shape = np.broadcast_shapes(c.shape, x.shape)
    if shape[-1] > 0:
        out = _compiled("dirichlet_log_prob", (c, x), shape, (math.prod(shape[:-1]), shape[-1]))
        if out is not None:
            return out.reshape(shape[:-1])
    return np.asarray(_dirichlet_composed(c, x), c.dtype)


dirichlet_log_prob = Primitive("dirichlet_log_prob", _dirichlet_impl, dtype_rule="float")


@dirichlet_log_prob.defvjp
def _dirichlet_log_prob_vjp(g, out, c, x):
    c, x = (E._as_t(v, g) for v in (c, x))
    g = g.unsqueeze(-1)
    gc = gx = None
    if _requires_grad(c):
        gc = g * (_dxlogy(c - 1, x) - c.digamma() + c.sum(-1, keepdim=True).digamma())
        gc = gc.sum_to_size(c.shape)
    if _requires_grad(x):
        gx = (g * (c - 1) / x).sum_to_size(x.shape)
    return gc, gx
