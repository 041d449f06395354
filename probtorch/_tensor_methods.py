"""Tensor methods, operators and in-place variants, bound onto `Tensor` from the function modules.

In-place ops compute the out-of-place result and write it into the tensor's storage, bump the version counter
and move the tensor onto the new graph node. Writes through a view re-express the base as "old base with the
view region replaced" (`view_scatter`), so gradients reach the base's history too.
"""
import numpy as np

from . import _dtype
from ._primitive import Primitive, _Forward
from ._tensor import Tensor, _make, Size, live_views, _Version
from ._grad_mode import _state, no_grad
from ._functions import creation as C, math as M, reduction as R, shape as SH, indexing as I
from ._functions import extra as X
from .prims import shape as S
from .prims import elementwise as E


# ------------------------------------------------------------------------------------------------ views, in place
def _apply_chain(t, chain):
    for prim, params in chain:
        t = prim(t, **params)
    return t


def _view_scatter_impl(base, src, chain, written=False):
    if written:  # an in-place write already put src into base's own storage: that storage is the result
        return base
    out = base.copy()
    view = out
    for prim, params in chain:
        view = prim.impl(view, **params)
    view[...] = src
    return out


# adjoint: the chain may hold real / imag / view_as_real, whose rule reads are real-linear projections; the
# rule below (scatter into the base, read through the chain) is their adjoint as it stands
view_scatter = Primitive("view_scatter", _view_scatter_impl, saves=(), linear=True, adjoint=True)


@view_scatter.defvjp
def _view_scatter_vjp(g, out, base, src, chain, written=False):
    return (view_scatter(g, g.new_zeros(src.shape), chain=chain), _apply_chain(g, chain).to(src.dtype)
            if isinstance(src, Tensor) else None)


def _move_to(t, fn, nr):
    """Put `t` on graph node `fn` (output `nr`) after an in-place write; retain_grad follows it to the new node,
    while hooks registered before the write stay with the old version (torch's rule)."""
    hook = t.__dict__.get("_retain_hook") if t._retains_grad else None
    if hook is not None and t.grad_fn is not None and t.grad_fn.pre_hooks:
        hooks = t.grad_fn.pre_hooks.get(t._output_nr, {})
        for key, h in list(hooks.items()):
            if h is hook:
                del hooks[key]
    t.grad_fn = fn
    t._output_nr = nr
    if hook is not None and fn is not None:
        fn._add_pre_hook(nr, hook)


def _alias(t):
    """A tensor sharing t's storage, version counter and place in the graph (no copy)."""
    a = _make(t._data, t._rg, t.grad_fn, t._output_nr)
    a._vc = t._vc
    return a


def _snapshot(t):
    """A tensor with a private copy of t's values and t's place in the graph."""
    s = _make(t._data.copy(), t._rg, t.grad_fn, t._output_nr)
    s._fw = t._fw
    return s


def _inplace_tangent(self, new):
    from .autograd.forward_ad import _inplace_tangent as update
    update(self, new)


def _overlaps(d):
    """Does writing to ndarray `d` touch one memory location twice (a broadcast dimension)?"""
    if d.size == 0:  # numpy may give an empty array zero strides
        return False
    for st, n in zip(d.strides, d.shape):
        if st == 0 and n > 1:
            return True
    return False


def _write(self, arr):
    if _overlaps(self._data):
        raise RuntimeError("unsupported operation: more than one element of the written-to tensor refers to a "
                           "single memory location. Please clone() the tensor before performing the operation.")
    if arr.shape != self._data.shape:
        try:
            arr = np.broadcast_to(arr, self._data.shape)
        except ValueError:
            raise RuntimeError(f"output with shape {list(self._data.shape)} doesn't match the broadcast shape "
                               f"{list(np.broadcast_shapes(arr.shape, self._data.shape))}") from None
    try:
        self._data[...] = arr
    except ValueError:
        raise RuntimeError("unsupported operation: more than one element of the written-to tensor refers to a "
                           "single memory location. Please clone() the tensor before performing the operation.") \
            from None
    self._vc.value += 1


def _check_cast(new, self):
    if new._data.dtype != self._data.dtype:
        nd, sd = _dtype._FROM_NP[new._data.dtype], _dtype._FROM_NP[self._data.dtype]
        if not _dtype.can_cast(nd, sd):
            raise RuntimeError(f"result type {nd.name.title()} can't be cast to the desired output type "
                               f"{sd.name.title()}")


def _inference_write_error():
    raise RuntimeError("Inplace update to inference tensor outside InferenceMode is not allowed. You can make a clone "
                       "to get a normal tensor before doing inplace update.")


