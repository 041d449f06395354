"""Shape, joining, slicing and indexing functions with torch's signatures (composed over prims.shape)."""
import builtins
import math

import numpy as np

from .. import _dtype
from .._tensor import Tensor, _make, _wrap_dim, Size
from ..prims import shape as S
from .math import _out

__all__ = ["reshape", "view", "permute", "transpose", "swapaxes", "swapdims", "movedim", "moveaxis", "t", "adjoint",
           "expand", "expand_as", "broadcast_to", "broadcast_tensors", "broadcast_shapes", "squeeze", "unsqueeze",
           "flatten", "unflatten", "ravel", "cat", "concat", "concatenate", "stack", "hstack", "vstack", "dstack",
           "column_stack", "split", "tensor_split", "chunk", "unbind", "narrow", "select", "gather", "scatter",
           "scatter_add", "scatter_reduce", "index_select", "index_add", "index_copy", "index_fill", "masked_select",
           "masked_scatter", "take", "take_along_dim", "tril", "triu", "diagonal", "diag_embed", "diag",
           "diagonal_scatter", "diagflat", "flip", "fliplr", "flipud", "roll", "rot90", "repeat_interleave", "tile",
           "nonzero", "argwhere", "meshgrid", "atleast_1d", "atleast_2d", "atleast_3d", "trace", "block_diag",
           "cartesian_prod", "combinations", "unique", "unique_consecutive", "searchsorted", "bucketize", "bincount",
           "histc", "cross", "kron", "outer", "ger", "vander", "cdist", "tensordot",
           "slice_scatter", "select_scatter", "index_put", "rot90", "narrow_copy", "cumulative_trapezoid", "trapezoid",
           "diff", "renorm", "repeat", "split_with_sizes", "hsplit", "vsplit", "dsplit", "row_stack",
           "unravel_index", "index_reduce", "put"]


def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list, Size)):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)


def _infer_shape(shape, numel):
    shape = list(shape)
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = 1
    for s in shape:
        if s != -1:
            if s < 0:
                raise RuntimeError(f"invalid shape dimension {s}")
            known *= s
    if neg:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape[neg[0]] = numel // known
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return tuple(shape)


def reshape(input, *shape):
    """A tensor with the same data in `shape` (a view when possible; one dim may be -1)."""
    shape = _infer_shape(_shape_arg(shape), input._data.size)
    if shape == input._data.shape:
        return S.reshape(input, shape=shape) if input._rg else _alias(input)
    return S.reshape(input, shape=shape)


def _alias(input):
    t = S.reshape(input, shape=input._data.shape)
    return t


def view(input, *shape):
    """Like reshape, but only when no copy is needed (torch's stride rules); a dtype argument reinterprets bits."""
    if len(shape) == 1 and isinstance(shape[0], _dtype.dtype):
        return _make(input._data.view(shape[0].np))
    shape = _infer_shape(_shape_arg(shape), input._data.size)
    try:
        np.reshape(input._data, shape, copy=False)
    except (ValueError, AttributeError):
        raise RuntimeError("view size is not compatible with input tensor's size and stride (at least one dimension "
                           "spans across two contiguous subspaces). Use .reshape(...) instead.") from None
    return S.reshape(input, shape=shape)


def permute(input, *dims):
    """A view with the dimensions reordered as `dims`."""
    dims = _shape_arg(dims)
    if len(dims) != input.ndim:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
                           f"length of the desired ordering of dimensions i.e. input.dim() = {input.ndim} is not "
                           f"equal to len(dims) = {len(dims)}")
    dims = tuple(_wrap_dim(d, input.ndim) for d in dims)
    if len(set(dims)) != len(dims):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return S.permute(input, dims=dims)


def transpose(input, dim0, dim1):
    """A view with dimensions `dim0` and `dim1` swapped."""
    n = input.ndim
    if n == 0:
        return _alias(input)
    dim0, dim1 = _wrap_dim(dim0, n), _wrap_dim(dim1, n)
    dims = list(range(n))
    dims[dim0], dims[dim1] = dims[dim1], dims[dim0]
    return S.permute(input, dims=tuple(dims))


swapaxes = swapdims = transpose


def t(input):
    """Transpose of a matrix (0-d and 1-d tensors are returned as they are)."""
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    return transpose(input, 0, 1) if input.ndim == 2 else _alias(input)


def adjoint(input):
    """The conjugate transpose of the last two dimensions (a view for real tensors)."""
    return transpose(input, -2, -1).conj()


