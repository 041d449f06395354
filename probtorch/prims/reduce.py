"""Reduction and scan primitives."""
import math

import numpy as np

from .._primitive import Primitive


def _prim(name, impl, **kw):
    return Primitive(name, impl, **kw)
from .shape import expand, reshape, flip


def _keep_shape(shape, dims):
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


def _sum_impl(x, dims, keepdim=False, dtype=None):
    if dtype is None and x.dtype.kind in "biu":
        dtype = np.int64
    return np.sum(x, axis=dims, keepdims=keepdim, dtype=dtype)


sum = _prim("sum", _sum_impl, saves=(), linear=True)


@sum.defvjp
def _sum_vjp(g, out, x, dims, keepdim=False, dtype=None):
    if not keepdim:
        g = reshape(g, shape=_keep_shape(x.shape, dims))
    return (expand(g, shape=x.shape),)


def _mean_impl(x, dims, keepdim=False):
    n = math.prod([x.shape[d] for d in dims])
    return np.true_divide(np.sum(x, axis=dims, keepdims=keepdim), n)  # n = 0: NaN, as torch


mean = _prim("mean", _mean_impl, saves=(), linear=True)


@mean.defvjp
def _mean_vjp(g, out, x, dims, keepdim=False):
    if not keepdim:
        g = reshape(g, shape=_keep_shape(x.shape, dims))
    n = math.prod([x.shape[d] for d in dims])
    return (expand(g / max(n, 1), shape=x.shape),)


def _prod_impl(x, dim=None, keepdim=False, dtype=None):
    if dtype is None and x.dtype.kind in "biu":
        dtype = np.int64
    return np.prod(x, axis=dim, keepdims=keepdim, dtype=dtype)


prod = _prim("prod", _prod_impl, save_out=True)


@prod.defvjp
def _prod_vjp(g, out, x, dim=None, keepdim=False, dtype=None):
    if x.numel() == 0:
        return (x.new_zeros(x.shape),)
    if dim is None:
        flat = reshape(x, shape=(-1,))
        return (reshape(_prod_grad_1d(g, flat, 0), shape=x.shape),)
    if not keepdim:
        g = reshape(g, shape=_keep_shape(x.shape, (dim,)))
        out = reshape(out, shape=_keep_shape(x.shape, (dim,)))
    if not bool((x._data == 0).any()):
        return (g * out / x,)
    return (_prod_grad_1d(g, x, dim),)


def _prod_grad_1d(g, x, dim):
    """d prod / d x_i = product of the others: exclusive cumulative products from both ends (exact with zeros)."""
    from .._functions.shape import cat, narrow
    n = x.shape[dim]
    ones = x.new_ones(_keep_shape(x.shape, (dim % max(x.ndim, 1),)))
    left = cat([ones, narrow(x, dim, 0, n - 1).cumprod(dim)], dim) if n > 1 else ones
    rflip = flip(x, dims=(dim,))
    right = cat([ones, narrow(rflip, dim, 0, n - 1).cumprod(dim)], dim) if n > 1 else ones
    return g * left * flip(right, dims=(dim,))


def _check_nonempty(name, x, dims, exc=RuntimeError):
    """torch refuses to reduce an empty slice with max/min-like ops (there is no identity element)."""
    if x.size:
        return
    if dims is None:
        raise exc(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
                  "reduction dim with the 'dim' argument.")
    for d in dims:
        if x.shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")


def _amax_impl(x, dims, keepdim=False, nan_share=False):
    _check_nonempty("amax", x, dims)
    return np.amax(x, axis=dims, keepdims=keepdim)


def _amin_impl(x, dims, keepdim=False, nan_share=False):
    _check_nonempty("amin", x, dims)
    return np.amin(x, axis=dims, keepdims=keepdim)


def _extreme_vjp(g, out, x, dims, keepdim=False, nan_share=False):
    # ties share the gradient evenly, as torch's amax/amin do. A NaN result matches no input, so its slice gets
    # NaN gradients (torch's amax/amin), unless `nan_share` (torch's max()/min()), where the NaNs share it.
    shape = _keep_shape(x.shape, dims if dims is not None else tuple(range(x.ndim)))
    if not keepdim:
        g = reshape(g, shape=shape)
        out = reshape(out, shape=shape)
    hit = x == out
    if nan_share:
        hit = hit | (x.isnan() & out.isnan())
    count = hit.sum(dim=dims, keepdim=True) if dims is not None else hit.sum().reshape(shape)
    share = g / count
    # share * 0 rather than 0 off the hits: an inf/NaN share (no hit, or an inf gradient) makes NaN there, as the
    # mask product g * mask / count does; this way no full-size float mask is built
    from .._functions.math import where
    return (where(hit, share, share * 0.0),)


amax = _prim("amax", _amax_impl, save_out=True)
amax.defvjp(_extreme_vjp)
amin = _prim("amin", _amin_impl, save_out=True)
amin.defvjp(_extreme_vjp)