def _inplace(self, fn, *args, **kwargs):
    """Write fn(self, *args, **kwargs) into self, with torch's in-place autograd rules."""
    if self._is_inference and not _state.inference:
        _inference_write_error()
    recording = _state.enabled and (self._rg or any(isinstance(a, Tensor) and a._rg for a in args))
    if _state.enabled:
        if self._rg and self.grad_fn is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        base = self._base
        if base is not None and base._rg and base.grad_fn is None:
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place "
                               "operation.")
    if not recording:
        prev = _state.enabled
        _state.enabled = False
        try:
            new = fn(self, *args, **kwargs)
        finally:
            _state.enabled = prev
        _check_cast(new, self)
        _write(self, new._data)
        if _Forward.active:
            _inplace_tangent(self, new)
        if self._base is not None and self._base._rg and _state.enabled:
            _rebase(self, self._base, None)
        return self
    base = self._base
    written = base is not None and not _Forward.active
    if written:
        # the chain is applied to an alias of the base (no copy of the whole base: writing rows of a large buffer
        # one by one stays linear in time and memory); only the view's old values are copied, for fn's rules
        base_old = _alias(base)
        old = _apply_chain(base_old, self._view_chain)
        old._data, old._vc = old._data.copy(), _Version()  # a private copy, untouched by the write below
    elif base is not None:
        base_old = _snapshot(base)
        old = _apply_chain(base_old, self._view_chain)
    else:
        old = _snapshot(self)
    new = fn(old, *args, **kwargs)
    _check_cast(new, self)
    if new._data.dtype != self._data.dtype:
        new = new.to(_dtype._FROM_NP[self._data.dtype])
    if new._data.shape != self._data.shape:
        if np.broadcast_shapes(new._data.shape, self._data.shape) != self._data.shape:
            raise RuntimeError(f"output with shape {list(self._data.shape)} doesn't match the broadcast shape "
                               f"{list(np.broadcast_shapes(new._data.shape, self._data.shape))}")
        new = new.expand(self._data.shape)
    if old._rg and not new._rg:
        # the old values are overwritten: keep the tensor on the graph, with zero gradient to its history
        new = view_scatter(old, new, chain=())
    _write(self, new._data)
    if _Forward.active:
        _inplace_tangent(self, new)
    if base is not None:
        _rebase(self, base, (base_old, new), written)
    else:
        _move_to(self, new.grad_fn, new._output_nr)
        self._rg = new._rg
        _refresh_views(self)
    return self


def _refresh_views(base):
    """Re-derive the grad_fn of every recorded view of `base` from base's current place in the graph."""
    views = live_views(base) if base._rg else ()
    if not views:
        return
    alias = _make(base._data, True, base.grad_fn, base._output_nr)
    for v in views:
        r = _apply_chain(alias, v._view_chain)
        _move_to(v, r.grad_fn, r._output_nr)
        v._rg = True


def _rebase(view, base, parts, written=False):
    """After writing into `view`, put `base` (and the view) on the graph 'old base with the view replaced'.

    written: base_old is an alias of the base whose storage already holds the new values (no copy is made).
    """
    if parts is None:
        base_old = _snapshot(base)
        new = _make(view._data.copy())
    else:
        base_old, new = parts
    base_new = view_scatter(base_old, new, chain=view._view_chain, written=written)
    _move_to(base, base_new.grad_fn, base_new._output_nr)
    base._rg = base_new._rg
    if base._rg:
        alias = _make(base._data, True, base.grad_fn, base._output_nr)
        v = _apply_chain(alias, view._view_chain)
        _move_to(view, v.grad_fn, v._output_nr)
        view._rg = True
        for other in live_views(base):
            if other is not view:
                r = _apply_chain(alias, other._view_chain)
                _move_to(other, r.grad_fn, r._output_nr)
                other._rg = True