def movedim(input, source, destination):
    """A view with the dims in `source` moved to the positions in `destination`, the rest keeping their order."""
    n = input.ndim
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({src} dims) should contain the same "
                           f"number of dims as destination ({dst} dims)")
    src = [_wrap_dim(s, n) for s in src]
    dst = [_wrap_dim(d, n) for d in dst]
    if len(set(src)) != len(src):
        raise RuntimeError(f"movedim: repeated dim in `source` "
                           f"({list(source) if not isinstance(source, int) else source})")
    if len(set(dst)) != len(dst):
        raise RuntimeError(f"movedim: repeated dim in `destination` "
                           f"({list(destination) if not isinstance(destination, int) else destination})")
    order = [d for d in range(n) if d not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return S.permute(input, dims=tuple(order))


moveaxis = movedim


def expand(input, *sizes):
    """A broadcast view to `sizes` (-1 keeps a dim); new dims are prepended."""
    if not sizes:
        raise TypeError('expand() missing 1 required positional arguments: "size"')
    sizes = _shape_arg(sizes)
    n = len(sizes)
    if n < input.ndim:
        raise RuntimeError(f"expand(torch.FloatTensor{{{list(input.shape)}}}, size={list(sizes)}): the number of "
                           f"sizes provided ({n}) must be greater or equal to the number of dimensions in the tensor "
                           f"({input.ndim})")
    shape = list(sizes)
    lead = n - input.ndim
    for i, s in enumerate(input.shape):
        want = sizes[lead + i]
        if want == -1:
            shape[lead + i] = s
        elif s != 1 and s != want:
            raise RuntimeError(f"The expanded size of the tensor ({want}) must match the existing size ({s}) at "
                               f"non-singleton dimension {lead + i}.  Target sizes: {list(sizes)}.  Tensor sizes: "
                               f"{list(input.shape)}")
    for i in range(lead):
        if shape[i] < 0:
            raise RuntimeError(f"The expanded size of the tensor ({shape[i]}) isn't allowed in a leading, "
                               f"non-existing dimension {i}")
    shape = tuple(shape)
    if shape == input._data.shape:
        return _alias(input)
    return S.expand(input, shape=shape)


def expand_as(input, other):
    """`input` broadcast (as a view) to the shape of `other`."""
    return expand(input, other.shape)


def broadcast_shapes(*shapes):
    """The broadcast of several shapes, or RuntimeError naming the mismatch."""
    res = []
    for shape in shapes:
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        for i in range(1, len(shape) + 1):
            s = shape[-i]
            if i > len(res):
                res.insert(0, s)
            elif res[-i] == 1:
                res[-i] = s
            elif s != 1 and s != res[-i]:
                raise RuntimeError(f"Shape mismatch: objects cannot be broadcast to a single shape.  Mismatch is "
                                   f"between arg 0 and arg 1.")
    return Size(res)


def broadcast_to(input, size):
    """`input` broadcast (as a view) to `size`."""
    return expand(input, size)


def broadcast_tensors(*tensors):
    """The tensors broadcast against each other (views)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    shape = broadcast_shapes(*(t.shape for t in tensors))
    return tuple(expand(t, shape) for t in tensors)


def squeeze(input, dim=None):
    """A view without size-1 dimensions (all of them, or those among `dim`)."""
    shape = input.shape
    if dim is None:
        new = tuple(s for s in shape if s != 1)
    else:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        dims = {_wrap_dim(d, input.ndim) for d in dims} if input.ndim else set()
        new = tuple(s for i, s in enumerate(shape) if not (i in dims and s == 1))
    return S.reshape(input, shape=new)


def unsqueeze(input, dim):
    """A view with a new size-1 dimension at `dim`."""
    n = input.ndim + 1
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    dim %= n
    shape = input.shape
    return S.reshape(input, shape=tuple(shape[:dim]) + (1,) + tuple(shape[dim:]))


def flatten(input, start_dim=0, end_dim=-1):
    """Dimensions `start_dim`..`end_dim` merged into one (a view when the strides allow)."""
    if input.ndim == 0:
        return S.reshape(input, shape=(1,))
    s, e = _wrap_dim(start_dim, input.ndim), _wrap_dim(end_dim, input.ndim)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    shape = input.shape
    return reshape(input, tuple(shape[:s]) + (math.prod(shape[s:e + 1]),) + tuple(shape[e + 1:]))


def ravel(input):
    """The elements as a 1-d tensor, in row-major order."""
    return reshape(input, -1)


def unflatten(input, dim, sizes):
    """Dimension `dim` split into `sizes` (one entry may be -1)."""
    dim = _wrap_dim(dim, input.ndim)
    shape = input.shape
    sizes = _infer_shape(tuple(sizes), shape[dim])
    return S.reshape(input, shape=tuple(shape[:dim]) + sizes + tuple(shape[dim + 1:]))


def cat(tensors, dim=0, *, out=None):
    """Concatenate along `dim`; 1-D empty tensors are skipped as in torch."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for i, tt in enumerate(tensors):
        if tt.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    kept = [tt for tt in tensors if not (tt.ndim == 1 and tt.shape[0] == 0)] or tensors[:1]
    ref = kept[0]
    dim = _wrap_dim(dim, ref.ndim)
    for i, tt in enumerate(tensors):
        if tt.ndim == 1 and tt.shape[0] == 0:
            continue
        if tt.ndim != ref.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ref.ndim} and {tt.ndim}")
        for d in range(ref.ndim):
            if d != dim and tt.shape[d] != ref.shape[d]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {dim}. Expected size "
                                   f"{ref.shape[d]} but got size {tt.shape[d]} for tensor number {i} in the list.")
    return _out(S.cat(*tensors, dim=dim), out)


concat = concatenate = cat


def stack(tensors, dim=0, *, out=None):
    """Tensors of equal shape joined along a new dimension `dim`."""
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    for i, tt in enumerate(tensors):
        if tt.shape != tensors[0].shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(tensors[0].shape)} at "
                               f"entry 0 and {list(tt.shape)} at entry {i}")
    n = tensors[0].ndim + 1
    dim = _wrap_dim(dim, n)
    return cat([unsqueeze(tt, dim) for tt in tensors], dim, out=out)


def hstack(tensors, *, out=None):
    """Concatenation along the first dimension of 1-d inputs, the second otherwise."""
    tensors = atleast_1d(*tensors) if len(tensors) > 1 else (atleast_1d(tensors[0]),)
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1, out=out)


def vstack(tensors, *, out=None):
    """Concatenation along the first dimension after promoting inputs to at least 2-d."""
    return cat([atleast_2d(tt) for tt in tensors], 0, out=out)


def dstack(tensors, *, out=None):
    """Concatenation along the third dimension after promoting inputs to at least 3-d."""
    return cat([atleast_3d(tt) for tt in tensors], 2, out=out)


def column_stack(tensors, *, out=None):
    """1-d inputs as columns, next to the columns of 2-d inputs."""
    return hstack([tt.reshape(-1, 1) if tt.ndim <= 1 else tt for tt in tensors], out=out)


