"""Tensor factories: tensor, as_tensor, from_numpy, zeros/ones/full/empty (+ _like), arange, linspace, ..."""
import builtins
import math

import numpy as np

from .. import _dtype
from .._tensor import Tensor, _make

__all__ = ["tensor", "as_tensor", "from_numpy", "asarray", "zeros", "ones", "full", "empty", "zeros_like",
           "ones_like", "full_like", "empty_like", "arange", "range", "linspace", "logspace", "eye", "scalar_tensor",
           "is_tensor", "numel", "complex", "polar", "tril_indices", "triu_indices", "empty_strided"]


def _np_dtype(dtype):
    return None if dtype is None else dtype.np


def _infer_dtype(data):
    """torch's inference: bools -> bool, ints -> int64, any float -> default float, any complex -> complex."""
    kinds = set()

    def walk(x):
        if isinstance(x, Tensor):
            kinds.add(("t", x.dtype))
        elif isinstance(x, (np.ndarray, np.generic)):  # numpy scalars keep their dtype, as in torch
            kinds.add(("t", _dtype.from_numpy_dtype(x.dtype)))
        elif isinstance(x, (list, tuple, builtins.range)):
            for v in x:
                walk(v)
        elif isinstance(x, (builtins.bool, np.bool_)):
            kinds.add(("s", _dtype.bool))
        elif isinstance(x, (builtins.int, np.integer)):
            kinds.add(("s", _dtype.int64))
        elif isinstance(x, (builtins.float, np.floating)):
            kinds.add(("s", _dtype.get_default_dtype()))
        elif isinstance(x, (builtins.complex, np.complexfloating)):
            kinds.add(("s", _dtype.complex128 if _dtype.get_default_dtype() is _dtype.float64 else _dtype.complex64))
        else:
            raise TypeError(f"Could not infer dtype of {type(x).__name__}")
    walk(data)
    if not kinds:
        return _dtype.get_default_dtype()
    res = None
    for _, d in kinds:
        res = d if res is None else _dtype.promote_types(res, d)
    return res


def _nested_to_list(x):
    if isinstance(x, Tensor):
        return x._data
    if isinstance(x, (list, tuple, builtins.range)):
        return [_nested_to_list(v) for v in x]
    return x


def _to_array(data, dtype=None, copy=True):
    """A fresh ndarray (copied unless copy=False allows sharing) with torch's dtype inference."""
    if isinstance(data, Tensor):
        arr = data._data
        dt = dtype.np if dtype is not None else arr.dtype
        return np.array(arr, dtype=dt, copy=copy or arr.dtype != dt)
    if isinstance(data, np.ndarray):
        dt = dtype.np if dtype is not None else _dtype.from_numpy_dtype(data.dtype).np
        return np.array(data, dtype=dt, copy=copy or data.dtype != dt)
    d = dtype if dtype is not None else _infer_dtype(data)
    try:
        with np.errstate(over="ignore", invalid="ignore"):  # 1e40 -> inf in float32, silently as torch
            arr = np.array(_nested_to_list(data), dtype=d.np)
    except ValueError as e:
        raise ValueError(f"expected sequence of equal-length lists to build a tensor: {e}") from None
    return arr


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new leaf tensor holding a copy of `data` (nested lists, scalars, ndarrays or Tensors)."""
    t = _make(_to_array(data, dtype))
    if requires_grad:
        t.requires_grad_(True)
    return t


def as_tensor(data, dtype=None, device=None):
    """Like tensor, but shares memory with an ndarray or Tensor when the dtype already matches."""
    if isinstance(data, Tensor):
        return data if dtype is None or data.dtype is dtype else data.to(dtype)
    if isinstance(data, np.ndarray):
        return _make(_to_array(data, dtype, copy=False))
    return tensor(data, dtype=dtype)


asarray = as_tensor


def from_numpy(ndarray):
    """A tensor sharing memory with `ndarray`: writes to either show in both."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    if any(s < 0 for s in ndarray.strides):
        raise ValueError("At least one stride in the given numpy array is negative, and tensors with negative "
                         "strides are not currently supported. (You can probably work around this by making a "
                         "copy of your array  with array.copy().) ")
    _dtype.from_numpy_dtype(ndarray.dtype)
    return _make(ndarray)


def is_tensor(obj):
    """Whether `obj` is a probtorch Tensor."""
    return isinstance(obj, Tensor)


def numel(input):
    """The number of elements of `input`."""
    return input.numel()


def _size(size, name="size"):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    for s in size:
        if not isinstance(s, (builtins.int, np.integer)) and not (isinstance(s, Tensor) and s.numel() == 1 and
                                                               s.dtype.category <= 1):
            raise TypeError(f"argument '{name}' must be tuple of ints, but found element of type "
                            f"{type(s).__name__}")
    size = tuple(int(s) for s in size)
    for s in size:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(size)}")
    return size