def _setitem(self, idx, value):
    if self._is_inference and not _state.inference:
        _inference_write_error()
    nidx = I.normalize_index(self.shape, idx)
    if isinstance(value, Tensor):
        value = value.to(self.dtype) if value.dtype is not self.dtype else value
    else:
        value = _make(np.asarray(value, self._data.dtype))
    two = I.split_index(nidx)
    target = self._data[nidx] if two is None else self._data[two[0]][two[1]]
    if value._data.shape != target.shape:
        try:
            ok = np.broadcast_shapes(value._data.shape, target.shape) == target.shape
        except ValueError:
            ok = False
        if not ok:
            raise RuntimeError(f"shape mismatch: value tensor of shape {list(value._data.shape)} cannot be "
                               f"broadcast to indexing result of shape {list(target.shape)}")
    recording = _state.enabled and (self._rg or value._rg or
                                    (self._base is not None and self._base._rg))
    if _Forward.active and (self._fw is not None or value._fw is not None or
                            (self._base is not None and self._base._fw is not None)):
        recording = True  # route through index_put so the tangent follows the write
    if not recording:
        # writing to a broadcast (expanded) tensor is refused unless the indexed part itself has no overlap
        if _overlaps(self._data) and (two is not None or not I.is_basic(nidx) or _overlaps(target)):
            raise RuntimeError("unsupported operation: more than one element of the written-to tensor refers to a "
                               "single memory location. Please clone() the tensor before performing the operation.")
        if two is None:
            self._data[nidx] = value._data
        else:
            self._data[two[0]][two[1]] = value._data
        self._vc.value += 1
        return
    view = self[idx] if two is None and I.is_basic(nidx) and not _Forward.active else None
    if view is not None and view._base is not None:
        # a basic index is a view: write through it (as torch's copy_ into a slice), so the write costs the size
        # of the slice, not of the whole tensor
        _inplace(view, lambda s, v: v.expand(s.shape), value)
    elif two is None:
        _inplace(self, lambda s, v: S.index_put(s, v, idx=nidx), value)
    else:
        _inplace(self, lambda s, v: S.index_put(s, S.index_put(S.index(s, idx=two[0]), v, idx=two[1]), idx=two[0]),
                 value)


def _inplace_view(fn):
    """t_, transpose_, squeeze_, unsqueeze_, ...: self takes the layout (and graph place) of the view fn makes."""
    def method(self, *args, **kwargs):
        if _state.enabled and self._rg and self.grad_fn is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        # the view is taken of an alias, so the nodes it records keep the old layout while self changes
        alias = _make(self._data, self._rg, self.grad_fn, self._output_nr)
        alias._vc, alias._base, alias._view_chain = self._vc, self._base, self._view_chain
        r = fn(alias, *args, **kwargs)
        self._data = r._data
        if r.grad_fn is not None:
            self.grad_fn, self._output_nr = r.grad_fn, r._output_nr
        if self._base is not None:
            self._view_chain = r._view_chain
        self._vc.value += 1
        return self
    return method


def _make_inplace(fn, name):
    def method(self, *args, **kwargs):
        return _inplace(self, fn, *args, **kwargs)
    method.__name__ = name
    method.__doc__ = f"In-place version of {name[:-1]}."
    return method


# ------------------------------------------------------------------------------------------------ conversions
def _to(self, *args, **kwargs):
    """to(dtype) / to(other) / to(device[, dtype]); returns self when nothing changes (torch semantics)."""
    dtype = kwargs.get("dtype")
    copy = kwargs.get("copy", False)
    for a in args:
        if isinstance(a, _dtype.dtype):
            dtype = a
        elif isinstance(a, Tensor):
            dtype = a.dtype
    if dtype is None or dtype is self.dtype:
        return self.clone() if copy else self
    return E.to_dtype(self, dtype=dtype.np)


def _type(self, dtype=None, non_blocking=False):
    if dtype is None:
        return {"float32": "probtorch.FloatTensor", "float64": "probtorch.DoubleTensor",
                "int64": "probtorch.LongTensor", "int32": "probtorch.IntTensor", "bool": "probtorch.BoolTensor",
                "float16": "probtorch.HalfTensor", "uint8": "probtorch.ByteTensor", "int8": "probtorch.CharTensor",
                "int16": "probtorch.ShortTensor", "complex64": "probtorch.ComplexFloatTensor",
                "complex128": "probtorch.ComplexDoubleTensor"}[self.dtype.name]
    if isinstance(dtype, str):
        dtype = {"probtorch.FloatTensor": _dtype.float32, "probtorch.DoubleTensor": _dtype.float64,
                 "probtorch.LongTensor": _dtype.int64, "torch.FloatTensor": _dtype.float32,
                 "torch.DoubleTensor": _dtype.float64, "torch.LongTensor": _dtype.int64}[dtype]
    return _to(self, dtype)


def _cast(dt):
    def f(self, memory_format=None):
        return _to(self, dt)
    return f


def _new_factory(np_fn):
    def f(self, *size, dtype=None, device=None, requires_grad=False, **kw):
        if len(size) == 1 and isinstance(size[0], (tuple, list, Size)):
            size = tuple(size[0])
        t = _make(np_fn(tuple(int(s) for s in size), (dtype or self.dtype).np))
        if requires_grad:
            t.requires_grad_(True)
        return t
    return f


