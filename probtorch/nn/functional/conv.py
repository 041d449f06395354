"""Convolutions (1-3 spatial dims, strided, dilated, grouped, transposed), conv_tbc, and unfold / fold.

A convolution is a bilinear map ``out = B(x, w)``. Three primitives compute the three contractions of the trilinear
form ``<g, B(x, w)>``, each from the other two operands:

    conv_forward(x, w)       -> out     (w times the im2col of x)
    conv_input_grad(g, w)    -> x-shape (w^T g, then col2im: the scatter-add of overlapping windows)
    conv_weight_grad(x, g)   -> w-shape (g times the transposed im2col of x)

The im2col is laid out [C, *kernel, N, *out] (the batch folded into the columns), so each is one large BLAS product
per group; col2im is a numba kernel (probtorch._kernels.conv) with a numpy fallback.

The derivative of each is again made of the three, so gradients of any order come from these rules alone; a
transposed convolution is `conv_input_grad` with the output size as its static parameter. unfold (im2col) and fold
(col2im) are a pair of linear primitives, each the other's adjoint.

The static parameters of the three primitives are tuples over spatial dims: ``stride``, ``padding`` (pairs
``(before, after)``, so 'same' can pad an even kernel asymmetrically as torch does), ``dilation`` and ``groups``.
"""
import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..._kernels import conv as _kconv
from ..._primitive import Primitive
from ..._tensor import Tensor

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "conv_tbc",
           "unfold", "fold"]


# ------------------------------------------------------------------------------------------------ ndarray helpers
def _compute_dtype(dt):
    # numpy's float16 products are slow and round every partial sum: accumulate in float32 (torch does too)
    return np.dtype(np.float32) if dt == np.float16 else dt


def _pad_array(x, padding):
    """Zero-pad the spatial dims of x [N, C, *S] by ((before, after), ...)."""
    if not any(b or a for b, a in padding):
        return x
    shape = x.shape[:2] + tuple(s + b + a for s, (b, a) in zip(x.shape[2:], padding))
    out = np.zeros(shape, x.dtype)
    out[(slice(None), slice(None)) + tuple(slice(b, b + s) for s, (b, _) in zip(x.shape[2:], padding))] = x
    return out


def _out_size(spatial, kernel, stride, padding, dilation):
    return tuple((s + b + a - d * (k - 1) - 1) // st + 1
                 for s, k, st, (b, a), d in zip(spatial, kernel, stride, padding, dilation))


def _windows(xp, kernel, stride, dilation, out):
    """Read-only strided view [N, C, *kernel, *out] of the padded input: element (n, c, k, l) is xp[n, c, l*s + k*d]."""
    st = xp.strides
    nd = len(kernel)
    strides = st[:2] + tuple(st[2 + i] * dilation[i] for i in range(nd)) + tuple(st[2 + i] * stride[i]
                                                                            for i in range(nd))
    return as_strided(xp, xp.shape[:2] + tuple(kernel) + tuple(out), strides, writeable=False)


def _im2col(x, kernel, stride, padding, dilation, out=None):
    """[N, C, *S] -> contiguous [N, C, *kernel, *out] (the receptive field of every output position)."""
    if out is None:
        out = _out_size(x.shape[2:], kernel, stride, padding, dilation)
    return np.ascontiguousarray(_windows(_pad_array(x, padding), kernel, stride, dilation, out))