def _logsumexp_impl(x, dims, keepdim=False):
    # shift by the slice maximum (0 where it is infinite or NaN, which then propagate through exp/log as they should)
    if x.size:
        m = np.amax(x, axis=dims, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)
    else:
        m = np.zeros(_keep_shape(x.shape, dims), x.dtype)
    out = np.log(np.sum(np.exp(x - m), axis=dims, keepdims=True)) + m
    return out if keepdim else np.squeeze(out, axis=dims)


logsumexp = _prim("logsumexp", _logsumexp_impl, save_out=True)


@logsumexp.defvjp
def _logsumexp_vjp(g, out, x, dims, keepdim=False):
    # d/dx log sum exp x = softmax(x) = exp(x - out)
    if not keepdim:
        shape = _keep_shape(x.shape, dims)
        g = reshape(g, shape=shape)
        out = reshape(out, shape=shape)
    return (g * (x - out).exp(),)


def _var_impl(x, dims, correction=1, keepdim=False):
    n = math.prod([x.shape[d] for d in dims])
    d = x - np.mean(x, axis=dims, keepdims=True)
    ss = np.sum(d * d, axis=dims, keepdims=keepdim)
    # n - correction <= 0 divides by zero: inf or NaN, as torch
    return np.true_divide(ss, max(n - correction, 0)).astype(x.dtype, copy=False)


def _var_scale(x, dims, correction):
    denom = max(math.prod([x.shape[d] for d in dims]) - correction, 0)
    return 1.0 / denom if denom else math.inf


var = _prim("var", _var_impl, saves=(0,))


@var.defvjp
def _var_vjp(g, out, x, dims, correction=1, keepdim=False):
    # d var / dx = 2 (x - mean) / (n - correction)
    if not keepdim:
        g = reshape(g, shape=_keep_shape(x.shape, dims))
    return (g * (2.0 * _var_scale(x, dims, correction)) * (x - x.mean(dim=dims, keepdim=True)),)


std = _prim("std", lambda x, dims, correction=1, keepdim=False: np.sqrt(_var_impl(x, dims, correction, keepdim)),
            save_out=True)


@std.defvjp
def _std_vjp(g, out, x, dims, correction=1, keepdim=False):
    from .._functions.math import where
    # d std / dx = (x - mean) / ((n - correction) std); 0 where std is 0, as torch (not 0/0)
    if not keepdim:
        shape = _keep_shape(x.shape, dims)
        g = reshape(g, shape=shape)
        out = reshape(out, shape=shape)
    zero = out == 0
    scale = where(zero, 0.0, g * _var_scale(x, dims, correction) / where(zero, 1.0, out))
    return (scale * (x - x.mean(dim=dims, keepdim=True)),)


def _cumsum_impl(x, dim, dtype=None):
    if dtype is None and x.dtype.kind in "biu":
        dtype = np.int64
    return np.cumsum(x, axis=dim, dtype=dtype)


cumsum = _prim("cumsum", _cumsum_impl, saves=(), linear=True)
cumsum.defvjp(lambda g, out, x, dim, dtype=None: (flip(cumsum(flip(g, dims=(dim,)), dim=dim), dims=(dim,)),))


def _cumprod_impl(x, dim, dtype=None):
    if dtype is None and x.dtype.kind in "biu":
        dtype = np.int64
    return np.cumprod(x, axis=dim, dtype=dtype)


cumprod = _prim("cumprod", _cumprod_impl, save_out=True)


@cumprod.defvjp
def _cumprod_vjp(g, out, x, dim, dtype=None):
    # d out_k / d x_i = prod_{j<=k, j!=i} x_j for k >= i.
    if not bool((x._data == 0).any()):
        rc = flip(cumsum(flip(g * out, dims=(dim,)), dim=dim), dims=(dim,))
        return (rc / x,)
    # With zeros, build P[i, k] = prod_{j<=k, j!=i} x_j by cumprod over x with x_i replaced by 1 (O(n^2), exact).
    from .._functions.math import where
    from .._functions.creation import eye
    xm = x.movedim(dim, -1)
    gm = g.movedim(dim, -1)
    n = xm.shape[-1]
    e = eye(n, dtype=x.dtype).bool()
    xs = where(e, 1.0, xm.unsqueeze(-2))  # [..., i, j]
    P = cumprod(xs, dim=-1)
    upper = e.logical_not().tril().logical_not()  # k >= i
    res = (where(upper, P, 0.0) * gm.unsqueeze(-2)).sum(-1)
    return (res.movedim(-1, dim),)