def _new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
    t = _make(np.full(tuple(size), fill_value, (dtype or self.dtype).np))
    if requires_grad:
        t.requires_grad_(True)
    return t


def _new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
    return C.tensor(data, dtype=dtype or self.dtype, requires_grad=requires_grad)


def _contiguous(self, memory_format=None):
    return self if self._data.flags.c_contiguous else E.clone(self)


def _resize_(self, *size):
    size = SH._shape_arg(size)
    n = int(np.prod(size))
    if self._rg:
        raise RuntimeError("cannot resize variables that require grad")
    flat = self._data.reshape(-1)
    new = np.zeros(n, self._data.dtype)
    new[:min(n, flat.size)] = flat[:min(n, flat.size)]
    self._data = new.reshape(size)
    self._vc.value += 1
    return self


def _getitem(self, idx):
    return I.getitem(self, idx)


def _rop(fn):
    def f(self, other):
        return fn(other, self)
    return f


def _pow(self, exponent):
    return M.pow(self, exponent)


def _rpow(self, base):
    return M.pow(_make(np.asarray(base, _dtype.result_type(base, self).np)), self)


def _matmul(self, other):
    from . import linalg
    return linalg.matmul(self, other)


def _rmatmul(self, other):
    from . import linalg
    return linalg.matmul(other, self)


def _bool_or_int(np_op, fallback):
    def f(self, other):
        if self.dtype is _dtype.bool and (not isinstance(other, Tensor) or other.dtype is _dtype.bool):
            return fallback(self, other)
        return np_op(self, other)
    return f


def _floordiv(self, other):
    return M.floor_divide(self, other)


def _mod(self, other):
    return M.remainder(self, other)


def _invert(self):
    if self.dtype is _dtype.bool:
        return M.logical_not(self)
    if self.dtype.category > 1:
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
    return M.bitwise_not(self)


def _eq(self, other):
    if other is None:
        return False
    return M.eq(self, other)


def _ne(self, other):
    if other is None:
        return True
    return M.ne(self, other)


def _item_fill(self, value):
    return C.full_like(self, value.item() if isinstance(value, Tensor) else value)


def _norm(self, p="fro", dim=None, keepdim=False, dtype=None):
    return R.norm(self, p, dim, keepdim, dtype)


def _size_dims(fn):
    """Methods accept dims as varargs (x.permute(1, 0)) as well as a tuple."""
    def f(self, *dims):
        return fn(self, *dims)
    return f