def narrow(input, dim, start, length):
    """A view of `length` elements of `dim` starting at `start`."""
    dim = _wrap_dim(dim, input.ndim)
    start = int(start)
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if start < 0:
        start += input.shape[dim]
    if start < 0 or start + length > input.shape[dim]:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({input.shape[dim]}).")
    return S.index(input, idx=(slice(None),) * dim + (slice(start, start + length),))


narrow_copy = lambda input, dim, start, length: narrow(input, dim, start, length).clone()  # noqa: E731


def select(input, dim, index):
    """A view at position `index` of `dim` (that dimension removed)."""
    dim = _wrap_dim(dim, input.ndim)
    n = input.shape[dim]
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(input.shape)} at "
                         f"dimension {dim}")
    return S.index(input, idx=(slice(None),) * dim + (index % n,))


def split(tensor, split_size_or_sections, dim=0):
    """Views of `dim` cut into pieces of `split_size_or_sections` (an int, or a list of sizes)."""
    dim = _wrap_dim(dim, tensor.ndim)
    n = tensor.shape[dim]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        if step <= 0 and n:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
        sizes = [builtins.min(step, n - s) for s in range(0, n, step)] if n else [0]
    else:
        sizes = list(split_size_or_sections)
        if builtins.sum(sizes) != n:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at "
                               f"dimension {dim}), but got split_sizes={sizes}")
    res, start = [], 0
    for s in sizes:
        res.append(narrow(tensor, dim, start, s))
        start += s
    return tuple(res)


def tensor_split(input, indices_or_sections, dim=0):
    """Views of `dim` cut into a number of near-equal sections, or at the given indices."""
    dim = _wrap_dim(dim, input.ndim)
    n = input.shape[dim]
    if isinstance(indices_or_sections, Tensor) and indices_or_sections.ndim == 0:
        indices_or_sections = int(indices_or_sections)
    if isinstance(indices_or_sections, int):
        k = indices_or_sections
        if k <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {k}")
        q, r = divmod(n, k)
        sizes = [q + 1] * r + [q] * (k - r)
        bounds = np.cumsum([0] + sizes)
    else:
        idx = [builtins.min(builtins.max(int(i), 0), n) for i in indices_or_sections]
        bounds = [0] + idx + [n]
    return tuple(narrow(input, dim, int(a), builtins.max(int(b) - int(a), 0)) for a, b in zip(bounds[:-1], bounds[1:]))


def chunk(input, chunks, dim=0):
    """Views of `dim` cut into at most `chunks` pieces of equal size (the last may be smaller)."""
    if chunks <= 0:
        raise RuntimeError("chunk expects `chunks` to be greater than 0, got: " + str(chunks))
    dim = _wrap_dim(dim, input.ndim)
    n = input.shape[dim]
    if n == 0:
        return tuple(narrow(input, dim, 0, 0) for _ in range(chunks))
    step = -(-n // chunks)
    return split(input, step, dim)


def unbind(input, dim=0):
    """All slices along `dim`, as a tuple of views."""
    dim = _wrap_dim(dim, input.ndim)
    return tuple(select(input, dim, i) for i in range(input.shape[dim]))


def _index_arr(index, name="index"):
    if not isinstance(index, Tensor):
        index = _make(np.asarray(index, np.int64))
    if index._data.dtype.kind not in "iu":
        raise RuntimeError(f"{name}(): Expected dtype int64 for index")
    return index._data


def gather(input, dim, index, *, sparse_grad=False, out=None):
    """out[i][j][k] = input[index[i][j][k]][j][k] (for dim 0), and likewise for other dims."""
    idx = _index_arr(index, "gather")
    dim = _wrap_dim(dim, builtins.max(input.ndim, 1))
    n = input.shape[dim] if input.ndim else 1
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = idx.min() if idx.min() < 0 else idx.max()
        raise RuntimeError(f"index {int(bad)} is out of bounds for dimension {dim} with size {n}")
    return _out(S.gather(input, idx, dim=dim), out)


def take_along_dim(input, indices, dim=None, *, out=None):
    """Values of input at `indices` along `dim` (negative indices count from the end; shapes broadcast)."""
    if dim is None:
        input, indices, dim = input.reshape(-1), indices.reshape(-1), 0
    dim = _wrap_dim(dim, input.ndim)
    idx = _index_arr(indices, "take_along_dim")
    if idx.size and idx.min() < 0:
        indices = _make(np.where(idx < 0, idx + input.shape[dim], idx))
    if input.ndim != indices.ndim:
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same number of dimensions, "
                           f"but got {input.ndim} dimensions for input, and {indices.ndim} dimensions for indices")
    a, b = list(input.shape), list(indices.shape)
    a[dim] = b[dim] = 1
    shape = list(broadcast_shapes(a, b))
    shape_in, shape_idx = list(shape), list(shape)
    shape_in[dim], shape_idx[dim] = input.shape[dim], indices.shape[dim]
    return gather(expand(input, shape_in), dim, expand(indices, shape_idx), out=out)


def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    """Writes src (or a scalar value) into a copy of input at index along dim."""
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter() needs a src tensor or a value")
    if isinstance(src, Tensor) and src.ndim == 0 and src.dtype is not input.dtype:
        src = src.item()
    dim = _wrap_dim(dim, builtins.max(input.ndim, 1))
    idx = _index_arr(index, "scatter")
    if isinstance(src, Tensor):
        _check_scatter(input, idx, src, dim, "scatter")
        src = src.to(input.dtype)
    else:
        _check_scatter(input, idx, None, dim, "scatter")
    if reduce is None:
        return S.scatter(input, idx, src, dim=dim)
    if reduce not in ("add", "multiply"):
        raise RuntimeError(f"reduce argument must be either add or multiply, got {reduce}")
    if not isinstance(src, Tensor):
        src = _make(np.full(idx.shape, src, input.dtype.np))
    if reduce == "add":
        return S.scatter_add(input, idx, src, dim=dim)
    return S.scatter_reduce(input, idx, src, dim=dim, reduce="prod")


