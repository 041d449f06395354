"""Reduction and scan primitives."""
import numpy as np

from .._primitive import Primitive
from .shape import expand, reshape, flip, sum_to_size


def _keep_shape(shape, dims):
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


def _sum_impl(x, dims, keepdim=False, dtype=None):
    if dtype is None and x.dtype.kind in "biu":
        dtype = np.int64
    return np.sum(x, axis=dims, keepdims=keepdim, dtype=dtype)


sum = Primitive("sum", _sum_impl, saves=(), linear=True)


@sum.defvjp
def _sum_vjp(g, out, x, dims, keepdim=False, dtype=None):
    if not keepdim:
        g = reshape(g, shape=_keep_shape(x.shape, dims))
    return (expand(g, shape=x.shape),)


def _prod_impl(x, dim=None, keepdim=False, dtype=None):
    if dtype is None and x.dtype.kind in "biu":
        dtype = np.int64
    return np.prod(x, axis=dim, keepdims=keepdim, dtype=dtype)


prod = Primitive("prod", _prod_impl, save_out=True)


@prod.defvjp
def _prod_vjp(g, out, x, dim=None, keepdim=False, dtype=None):
    from .._functions.math import where
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


def _amax_impl(x, dims, keepdim=False):
    if x.size == 0 and dims is not None:
        raise IndexError("amax(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
                         "reduction dim with the 'dim' argument.")
    return np.amax(x, axis=dims, keepdims=keepdim)


def _amin_impl(x, dims, keepdim=False):
    if x.size == 0:
        raise IndexError("amin(): Expected reduction dim to be specified for input.numel() == 0.")
    return np.amin(x, axis=dims, keepdims=keepdim)


def _extreme_vjp(g, out, x, dims, keepdim=False):
    # ties share the gradient evenly, as torch's amax/amin do
    shape = _keep_shape(x.shape, dims if dims is not None else tuple(range(x.ndim)))
    if not keepdim:
        g = reshape(g, shape=shape)
        out = reshape(out, shape=shape)
    mask = (x == out).to(g.dtype)
    count = mask.sum(dim=dims, keepdim=True) if dims is not None else mask.sum().reshape(shape)
    return (g * mask / count,)


amax = Primitive("amax", _amax_impl, save_out=True)
amax.defvjp(_extreme_vjp)
amin = Primitive("amin", _amin_impl, save_out=True)
amin.defvjp(_extreme_vjp)


def _cumsum_impl(x, dim, dtype=None):
    if dtype is None and x.dtype.kind in "biu":
        dtype = np.int64
    return np.cumsum(x, axis=dim, dtype=dtype)


cumsum = Primitive("cumsum", _cumsum_impl, saves=(), linear=True)
cumsum.defvjp(lambda g, out, x, dim, dtype=None: (flip(cumsum(flip(g, dims=(dim,)), dim=dim), dims=(dim,)),))


def _cumprod_impl(x, dim, dtype=None):
    if dtype is None and x.dtype.kind in "biu":
        dtype = np.int64
    return np.cumprod(x, axis=dim, dtype=dtype)


cumprod = Primitive("cumprod", _cumprod_impl, save_out=True)


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
    if ord == np.inf:
        return np.amax(ax, axis=dims, keepdims=keepdim) if ax.size else np.zeros(())
    if ord == -np.inf:
        return np.amin(ax, axis=dims, keepdims=keepdim)
    if ord == 0:
        return np.sum(ax != 0, axis=dims, keepdims=keepdim).astype(x.dtype)
    if ord == 1:
        return np.sum(ax, axis=dims, keepdims=keepdim)
    if ord == 2:
        return np.sqrt(np.sum(ax * ax, axis=dims, keepdims=keepdim))
    return np.sum(ax ** ord, axis=dims, keepdims=keepdim) ** (1.0 / ord)


vector_norm = Primitive("linalg_vector_norm", _vector_norm_impl, dtype_rule=None, save_out=True)


@vector_norm.defvjp
def _vector_norm_vjp(g, out, x, ord=2, dims=None, keepdim=False):
    from .._functions.math import where
    shape = _keep_shape(x.shape, dims if dims is not None else tuple(range(x.ndim)))
    if not keepdim:
        g = reshape(g, shape=shape)
        out = reshape(out, shape=shape)
    if ord == 0:
        return (x * 0.0,)
    if ord in (np.inf, -np.inf):
        return (_extreme_vjp(g, out, x.abs(), dims, True)[0] * x.sgn(),)
    if ord == 1:
        return (g * x.sgn(),)
    if ord == 2:
        # the subgradient 0 at the origin, as torch
        return (g * x / where(out == 0, 1.0, out) * (out != 0),)
    scale = where(out == 0, 0.0, g / where(out == 0, 1.0, out) ** (ord - 1))
    return (scale * x.sgn() * x.abs() ** (ord - 1),)


# ------------------------------------------------------------------------------------------------ no gradient
def _argmax_impl(x, dim=None, keepdim=False):
    if dim is None:
        r = np.argmax(x.reshape(-1))
        return np.asarray(r).reshape((1,) * x.ndim) if keepdim else np.asarray(r)
    return np.argmax(x, axis=dim, keepdims=keepdim)


def _argmin_impl(x, dim=None, keepdim=False):
    if dim is None:
        r = np.argmin(x.reshape(-1))
        return np.asarray(r).reshape((1,) * x.ndim) if keepdim else np.asarray(r)
    return np.argmin(x, axis=dim, keepdims=keepdim)


argmax = Primitive("argmax", _argmax_impl, differentiable=False)
argmin = Primitive("argmin", _argmin_impl, differentiable=False)


def _argsort_impl(x, dim=-1, descending=False, stable=False):
    if descending:
        # stable descending order: sort the negated keys (NaN sorts first in torch's descending order)
        key = -x if x.dtype.kind != "b" else ~x
        return np.argsort(key, axis=dim, kind="stable")
    return np.argsort(x, axis=dim, kind="stable")


argsort = Primitive("argsort", _argsort_impl, differentiable=False)
all_ = Primitive("all", lambda x, dims=None, keepdim=False: np.all(x, axis=dims, keepdims=keepdim),
                 differentiable=False)
any_ = Primitive("any", lambda x, dims=None, keepdim=False: np.any(x, axis=dims, keepdims=keepdim),
                 differentiable=False)
count_nonzero = Primitive("count_nonzero", lambda x, dims=None: np.asarray(np.count_nonzero(x, axis=dims), np.int64),
                          differentiable=False)