_METHODS = {
    # math
    "abs": M.abs, "absolute": M.abs, "neg": M.neg, "negative": M.neg, "add": M.add, "sub": M.sub,
    "subtract": M.sub, "mul": M.mul, "multiply": M.mul, "div": M.div, "divide": M.div, "true_divide": M.true_divide,
    "floor_divide": M.floor_divide, "remainder": M.remainder, "fmod": M.fmod, "pow": M.pow,
    "float_power": M.float_power, "exp": M.exp, "exp2": M.exp2, "expm1": M.expm1, "log": M.log, "log2": M.log2,
    "log10": M.log10, "log1p": M.log1p, "sqrt": M.sqrt, "rsqrt": M.rsqrt, "square": M.square,
    "reciprocal": M.reciprocal, "sign": M.sign, "sgn": M.sgn, "signbit": M.signbit, "floor": M.floor,
    "ceil": M.ceil, "round": M.round, "trunc": M.trunc, "fix": M.fix, "frac": M.frac, "sin": M.sin, "cos": M.cos,
    "tan": M.tan, "asin": M.asin, "arcsin": M.asin, "acos": M.acos, "arccos": M.acos, "atan": M.atan,
    "arctan": M.atan, "atan2": M.atan2, "arctan2": M.atan2, "sinh": M.sinh, "cosh": M.cosh, "tanh": M.tanh,
    "asinh": M.asinh, "arcsinh": M.asinh, "acosh": M.acosh, "arccosh": M.acosh, "atanh": M.atanh,
    "arctanh": M.atanh, "sigmoid": M.sigmoid, "logit": M.logit, "erf": M.erf, "erfc": M.erfc, "erfinv": M.erfinv,
    "lgamma": M.lgamma, "digamma": M.digamma, "polygamma": lambda self, n: M.polygamma(n, self),
    "mvlgamma": M.mvlgamma, "xlogy": M.xlogy, "logaddexp": M.logaddexp, "logaddexp2": M.logaddexp2,
    "hypot": M.hypot, "maximum": M.maximum, "minimum": M.minimum, "fmax": M.fmax, "fmin": M.fmin, "clamp": M.clamp,
    "clip": M.clamp, "clamp_min": M.clamp_min, "clamp_max": M.clamp_max, "lerp": M.lerp, "addcmul": M.addcmul,
    "addcdiv": M.addcdiv, "eq": M.eq, "ne": M.ne, "lt": M.lt, "le": M.le, "gt": M.gt, "ge": M.ge,
    "greater": M.gt, "greater_equal": M.ge, "less": M.lt, "less_equal": M.le, "not_equal": M.ne,
    "equal": M.equal, "allclose": M.allclose, "isclose": M.isclose, "isnan": M.isnan, "isinf": M.isinf,
    "isfinite": M.isfinite, "isposinf": M.isposinf, "isneginf": M.isneginf, "isreal": M.isreal,
    "logical_and": M.logical_and, "logical_or": M.logical_or, "logical_xor": M.logical_xor,
    "logical_not": M.logical_not, "bitwise_and": M.bitwise_and, "bitwise_or": M.bitwise_or,
    "bitwise_xor": M.bitwise_xor, "bitwise_not": M.bitwise_not, "nan_to_num": M.nan_to_num,
    "copysign": M.copysign, "deg2rad": M.deg2rad, "rad2deg": M.rad2deg, "i0": M.i0, "sinc": M.sinc,
    "heaviside": M.heaviside, "masked_fill": M.masked_fill, "clone": M.clone, "angle": M.angle,
    "conj": M.conj, "conj_physical": M.conj_physical, "resolve_conj": M.resolve_conj,
    "resolve_neg": M.resolve_neg, "is_conj": lambda self: False, "is_neg": lambda self: False,
    "positive": M.positive, "dist": M.dist, "where": lambda self, condition, y: M.where(condition, self, y),
    # reductions
    "sum": R.sum, "nansum": R.nansum, "mean": R.mean, "nanmean": R.nanmean, "prod": R.prod, "amax": R.amax,
    "amin": R.amin, "max": R.max, "min": R.min, "aminmax": R.aminmax, "argmax": R.argmax, "argmin": R.argmin,
    "logsumexp": R.logsumexp, "var": R.var, "std": R.std, "cumsum": R.cumsum, "cumprod": R.cumprod,
    "cummax": R.cummax, "cummin": R.cummin, "logcumsumexp": R.logcumsumexp, "norm": _norm, "all": R.all,
    "any": R.any, "sort": R.sort, "argsort": R.argsort, "topk": R.topk, "kthvalue": R.kthvalue, "median": R.median,
    "nanmedian": R.nanmedian, "mode": R.mode, "count_nonzero": R.count_nonzero, "msort": R.msort,
    "quantile": R.quantile, "nanquantile": R.nanquantile,
    # shape
    "reshape": SH.reshape, "view": SH.view, "permute": SH.permute, "transpose": SH.transpose,
    "swapaxes": SH.transpose, "swapdims": SH.transpose, "movedim": SH.movedim, "moveaxis": SH.movedim, "t": SH.t,
    "adjoint": SH.adjoint, "expand": SH.expand, "expand_as": SH.expand_as, "broadcast_to": SH.broadcast_to,
    "squeeze": SH.squeeze, "unsqueeze": SH.unsqueeze, "flatten": SH.flatten, "unflatten": SH.unflatten,
    "ravel": SH.ravel, "split": SH.split, "tensor_split": SH.tensor_split, "chunk": SH.chunk, "unbind": SH.unbind,
    "narrow": SH.narrow, "narrow_copy": SH.narrow_copy, "select": SH.select, "gather": SH.gather,
    "scatter": SH.scatter, "scatter_add": SH.scatter_add, "scatter_reduce": SH.scatter_reduce,
    "index_select": SH.index_select, "index_add": SH.index_add, "index_copy": SH.index_copy,
    "index_fill": SH.index_fill, "index_put": SH.index_put, "masked_select": SH.masked_select,
    "masked_scatter": SH.masked_scatter, "take": SH.take, "take_along_dim": SH.take_along_dim, "tril": SH.tril,
    "triu": SH.triu, "diagonal": SH.diagonal, "diag_embed": SH.diag_embed, "diag": SH.diag,
    "diagonal_scatter": SH.diagonal_scatter, "diagflat": SH.diagflat, "flip": SH.flip, "fliplr": SH.fliplr,
    "flipud": SH.flipud, "roll": SH.roll, "rot90": SH.rot90, "repeat": SH.repeat,
    "repeat_interleave": SH.repeat_interleave, "tile": SH.tile, "nonzero": SH.nonzero, "argwhere": SH.argwhere,
    "index_reduce": SH.index_reduce, "put": SH.put,
    "unfold": SH.tensor_unfold, "split_with_sizes": SH.split_with_sizes, "hsplit": SH.hsplit,
    "vsplit": SH.vsplit, "dsplit": SH.dsplit,
    "t_": _inplace_view(SH.t), "transpose_": _inplace_view(SH.transpose), "swapaxes_": _inplace_view(SH.transpose),
    "swapdims_": _inplace_view(SH.transpose), "squeeze_": _inplace_view(SH.squeeze),
    "unsqueeze_": _inplace_view(SH.unsqueeze),
    "trace": SH.trace, "unique": SH.unique, "unique_consecutive": SH.unique_consecutive, "bincount": SH.bincount,
    "histc": SH.histc, "cross": SH.cross, "kron": SH.kron, "outer": SH.outer, "ger": SH.outer, "diff": SH.diff,
    "slice_scatter": SH.slice_scatter, "select_scatter": SH.select_scatter, "renorm": SH.renorm,
    # conversion & factories
    "to": _to, "type": _type, "float": _cast(_dtype.float32), "double": _cast(_dtype.float64),
    "half": _cast(_dtype.float16), "long": _cast(_dtype.int64), "int": _cast(_dtype.int32),
    "short": _cast(_dtype.int16), "bool": _cast(_dtype.bool), "byte": _cast(_dtype.uint8), "char": _cast(_dtype.int8),
    "cfloat": _cast(_dtype.complex64), "cdouble": _cast(_dtype.complex128),
    "type_as": lambda self, other: _to(self, other.dtype), "view_as": lambda self, other: SH.view(self, other.shape),
    "reshape_as": lambda self, other: SH.reshape(self, other.shape), "new_zeros": _new_factory(np.zeros),
    "new_ones": _new_factory(np.ones), "new_empty": _new_factory(np.empty), "new_full": _new_full,
    "new_tensor": _new_tensor, "contiguous": _contiguous, "cpu": lambda self, *a, **k: self,
    "resize_": _resize_, "__getitem__": _getitem, "__setitem__": _setitem,
    "sum_to_size": lambda self, *size: S.sum_to_size(self, shape=SH._shape_arg(size))
    if tuple(SH._shape_arg(size)) != tuple(self.shape) else self,
    "softmax": lambda self, dim, dtype=None: _nnf().softmax(self, dim, dtype=dtype),
    "log_softmax": lambda self, dim, dtype=None: _nnf().log_softmax(self, dim, dtype=dtype),
    "relu": lambda self: _nnf().relu(self),
    "matmul": _matmul, "mm": _matmul, "bmm": _matmul, "mv": _matmul, "dot": lambda self, o: _lin().dot(self, o),
    "inner": lambda self, o: _lin().inner(self, o),
    "inverse": lambda self: _lin().inv(self), "det": lambda self: _lin().det(self),
    "logdet": lambda self: _lin().logdet(self), "slogdet": lambda self: _lin().slogdet(self),
    "cholesky": lambda self, upper=False: _lin().cholesky_(self, upper),
    "cholesky_solve": lambda self, L, upper=False: _lin().cholesky_solve(self, L, upper),
    "cholesky_inverse": lambda self, upper=False: _lin().cholesky_inverse(self, upper),
    "triangular_solve": lambda self, A, upper=True, transpose=False, unitriangular=False:
        _lin().triangular_solve(self, A, upper, transpose, unitriangular),
    "matrix_exp": lambda self: _lin().matrix_exp(self), "matrix_power": lambda self, n: _lin().matrix_power(self, n),
    "qr": lambda self, some=True: _lin().qr_legacy(self, some),
    "addmm": lambda self, m1, m2, *, beta=1, alpha=1: _lin().addmm(self, m1, m2, beta=beta, alpha=alpha),
    "addmv": lambda self, m, v, *, beta=1, alpha=1: _lin().addmv(self, m, v, beta=beta, alpha=alpha),
    "baddbmm": lambda self, b1, b2, *, beta=1, alpha=1: _lin().baddbmm(self, b1, b2, beta=beta, alpha=alpha),
    "addbmm": lambda self, b1, b2, *, beta=1, alpha=1: _lin().addbmm(self, b1, b2, beta=beta, alpha=alpha),
    "addr": lambda self, v1, v2, *, beta=1, alpha=1: _lin().addr(self, v1, v2, beta=beta, alpha=alpha),
    "svd": lambda self, some=True, compute_uv=True: _lin().svd_legacy(self, some, compute_uv),
    "pinverse": lambda self, rcond=1e-15: _lin().pinverse(self, rcond),
    "lu": lambda self, pivot=True, get_infos=False: tuple(_lin().lu_factor_ex(self, pivot=pivot))[:3 if get_infos
                                                                                                   else 2],
    "lu_solve": lambda self, LU_data, LU_pivots: _lin().lu_solve_legacy(self, LU_data, LU_pivots),
    "geqrf": lambda self: _lin().geqrf(self), "orgqr": lambda self, tau: _lin().orgqr(self, tau),
    "ormqr": lambda self, tau, other, left=True, transpose=False: _lin().ormqr(self, tau, other, left, transpose),
    "vdot": lambda self, other: _lin().vdot(self, other),
    "igamma": lambda self, other: _special().gammainc(self, other),
    "igammac": lambda self, other: _special().gammaincc(self, other),
}


