"""Reductions and scans with torch's signatures (dim / keepdim / dtype / correction)."""
import builtins
import collections

import numpy as np

from .. import _dtype
from .._tensor import Tensor, _make, _wrap_dim
from ..prims import reduce as R
from ..prims import shape as S
from ..prims import elementwise as E

__all__ = ["sum", "nansum", "mean", "nanmean", "prod", "amax", "amin", "max", "min", "aminmax", "argmax", "argmin",
           "logsumexp", "var", "std", "var_mean", "std_mean", "cumsum", "cumprod", "cummax", "cummin",
           "logcumsumexp", "norm", "all", "any", "sort", "argsort", "topk", "kthvalue", "median", "nanmedian", "mode",
           "count_nonzero", "msort", "quantile", "nanquantile"]

_values_indices = collections.namedtuple("return_types", ["values", "indices"])
_min_max = collections.namedtuple("aminmax", ["min", "max"])


def _dims(dim, ndim):
    """Normalize dim (None, int, or sequence) to a sorted tuple of non-negative ints (None -> all)."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (int, np.integer)):
        return (_wrap_dim(int(dim), ndim),)
    dims = tuple(_wrap_dim(int(d), ndim) for d in dim)
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"dim {dims} appears multiple times in the list of dims")
    return tuple(sorted(dims)) if dims else tuple(range(ndim))


def sum(input, dim=None, keepdim=False, *, dtype=None):
    """Sum over `dim` (all dims when None); integer and bool inputs sum to int64."""
    if input.ndim == 0:
        _dims(dim, 0)  # validates dim
    dims = _dims(dim, input.ndim) if input.ndim else ()
    return R.sum(input, dims=dims, keepdim=keepdim, dtype=None if dtype is None else dtype.np)


def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """Sum over `dim` treating NaN as zero."""
    return sum(E.where(input.isnan(), 0.0, input) if input.is_floating_point() else input, dim, keepdim, dtype=dtype)


def _scalar_select(input, dim):
    """(values, indices) of a selection along `dim` of a 0-d tensor: the value itself and index 0."""
    _wrap_dim(dim, 0)
    return _values_indices(input * 1 if input._rg else input.clone(), _make(np.zeros((), np.int64)))


def _count(input, dim):
    if input.ndim == 0:
        _dims(dim, 0)  # validates dim; a 0-d tensor holds one element
        return 1
    n = 1
    for d in _dims(dim, input.ndim):
        n *= input.shape[d]
    return n


def mean(input, dim=None, keepdim=False, *, dtype=None):
    """Arithmetic mean over `dim`; requires a floating dtype as torch does."""
    if dtype is not None:
        input = input.to(dtype)
    if not (input.is_floating_point() or input.is_complex()):
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a floating point or "
                           f"complex dtype. Got: {E._type_name(input.dtype.np)}")
    if input.ndim == 0:
        _dims(dim, 0)  # validates dim
        return R.mean(input, dims=(), keepdim=keepdim)
    return R.mean(input, dims=_dims(dim, input.ndim), keepdim=keepdim)


def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """mean ignoring NaN (NaN only where a slice is all NaN); floating or complex input only, as torch."""
    if dtype is not None:
        input = input.to(dtype)
    if not (input.is_floating_point() or input.is_complex()):
        raise RuntimeError(f"nanmean(): expected input to have floating point or complex dtype but got "
                           f"{E._type_name(input.dtype.np)}")
    notnan = (~input.isnan()).sum(dim, keepdim)
    return nansum(input, dim, keepdim, dtype=dtype) / notnan


def prod(input, dim=None, keepdim=False, *, dtype=None):
    """Product over `dim` (all elements when None); integers and bool multiply in int64; exact gradients with zeros."""
    if dim is not None:
        dim = _wrap_dim(dim, input.ndim)
    return R.prod(input, dim=dim, keepdim=keepdim, dtype=None if dtype is None else dtype.np)


def _ext_dims(dim, input):
    """dims for amax/amin: None (everything) for dim=() / None / [], else normalized."""
    if dim is None or (not isinstance(dim, (int, np.integer)) and len(dim) == 0):
        return None
    return _dims(dim, input.ndim) if input.ndim else None


def amax(input, dim=(), keepdim=False):
    """The largest values over `dim` (all dims by default); ties share the gradient evenly."""
    return R.amax(input, dims=_ext_dims(dim, input), keepdim=keepdim)


def amin(input, dim=(), keepdim=False):
    """The smallest values over `dim` (all dims by default); ties share the gradient evenly."""
    return R.amin(input, dims=_ext_dims(dim, input), keepdim=keepdim)


def _select_along(input, dim, keepdim, np_arg, name):
    """(values, indices) of max/min along `dim`: the index from numpy, the values gathered (so gradients reach the
    selected elements)."""
    if input.ndim == 0:
        return _scalar_select(input, dim)
    dim = _wrap_dim(dim, input.ndim)
    if input.shape[dim] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {dim} to have non-zero size.")
    d = input._data
    idx = np_arg(d, axis=dim, keepdims=True)
    if d.dtype.kind == "f":
        # NaN wins in the slices that hold one, as in torch: report its first position there
        nan = np.isnan(d)
        has_nan = nan.any(axis=dim, keepdims=True)
        if has_nan.any():
            idx = np.where(has_nan, np.argmax(nan, axis=dim, keepdims=True), idx)
    idx = idx.astype(np.int64, copy=False)
    values = S.gather(input, idx, dim=dim)
    if keepdim:
        return _values_indices(values, _make(idx))
    return _values_indices(values.squeeze(dim), _make(np.squeeze(idx, dim)))


def max(input, dim=None, keepdim=False, *, out=None):
    """max(input) -> the largest value; max(input, dim) -> (values, indices); max(input, other) -> maximum."""
    if isinstance(dim, Tensor):
        return E.maximum(input, dim)
    if dim is None:
        if input.numel() == 0:
            raise RuntimeError("max(): Expected reduction dim to be specified for input.numel() == 0. Specify "
                               "the reduction dim with the 'dim' argument.")
        return R.amax(input, dims=None, nan_share=True)
    return _select_along(input, dim, keepdim, np.argmax, "max")


def min(input, dim=None, keepdim=False, *, out=None):
    """min(input) -> the smallest value; min(input, dim) -> (values, indices); min(input, other) -> minimum."""
    if isinstance(dim, Tensor):
        return E.minimum(input, dim)
    if dim is None:
        if input.numel() == 0:
            raise RuntimeError("min(): Expected reduction dim to be specified for input.numel() == 0. Specify "
                               "the reduction dim with the 'dim' argument.")
        return R.amin(input, dims=None, nan_share=True)
    return _select_along(input, dim, keepdim, np.argmin, "min")


def aminmax(input, *, dim=None, keepdim=False):
    """(min, max) over `dim` (all elements when None) as a named tuple."""
    return _min_max(amin(input, dim if dim is not None else (), keepdim), amax(input, dim if dim is not None else (),
                                                                              keepdim))


def argmax(input, dim=None, keepdim=False):
    """Index of the largest value over `dim` (of the flattened input when None); NaN counts as largest."""
    return R.argmax(input, dim=None if dim is None else _wrap_dim(dim, input.ndim), keepdim=keepdim)


def argmin(input, dim=None, keepdim=False):
    """Index of the smallest value over `dim` (of the flattened input when None); NaN counts as smallest."""
    return R.argmin(input, dim=None if dim is None else _wrap_dim(dim, input.ndim), keepdim=keepdim)


def logsumexp(input, dim=None, keepdim=False):
    """log(sum(exp(input))) over `dim` (all dims when None or ()), computed stably; integers go to the default
    float dtype."""
    if not (input.is_floating_point() or input.is_complex()):
        input = input.to(_dtype.get_default_dtype())
    if dim is None or (not isinstance(dim, (int, np.integer)) and len(dim) == 0):
        dims = tuple(range(input.ndim))
    elif input.ndim == 0:
        _dims(dim, 0)  # validates dim; nothing to reduce
        dims = ()
    else:
        dims = _dims(dim, input.ndim)
    return R.logsumexp(input, dims=dims, keepdim=keepdim)


def _var_args(input, dim, unbiased, correction):
    """(dims, correction) for var/std, with torch's checks and its warning when n - correction <= 0."""
    if not (input.is_floating_point() or input.is_complex()):
        raise RuntimeError("std and var only support floating point and complex dtypes")
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    if isinstance(dim, bool):
        correction, dim = (1 if dim else 0), None
    n = _count(input, dim)
    if n - correction <= 0:
        import warnings
        warnings.warn("var(): degrees of freedom is <= 0. Correction should be strictly less than the reduction "
                      "factor (input numel divided by output numel).", UserWarning, stacklevel=3)
    dims = () if input.ndim == 0 else _dims(dim, input.ndim)
    return dims, n, correction


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Variance over `dim` with `correction` (default 1, Bessel's); `unbiased` is the older spelling."""
    dims, n, correction = _var_args(input, dim, unbiased, correction)
    if input.is_complex():  # |x - mean|^2, composed
        d = input - mean(input, dim, keepdim=True)
        return sum(E.real(d * d.conj()), dim, keepdim) / builtins.max(n - correction, 0)
    return R.var(input, dims=dims, correction=correction, keepdim=keepdim)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Standard deviation (sqrt of `var`); its gradient is 0 (not inf) where the result is 0, as in torch."""
    dims, n, correction = _var_args(input, dim, unbiased, correction)
    if input.is_complex():
        return var(input, dim, unbiased, keepdim, correction=correction).sqrt()
    return R.std(input, dims=dims, correction=correction, keepdim=keepdim)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(var, mean) over `dim`, with var's `correction`."""
    return var(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(std, mean) over `dim`, with std's `correction`."""
    return std(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def cumsum(input, dim, *, dtype=None):
    """Running sums along `dim`; integer and bool inputs accumulate in int64."""
    if input.ndim == 0:
        _wrap_dim(dim, 0)
        return input.to(dtype) * 1 if dtype else input * 1
    return R.cumsum(input, dim=_wrap_dim(dim, input.ndim), dtype=None if dtype is None else dtype.np)


def cumprod(input, dim, *, dtype=None):
    """Running products along `dim` (exact gradients with zeros)."""
    if input.ndim == 0:
        _wrap_dim(dim, 0)
        return input * 1
    return R.cumprod(input, dim=_wrap_dim(dim, input.ndim), dtype=None if dtype is None else dtype.np)


def _cum_ext(input, dim, np_fn):
    if input.ndim == 0:
        return _scalar_select(input, dim)
    dim = _wrap_dim(dim, input.ndim)
    d = np.moveaxis(input._data, dim, -1)
    n = d.shape[-1]
    from .._kernels import cum_extreme_index
    # compiled; None when it does not apply (numba has no float16)
    idx = cum_extreme_index(d, np_fn is np.greater) if d.dtype != np.float16 else None
    if idx is None:
        idx = np.zeros(d.shape, np.int64)
        best = d[..., 0].copy() if n else d[..., :0]
        cur = np.zeros(d.shape[:-1], np.int64)
        for k in builtins.range(n):
            better = np_fn(d[..., k], best) | (d[..., k] == best) | np.isnan(d[..., k]) if d.dtype.kind == "f" \
                else np_fn(d[..., k], best) | (d[..., k] == best)
            cur = np.where(better, k, cur)
            best = np.where(better, d[..., k], best)
            idx[..., k] = cur
    idx = _make(np.moveaxis(idx, -1, dim).copy())
    return _values_indices(S.gather(input, idx._data, dim=dim), idx)


def cummax(input, dim):
    """Running maximum along `dim` and the index where it was reached (the latest among equal values)."""
    return _cum_ext(input, dim, np.greater)


def cummin(input, dim):
    """Running minimum along `dim` and the index where it was reached (the latest among equal values)."""
    return _cum_ext(input, dim, np.less)


def logcumsumexp(input, dim):
    """log(cumsum(exp(input))) along `dim`, computed stably (shifting by the detached max); floats only."""
    if input.dtype.category <= 1:
        raise NotImplementedError(f'"logcumsumexp_out_cpu" not implemented for \'{E._type_name(input.dtype.np)}\'')
    if input.numel() == 0:
        return cumsum(input.exp(), dim).log()
    dim = _wrap_dim(dim, input.ndim)
    d = input.detach()
    # shift by the largest non-NaN value (a NaN would poison the whole slice, not just from its position on)
    m = amax(E.where(d.isnan(), -float("inf"), d), dim, keepdim=True)
    m = E.where(m.isinf(), 0.0, m)
    return cumsum((input - m).exp(), dim).log() + m


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """Vector p-norm over `dim` (all elements when None); "fro" is the 2-norm, "nuc" the nuclear norm."""
    if p == "fro" or p is None:
        p = 2
    if p == "nuc":
        from .. import linalg
        return linalg.matrix_norm(input, "nuc", dim if dim is not None else (-2, -1), keepdim)
    return vector_norm(input, p, dim, keepdim, dtype=dtype)


def vector_norm(input, ord=2, dim=None, keepdim=False, *, dtype=None):
    if dtype is not None:
        input = input.to(dtype)
    if not (input.is_floating_point() or input.is_complex()):
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{input.dtype.name.title()}")
    dims = None if dim is None else _dims(dim, input.ndim)
    if input.ndim == 0:
        dims = None  # dim 0 / -1 of a 0-d tensor is the tensor itself
    return R.vector_norm(input, ord=float(ord), dims=dims, keepdim=keepdim)


def all(input, dim=None, keepdim=False):
    """Whether every element over `dim` is non-zero (bool; uint8 for uint8 input, as torch)."""
    dims = None if dim is None else _dims(dim, input.ndim)
    if input.ndim == 0:  # torch accepts dim 0/-1 on a 0-d tensor; numpy has no axis to reduce
        dims = None
    return R.all_(input, dims=dims, keepdim=keepdim)


def any(input, dim=None, keepdim=False):
    """Whether any element over `dim` is non-zero (bool; uint8 for uint8 input, as torch)."""
    dims = None if dim is None else _dims(dim, input.ndim)
    if input.ndim == 0:  # torch accepts dim 0/-1 on a 0-d tensor; numpy has no axis to reduce
        dims = None
    return R.any_(input, dims=dims, keepdim=keepdim)


def count_nonzero(input, dim=None):
    """The number of non-zero elements over `dim` (all dims when None), as int64."""
    dims = None if dim is None else _dims(dim, input.ndim)
    return R.count_nonzero(input, dims=dims if input.ndim else None)


def argsort(input, dim=-1, descending=False, stable=False):
    """Indices that sort `input` along `dim` (stable; NaN last ascending, first descending)."""
    if input.ndim == 0:
        _wrap_dim(dim, 0)
        return _make(np.zeros((), np.int64))
    return R.argsort(input, dim=_wrap_dim(dim, input.ndim), descending=descending)


def sort(input, dim=-1, descending=False, stable=False):
    """(values, indices) sorted along `dim`; values = gather(input, indices) so gradients flow."""
    idx = argsort(input, dim, descending)
    if input.ndim == 0:
        return _values_indices(input * 1, idx)
    return _values_indices(S.gather(input, idx._data, dim=_wrap_dim(dim, input.ndim)), idx)


def msort(input):
    """Sort along the first dimension (the values of sort(input, 0))."""
    return sort(input, 0).values


def topk(input, k, dim=-1, largest=True, sorted=True):
    """The k largest (or smallest) values along `dim` and their indices, sorted."""
    if input.dtype is _dtype.bool:
        raise RuntimeError("topk does not support bool dtypes on CPU")
    if input.ndim == 0:
        if k not in (0, 1):
            raise RuntimeError("selected index k out of range")
        return _scalar_select(input, dim) if k else _values_indices(input.reshape(-1)[:0], _make(np.zeros(0, np.int64)))
    dim = _wrap_dim(dim, input.ndim)
    if k > input.shape[dim] if input.ndim else k > 1:
        raise RuntimeError("selected index k out of range")
    idx = argsort(input, dim, descending=largest)
    idx = S.index(idx, idx=(slice(None),) * dim + (slice(0, k),))
    idx = _make(np.ascontiguousarray(idx._data))
    return _values_indices(S.gather(input, idx._data, dim=dim), idx)


def kthvalue(input, k, dim=-1, keepdim=False):
    """The k-th smallest value along `dim` (1-based) and its index."""
    if input.dtype is _dtype.bool:
        raise NotImplementedError("\"kthvalue_cpu\" not implemented for 'Bool'")
    if input.ndim == 0:
        _wrap_dim(dim, 0)
        if k != 1:
            raise RuntimeError("kthvalue(): selected number k out of range for dimension 0")
        return _scalar_select(input, dim)
    dim = _wrap_dim(dim, input.ndim)
    if input.shape[dim] == 0:
        raise IndexError(f"kthvalue(): Expected reduction dim {dim} to have non-zero size.")
    if not 1 <= k <= input.shape[dim]:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {dim}")
    idx = argsort(input, dim)._data
    idx = np.take(idx, [k - 1], axis=dim)
    vals = S.gather(input, idx, dim=dim)
    idx = _make(idx)
    if not keepdim:
        vals, idx = vals.squeeze(dim), idx.squeeze(dim)
    return _values_indices(vals, idx)


def median(input, dim=None, keepdim=False):
    """The lower median (torch's convention); with dim, (values, indices)."""
    if input.dtype is _dtype.bool:
        raise NotImplementedError("\"median_cpu\" not implemented for 'Bool'")
    if dim is None and input.numel() == 0:
        return _make(np.full((), np.nan, input.dtype.np))
    nan = np.isnan(input._data) if input.dtype.category == 2 else None
    if dim is None:
        flat = input.reshape(-1)
        if nan is not None and nan.any():  # NaN propagates, as torch
            return S.gather(flat, np.argmax(nan.reshape(-1), keepdims=True), dim=0).squeeze(0)
        return kthvalue(flat, (flat.numel() + 1) // 2, 0).values
    if input.ndim == 0:
        return _scalar_select(input, dim)
    dim = _wrap_dim(dim, input.ndim)
    res = kthvalue(input, (input.shape[dim] + 1) // 2, dim, True)
    if nan is not None and nan.any():
        # slices holding NaN report their first NaN (value and index), as torch
        has_nan = nan.any(axis=dim, keepdims=True)
        idx = np.where(has_nan, np.argmax(nan, axis=dim, keepdims=True), res.indices._data)
        res = _values_indices(S.gather(input, idx, dim=dim), _make(idx))
    if not keepdim:
        res = _values_indices(res.values.squeeze(dim), res.indices.squeeze(dim))
    return res


def nanmedian(input, dim=None, keepdim=False):
    """The lower median ignoring NaN (NaN only where a slice is all NaN); with dim, (values, indices)."""
    if not bool(input.isnan().any()) or (input.ndim == 0 and dim is not None):
        return median(input, dim, keepdim)
    if dim is None:
        flat = input.reshape(-1)
        keep = flat[~flat.isnan()]
        return median(keep) if keep.numel() else _make(np.full((), np.nan, input.dtype.np))
    dim = _wrap_dim(dim, input.ndim)
    order = argsort(input, dim)._data  # NaN sorts last
    n_valid = (~np.isnan(input._data)).sum(axis=dim, keepdims=True)
    k = np.maximum(n_valid - 1, 0) // 2  # all-NaN slices pick a NaN
    idx = np.take_along_axis(order, k, axis=dim)
    vals = S.gather(input, idx, dim=dim)
    idx = _make(idx)
    if not keepdim:
        vals, idx = vals.squeeze(dim), idx.squeeze(dim)
    return _values_indices(vals, idx)


def mode(input, dim=-1, keepdim=False):
    """The most frequent value along `dim` (the smallest among equally frequent ones) and its last index."""
    if input.ndim == 0:
        return _scalar_select(input, dim)
    dim = _wrap_dim(dim, input.ndim)
    if input.shape[dim] == 0:
        raise IndexError(f"mode(): Expected reduction dim {dim} to have non-zero size.")
    d = np.moveaxis(input._data, dim, -1)
    flat = d.reshape(-1, d.shape[-1])
    vals = np.empty(flat.shape[0], d.dtype)
    idxs = np.empty(flat.shape[0], np.int64)
    for r, row in enumerate(flat):
        u, c = np.unique(row, return_counts=True)
        v = u[np.argmax(c)]  # the smallest of the most frequent values
        vals[r] = v
        idxs[r] = np.nonzero(row == v)[0][-1]
    idx = idxs.reshape(d.shape[:-1])
    idx_t = _make(np.expand_dims(idx, dim))
    values = S.gather(input, idx_t._data, dim=dim)
    if not keepdim:
        values, idx_t = values.squeeze(dim), idx_t.squeeze(dim)
    return _values_indices(values, idx_t)


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(input, q, dim, keepdim, interpolation, ignore_nan, name):
    """Quantiles by sorting (NaN last) and interpolating between gathered order statistics, so gradients flow to
    the selected elements. A slice holding NaN gives NaN, unless `ignore_nan`, which drops NaNs first."""
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"{name}() interpolation must be one of linear, lower, higher, midpoint or nearest, but "
                           f"got {interpolation}")
    if input.dtype not in (_dtype.float32, _dtype.float64):
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    if isinstance(q, Tensor):
        if q.ndim > 1:
            raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
        if q.dtype is not input.dtype:
            raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor")
    scalar_q = not isinstance(q, Tensor) or q.ndim == 0
    qs = np.atleast_1d(np.asarray(q._data if isinstance(q, Tensor) else q, dtype=np.float64))
    if ((qs < 0) | (qs > 1)).any():
        raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
    if dim is None:
        x, d = input.reshape(-1), 0
    elif input.ndim == 0:
        _wrap_dim(dim, 0)
        x, d = input.reshape(1), 0
    else:
        x, d = input, _wrap_dim(dim, input.ndim)
    n = x.shape[d]
    if input.numel() == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    srt = sort(x, d).values
    nan_count = np.isnan(x._data).sum(axis=d, keepdims=True)
    n_valid = n - nan_count if ignore_nan else np.full_like(nan_count, n)
    qshape = (len(qs),) + (1,) * x.ndim
    pos = qs.reshape(qshape) * (n_valid - 1)[None]
    lo, hi = np.floor(pos), np.ceil(pos)
    if interpolation == "lower":
        hi = lo
    elif interpolation == "higher":
        lo = hi
    elif interpolation == "nearest":
        lo = hi = np.round(pos)  # ties to even, as torch
    if interpolation == "midpoint":
        w = np.where(hi > lo, 0.5, 0.0)
    elif interpolation == "linear":
        w = pos - lo
    else:
        w = np.zeros_like(pos)
    # slices that give NaN read a NaN: the last sorted element when NaN poisons the slice, the first when the
    # slice is all NaN and NaNs are ignored (where torch's gradient goes too)
    nan_slice = (n_valid == 0) | ((nan_count > 0) & (not ignore_nan))
    at = 0 if ignore_nan else n - 1
    lo = np.where(nan_slice[None], at, lo).astype(np.int64)
    hi = np.where(nan_slice[None], at, hi).astype(np.int64)
    w = np.where(nan_slice[None], 0.0, w)
    full = (len(qs),) + tuple(x.shape[:d]) + (1,) + tuple(x.shape[d + 1:])
    lo, hi = np.broadcast_to(lo, full).copy(), np.broadcast_to(hi, full).copy()
    srt_q = srt.unsqueeze(0).expand((len(qs),) + tuple(x.shape))
    vlo = S.gather(srt_q, lo, dim=d + 1)
    vhi = S.gather(srt_q, hi, dim=d + 1)
    if interpolation in ("lower", "higher", "nearest"):
        res = vlo  # an order statistic itself, no interpolation
    else:
        # torch's two-sided lerp (from the nearer end), so infinite neighbours give what torch gives
        wt = _make(w.astype(input.dtype.np))
        res = E.where(wt < 0.5, vlo + wt * (vhi - vlo), vhi - (vhi - vlo) * (1 - wt))
    if not keepdim:
        res = res.squeeze(d + 1)
    elif dim is None:
        res = res.reshape((len(qs),) + (1,) * input.ndim)
    elif input.ndim == 0:
        res = res.reshape((len(qs),))
    if scalar_q:
        res = res.squeeze(0)
    return res


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """The q-th quantiles of `input` (over all elements, or along `dim`); NaN where a slice contains NaN."""
    return _quantile(input, q, dim, keepdim, interpolation, False, "quantile")


def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """quantile ignoring NaN values (NaN only where a slice is all NaN)."""
    return _quantile(input, q, dim, keepdim, interpolation, True, "nanquantile")
