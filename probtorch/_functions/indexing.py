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
        return d
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


def normalize_index(shape, idx):
    """A tuple numpy understands with torch's meaning (bounds checked with torch's IndexError)."""
    if not isinstance(idx, tuple) or (isinstance(idx, tuple) and False):
        idx = (idx,)
    idx = tuple(_convert(i) for i in idx)
    # bounds check integer indices against their dimension (numpy would too, with a different message)
    dim = 0
    n_consumed = sum(1 if not (i is None or i is Ellipsis) else 0 for i in idx)
    n_consumed = sum(i.ndim if isinstance(i, np.ndarray) and i.dtype.kind == "b" else (0 if i is None or i is Ellipsis
                     else 1) for i in idx)
    if n_consumed > len(shape):
        raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
    for i in idx:
        if i is Ellipsis:
            dim = len(shape) - sum(1 for j in idx[idx.index(Ellipsis) + 1:] if j is not None and j is not Ellipsis
                                   and not (isinstance(j, np.ndarray) and j.dtype.kind == "b" and j.ndim != 1))
            continue
        if i is None:
            continue
        if isinstance(i, int):
            if not -shape[dim] <= i < shape[dim]:
                raise IndexError(f"index {i} is out of bounds for dimension {dim} with size {shape[dim]}")
            dim += 1
        elif isinstance(i, np.ndarray) and i.dtype.kind == "b":
            dim += max(i.ndim, 1)
        elif isinstance(i, np.ndarray):
            if i.size and (i.max() >= shape[dim] or i.min() < -shape[dim]):
                bad = i.max() if i.max() >= shape[dim] else i.min()
                raise IndexError(f"index {bad} is out of bounds for dimension {dim} with size {shape[dim]}")
            dim += 1
        else:
            dim += 1
    return idx


def getitem(t, idx):
    return S.index(t, idx=normalize_index(t.shape, idx))