def _special():
    from . import special
    return special


def _nnf():
    from .nn import functional
    return functional


def _lin():
    from . import linalg
    return linalg


_INPLACE = ["abs", "neg", "add", "sub", "mul", "div", "floor_divide", "remainder", "fmod", "pow", "float_power",
            "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt", "square", "reciprocal", "sign",
            "sgn", "floor", "ceil", "round", "trunc", "fix", "frac", "sin", "cos", "tan", "asin", "acos", "atan",
            "atan2", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "sigmoid", "logit", "erf", "erfc", "erfinv",
            "lgamma", "digamma", "polygamma", "xlogy", "hypot", "clamp", "clip", "clamp_min", "clamp_max", "lerp",
            "addcmul", "addcdiv", "eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor",
            "logical_not", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "nan_to_num", "copysign",
            "deg2rad", "rad2deg", "masked_fill", "scatter", "scatter_add", "scatter_reduce", "index_add",
            "index_copy", "index_fill", "index_put", "index_reduce", "put", "masked_scatter", "tril", "triu", "relu",
            "renorm",
            "subtract", "multiply", "divide", "true_divide", "absolute", "negative", "arcsin", "arccos", "arctan",
            "arctanh", "arcsinh", "arccosh", "arctan2", "greater", "less", "greater_equal", "less_equal",
            "not_equal", "fmax", "fmin", "mvlgamma", "sinc", "heaviside", "addmm", "addmv", "baddbmm", "addbmm",
            "addr", "i0", "igamma", "igammac"]