def _check_scatter(input, idx, src, dim, name):
    if idx.ndim != input.ndim and not (input.ndim == 0 and idx.ndim <= 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    if src is not None and src.ndim != idx.ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
    for d in range(idx.ndim):
        if d != dim and input.ndim and idx.shape[d] > input.shape[d]:
            raise RuntimeError(f"Expected index {list(idx.shape)} to be smaller than self {list(input.shape)} apart "
                               f"from dimension {dim}")
        if src is not None and idx.shape[d] > src.shape[d]:
            raise RuntimeError(f"Expected index {list(idx.shape)} to be smaller than self {list(input.shape)} apart "
                               f"from dimension {dim} and to be smaller size than src {list(src.shape)}")
    n = input.shape[dim] if input.ndim else 1
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = idx.max() if idx.max() >= n else idx.min()
        raise RuntimeError(f"index {int(bad)} is out of bounds for dimension {dim} with size {n}")


def scatter_add(input, dim, index, src):
    """A copy of input with `src` added at the positions `index` gives along `dim` (repeats accumulate)."""
    dim = _wrap_dim(dim, builtins.max(input.ndim, 1))
    idx = _index_arr(index, "scatter_add")
    _check_scatter(input, idx, src, dim, "scatter_add")
    return S.scatter_add(input, idx, src.to(input.dtype), dim=dim)


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """Reduce src into input at index along dim with "sum", "prod", "mean", "amax" or "amin"."""
    reduce = {"max": "amax", "min": "amin"}.get(reduce, reduce)
    if reduce not in ("sum", "prod", "mean", "amax", "amin"):
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    dim = _wrap_dim(dim, builtins.max(input.ndim, 1))
    idx = _index_arr(index, "scatter_reduce")
    _check_scatter(input, idx, src, dim, "scatter_reduce")
    src = src.to(input.dtype)
    if reduce in ("sum", "mean"):
        base = input if include_self else S.scatter(input, idx, 0, dim=dim)
        total = S.scatter_add(base, idx, src, dim=dim)
        if reduce == "sum":
            return total
        ones = _make(np.ones(idx.shape, input.dtype.np))
        start = np.ones if include_self else np.zeros
        cnt = S.scatter_add(_make(start(input.shape, input.dtype.np)), idx, ones, dim=dim).clamp_min(1)
        return total / cnt if input.is_floating_point() or input.is_complex() else total.div(cnt, rounding_mode="floor")
    return S.scatter_reduce(input, idx, src, dim=dim, reduce=reduce, include_self=include_self)


def index_reduce(input, dim, index, source, reduce, *, include_self=True):
    """A copy of input whose slices of `dim` listed in `index` are reduced ("prod", "mean", "amax", "amin") with
    the matching slices of `source` (a scatter_reduce with the index broadcast over the other dims)."""
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got {reduce}.")
    dim = _wrap_dim(dim, builtins.max(input.ndim, 1))
    idx = _index_arr(index, "index_reduce")
    if idx.ndim > 1:
        raise IndexError("index_reduce_(): Index is supposed to be a vector")
    if source.ndim and source.shape[dim] != idx.size:
        raise RuntimeError("index_reduce_(): Number of indices should be equal to source.size(dim)")
    view = [1] * builtins.max(source.ndim, 1)
    view[dim] = idx.size
    full = np.broadcast_to(idx.reshape(view), source.shape).copy()
    return scatter_reduce(input, dim, _make(full), source, reduce, include_self=include_self)


def put(input, index, source, accumulate=False):
    """A copy of input with the elements at flat positions `index` set to (or, with `accumulate`, increased by)
    `source`."""
    idx = _index_arr(index, "put").reshape(-1)
    n = input.numel()
    if idx.size and (idx.min() < -n or idx.max() >= n):
        bad = idx.max() if idx.max() >= n else idx.min()
        raise IndexError(f"out of range: tried to access index {int(bad)} on a tensor of {n} elements.")
    if source.numel() != idx.size:
        raise RuntimeError(f"put_(): Expected source and index to have the same number of elements, but got "
                           f"source.numel() = {source.numel()}, index.numel() = {idx.size}")
    flat = S.index_put(input.reshape(-1), source.reshape(-1).to(input.dtype), idx=(idx,), accumulate=accumulate)
    return flat.reshape(input.shape)


def index_select(input, dim, index, *, out=None):
    """The slices of `dim` listed in `index` (a 1-d integer tensor)."""
    idx = _index_arr(index, "index_select")
    if idx.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    if input.ndim == 0:
        return _out(S.index(input, idx=()) if idx.size else input, out)
    return _out(S.index_select(input, idx.reshape(-1), dim=_wrap_dim(dim, input.ndim)), out)


def index_add(input, dim, index, source, *, alpha=1):
    """A copy of input with `alpha * source` added to the slices of `dim` listed in `index`."""
    return S.index_add(input, _index_arr(index, "index_add"), source, dim=_wrap_dim(dim, input.ndim), alpha=alpha)


def index_copy(input, dim, index, source):
    """A copy of input with the slices of `dim` listed in `index` replaced by those of `source`."""
    dim = _wrap_dim(dim, input.ndim)
    for d in range(input.ndim):
        if d != dim and source.ndim == input.ndim and source.shape[d] != input.shape[d]:
            raise RuntimeError(f"index_copy_(): Source/destination tensor must have same slice shapes. Destination "
                               f"slice shape: {input.shape[d]} at dimension {d} and source slice shape: "
                               f"{source.shape[d]} at dimension {d}.")
    idx = (slice(None),) * dim + (_index_arr(index),)
    return S.index_put(input, source, idx=idx)


def index_fill(input, dim, index, value):
    """A copy of input with the slices of `dim` listed in `index` set to `value`."""
    dim = _wrap_dim(dim, input.ndim)
    idx = (slice(None),) * dim + (_index_arr(index),)
    return S.index_put(input, value, idx=idx)


def index_put(input, indices, values, accumulate=False):
    """A copy of input with ``input[indices] = values`` (or ``+=`` when `accumulate`)."""
    idx = tuple(i._data if isinstance(i, Tensor) else i for i in indices)
    if not isinstance(values, Tensor):
        values = _make(np.asarray(values, input.dtype.np))
    return S.index_put(input, values.to(input.dtype), idx=idx, accumulate=accumulate)


def masked_select(input, mask, *, out=None):
    """The elements where the (broadcast) `mask` is True, as a 1-d tensor."""
    input, mask = broadcast_tensors(input, mask)
    return _out(S.index(input, idx=(mask._data,)), out)


def masked_scatter(input, mask, source):
    """A copy of input whose elements where `mask` is True take the leading values of `source`."""
    m = np.broadcast_to(mask._data, input.shape)
    n = int(m.sum())
    vals = source.reshape(-1)[:n]
    return S.index_put(input, vals, idx=(m,))


def take(input, index):
    """Elements of input, seen as 1-d, at the positions in `index`."""
    return S.index(input.reshape(-1), idx=(_index_arr(index),))


def tril(input, diagonal=0, *, out=None):
    """The lower triangle (on and below diagonal `diagonal`) of the last two dims; the rest is zero."""
    if input.ndim < 2:
        raise RuntimeError("tril: input tensor must have at least 2 dimensions")
    return _out(S.tril(input, diagonal=diagonal), out)


def triu(input, diagonal=0, *, out=None):
    """The upper triangle (on and above diagonal `diagonal`) of the last two dims; the rest is zero."""
    if input.ndim < 2:
        raise RuntimeError("triu: input tensor must have at least 2 dimensions")
    return _out(S.triu(input, diagonal=diagonal), out)


def diagonal(input, offset=0, dim1=0, dim2=1):
    """A view of the diagonal at `offset` of dims `dim1`, `dim2`, appended as the last dimension."""
    n = input.ndim
    dim1, dim2 = _wrap_dim(dim1, n), _wrap_dim(dim2, n)
    if dim1 == dim2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return S.diagonal(input, offset=offset, dim1=dim1, dim2=dim2)


def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    """A copy of input whose diagonal (as in `diagonal`) is replaced by `src`."""
    n = input.ndim
    return S.diagonal_scatter(input, src, offset=offset, dim1=_wrap_dim(dim1, n), dim2=_wrap_dim(dim2, n))


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """Tensors whose (dim1, dim2) diagonals at `offset` hold the last dim of input."""
    n = input.shape[-1] + builtins.abs(offset)
    out_ndim = input.ndim + 1
    d1, d2 = _wrap_dim(dim1, out_ndim), _wrap_dim(dim2, out_ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    batch = list(input.shape[:-1])
    shape = []
    bi = iter(batch)
    for i in range(out_ndim):
        shape.append(n if i in (d1, d2) else next(bi))
    z = input.new_zeros(tuple(shape))
    return S.diagonal_scatter(z, input, offset=offset, dim1=d1, dim2=d2)


def diag(input, diagonal=0, *, out=None):
    """A square matrix with a 1-d input on diagonal `diagonal`, or that diagonal of a 2-d input."""
    if input.ndim == 1:
        return _out(diag_embed(input, diagonal, 0, 1), out)
    if input.ndim == 2:
        return _out(S.diagonal(input, offset=diagonal, dim1=0, dim2=1).clone(), out)
    raise RuntimeError("diag(): Supports 1D or 2D tensors. Got " + f"{input.ndim}D")


def diagflat(input, offset=0):
    """A square matrix with the flattened input on diagonal `offset`."""
    return diag(input.reshape(-1), offset)


def trace(input):
    """Sum of the main diagonal of a matrix."""
    if input.ndim != 2:
        raise RuntimeError("trace: expected a matrix")
    return S.diagonal(input, offset=0, dim1=0, dim2=1).sum()


def flip(input, *dims):
    """A copy with the order of elements reversed along `dims`."""
    dims = _shape_arg(dims)
    dims = tuple(_wrap_dim(d, input.ndim) for d in dims)
    return S.flip(input, dims=dims) if dims and input.ndim else input.clone()


def fliplr(input):
    """Columns (dim 1) in reverse order."""
    if input.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, (1,))


def flipud(input):
    """Rows (dim 0) in reverse order."""
    if input.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, (0,))


