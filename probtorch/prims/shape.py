"""Movement and indexing primitives, in adjoint pairs (expand/sum_to_size, index/index_backward,
gather/scatter_add, index_select/index_add, diagonal/diagonal_scatter, cat/slices)."""
import numpy as np

from .._primitive import Primitive


def _sum_to_impl(x, shape):
    lead = x.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(shape) if s == 1 and x.shape[lead + i] != 1)
    if axes:
        x = x.sum(axis=axes, keepdims=True)
    return x.reshape(shape)


sum_to_size = Primitive("sum_to_size", _sum_to_impl, saves=(), linear=True)
sum_to_size.defvjp(lambda g, out, x, shape: (expand(g, shape=x.shape),))

def _expand_impl(x, shape):
    # a writable broadcast view (np.broadcast_to is read-only): torch lets you write to a non-overlapping part of
    # an expanded tensor; in-place writes check for overlap themselves
    b = np.broadcast_to(x, shape)
    return np.lib.stride_tricks.as_strided(x, b.shape, b.strides, writeable=x.flags.writeable)


expand = Primitive("expand", _expand_impl, saves=(), view=True, linear=True)
expand.defvjp(lambda g, out, x, shape: (sum_to_size(g, shape=x.shape),))

reshape = Primitive("reshape", lambda x, shape: np.reshape(x, shape), saves=(), view=True, linear=True)
reshape.defvjp(lambda g, out, x, shape: (reshape(g, shape=x.shape),))

permute = Primitive("permute", lambda x, dims: np.transpose(x, dims), saves=(), view=True, linear=True)
permute.defvjp(lambda g, out, x, dims: (permute(g, dims=tuple(np.argsort(dims).tolist())),))

flip = Primitive("flip", lambda x, dims: np.flip(x, dims).copy(), saves=(), linear=True)
flip.defvjp(lambda g, out, x, dims: (flip(g, dims=dims),))

roll = Primitive("roll", lambda x, shifts, dims: np.roll(x, shifts, dims), saves=(), linear=True)
roll.defvjp(lambda g, out, x, shifts, dims: (roll(g, shifts=tuple(-s for s in shifts), dims=dims),))


def _skipped(x, ref_ndim):
    """torch.cat ignores 1-D empty tensors next to tensors of other ranks."""
    return x.ndim == 1 and x.shape[0] == 0 and ref_ndim != 1


def _cat_impl(*xs, dim):
    ref = max(x.ndim for x in xs)
    return np.concatenate([x for x in xs if not _skipped(x, ref)], axis=dim)


cat = Primitive("cat", _cat_impl, dtype_rule="promote", saves=(), linear=True)


@cat.defvjp
def _cat_vjp(g, out, *xs, dim):
    res = []
    start = 0
    ref = max(x.ndim for x in xs)
    for x in xs:
        if _skipped(x, ref):
            res.append(g.new_zeros(x.shape))
            continue
        n = x.shape[dim]
        idx = (slice(None),) * dim + (slice(start, start + n),)
        res.append(index(g, idx=idx))
        start += n
    return tuple(res)


# ------------------------------------------------------------------------------------------------ indexing
def _is_basic(idx):
    return all(i is None or i is Ellipsis or isinstance(i, (int, slice)) for i in idx)


def _index_impl(x, idx):
    return x[idx]


index = Primitive("index", _index_impl, saves=(), view=True, linear=True)
_index = index  # for rules whose parameter named `index` hides the primitive
index.defvjp(lambda g, out, x, idx: (index_backward(g, shape=x.shape, idx=idx),))


def _index_backward_impl(g, shape, idx):
    z = np.zeros(shape, dtype=g.dtype)
    if _is_basic(idx):
        z[idx] = g
    else:
        from .._kernels import index_add_at
        index_add_at(z, idx, g)
    return z


index_backward = Primitive("index_backward", _index_backward_impl, saves=(), linear=True)
index_backward.defvjp(lambda g, out, x, shape, idx: (index(g, idx=idx),))


def _index_put_impl(x, v, idx, accumulate=False):
    out = x.copy()
    if accumulate and not _is_basic(idx):
        from .._kernels import index_add_at
        index_add_at(out, idx, np.broadcast_to(v, out[idx].shape))
    elif accumulate:
        out[idx] += v
    else:
        out[idx] = v
    return out


index_put = Primitive("index_put", _index_put_impl, saves=())


@index_put.defvjp
def _index_put_vjp(g, out, x, v, idx, accumulate=False):
    gx = g if accumulate else index_put(g, 0.0, idx=idx)
    gv = None
    if hasattr(v, "_data"):
        gv = index(g, idx=idx)
        if gv.shape != v.shape:
            gv = gv.sum_to_size(v.shape)
    return (gx, gv)