# torch.Tensor methods of the top-level extras (probtorch/_functions/extra.py)
_METHODS.update({name: getattr(X, name) for name in (
    "hardshrink", "prelu", "cov", "corrcoef", "gcd", "lcm", "ldexp", "ldexp_", "frexp", "nextafter",
    "bitwise_left_shift", "bitwise_right_shift", "histogram", "unsafe_chunk", "unsafe_split",
    "unsafe_split_with_sizes", "get_device", "resize_as_", "nonzero_static")})
_METHODS.update({"is_nonzero": lambda self: self.__bool__(), "is_signed": lambda self: self.dtype.is_signed,
                 "is_same_size": lambda self, other: self.shape == other.shape})
_INPLACE += ["gcd", "lcm", "nextafter", "bitwise_left_shift", "bitwise_right_shift", "cumsum", "cumprod"]


def _zero_(self):
    return _inplace(self, lambda s: s.new_zeros(s.shape))


def _fill_(self, value):
    if isinstance(value, Tensor):
        if value.dim() != 0:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with {value.dim()} "
                               f"dimensions.")
        return _inplace(self, lambda s, v: v.to(s.dtype).expand(s.shape), value)
    return _inplace(self, lambda s: s.new_full(s.shape, value))


def _copy_(self, src, non_blocking=False):
    if not isinstance(src, Tensor):
        src = C.tensor(src)
    return _inplace(self, lambda s, v: v.to(s.dtype).expand(s.shape), src)


def _set_(self, source):
    self._data = source._data
    self._vc = source._vc
    return self


def _detach_(self):
    return Tensor.detach_(self)


def _check_matrices(t, name):
    if t.ndim < 2:
        raise RuntimeError(f"tensor.{name} is only supported on matrices or batches of matrices. Got {t.ndim}-D "
                           "tensor.")
    return t