def roll(input, shifts, dims=None):
    """Elements shifted cyclically by `shifts` along `dims` (along the flattened tensor when `dims` is None)."""
    if dims is None:
        return roll(input.reshape(-1), shifts, 0).reshape(input.shape)
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    return S.roll(input, shifts=shifts, dims=tuple(_wrap_dim(d, input.ndim) for d in dims))


def rot90(input, k=1, dims=(0, 1)):
    """Rotation by 90 degrees `k` times in the plane of `dims` (from the first towards the second)."""
    k %= 4
    d0, d1 = dims
    if k == 1:
        return transpose(flip(input, (d1,)), d0, d1)
    if k == 2:
        return flip(input, (d0, d1))
    if k == 3:
        return flip(transpose(input, d0, d1), (d1,))
    return input.clone()


def repeat(input, *sizes):
    """Tile input `sizes` times along each dim (expand + reshape, so its gradient is a sum)."""
    if not sizes:
        raise TypeError('repeat() missing 1 required positional arguments: "repeats"')
    sizes = _shape_arg(sizes)
    if len(sizes) < input.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of "
                           "tensor")
    x = input.reshape((1,) * (len(sizes) - input.ndim) + tuple(input.shape))
    inter = []
    target = []
    for r, s in zip(sizes, x.shape):
        inter += [1, s]
        target += [r, s]
    y = expand(x.reshape(tuple(inter)), tuple(target))
    return y.reshape(tuple(r * s for r, s in zip(sizes, x.shape)))