@index_put.defjvp
def _index_put_jvp(tangents, out, x, v, idx, accumulate=False):
    tx, tv = tangents  # jointly linear in (x, v)
    return index_put(tx if tx is not None else x.new_zeros(x.shape), tv if tv is not None else 0.0, idx=idx,
                     accumulate=accumulate)


def _along(index, dim, shape):
    """Full index tuple for torch's gather/scatter: `index` along `dim`, the position elsewhere."""
    grids = np.ogrid[tuple(slice(0, s) for s in index.shape)]
    grids = list(grids)
    grids[dim] = index
    return tuple(grids)


def _gather_impl(x, index, dim):
    if index.ndim != x.ndim and not (x.ndim == 0 and index.ndim <= 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    for d in range(index.ndim):
        if d != dim and index.shape[d] > x.shape[d]:
            raise RuntimeError(f"Size does not match at dimension {d} expected index {list(index.shape)} to be "
                               f"smaller than self {list(x.shape)} apart from dimension {dim}")
    if index.size and (index.min() < -x.shape[dim] or index.max() >= x.shape[dim]):
        raise RuntimeError(f"index {int(index.max())} is out of bounds for dimension {dim} with size {x.shape[dim]}")
    return x[_along(index, dim, x.shape)]


gather = Primitive("gather", _gather_impl, saves=(), linear=True)
gather.defvjp(lambda g, out, x, index, dim: (scatter_add(g.new_zeros(x.shape), index, g, dim=dim), None))


def _scatter_add_impl(x, index, src, dim):
    out = x.copy()
    from .._kernels import index_add_at
    src = np.broadcast_to(src, index.shape) if np.ndim(src) == 0 else src[tuple(slice(0, s) for s in index.shape)]
    index_add_at(out, _along(index, dim, x.shape), src)
    return out


scatter_add = Primitive("scatter_add", _scatter_add_impl, saves=(), linear=True)


@scatter_add.defvjp
def _scatter_add_vjp(g, out, x, index, src, dim):
    gs = None
    if hasattr(src, "_data"):
        gs = gather(g, index, dim=dim)
        if gs.shape != src.shape:
            gs = index_backward(gs, shape=src.shape, idx=tuple(slice(0, s) for s in index.shape))
    return (g, None, gs)


_REDUCERS = {"add": np.add, "sum": np.add, "multiply": np.multiply, "prod": np.multiply,
             "amax": np.maximum, "amin": np.minimum}


def _scatter_impl(x, index, src, dim, reduce=None):
    out = x.copy()
    pos = _along(index, dim, x.shape)
    src = np.broadcast_to(src, index.shape) if np.ndim(src) == 0 else src[tuple(slice(0, s) for s in index.shape)]
    if reduce is None:
        out[pos] = src
    else:
        _REDUCERS[reduce].at(out, pos, src)
    return out


scatter = Primitive("scatter", _scatter_impl, saves=())


@scatter.defvjp
def _scatter_vjp(g, out, x, index, src, dim, reduce=None):
    if reduce is not None:
        raise NotImplementedError("the derivative of scatter with reduce= is not implemented; use scatter_add or "
                                  "scatter_reduce")
    gx = scatter(g, index, 0.0, dim=dim)
    gs = None
    if hasattr(src, "_data"):
        gs = gather(g, index, dim=dim)
        if gs.shape != src.shape:
            gs = index_backward(gs, shape=src.shape, idx=tuple(slice(0, s) for s in index.shape))
    return (gx, None, gs)


@scatter.defjvp
def _scatter_jvp(tangents, out, x, index, src, dim, reduce=None):
    if reduce is not None:
        raise NotImplementedError("the derivative of scatter with reduce= is not implemented; use scatter_add or "
                                  "scatter_reduce")
    tx, _, ts = tangents  # jointly linear in (x, src)
    return scatter(tx if tx is not None else x.new_zeros(x.shape), index, ts if ts is not None else 0.0, dim=dim)


_IDENTITY = {"amax": -np.inf, "amin": np.inf, "prod": 1}


def _hit(x_shape, index, dim):
    """Boolean mask of the positions of a tensor of `x_shape` that `index` (along `dim`) writes to."""
    m = np.zeros(x_shape, bool)
    m[_along(index, dim, x_shape)] = True
    return m


def _scatter_reduce_impl(x, index, src, dim, reduce, include_self=True):
    out = x.copy()
    pos = _along(index, dim, x.shape)
    src = src[tuple(slice(0, s) for s in index.shape)]
    if not include_self:
        ident = _IDENTITY[reduce]
        if out.dtype.kind not in "fc" and ident != 1:
            info = np.iinfo(out.dtype) if out.dtype.kind in "iu" else None
            ident = (info.min if ident < 0 else info.max) if info is not None else ident < 0
        out[pos] = ident
    _REDUCERS[reduce].at(out, pos, src)
    return out


# amax / amin / prod; "sum" and "mean" are composed from scatter_add in probtorch._functions.shape.
scatter_reduce = Primitive("scatter_reduce", _scatter_reduce_impl, save_out=True)


@scatter_reduce.defvjp
def _scatter_reduce_vjp(g, out, x, index, src, dim, reduce, include_self=True):
    lead = tuple(slice(0, s) for s in index.shape)
    src_part = _index(src, idx=lead) if src.shape != index.shape else src
    hit = _hit(x.shape, index, dim)
    if reduce in ("amax", "amin"):
        # the gradient is shared evenly between all the elements that attain the extreme value
        self_mask = (x == out).to(g.dtype)
        if not include_self:
            self_mask = self_mask.masked_fill(_as_tensor(hit), 0.0)
        src_mask = (src_part == gather(out, index, dim=dim)).to(g.dtype)
        count = (self_mask + scatter_add(self_mask.new_zeros(x.shape), index, src_mask, dim=dim)).clamp_min(1.0)
        gx = g * self_mask / count
        gs = gather(g / count, index, dim=dim) * src_mask
    else:
        # prod: d out / d e = product of the other factors of e's group, found without dividing by zero. Factors
        # split into non-zero ones (prod_nz) and zero ones (zall, the product of the zeros themselves: 0, but with
        # the right derivative), so the rule is also right when differentiated again with one zero per group.
        x_eff = x if include_self else x.masked_fill(_as_tensor(hit), 1.0)
        x_zero = x_eff == 0
        x_nz = x_eff.masked_fill(x_zero, 1.0)
        x_zf = x_eff.masked_fill(x_eff != 0, 1.0)
        s_zero = src_part == 0
        s_nz = src_part.masked_fill(s_zero, 1.0)
        s_zf = src_part.masked_fill(src_part != 0, 1.0)
        prod_nz = scatter_reduce(x_nz, index, s_nz, dim=dim, reduce="prod")
        zall = scatter_reduce(x_zf, index, s_zf, dim=dim, reduce="prod")
        zeros = x_zero.to(g.dtype) + scatter_add(x.new_zeros(x.shape), index, s_zero.to(g.dtype), dim=dim)
        g_nz = g * prod_nz
        if include_self:
            gx_zero = g_nz.masked_fill(zeros != 1, 0.0)  # a zero factor: the others' product, if none is zero
            gx = gx_zero.where(x_zero, g_nz * zall / x_nz)
        else:
            gx = g.masked_fill(_as_tensor(hit), 0.0)
        gs_zero = gather(g_nz, index, dim=dim).masked_fill(gather(zeros, index, dim=dim) != 1, 0.0)
        gs = gs_zero.where(s_zero, gather(g_nz * zall, index, dim=dim) / s_nz)
    if gs.shape != src.shape:
        gs = index_backward(gs, shape=src.shape, idx=lead)
    return (gx, None, gs)


def _as_tensor(arr):
    from .._tensor import _make
    return _make(arr)


index_select = Primitive("index_select", lambda x, index, dim: np.take(x, index, axis=dim), saves=(), linear=True)
index_select.defvjp(lambda g, out, x, index, dim: (index_add(g.new_zeros(x.shape), index, g, dim=dim), None))


def _index_add_impl(x, index, src, dim, alpha=1):
    out = x.copy()
    if alpha != 1:
        src = src * alpha
    from .._kernels import index_add_at
    idx = (slice(None),) * dim + (index,)
    index_add_at(out, idx, src)
    return out


index_add = Primitive("index_add", _index_add_impl, dtype_rule=None, saves=(), linear=True)


@index_add.defvjp
def _index_add_vjp(g, out, x, index, src, dim, alpha=1):
    gs = index_select(g, index, dim=dim)
    return (g, None, gs if alpha == 1 else gs * alpha)


# ------------------------------------------------------------------------------------------------ sliding windows
def _unfold_impl(x, dim, size, step):
    n = (x.shape[dim] - size) // step + 1
    shape = x.shape[:dim] + (n,) + x.shape[dim + 1:] + (size,)
    strides = x.strides[:dim] + (x.strides[dim] * step,) + x.strides[dim + 1:] + (x.strides[dim],)
    return np.lib.stride_tricks.as_strided(x, shape, strides, writeable=x.flags.writeable)


# windows of `size` every `step` along `dim`, as a new last dim (a view); its adjoint adds the windows back
unfold = Primitive("unfold", _unfold_impl, saves=(), view=True, linear=True)
unfold.defvjp(lambda g, out, x, dim, size, step:
              (unfold_backward(g, shape=x.shape, dim=dim, size=size, step=step),))


def _unfold_backward_impl(g, shape, dim, size, step):
    out = np.zeros(shape, g.dtype)
    n = g.shape[dim]
    if n == 0:
        return out
    for k in range(size):  # offset k of every window; overlapping windows add up
        region = (slice(None),) * dim + (slice(k, k + step * (n - 1) + 1, step),)
        out[region] += g[..., k]
    return out


unfold_backward = Primitive("unfold_backward", _unfold_backward_impl, saves=(), linear=True)
unfold_backward.defvjp(lambda g, out, x, shape, dim, size, step: (unfold(g, dim=dim, size=size, step=step),))


# ------------------------------------------------------------------------------------------------ triangles, diagonals
tril = Primitive("tril", lambda x, diagonal=0: np.tril(x, diagonal), saves=(), linear=True)
tril.defvjp(lambda g, out, x, diagonal=0: (tril(g, diagonal=diagonal),))
triu = Primitive("triu", lambda x, diagonal=0: np.triu(x, diagonal), saves=(), linear=True)
triu.defvjp(lambda g, out, x, diagonal=0: (triu(g, diagonal=diagonal),))


def _diagonal_view(x, offset, dim1, dim2):
    """A writable strided view of a diagonal (numpy's own diagonal view is read-only)."""
    xd = np.moveaxis(x, (dim1, dim2), (-2, -1))
    xd = xd[..., :, offset:] if offset >= 0 else xd[..., -offset:, :]
    n = max(min(xd.shape[-2], xd.shape[-1]), 0)
    strides = xd.strides[:-2] + (xd.strides[-2] + xd.strides[-1],)
    return np.lib.stride_tricks.as_strided(xd, xd.shape[:-2] + (n,), strides, writeable=x.flags.writeable)


diagonal = Primitive("diagonal", lambda x, offset=0, dim1=0, dim2=1: _diagonal_view(x, offset, dim1, dim2),
                     saves=(), view=True, linear=True)
diagonal.defvjp(lambda g, out, x, offset=0, dim1=0, dim2=1:
                (diagonal_embed(g, shape=tuple(x.shape), offset=offset, dim1=dim1, dim2=dim2),))


def _diagonal_embed_impl(src, shape, offset=0, dim1=0, dim2=1):
    out = np.zeros(shape, src.dtype)  # fresh zeros: no copy of a zeros input, as diagonal_scatter would make
    _diagonal_view(out, offset, dim1, dim2)[...] = src
    return out


# diagonal's adjoint: zeros of `shape` with `src` on the chosen diagonal
diagonal_embed = Primitive("diagonal_backward", _diagonal_embed_impl, saves=(), linear=True)
diagonal_embed.defvjp(lambda g, out, src, shape, offset=0, dim1=0, dim2=1:
                      (diagonal(g, offset=offset, dim1=dim1, dim2=dim2),))


def _diagonal_scatter_impl(x, src, offset=0, dim1=0, dim2=1):
    out = x.copy()
    _diagonal_view(out, offset, dim1, dim2)[...] = src
    return out


diagonal_scatter = Primitive("diagonal_scatter", _diagonal_scatter_impl, saves=(), linear=True)


@diagonal_scatter.defvjp
def _diagonal_scatter_vjp(g, out, x, src, offset=0, dim1=0, dim2=1):
    kw = dict(offset=offset, dim1=dim1, dim2=dim2)
    return (diagonal_scatter(g, g.new_zeros(src.shape), **kw), diagonal(g, **kw))


def _constant_pad_impl(x, pad, value=0.0):
    # pad is numpy-style ((before, after), ...) with possibly negative entries (cropping)
    crop = tuple(slice(max(-b, 0), x.shape[i] - max(-a, 0)) for i, (b, a) in enumerate(pad))
    x = x[crop]
    width = tuple((max(b, 0), max(a, 0)) for b, a in pad)
    return np.pad(x, width, mode="constant", constant_values=value)


constant_pad = Primitive("constant_pad", _constant_pad_impl, saves=(), linear=True)


@constant_pad.defvjp
def _constant_pad_vjp(g, out, x, pad, value=0.0):
    neg = tuple((-b, -a) for b, a in pad)
    return (constant_pad(g, pad=neg),)


constant_pad.defjvp(lambda tangents, out, x, pad, value=0.0: constant_pad(tangents[0], pad=pad))  # value is affine