def _conj_transpose(self):
    """Tensor.H: the conjugate transpose of a matrix (the conjugate of a 0-d tensor, deprecated in torch)."""
    if self.ndim == 0:
        import warnings
        warnings.warn("Tensor.H is deprecated on 0-D tensors. Consider using x.conj().", UserWarning, stacklevel=2)
        return M.conj(self)
    if self.ndim != 2:
        hint = " For batches of matrices, consider using tensor.mH" if self.ndim > 2 else ""
        raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {self.ndim}-D tensor.{hint}")
    return M.conj(SH.transpose(self, 0, 1))


def _install():
    for name, fn in _METHODS.items():
        setattr(Tensor, name, fn)
    for name in _INPLACE:
        setattr(Tensor, name + "_", _make_inplace(getattr(Tensor, name), name + "_"))
    Tensor.zero_ = _zero_
    Tensor.fill_ = _fill_
    Tensor.copy_ = _copy_
    Tensor.set_ = _set_
    Tensor.fill_diagonal_ = lambda self, value, wrap=False: _inplace(
        self, lambda s: SH.diagonal_scatter(s, s.new_full((min(s.shape),), value)))
    # operators
    # operators call the primitives directly (no keyword handling needed): this is the per-op hot path
    Tensor.__add__ = E.add
    Tensor.__radd__ = _rop(E.add)
    Tensor.__iadd__ = Tensor.add_
    Tensor.__sub__ = E.sub
    Tensor.__rsub__ = _rop(M.sub)
    Tensor.__isub__ = Tensor.sub_
    Tensor.__mul__ = E.mul
    Tensor.__rmul__ = _rop(E.mul)
    Tensor.__imul__ = Tensor.mul_
    Tensor.__truediv__ = E.div
    Tensor.__rtruediv__ = _rop(M.div)
    Tensor.__itruediv__ = Tensor.div_
    Tensor.__floordiv__ = _floordiv
    Tensor.__rfloordiv__ = _rop(_floordiv)
    Tensor.__ifloordiv__ = Tensor.floor_divide_
    Tensor.__mod__ = _mod
    Tensor.__rmod__ = _rop(_mod)
    Tensor.__imod__ = Tensor.remainder_
    Tensor.__pow__ = _pow
    Tensor.__rpow__ = _rpow
    Tensor.__ipow__ = Tensor.pow_
    Tensor.__matmul__ = _matmul
    Tensor.__rmatmul__ = _rmatmul
    Tensor.__neg__ = E.neg
    Tensor.__pos__ = lambda self: self
    Tensor.__abs__ = M.abs
    Tensor.__invert__ = _invert
    Tensor.__and__ = _bool_or_int(M.bitwise_and, M.logical_and)
    Tensor.__rand__ = Tensor.__and__
    Tensor.__iand__ = Tensor.bitwise_and_
    Tensor.__or__ = _bool_or_int(M.bitwise_or, M.logical_or)
    Tensor.__ror__ = Tensor.__or__
    Tensor.__ior__ = Tensor.bitwise_or_
    Tensor.__xor__ = _bool_or_int(M.bitwise_xor, M.logical_xor)
    Tensor.__rxor__ = Tensor.__xor__
    Tensor.__ixor__ = Tensor.bitwise_xor_
    Tensor.layout = X.strided
    Tensor.is_cpu = True
    Tensor.__lshift__ = X.bitwise_left_shift
    Tensor.__rlshift__ = _rop(X.bitwise_left_shift)
    Tensor.__ilshift__ = Tensor.bitwise_left_shift_
    Tensor.__rshift__ = X.bitwise_right_shift
    Tensor.__rrshift__ = _rop(X.bitwise_right_shift)
    Tensor.__irshift__ = Tensor.bitwise_right_shift_
    Tensor.__eq__ = _eq
    Tensor.__ne__ = _ne
    Tensor.__lt__ = M.lt
    Tensor.__le__ = M.le
    Tensor.__gt__ = M.gt
    Tensor.__ge__ = M.ge
    Tensor.__hash__ = lambda self: id(self)
    Tensor.T = property(lambda self: SH.permute(self, tuple(range(self.ndim))[::-1]))
    Tensor.mT = property(lambda self: SH.transpose(self, -2, -1))
    Tensor.H = property(_conj_transpose)
    Tensor.mH = property(lambda self: M.conj(SH.transpose(_check_matrices(self, "mH"), -2, -1)))
    # real / imag are properties (views sharing storage, as in torch); assigning copies into that view
    Tensor.real = property(M.real, lambda self, value: _copy_(M.real(self), value))
    Tensor.imag = property(M.imag, lambda self, value: _copy_(M.imag(self), value))


_install()