def tile(input, dims):
    """Input repeated `dims` times along each dimension (leading ones added to `dims` as needed)."""
    dims = tuple(dims)
    if len(dims) < input.ndim:
        dims = (1,) * (input.ndim - len(dims)) + dims
    return repeat(input, dims)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Each element (or slice of `dim`) repeated `repeats` times in place."""
    if repeats is None:  # repeat_interleave(repeats): indices
        r = input._data
        return _make(np.repeat(np.arange(len(r)), r).astype(np.int64))
    if dim is None:
        input, dim = input.reshape(-1), 0
    dim = _wrap_dim(dim, input.ndim)
    rep = repeats._data if isinstance(repeats, Tensor) else repeats
    idx = np.repeat(np.arange(input.shape[dim]), rep)
    return S.index_select(input, idx, dim=dim)


def nonzero(input, *, as_tuple=False):
    """Indices of the non-zero elements: an (n, ndim) tensor, or a tuple of 1-d tensors when `as_tuple`."""
    if input.ndim == 0 and not as_tuple:
        return _make(np.zeros((1 if input._data.item() else 0, 0), np.int64))
    nz = np.nonzero(input._data if input.ndim else input._data.reshape(1))
    if as_tuple:
        return tuple(_make(a.astype(np.int64)) for a in nz)
    return _make(np.stack(nz, axis=-1).astype(np.int64) if nz else np.zeros((0, 0), np.int64))


def argwhere(input):
    """Indices of the non-zero elements as an (n, ndim) tensor."""
    return nonzero(input)


def meshgrid(*tensors, indexing="ij"):
    """Coordinate grids from 1-d tensors, with matrix ('ij') or Cartesian ('xy') indexing."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    n = len(tensors)
    shape = [tt.numel() for tt in tensors]
    if indexing == "xy" and n >= 2:
        shape[0], shape[1] = shape[1], shape[0]
    res = []
    for i, tt in enumerate(tensors):
        view_shape = [1] * n
        pos = i
        if indexing == "xy" and n >= 2 and i < 2:
            pos = 1 - i
        view_shape[pos] = -1
        res.append(expand(tt.reshape(view_shape), tuple(shape)))
    return tuple(res)


def atleast_1d(*tensors):
    """Inputs with size-1 dims added until each is at least 1-d."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return tuple(atleast_1d(tt) for tt in tensors[0])
    res = tuple(tt.reshape(1) if tt.ndim == 0 else tt for tt in tensors)
    return res[0] if len(res) == 1 else res


def atleast_2d(*tensors):
    """Inputs with size-1 dims added until each is at least 2-d."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return tuple(atleast_2d(tt) for tt in tensors[0])
    res = tuple(tt.reshape(1, -1) if tt.ndim < 2 else tt for tt in tensors)
    return res[0] if len(res) == 1 else res