def _vector_norm_impl(x, ord=2, dims=None, keepdim=False):
    ax = np.abs(x)
    if ord in (np.inf, -np.inf) and x.size == 0:
        name = "inf" if ord > 0 else "-inf"
        if dims is None:
            raise RuntimeError(f"linalg.vector_norm cannot compute the {name} norm on an empty tensor because the "
                               "operation does not have an identity")
        for d in dims:
            if x.shape[d] == 0:
                raise RuntimeError(f"linalg.vector_norm cannot compute the {name} norm on the dimension {d}because "
                                   "this dimension is empty and the operation does not have an identity")
    if ord == np.inf:
        return np.amax(ax, axis=dims, keepdims=keepdim)
    if ord == -np.inf:
        return np.amin(ax, axis=dims, keepdims=keepdim)
    if ord == 0:
        return np.sum(ax != 0, axis=dims, keepdims=keepdim).astype(x.dtype)
    if ord == 1:
        return np.sum(ax, axis=dims, keepdims=keepdim)
    if ord == 2:
        return np.sqrt(np.sum(ax * ax, axis=dims, keepdims=keepdim))
    return np.sum(ax ** ord, axis=dims, keepdims=keepdim) ** (1.0 / ord)


# adjoint: a real function of x whose rule is written as its gradient (g x / |x|, g sgn x, ...), which for
# complex x is already torch's gradient
vector_norm = _prim("linalg_vector_norm", _vector_norm_impl, dtype_rule=None, save_out=True, adjoint=True)


@vector_norm.defvjp
def _vector_norm_vjp(g, out, x, ord=2, dims=None, keepdim=False):
    from .._functions.math import where
    shape = _keep_shape(x.shape, dims if dims is not None else tuple(range(x.ndim)))
    if not keepdim:
        g = reshape(g, shape=shape)
        out = reshape(out, shape=shape)
    if ord == 0:
        return (x.new_zeros(x.shape),)  # a count: zero derivative everywhere (not x * 0, NaN at inf)
    if ord in (np.inf, -np.inf):
        # ties share the gradient; a NaN norm matches no element and sends none back (as torch)
        hit = (x.abs() == out).to(g.dtype)
        count = hit.sum(dim=dims, keepdim=True) if dims is not None else hit.sum().reshape(shape)
        return (where(count == 0, 0.0, g / where(count == 0, 1.0, count)) * hit * x.sgn(),)
    if ord == 1:
        return (g * x.sgn(),)
    if ord == 2:
        # the subgradient 0 at the origin, as torch
        return (g * x / where(out == 0, 1.0, out) * (out != 0),)
    scale = where(out == 0, 0.0, g / where(out == 0, 1.0, out) ** (ord - 1))
    return (scale * x.sgn() * x.abs() ** (ord - 1),)


# ------------------------------------------------------------------------------------------------ no gradient
def _argmax_impl(x, dim=None, keepdim=False):
    if x.dtype == np.bool_:
        raise RuntimeError("argmax(): does not support bool input")
    _check_nonempty("argmax", x, None if dim is None else (dim,), IndexError)
    if dim is None:
        r = np.argmax(x.reshape(-1))
        return np.asarray(r).reshape((1,) * x.ndim) if keepdim else np.asarray(r)
    return np.argmax(x, axis=dim, keepdims=keepdim)


def _argmin_impl(x, dim=None, keepdim=False):
    if x.dtype == np.bool_:
        raise RuntimeError("argmin(): does not support bool input")
    _check_nonempty("argmin", x, None if dim is None else (dim,), IndexError)
    if dim is None:
        r = np.argmin(x.reshape(-1))
        return np.asarray(r).reshape((1,) * x.ndim) if keepdim else np.asarray(r)
    return np.argmin(x, axis=dim, keepdims=keepdim)


argmax = _prim("argmax", _argmax_impl, differentiable=False)
argmin = _prim("argmin", _argmin_impl, differentiable=False)


def _argsort_impl(x, dim=-1, descending=False, stable=False):
    if not descending:
        return np.argsort(x, axis=dim, kind="stable")  # NaN last, as torch
    # stable descending order: sort decreasing keys; integers use the bitwise complement (~x = -x - 1 for signed,
    # which cannot overflow at the minimum value as -x does)
    key = ~x if x.dtype.kind in "biu" else -x
    idx = np.argsort(key, axis=dim, kind="stable")
    if x.dtype.kind == "f":
        # torch puts NaN first when descending; numpy left it last: move it to the front, keeping order
        nan_last = ~np.isnan(np.take_along_axis(x, idx, axis=dim))
        idx = np.take_along_axis(idx, np.argsort(nan_last, axis=dim, kind="stable"), axis=dim)
    return idx


argsort = _prim("argsort", _argsort_impl, differentiable=False)
def _logical_reduce(np_fn):
    def impl(x, dims=None, keepdim=False):
        res = np_fn(x, axis=dims, keepdims=keepdim)
        return np.asarray(res).astype(np.uint8) if x.dtype == np.uint8 else res  # torch keeps uint8 for uint8
    return impl


all_ = _prim("all", _logical_reduce(np.all), differentiable=False)
any_ = _prim("any", _logical_reduce(np.any), differentiable=False)
count_nonzero = _prim("count_nonzero", lambda x, dims=None: np.asarray(np.count_nonzero(x, axis=dims), np.int64),
                      differentiable=False)
