"""Tensor indexing: normalizing torch index expressions to numpy ones, getitem and setitem."""
import numpy as np

from .._tensor import Tensor, _make
from ..prims import shape as S

__all__ = ["normalize_index", "getitem", "setitem_value"]


def _convert(i):
    if isinstance(i, Tensor):
        d = i._data
        if d.dtype.kind == "b":
            return d
        if d.dtype.kind not in "iu":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        return int(d) if d.ndim == 0 else d  # a 0-d integer tensor selects, like an int (the result is a view)
    if isinstance(i, (list, tuple)) and not isinstance(i, str):
        arr = np.asarray([x._data if isinstance(x, Tensor) else x for x in i])
        if arr.dtype.kind not in "iub":
            if arr.size == 0:
                return arr.astype(np.int64)
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        return arr
    if isinstance(i, np.ndarray):
        return i
    if isinstance(i, (bool, np.bool_)):
        return np.asarray(i)
    if isinstance(i, (int, np.integer)):
        return int(i)
    if i is None or i is Ellipsis or isinstance(i, slice):
        if isinstance(i, slice) and any(isinstance(v, Tensor) for v in (i.start, i.stop, i.step)):
            return slice(*(int(v) if isinstance(v, Tensor) else v for v in (i.start, i.stop, i.step)))
        if isinstance(i, slice) and i.step is not None and i.step <= 0:
            raise ValueError("step must be greater than zero")
        return i
    raise IndexError(f"only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid "
                     f"indices (got {type(i).__name__})")


def _consumed(i):
    """How many dims of the indexed tensor an (already converted) index element uses."""
    if i is None or i is Ellipsis:
        return 0
    if isinstance(i, np.ndarray) and i.dtype.kind == "b":
        return i.ndim
    return 1


def normalize_index(shape, idx):
    """A tuple numpy understands with torch's meaning (bounds checked with torch's IndexError)."""
    if not isinstance(idx, tuple):
        idx = (idx,)
    idx = tuple(_convert(i) for i in idx)
    ellipses = [k for k, i in enumerate(idx) if i is Ellipsis]
    if len(ellipses) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    n_consumed = sum(_consumed(i) for i in idx)
    if n_consumed > len(shape):
        raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
    # bounds check integer indices against their dimension (numpy would too, with a different message)
    dim = 0
    for i in idx:
        if i is Ellipsis:
            dim += len(shape) - n_consumed
            continue
        if i is None:
            continue
        if isinstance(i, int):
            if not -shape[dim] <= i < shape[dim]:
                raise IndexError(f"index {i} is out of bounds for dimension {dim} with size {shape[dim]}")
        elif isinstance(i, np.ndarray) and i.dtype.kind == "b":
            for k, m in enumerate(i.shape):
                if m != shape[dim + k]:
                    raise IndexError(f"The shape of the mask {list(i.shape)} at index {k} does not match the shape "
                                     f"of the indexed tensor {list(shape)} at index {dim + k}")
        elif isinstance(i, np.ndarray):
            if i.size and (i.max() >= shape[dim] or i.min() < -shape[dim]):
                bad = i.max() if i.max() >= shape[dim] else i.min()
                raise IndexError(f"index {bad} is out of bounds for dimension {dim} with size {shape[dim]}")
        dim += _consumed(i)
    return idx


def is_basic(idx):
    """Only ints, slices, None and Ellipsis: indexing gives a view."""
    return all(i is None or i is Ellipsis or isinstance(i, (int, slice)) for i in idx)


def split_index(idx):
    """torch applies integer indices first (as selects) and only then the tensor indices, unlike numpy, where an
    int next to an array index takes part in the advanced indexing (and moves the result dims). For a normalized
    index mixing both, return (basic, advanced) so that ``x[idx]`` is ``x[basic][advanced]``; otherwise None."""
    has_int = has_arr = False
    for i in idx:
        if isinstance(i, int):
            has_int = True
        elif isinstance(i, np.ndarray) and i.ndim:
            has_arr = True
    if not (has_int and has_arr):
        return None
    basic, adv = [], []
    for i in idx:
        if isinstance(i, int):
            basic.append(i)
        elif isinstance(i, np.ndarray):
            if i.dtype.kind == "b" and i.ndim == 0:
                adv.append(i)
            else:
                basic += [slice(None)] * (i.ndim if i.dtype.kind == "b" else 1)
                adv.append(i)
        elif i is None:
            basic.append(None)
            adv.append(slice(None))
        else:
            basic.append(i)
            adv.append(Ellipsis if i is Ellipsis else slice(None))
    return tuple(basic), tuple(adv)


def getitem(t, idx):
    """``t[idx]`` with torch's meaning: a view for basic indices, a gradient-tracked copy for advanced ones."""
    nidx = normalize_index(t.shape, idx)
    two = split_index(nidx)
    if two is None:
        return S.index(t, idx=nidx)
    return S.index(S.index(t, idx=two[0]), idx=two[1])