def atleast_3d(*tensors):
    """Inputs with size-1 dims added until each is at least 3-d."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return tuple(atleast_3d(tt) for tt in tensors[0])
    def f(tt):
        if tt.ndim == 0:
            return tt.reshape(1, 1, 1)
        if tt.ndim == 1:
            return tt.reshape(1, -1, 1)
        if tt.ndim == 2:
            return tt.unsqueeze(-1)
        return tt
    res = tuple(f(tt) for tt in tensors)
    return res[0] if len(res) == 1 else res


def block_diag(*tensors):
    """A block-diagonal matrix made of the inputs (scalars and vectors count as one-row blocks)."""
    if not tensors:
        return _make(np.zeros((1, 0), _dtype._Default.dtype.np))
    mats = [tt.reshape(1, 1) if tt.ndim == 0 else (tt.reshape(1, -1) if tt.ndim == 1 else tt) for tt in tensors]
    rows = builtins.sum(m.shape[0] for m in mats)
    cols = builtins.sum(m.shape[1] for m in mats)
    dt = mats[0].dtype
    for m in mats[1:]:
        dt = _dtype.promote_types(dt, m.dtype)
    out = _make(np.zeros((rows, cols), dt.np))
    r = c = 0
    for m in mats:
        out = S.index_put(out, m.to(dt), idx=(slice(r, r + m.shape[0]), slice(c, c + m.shape[1])))
        r += m.shape[0]
        c += m.shape[1]
    return out


def cartesian_prod(*tensors):
    """All combinations of one element from each 1-d input, one per row."""
    grids = meshgrid(*tensors, indexing="ij")
    if len(tensors) == 1:
        return tensors[0]
    return stack([g.reshape(-1) for g in grids], 1)


def combinations(input, r=2, with_replacement=False):
    """All length-`r` combinations of the elements of a 1-d tensor, one per row."""
    import itertools
    n = input.shape[0]
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    combos = list(pick(range(n), r))
    if r == 0:
        return input.new_zeros((0,))
    if not combos:
        return input.new_zeros((0, r))
    idx = np.array(combos, np.int64)
    return stack([S.index(input, idx=(idx[:, k],)) for k in range(r)], 1)


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """Sorted distinct elements (or slices along `dim`), optionally with inverse indices and counts."""
    res = np.unique(input._data, return_inverse=return_inverse, return_counts=return_counts, axis=dim)
    if not isinstance(res, tuple):
        return _make(res)
    out = [_make(res[0])]
    k = 1
    if return_inverse:
        out.append(_make(res[k].reshape(input.shape if dim is None else -1).astype(np.int64)))
        k += 1
    if return_counts:
        out.append(_make(res[k].astype(np.int64)))
    return tuple(out)


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """Collapse runs of equal consecutive elements (or slices along `dim`)."""
    if dim is None:
        d = input._data.reshape(-1)
        axis = 0
    else:
        axis = _wrap_dim(dim, input.ndim)
        d = np.moveaxis(input._data, axis, 0)
    n = d.shape[0]
    if n == 0:
        change = np.zeros(0, bool)
    else:
        rest = (d[1:] != d[:-1]).reshape(n - 1, -1).any(axis=1) if d.ndim > 1 else d[1:] != d[:-1]
        change = np.concatenate([[True], rest])
    vals = d[change]
    if dim is not None:
        vals = np.moveaxis(vals, 0, axis)
    out = [_make(np.ascontiguousarray(vals))]
    if return_inverse:
        inv = np.cumsum(change) - 1
        out.append(_make(inv.reshape(input.shape if dim is None else (n,)).astype(np.int64)))
    if return_counts:
        pos = np.flatnonzero(change)
        out.append(_make(np.diff(np.append(pos, n)).astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, sorter=None):
    """Indices at which `input` would be inserted into the sorted innermost dim of `sorted_sequence`."""
    side = side or ("right" if right else "left")
    seq = sorted_sequence._data
    if sorter is not None:  # sort the sequence with the given permutation (along the last dim) first
        seq = np.take_along_axis(seq, sorter._data if isinstance(sorter, Tensor) else np.asarray(sorter), -1)
    vals = input._data if isinstance(input, Tensor) else np.asarray(input)
    if seq.ndim == 1:
        res = np.searchsorted(seq, vals, side=side)
    else:
        res = np.stack([np.searchsorted(s, v, side=side) for s, v in zip(seq.reshape(-1, seq.shape[-1]),
                                                                           vals.reshape(-1, vals.shape[-1]))])
        res = res.reshape(vals.shape)
    return _make(res.astype(np.int32 if out_int32 else np.int64))


def bucketize(input, boundaries, *, out_int32=False, right=False):
    """Index of the bucket of `boundaries` that each element of input falls into."""
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


def bincount(input, weights=None, minlength=0):
    """Occurrences of each non-negative integer in a 1-d input (summed `weights` when given)."""
    w = None if weights is None else weights._data
    res = np.bincount(input._data, w, minlength)
    if w is None:
        return _make(res.astype(np.int64))
    return _make(res.astype(np.float32 if w.dtype == np.float32 else np.float64))


def histc(input, bins=100, min=0, max=0):
    """Histogram of the elements in `bins` equal-width bins over [min, max] (data range when both are 0)."""
    d = input._data
    lo, hi = (min, max) if (min != 0 or max != 0) else (d.min(), d.max())
    h, _ = np.histogram(d, bins=bins, range=(lo, hi))
    return _make(h.astype(d.dtype))


def cross(input, other, dim=None, *, out=None):
    """Cross product of 3-vectors along `dim` (the first dim of size 3 when not given)."""
    if dim is None:
        dim = next(i for i, s in enumerate(broadcast_shapes(input.shape, other.shape)) if s == 3)
    a = [select(input, dim, i) for i in range(3)]
    b = [select(other, dim, i) for i in range(3)]
    return stack([a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]], dim, out=out)


def outer(input, vec2, *, out=None):
    """Outer product of two 1-d tensors."""
    return _out(input.unsqueeze(-1) * vec2.unsqueeze(0), out)


ger = outer


def kron(input, other, *, out=None):
    """Kronecker product."""
    a, b = input, other
    n = builtins.max(a.ndim, b.ndim)
    a = a.reshape((1,) * (n - a.ndim) + tuple(a.shape))
    b = b.reshape((1,) * (n - b.ndim) + tuple(b.shape))
    inter_a, inter_b = [], []
    for sa, sb in zip(a.shape, b.shape):
        inter_a += [sa, 1]
        inter_b += [1, sb]
    return _out((a.reshape(inter_a) * b.reshape(inter_b)).reshape(tuple(sa * sb for sa, sb in zip(a.shape, b.shape))),
                out)


def vander(x, N=None, increasing=False):
    """Vandermonde matrix: columns are powers of `x` (decreasing unless `increasing`)."""
    N = x.shape[0] if N is None else N
    from .creation import arange
    p = arange(N)
    if not increasing:
        p = p.flip(0)
    return x.unsqueeze(-1) ** p.to(x.dtype if x.is_floating_point() else p.dtype)


def cdist(x1, x2, p=2.0, compute_mode=None):
    """Pairwise p-norm distances between the rows of `x1` and of `x2` (batched)."""
    diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    return diff.norm(p, dim=-1)


def tensordot(a, b, dims=2, out=None):
    """Contraction of `a` and `b` over the last `dims` dims of `a` and first of `b`, or over given pairs."""
    if isinstance(dims, int):
        da = list(range(a.ndim - dims, a.ndim))
        db = list(range(dims))
    else:
        da, db = dims
        da = [da] if isinstance(da, int) else list(da)
        db = [db] if isinstance(db, int) else list(db)
    da = [_wrap_dim(d, a.ndim) for d in da]
    db = [_wrap_dim(d, b.ndim) for d in db]
    fa = [d for d in range(a.ndim) if d not in da]
    fb = [d for d in range(b.ndim) if d not in db]
    am = a.permute(fa + da).reshape(math.prod([a.shape[d] for d in fa]), -1)
    bm = b.permute(db + fb).reshape(-1, math.prod([b.shape[d] for d in fb]))
    return _out((am @ bm).reshape([a.shape[d] for d in fa] + [b.shape[d] for d in fb]), out)


def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    """A copy of input with the slice ``start:end:step`` of `dim` replaced by `src`."""
    dim = _wrap_dim(dim, input.ndim)
    return S.index_put(input, src, idx=(slice(None),) * dim + (slice(start, end, step),))


def select_scatter(input, src, dim, index):
    """A copy of input with position `index` of `dim` replaced by `src`."""
    dim = _wrap_dim(dim, input.ndim)
    return S.index_put(input, src, idx=(slice(None),) * dim + (index,))


def tensor_unfold(input, dimension, size, step):
    """Tensor.unfold: a view of all windows of `size` elements taken every `step` along `dimension`, the window
    as a new last dimension."""
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if input.ndim == 0:
        if size > 1:
            raise RuntimeError(f"maximum size for tensor at dimension 0 is 1 but size is {size}")
        return S.reshape(input, shape=(1,))
    dim = _wrap_dim(dimension, input.ndim)
    if size > input.shape[dim]:
        raise RuntimeError(f"maximum size for tensor at dimension {dim} is {input.shape[dim]} but size is {size}")
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    return S.unfold(input, dim=dim, size=int(size), step=int(step))


def split_with_sizes(input, split_sizes, dim=0):
    """Views of `dim` cut into pieces of the given sizes (which must add up to its length)."""
    return split(input, list(split_sizes), dim)


def _split_along(name, input, indices_or_sections, dim, min_ndim):
    if input.ndim < min_ndim:
        raise RuntimeError(f"torch.{name} requires a tensor with at least {min_ndim} dimension, but got a tensor "
                           f"with {input.ndim} dimensions!")
    if isinstance(indices_or_sections, int):
        n = input.shape[dim]
        if indices_or_sections == 0 or n % indices_or_sections:
            raise RuntimeError(f"torch.{name} attempted to split along dimension {dim}, but the size of the "
                               f"dimension {n} is not divisible by the split_size {indices_or_sections}!")
    return tensor_split(input, indices_or_sections, dim)


def hsplit(input, indices_or_sections):
    """Split along dim 1 (dim 0 for 1-d input) into equal sections or at the given indices."""
    return _split_along("hsplit", input, indices_or_sections, 0 if input.ndim == 1 else 1, 1)


def vsplit(input, indices_or_sections):
    """Split along dim 0 into equal sections or at the given indices (input at least 2-d)."""
    return _split_along("vsplit", input, indices_or_sections, 0, 2)


def dsplit(input, indices_or_sections):
    """Split along dim 2 into equal sections or at the given indices (input at least 3-d)."""
    return _split_along("dsplit", input, indices_or_sections, 2, 3)


def row_stack(tensors, *, out=None):
    """Alias of vstack."""
    return vstack(tensors, out=out)


def unravel_index(indices, shape):
    """Coordinates in a tensor of `shape` of flat (row-major) `indices`, one integer tensor per dimension."""
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    idx = indices._data if isinstance(indices, Tensor) else np.asarray(indices)
    if idx.dtype.kind not in "iu":
        raise TypeError("expected 'indices' to be integer dtype, but got " + str(idx.dtype))
    total = math.prod(shape)
    if idx.size and (idx.min() < -total or idx.max() >= total):
        raise RuntimeError("'indices' must be in range [-prod(shape), prod(shape) - 1]")
    return tuple(_make(c.astype(np.int64)) for c in np.unravel_index(np.where(idx < 0, idx + total, idx), shape))


def diff(input, n=1, dim=-1, prepend=None, append=None):
    """The n-th forward difference along `dim` (with optional `prepend` / `append`)."""
    if prepend is not None or append is not None:
        parts = ([prepend] if prepend is not None else []) + [input] + ([append] if append is not None else [])
        input = cat(parts, dim)
    dim = _wrap_dim(dim, input.ndim)
    for _ in range(n):
        m = input.shape[dim]
        if m == 0:
            break
        a, b = narrow(input, dim, 1, m - 1), narrow(input, dim, 0, m - 1)
        input = a.logical_xor(b) if input.dtype is _dtype.bool else a - b
    return input


def trapezoid(y, x=None, *, dx=None, dim=-1):
    """Trapezoid-rule integral along `dim`, with sample points `x` or spacing `dx`."""
    dim = _wrap_dim(dim, y.ndim)
    m = y.shape[dim]
    avg = (narrow(y, dim, 1, m - 1) + narrow(y, dim, 0, m - 1)) / 2
    if x is not None:
        return (avg * diff(x, dim=-1 if x.ndim == 1 else dim)).sum(dim)
    return avg.sum(dim) * (1.0 if dx is None else dx)


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """Running trapezoid-rule integral along `dim`."""
    dim = _wrap_dim(dim, y.ndim)
    m = y.shape[dim]
    avg = (narrow(y, dim, 1, m - 1) + narrow(y, dim, 0, m - 1)) / 2
    if x is not None:
        avg = avg * diff(x, dim=-1 if x.ndim == 1 else dim)
    elif dx is not None:
        avg = avg * dx
    return avg.cumsum(dim)


def renorm(input, p, dim, maxnorm):
    """Input with each slice along `dim` rescaled so that its p-norm is at most `maxnorm`."""
    dims = [d for d in range(input.ndim) if d != _wrap_dim(dim, input.ndim)]
    norms = input.norm(p, dim=dims, keepdim=True)
    scale = (maxnorm / (norms + 1e-7)).clamp_max(1.0)
    return input * scale