def _factory(arr, requires_grad):
    t = _make(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _dt(dtype):
    if dtype is not None and not isinstance(dtype, _dtype.dtype):
        raise TypeError(f"argument 'dtype' must be probtorch.dtype, not {type(dtype).__name__}")
    return (dtype or _dtype.get_default_dtype()).np


def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """A tensor of zeros of the given size (default dtype unless `dtype`)."""
    return _factory(np.zeros(_size(size), _dt(dtype)), requires_grad)


def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """A tensor of ones of the given size (default dtype unless `dtype`)."""
    return _factory(np.ones(_size(size), _dt(dtype)), requires_grad)


def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False,
          memory_format=None):
    """An uninitialized tensor of the given size."""
    return _factory(np.empty(_size(size), _dt(dtype)), requires_grad)


def empty_strided(size, stride, *, dtype=None, device=None, requires_grad=False):
    """An uninitialized tensor of `size` (strides are not controllable here; the result is contiguous)."""
    return empty(*size, dtype=dtype, requires_grad=requires_grad)


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """A tensor of `size` filled with `fill_value`; the dtype follows the value (bool, int64, default float,
    complex) unless given."""
    if isinstance(fill_value, (Tensor, np.generic)):  # a Scalar argument: its own dtype does not count
        fill_value = fill_value.item()
    if dtype is None:
        dtype = _infer_dtype(fill_value)
    elif isinstance(fill_value, builtins.complex) and fill_value.imag != 0 and dtype.category != 3:
        raise RuntimeError(f"value cannot be converted to type {dtype.name} without overflow")
    return _factory(np.full(_size((size,)), fill_value, dtype.np), requires_grad)


def _like(input, dtype):
    return (dtype or input.dtype).np


def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    """Zeros with input's shape (and dtype unless given)."""
    return _factory(np.zeros(input.shape, _like(input, dtype)), requires_grad)


def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    """Ones with input's shape (and dtype unless given)."""
    return _factory(np.ones(input.shape, _like(input, dtype)), requires_grad)


def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    """An uninitialized tensor with input's shape (and dtype unless given)."""
    return _factory(np.empty(input.shape, _like(input, dtype)), requires_grad)


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    """`fill_value` with input's shape (and dtype unless given)."""
    return _factory(np.full(input.shape, fill_value, _like(input, dtype)), requires_grad)


def _num(x):
    return x.item() if isinstance(x, Tensor) else x


def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """Values in [start, end) spaced by step; integer arguments give int64, any float the default float."""
    start, end, step = _num(start), _num(end), _num(step)
    if end is None:
        start, end = 0, start
    if not all(math.isfinite(v) for v in (start, end, step)):
        raise RuntimeError(f"unsupported range: {start} -> {end}")
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    if dtype is None:
        dtype = _infer_dtype([start, end, step])
    n = builtins.max(math.ceil((end - start) / step), 0)
    arr = (start + np.arange(n, dtype=np.float64 if dtype.category >= 2 else np.int64) * step)
    return _factory(arr.astype(dtype.np), requires_grad)


def range(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    """Deprecated torch.range: includes `end`."""
    if end is None:
        start, end = 0, start
    n = int(math.floor((end - start) / step)) + 1
    arr = start + np.arange(n, dtype=np.float64) * step
    return _factory(arr.astype(_dt(dtype)), requires_grad)


def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """`steps` evenly spaced values from start to end inclusive."""
    start, end = _num(start), _num(end)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    return _factory(np.linspace(start, end, steps).astype(_dt(dtype)), requires_grad)


def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """`steps` values base ** linspace(start, end, steps)."""
    start, end = _num(start), _num(end)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    return _factory(np.logspace(start, end, steps, base=base).astype(_dt(dtype)), requires_grad)


def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """The n x m identity (ones on the main diagonal)."""
    if n < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    if m is not None and m < 0:
        raise RuntimeError(f"m must be greater or equal to 0, got {m}")
    return _factory(np.eye(n, n if m is None else m, dtype=_dt(dtype)), requires_grad)


def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False):
    """A 0-d tensor holding `s` (default float dtype unless `dtype`)."""
    return _factory(np.asarray(s, _dt(dtype)), requires_grad)


def _check_rows_cols(row, col):
    if row < 0:
        raise RuntimeError(f"row must be non-negative, got{row}")
    if col < 0:
        raise RuntimeError(f"col must be non-negative, got{col}")


def tril_indices(row, col, offset=0, *, dtype=None, device=None):
    """Coordinates (2 x N) of the lower triangle of a row x col matrix, below diagonal `offset`."""
    _check_rows_cols(row, col)
    r, c = np.tril_indices(row, offset, col)
    return _make(np.stack([r, c]).astype((dtype or _dtype.int64).np))


def triu_indices(row, col, offset=0, *, dtype=None, device=None):
    """Coordinates (2 x N) of the upper triangle of a row x col matrix, above diagonal `offset`."""
    _check_rows_cols(row, col)
    r, c = np.triu_indices(row, offset, col)
    return _make(np.stack([r, c]).astype((dtype or _dtype.int64).np))


def complex(real, imag):
    """A complex tensor from real and imaginary parts."""
    from .math import add, mul
    return add(real.to(real.dtype.to_complex()), mul(imag.to(imag.dtype.to_complex()), 1j))


def polar(abs, angle):
    """A complex tensor abs * (cos(angle) + i sin(angle))."""
    return complex(abs * angle.cos(), abs * angle.sin())