def _col2im(cols, spatial, stride, padding, dilation):
    """Adjoint of `_im2col`: cols [N, C, *kernel, *out] (any strides) scatter-added into [N, C, *spatial]."""
    nd = len(spatial)
    kernel = cols.shape[2:2 + nd]
    out = cols.shape[2 + nd:]
    res = np.zeros(cols.shape[:2] + tuple(spatial), cols.dtype)
    if not cols.size:
        return res
    perm = (1,) + tuple(range(2, 2 + nd)) + (0,) + tuple(range(2 + nd, 2 + 2 * nd))
    if _kconv.col2im(cols.transpose(perm), res, stride, tuple(b for b, _ in padding), dilation):
        return res
    padded = tuple(s + b + a for s, (b, a) in zip(spatial, padding))
    res = np.zeros(cols.shape[:2] + padded, cols.dtype)
    for k in np.ndindex(*kernel):
        dst = tuple(slice(k[i] * dilation[i], k[i] * dilation[i] + stride[i] * (out[i] - 1) + 1, stride[i])
                    for i in range(nd))
        res[(Ellipsis,) + dst] += cols[(slice(None), slice(None)) + k]
    return res[(slice(None), slice(None)) + tuple(slice(b, b + s) for s, (b, _) in zip(spatial, padding))]


def _cols_by_channel(x, kernel, stride, padding, dilation, out):
    """The im2col of x [N, C, *S] laid out [C, *kernel, N, *out] (contiguous): with the batch folded into the
    columns, each convolution product is one large matrix product per group."""
    nd = len(kernel)
    v = _windows(_pad_array(x, padding), kernel, stride, dilation, out)
    return np.ascontiguousarray(
        v.transpose((1,) + tuple(range(2, 2 + nd)) + (0,) + tuple(range(2 + nd, 2 + 2 * nd))))


def _group_matmul(a, b):
    # a single group is a plain 2-D product (numpy's stacked matmul is slower for a batch of one)
    if a.shape[0] == 1:
        return np.matmul(a[0], b[0])[None]
    return np.matmul(a, b)


def _by_group(g, groups):
    """g [N, O, *out] -> contiguous [groups, O/groups, N * prod(out)]."""
    n, o = g.shape[:2]
    m = math.prod(g.shape[2:])
    return np.ascontiguousarray(g.reshape(n, groups, o // groups, m).transpose(1, 2, 0, 3)).reshape(
        groups, o // groups, n * m)


# im2col buffers hold at most this many bytes of samples at a time: bounded memory for large 3-D convolutions.
# (Smaller chunks were measured slower: OpenBLAS threads scale worse on the smaller products.)
_COLS_BYTES = 1 << 28


def _batch_chunks(n, per_sample):
    """Sample ranges [a, b) whose im2col fits the buffer budget (at least one sample each)."""
    step = max(1, _COLS_BYTES // max(per_sample, 1))
    return [(a, min(a + step, n)) for a in range(0, n, step)] or [(0, 0)]


def _conv_forward_impl(x, w, stride, padding, dilation, groups):
    """x [N, C, *S] correlated with w [O, C/groups, *kernel] -> [N, O, *out]."""
    dt = x.dtype
    ct = _compute_dtype(dt)
    x, w = x.astype(ct, copy=False), w.astype(ct, copy=False)
    n = x.shape[0]
    o = w.shape[0]
    kernel = w.shape[2:]
    out = _out_size(x.shape[2:], kernel, stride, padding, dilation)
    ck = w.shape[1] * math.prod(kernel)
    m = math.prod(out)
    wr = w.reshape(groups, o // groups, ck)
    res = np.empty((n, o) + out, ct)
    for a, b in _batch_chunks(n, groups * ck * m * ct.itemsize):
        cols = _cols_by_channel(x[a:b], kernel, stride, padding, dilation, out).reshape(groups, ck, (b - a) * m)
        res[a:b] = _group_matmul(wr, cols).reshape((o, b - a) + out).swapaxes(0, 1)  # from [G, O/G, n * L]
    return res.astype(dt, copy=False)


def _conv_input_grad_impl(g, w, input_size, stride, padding, dilation, groups):
    """The input-gradient of a convolution (= the transposed convolution of g with w), of spatial size input_size."""
    dt = g.dtype
    ct = _compute_dtype(dt)
    g, w = g.astype(ct, copy=False), w.astype(ct, copy=False)
    n, o = g.shape[:2]
    out = g.shape[2:]
    nd = len(out)
    cg = w.shape[1]
    kernel = w.shape[2:]
    ck = cg * math.prod(kernel)
    wt = w.reshape(groups, o // groups, ck).swapaxes(-1, -2)
    perm = (1 + nd, 0) + tuple(range(1, 1 + nd)) + tuple(range(2 + nd, 2 + 2 * nd))
    res = np.empty((n, groups * cg) + tuple(input_size), ct)
    for a, b in _batch_chunks(n, groups * ck * math.prod(out) * ct.itemsize):
        cols = _group_matmul(wt, _by_group(g[a:b], groups))  # [G, Cg * K, n * L]
        cols = cols.reshape((groups * cg,) + kernel + (b - a,) + out).transpose(perm)
        res[a:b] = _col2im(cols, input_size, stride, padding, dilation)
    return res.astype(dt, copy=False)


def _conv_weight_grad_impl(x, g, kernel_size, stride, padding, dilation, groups):
    """The weight-gradient of a convolution: g [O, N L] times the im2col of x [Cg K, N L]^T, per group."""
    dt = x.dtype
    ct = _compute_dtype(dt)
    x, g = x.astype(ct, copy=False), g.astype(ct, copy=False)
    n, c = x.shape[:2]
    o = g.shape[1]
    out = g.shape[2:]
    ck = c // groups * math.prod(kernel_size)
    m = math.prod(out)
    res = np.zeros((groups, ck, o // groups), ct)
    for a, b in _batch_chunks(n, c * math.prod(kernel_size) * m * ct.itemsize):
        cols = _cols_by_channel(x[a:b], kernel_size, stride, padding, dilation, out).reshape(groups, ck, (b - a) * m)
        # cols @ g^T (transposed afterwards): OpenBLAS runs a long-contraction product with a transposed right
        # operand several times slower on several threads
        res += _group_matmul(cols, _by_group(g[a:b], groups).swapaxes(-1, -2))
    return np.ascontiguousarray(res.swapaxes(-1, -2).reshape((o, c // groups) + tuple(kernel_size)), dtype=dt)


# ------------------------------------------------------------------------------------------------ primitives
conv_forward = Primitive("convolution", _conv_forward_impl, reads={0: (1,), 1: (0,)})
conv_input_grad = Primitive("convolution_input_grad", _conv_input_grad_impl, reads={0: (1,), 1: (0,)})
conv_weight_grad = Primitive("convolution_weight_grad", _conv_weight_grad_impl, reads={0: (1,), 1: (0,)})


def _crop_to(t, shape):
    """t cut to `shape` (a transposed convolution with output_padding >= stride can have fewer output windows)."""
    if tuple(t.shape) == tuple(shape):
        return t
    return t[(slice(None), slice(None)) + tuple(slice(0, s) for s in shape[2:])]


@conv_forward.defvjp
def _conv_forward_vjp(g, out, x, w, stride, padding, dilation, groups):
    p = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    # an operand that does not require grad has no edge: skip its (costly) gradient
    gx = conv_input_grad(g, w, input_size=tuple(x.shape[2:]), **p) if x.requires_grad else None
    gw = conv_weight_grad(x, g, kernel_size=tuple(w.shape[2:]), **p) if w.requires_grad else None
    return gx, gw


@conv_input_grad.defvjp
def _conv_input_grad_vjp(h, out, g, w, input_size, stride, padding, dilation, groups):
    p = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    gg = _crop_to(conv_forward(h, w, **p), g.shape) if g.requires_grad else None
    gw = conv_weight_grad(h, g, kernel_size=tuple(w.shape[2:]), **p) if w.requires_grad else None
    return gg, gw


@conv_weight_grad.defvjp
def _conv_weight_grad_vjp(h, out, x, g, kernel_size, stride, padding, dilation, groups):
    p = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    gx = conv_input_grad(g, h, input_size=tuple(x.shape[2:]), **p) if x.requires_grad else None
    gg = _crop_to(conv_forward(x, h, **p), g.shape) if g.requires_grad else None
    return gx, gg


def _bilinear_jvp(prim, first, second, ta, tb, params):
    """The tangent of a bilinear primitive: prim(ta, second) + prim(first, tb)."""
    res = None if ta is None else prim(ta, second, **params)
    if tb is not None:
        term = prim(first, tb, **params)
        res = term if res is None else res + term
    return res


conv_forward.defjvp(lambda tangents, out, x, w, **p: _bilinear_jvp(conv_forward, x, w, *tangents, p))
conv_input_grad.defjvp(lambda tangents, out, g, w, **p: _bilinear_jvp(conv_input_grad, g, w, *tangents, p))
conv_weight_grad.defjvp(lambda tangents, out, x, g, **p: _bilinear_jvp(conv_weight_grad, x, g, *tangents, p))


def _unfold_impl(x, kernel_size, dilation, padding, stride):
    cols = _im2col(x, kernel_size, stride, padding, dilation)
    nd = len(kernel_size)
    return cols.reshape(cols.shape[0], -1, math.prod(cols.shape[2 + nd:]))


def _fold_impl(cols, output_size, kernel_size, dilation, padding, stride):
    out = _out_size(output_size, kernel_size, stride, padding, dilation)
    n = cols.shape[0]
    cols = cols.reshape((n, -1) + tuple(kernel_size) + out)
    return _col2im(cols, output_size, stride, padding, dilation)


unfold_p = Primitive("im2col", _unfold_impl, saves=(), linear=True)
fold_p = Primitive("col2im", _fold_impl, saves=(), linear=True)
unfold_p.defvjp(lambda g, out, x, kernel_size, dilation, padding, stride: (
    fold_p(g, output_size=tuple(x.shape[2:]), kernel_size=kernel_size, dilation=dilation, padding=padding,
           stride=stride),))
fold_p.defvjp(lambda g, out, cols, output_size, kernel_size, dilation, padding, stride: (
    unfold_p(g, kernel_size=kernel_size, dilation=dilation, padding=padding, stride=stride),))


# ------------------------------------------------------------------------------------------------ argument checks
def _tuple(value, nd, name):
    """An int or a length-nd (or length-1) sequence -> tuple of nd ints (torch's rule for conv hyperparameters)."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return (int(value),) * nd
    try:
        vals = tuple(int(v) for v in value)
    except TypeError:
        raise TypeError(f"{name} must be an int or a tuple of ints, not {type(value).__name__}") from None
    if len(vals) == 1:
        return vals * nd
    if len(vals) != nd:
        raise RuntimeError(f"expected {name} to be a single integer value or a list of {nd} values to match the "
                           f"convolution dimensions, but got {name}={list(vals)}")
    return vals


def _dtype_name(t):
    return {"float32": "torch.FloatTensor", "float64": "torch.DoubleTensor", "float16": "torch.HalfTensor",
            "int64": "torch.LongTensor", "int32": "torch.IntTensor", "int16": "torch.ShortTensor",
            "int8": "torch.CharTensor", "uint8": "torch.ByteTensor"}.get(t._data.dtype.name, str(t.dtype))


_TORCH_NAMES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte"}


def _check_unfold_dtype(input, op):
    name = _TORCH_NAMES.get(input._data.dtype.name)
    if name is not None:  # torch's im2col / col2im take floating, complex and bool tensors only
        raise NotImplementedError(f"\"{op}_out_cpu\" not implemented for '{name}'")


def _scalar_name(t):
    return {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
            "int32": "int"}.get(t._data.dtype.name, t._data.dtype.name)


def _check_operands(name, input, weight, bias, nd):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if not isinstance(weight, Tensor):
        raise TypeError(f"{name}(): argument 'weight' (position 2) must be Tensor, not {type(weight).__name__}")
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {name}, but got input "
                           f"of size: {list(input.shape)}")
    if weight.ndim != nd + 2:
        raise RuntimeError(f"Expected {nd + 2}-dimensional weight for {name}, but got weight of size "
                           f"{list(weight.shape)}")
    if input._data.dtype != weight._data.dtype:
        raise RuntimeError(f"Input type ({_dtype_name(input)}) and weight type ({_dtype_name(weight)}) should be "
                           "the same or input should be a MKLDNN tensor and weight is a dense tensor")
    if input._data.dtype.kind == "b":
        raise NotImplementedError(f"\"{name}\" not implemented for 'Bool'")
    if bias is not None:
        if not isinstance(bias, Tensor):
            raise TypeError(f"{name}(): argument 'bias' (position 3) must be Tensor, not {type(bias).__name__}")
        if bias._data.dtype != input._data.dtype:
            raise RuntimeError(f"Input type ({_scalar_name(input)}) and bias type ({_scalar_name(bias)}) should be "
                               "the same")


def _check_positive(stride, dilation, groups):
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("non-positive dilation is not supported")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")


def _batched(input, nd):
    return (input, False) if input.ndim == nd + 2 else (input.unsqueeze(0), True)


def _add_bias(out, bias, nd):
    if bias is None:
        return out
    return out + bias.reshape((-1,) + (1,) * nd)


# ------------------------------------------------------------------------------------------------ convolution
def _convnd(name, nd, input, weight, bias, stride, padding, dilation, groups):
    _check_operands(name, input, weight, bias, nd)
    stride = _tuple(stride, nd, "stride")
    dilation = _tuple(dilation, nd, "dilation")
    groups = int(groups)
    _check_positive(stride, dilation, groups)
    kernel = tuple(weight.shape[2:])
    if isinstance(padding, str):
        if padding == "valid":
            pads = ((0, 0),) * nd
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            # the total padding d*(k-1) is split with the odd element after (torch's choice for even kernels)
            pads = tuple((d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2) for k, d in zip(kernel, dilation))
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    else:
        pads = tuple((p, p) for p in _tuple(padding, nd, "padding"))
        if any(p < 0 for p, _ in pads):
            raise RuntimeError("negative padding is not supported")
    x, unbatched = _batched(input, nd)
    o, cg = weight.shape[:2]
    if o == 0:
        raise RuntimeError(f"Given groups={groups}, expected weight to be at least {groups} at dimension 0, but got "
                           f"weight of size {list(weight.shape)} instead")
    if o % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but "
                           f"got weight of size [{list(weight.shape)}] instead")
    if x.shape[1] != cg * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {list(weight.shape)}, expected input"
                           f"{list(x.shape)} to have {cg * groups} channels, but got {x.shape[1]} channels instead")
    padded = tuple(s + b + a for s, (b, a) in zip(x.shape[2:], pads))
    if any(p < d * (k - 1) + 1 for p, k, d in zip(padded, kernel, dilation)):
        raise RuntimeError(f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). Kernel "
                           f"size: ({' x '.join(str(d * (k - 1) + 1) for k, d in zip(kernel, dilation))}). Kernel "
                           "size can't be greater than actual input size")
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != o):
        raise RuntimeError(f"Given weight of size {list(weight.shape)}, expected bias to be 1-dimensional with {o} "
                           f"elements, but got bias of size {list(bias.shape)} instead")
    out = conv_forward(x, weight, stride=stride, padding=pads, dilation=dilation, groups=groups)
    out = _add_bias(out, bias, nd)
    return out.squeeze(0) if unbatched else out


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D cross-correlation of input [N, C_in, L] (or [C_in, L]) with weight [C_out, C_in/groups, kW].

    Args:
        input: batched [N, C_in, L] or unbatched [C_in, L] tensor.
        weight: filters [C_out, C_in/groups, kW].
        bias (optional): [C_out], added to every output position.
        stride, padding, dilation: an int or a 1-tuple; padding may be 'valid' (none) or 'same' (output length =
            input length, stride 1 only).
        groups: split the channels into this many independent convolutions.

    Returns:
        [N, C_out, L_out] with L_out = floor((L + 2 padding - dilation (kW - 1) - 1) / stride) + 1.

    Example::

        >>> conv1d(probtorch.randn(8, 4, 50), probtorch.randn(16, 4, 5), padding=2).shape
        probtorch.Size([8, 16, 50])
    """
    return _convnd("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D cross-correlation of input [N, C_in, H, W] (or [C_in, H, W]) with weight [C_out, C_in/groups, kH, kW].

    Arguments as in `conv1d`, with ints or pairs for stride, padding and dilation.

    Example::

        >>> conv2d(probtorch.randn(2, 3, 32, 32), probtorch.randn(8, 3, 3, 3), stride=2, padding=1).shape
        probtorch.Size([2, 8, 16, 16])
    """
    return _convnd("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D cross-correlation of input [N, C_in, D, H, W] (or unbatched) with weight [C_out, C_in/groups, kD, kH, kW].

    Arguments as in `conv1d`, with ints or triples for stride, padding and dilation.
    """
    return _convnd("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


def _conv_transposend(name, nd, input, weight, bias, stride, padding, output_padding, groups, dilation):
    if isinstance(padding, str):
        raise TypeError(f"{name}(): argument 'padding' must be tuple of ints, not str")
    _check_operands(name, input, weight, bias, nd)
    stride = _tuple(stride, nd, "stride")
    dilation = _tuple(dilation, nd, "dilation")
    padding = _tuple(padding, nd, "padding")
    output_padding = _tuple(output_padding, nd, "output_padding")
    groups = int(groups)
    _check_positive(stride, dilation, groups)
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    if any(p < 0 for p in output_padding):
        raise RuntimeError("negative output_padding is not supported")
    if any(op >= s and op >= d for op, s, d in zip(output_padding, stride, dilation)):
        axes = ("depth", "height", "width")[3 - nd:] if nd > 1 else ("width",)
        parts = ([f"output_padding_{a}: {v}" for a, v in zip(axes, output_padding)]
                 + [f"stride_{a}: {v}" for a, v in zip(axes, stride)]
                 + [f"dilation_{a}: {v}" for a, v in zip(axes, dilation)])
        raise RuntimeError("output padding must be smaller than either stride or dilation, but got " + " ".join(parts))
    x, unbatched = _batched(input, nd)
    cin, cg = weight.shape[:2]
    if cin == 0:
        raise RuntimeError(f"Given groups={groups}, expected weight to be at least {groups} at dimension 0, but got "
                           f"weight of size {list(weight.shape)} instead")
    if cin % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but "
                           f"got weight of size [{list(weight.shape)}] instead")
    if x.shape[1] != cin:
        raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected input{list(x.shape)} "
                           f"to have {cin} channels, but got {x.shape[1]} channels instead")
    kernel = tuple(weight.shape[2:])
    size = tuple((l - 1) * s - 2 * p + d * (k - 1) + op + 1
                 for l, s, p, d, k, op in zip(x.shape[2:], stride, padding, dilation, kernel, output_padding))
    if any(s <= 0 for s in size):
        raise RuntimeError(f"Given input size per channel: ({' x '.join(map(str, x.shape[2:]))}). Calculated output "
                           f"size per channel: ({' x '.join(map(str, size))}). Output size is too small")
    cout = cg * groups
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != cout):
        raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected bias to be "
                           f"1-dimensional with {cout} elements, but got bias of size {list(bias.shape)} instead")
    out = conv_input_grad(x, weight, input_size=size, stride=stride, padding=tuple((p, p) for p in padding),
                          dilation=dilation, groups=groups)
    out = _add_bias(out, bias, nd)
    return out.squeeze(0) if unbatched else out


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """1-D transposed convolution (the adjoint of conv1d in its input): input [N, C_in, L] (or [C_in, L]), weight
    [C_in, C_out/groups, kW].

    Args:
        padding: the padding of the convolution this one transposes: `padding` positions are cut from each end
            of the output.
        output_padding: extra positions added at the end (to reach the input size of a strided conv1d); must be
            smaller than stride or dilation.

    Returns:
        [N, C_out, L_out] with L_out = (L - 1) stride - 2 padding + dilation (kW - 1) + output_padding + 1.
    """
    return _conv_transposend("conv_transpose1d", 1, input, weight, bias, stride, padding, output_padding, groups,
                             dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """2-D transposed convolution: input [N, C_in, H, W] (or unbatched), weight [C_in, C_out/groups, kH, kW].

    Arguments as in `conv_transpose1d`, with ints or pairs.
    """
    return _conv_transposend("conv_transpose2d", 2, input, weight, bias, stride, padding, output_padding, groups,
                             dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """3-D transposed convolution: input [N, C_in, D, H, W] (or unbatched), weight [C_in, C_out/groups, kD, kH, kW].

    Arguments as in `conv_transpose1d`, with ints or triples.
    """
    return _conv_transposend("conv_transpose3d", 3, input, weight, bias, stride, padding, output_padding, groups,
                             dilation)


def conv_tbc(input, weight, bias, pad=0):
    """1-D convolution in time-batch-channel layout: input [T, B, C_in], weight [kW, C_in, C_out], bias [C_out].

    `pad` zeros are added at both ends of the time axis. Returns [T + 2 pad - kW + 1, B, C_out].
    """
    if input.ndim != 3:
        raise RuntimeError("Input must have 3 dims: time, batch, in_channel")
    if weight.ndim != 3:
        raise RuntimeError("Weight tensor must have 3 dims: kernel_width, in_channels, out_channels.")
    if bias.ndim != 1:
        raise RuntimeError("Bias must be 1-D")
    if input.shape[2] != weight.shape[1]:
        raise RuntimeError("Input dim 2 (input channels) is not == dim 1 in the weight tensor")
    if weight.shape[2] != bias.shape[0]:
        raise RuntimeError("Bias size must equal dim 2 in the weight tensor (output channels).")
    out = conv1d(input.permute(1, 2, 0), weight.permute(2, 1, 0), bias, padding=pad)
    return out.permute(2, 0, 1)


# ------------------------------------------------------------------------------------------------ unfold / fold
def _fold_args(name, kernel_size, dilation, padding, stride):
    kernel_size = _tuple(kernel_size, 2, "kernel_size") if not _is_seq(kernel_size) or len(kernel_size) <= 2 \
        else _bad_len("kernel_size", kernel_size)
    for arg, val in (("dilation", dilation), ("padding", padding), ("stride", stride)):
        if _is_seq(val) and len(val) != 2:
            _bad_len(arg, val)
    dilation, padding, stride = (_tuple(v, 2, n) for v, n in ((dilation, "dilation"), (padding, "padding"),
                                                                (stride, "stride")))
    if min(kernel_size) <= 0:
        raise RuntimeError(f"kernel size should be greater than zero, but got kernel_height: {kernel_size[0]} "
                           f"kernel_width: {kernel_size[1]}")
    if min(dilation) <= 0:
        raise RuntimeError(f"dilation should be greater than zero, but got dilation_height: {dilation[0]} "
                           f"dilation_width: {dilation[1]}")
    if min(padding) < 0:
        raise RuntimeError(f"padding should be non-negative, but got pad_height: {padding[0]} "
                           f"pad_width: {padding[1]}")
    if min(stride) <= 0:
        raise RuntimeError(f"stride should be greater than zero, but got stride_height: {stride[0]} "
                           f"stride_width: {stride[1]}")
    return kernel_size, dilation, padding, stride


def _is_seq(v):
    return isinstance(v, (tuple, list))


def _bad_len(name, value):
    raise RuntimeError(f"It is expected {name} equals to 2, but got size {len(value)}")


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Extract sliding blocks (im2col): input [N, C, H, W] (or [C, H, W]) -> [N, C kH kW, L].

    Column l holds the (zero-padded) kH x kW window of every channel at the l-th block position, channel-major;
    L is the number of block positions, row-major over the output grid.

    Example::

        >>> unfold(probtorch.arange(16.).reshape(1, 1, 4, 4), 2, stride=2)[0, :, 0]
        tensor([0., 1., 4., 5.])
    """
    if input.ndim not in (3, 4):
        raise RuntimeError(f"Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero "
                           f"dimensions for input, but got: {list(input.shape)}")
    _check_unfold_dtype(input, "im2col")
    kernel_size, dilation, padding, stride = _fold_args("unfold", kernel_size, dilation, padding, stride)
    x, unbatched = _batched(input, 2)
    pads = tuple((p, p) for p in padding)
    blocks = _out_size(x.shape[2:], kernel_size, stride, pads, dilation)
    if min(blocks) < 1:
        raise RuntimeError(f"Given input with spatial size {tuple(x.shape[2:])}, kernel_size={kernel_size}, "
                           f"dilation={dilation}, padding={padding}, calculated shape of the array of sliding blocks "
                           f"as {blocks}, but its components must be at least one.")
    out = unfold_p(x, kernel_size=kernel_size, dilation=dilation, padding=pads, stride=stride)
    return out.squeeze(0) if unbatched else out


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sum sliding blocks back into an image (col2im, the adjoint of `unfold`): [N, C kH kW, L] (or [C kH kW, L])
    -> [N, C, *output_size]. Overlapping entries add up.

    Example::

        >>> x = probtorch.ones(1, 1, 3, 3)
        >>> fold(unfold(x, 2), (3, 3), 2)[0, 0]   # each pixel counts the blocks covering it
        tensor([[1., 2., 1.],
                [2., 4., 2.],
                [1., 2., 1.]])
    """
    if input.ndim not in (2, 3):
        raise RuntimeError(f"Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero "
                           f"dimensions for input, but got: {list(input.shape)}")
    _check_unfold_dtype(input, "col2im")
    if _is_seq(output_size) and len(output_size) != 2:
        _bad_len("output_size", output_size)
    output_size = _tuple(output_size, 2, "output_size")
    kernel_size, dilation, padding, stride = _fold_args("fold", kernel_size, dilation, padding, stride)
    x, unbatched = (input, False) if input.ndim == 3 else (input.unsqueeze(0), True)
    k = kernel_size[0] * kernel_size[1]
    if x.shape[1] % k:
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product of kernel_size, but "
                           f"got input.size(1)={x.shape[1]} and kernel_size={kernel_size}.")
    pads = tuple((p, p) for p in padding)
    blocks = _out_size(output_size, kernel_size, stride, pads, dilation)
    if min(blocks) < 1:
        raise RuntimeError(f"Given output_size={output_size}, kernel_size={kernel_size}, dilation={dilation}, "
                           f"padding={padding}, stride={stride}, calculated shape of the array of sliding blocks as "
                           f"{blocks}, but its components must be at least one.")
    if x.shape[2] != blocks[0] * blocks[1]:
        raise RuntimeError(f"Given output_size={output_size}, kernel_size={kernel_size}, dilation={dilation}, "
                           f"padding={padding}, stride={stride}, expected size of input's dimension 2 to match the "
                           f"calculated number of sliding blocks {blocks[0]} * {blocks[1]} = {blocks[0] * blocks[1]}, "
                           f"but got input.size(2)={x.shape[2]}.")
    out = fold_p(x, output_size=output_size, kernel_size=kernel_size, dilation=dilation, padding=pads,
                 stride=stride)
    return out.squeeze(0) if unbatched else out
