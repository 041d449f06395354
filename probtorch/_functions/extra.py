"""Top-level torch functions beyond the core families: nn.functional aliases with torch's top-level signatures,
integer and floating-point helpers (gcd, ldexp, frexp, shifts, ...), statistics (cov, corrcoef, histograms),
window functions, binomial sampling, process-wide settings, and the `*_copy` twins of the view operations.

Differentiable functions are composed from Tensor operations (or primitives with Tensor-op rules), so their
gradients go to any order. `nn.functional` sits above this layer, so it is looked up when a function is called.
"""
import builtins
import collections
import math
import os
import warnings

import numpy as np

from .. import _dtype
from .._grad_mode import _state as _grad_state
from .._primitive import Primitive
from .._tensor import Tensor, _make, _wrap_dim
from ..prims import elementwise as E
from ..prims import shape as S
from . import creation as C, math as M, reduction as R, shape as SH

__all__ = [
    # nn.functional under torch's top-level names
    "softmax", "log_softmax", "selu", "selu_", "celu", "celu_", "threshold", "threshold_", "hardshrink", "prelu",
    "dropout", "dropout_", "alpha_dropout", "alpha_dropout_", "layer_norm", "group_norm", "instance_norm",
    "batch_norm", "rms_norm", "embedding", "pixel_shuffle", "pixel_unshuffle", "bilinear",
    "binary_cross_entropy_with_logits", "cosine_similarity", "cosine_embedding_loss", "hinge_embedding_loss",
    "margin_ranking_loss", "triplet_margin_loss", "poisson_nll_loss", "kl_div", "pairwise_distance",
    "constant_pad_nd", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
    "conv_tbc", "avg_pool1d", "adaptive_avg_pool1d", "adaptive_max_pool1d", "max_pool1d", "max_pool2d", "max_pool3d",
    "max_pool1d_with_indices", "pdist", "channel_shuffle",
    # numeric
    "cov", "corrcoef", "isin", "gcd", "gcd_", "lcm", "lcm_", "ldexp", "ldexp_", "frexp", "nextafter", "trapz",
    "fill", "bitwise_left_shift", "bitwise_right_shift", "histogram", "histogramdd", "binomial",
    # windows
    "bartlett_window", "blackman_window", "hamming_window", "hann_window", "kaiser_window",
    # settings
    "is_warn_always_enabled", "set_warn_always", "get_num_interop_threads", "set_num_interop_threads",
    "set_default_device", "get_default_device", "set_flush_denormal", "get_float32_matmul_precision",
    "set_float32_matmul_precision",
    # factories
    "empty_permuted", "frombuffer",
    # aliases and copies of views
    "unsafe_chunk", "unsafe_split", "unsafe_split_with_sizes", "view_copy", "permute_copy", "t_copy",
    "transpose_copy", "squeeze_copy", "unsqueeze_copy", "expand_copy", "diagonal_copy", "select_copy", "slice_copy",
    "unbind_copy", "split_copy", "split_with_sizes_copy", "unfold_copy", "detach_copy", "alias_copy",
    # small top-level helpers
    "relu", "cond", "detach_", "i0_", "addmv_", "resize_as_", "get_device", "norm_except_dim", "nonzero_static",
    "set_anomaly_enabled", "get_deterministic_debug_mode", "set_deterministic_debug_mode", "set_default_tensor_type",
    # layout and memory-format tokens
    "layout", "memory_format", "strided", "contiguous_format", "preserve_format", "channels_last", "channels_last_3d",
]


def _F():
    from ..nn import functional
    return functional


def _inplace(input, fn, *args):
    from .._tensor_methods import _inplace as write
    return write(input, fn, *args)


def _type_name(dt):
    return E._type_name(dt.np)


# ================================================================================= nn.functional, top-level form
def softmax(input, dim, dtype=None):
    """exp(input) normalized to sum to one along `dim` (computed in `dtype` when given)."""
    return _F().softmax(input, dim, dtype=dtype)


def log_softmax(input, dim, dtype=None):
    """log(softmax(input, dim)), computed stably (in `dtype` when given)."""
    return _F().log_softmax(input, dim, dtype=dtype)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution (cross-correlation) over (N, C_in, L); see `nn.functional.conv1d`."""
    return _F().conv1d(input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution over (N, C_in, H, W); see `nn.functional.conv2d`."""
    return _F().conv2d(input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D convolution over (N, C_in, D, H, W); see `nn.functional.conv3d`."""
    return _F().conv3d(input, weight, bias, stride, padding, dilation, groups)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed 1-D convolution; see `nn.functional.conv_transpose1d`."""
    return _F().conv_transpose1d(input, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed 2-D convolution; see `nn.functional.conv_transpose2d`."""
    return _F().conv_transpose2d(input, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed 3-D convolution; see `nn.functional.conv_transpose3d`."""
    return _F().conv_transpose3d(input, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_tbc(input, weight, bias, pad=0):
    """Convolution over (time, batch, channels) input; see `nn.functional.conv_tbc`."""
    return _F().conv_tbc(input, weight, bias, pad)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """1-D average pooling; see `nn.functional.avg_pool1d`."""
    return _F().avg_pool1d(input, kernel_size, stride, padding, ceil_mode, count_include_pad)


def adaptive_avg_pool1d(input, output_size):
    """1-D adaptive average pooling; see `nn.functional.adaptive_avg_pool1d`."""
    return _F().adaptive_avg_pool1d(input, output_size)


def adaptive_max_pool1d(input, output_size):
    """1-D adaptive max pooling: (values, indices), as torch's top-level form always returns both."""
    return _F().adaptive_max_pool1d(input, output_size, return_indices=True)


def _stride_or_kernel(kernel_size, stride):
    # torch's top-level max pools take stride=[] (empty) for "same as kernel_size"
    return None if stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0) else stride


def max_pool1d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    """1-D max pooling; see `nn.functional.max_pool1d`."""
    return _F().max_pool1d(input, kernel_size, _stride_or_kernel(kernel_size, stride), padding, dilation, ceil_mode)


def max_pool2d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    """2-D max pooling; see `nn.functional.max_pool2d`."""
    return _F().max_pool2d(input, kernel_size, _stride_or_kernel(kernel_size, stride), padding, dilation, ceil_mode)


def max_pool3d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    """3-D max pooling; see `nn.functional.max_pool3d`."""
    return _F().max_pool3d(input, kernel_size, _stride_or_kernel(kernel_size, stride), padding, dilation, ceil_mode)


def max_pool1d_with_indices(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    """1-D max pooling returning (values, indices)."""
    return _F().max_pool1d_with_indices(input, kernel_size, _stride_or_kernel(kernel_size, stride), padding,
                                        dilation, ceil_mode, return_indices=True)


def pdist(input, p=2):
    """Pairwise p-norm distances between the rows of a (N, M) input: the upper triangle, (N (N - 1) / 2,)."""
    return _F().pdist(input, p)


def channel_shuffle(input, groups):
    """Interleave `groups` groups of channels (dim 1)."""
    return _F().channel_shuffle(input, groups)


def relu(input):
    """max(input, 0)."""
    return _F().relu(input)


def selu(input):
    """Scaled ELU with the self-normalizing constants."""
    return _F().selu(input)


def selu_(input):
    """In-place selu."""
    return _inplace(input, _F().selu)


def celu(input, alpha=1.0):
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""
    return _F().celu(input, alpha)


def celu_(input, alpha=1.0):
    """In-place celu."""
    return _inplace(input, lambda x: _F().celu(x, alpha))


def threshold(input, threshold, value):
    """input where input > threshold, else `value`."""
    return _F().threshold(input, threshold, value)


def threshold_(input, threshold, value):
    """In-place threshold."""
    return _inplace(input, lambda x: _F().threshold(x, threshold, value))


def hardshrink(input, lambd=0.5):
    """input where |input| > lambd, else 0."""
    return _F().hardshrink(input, lambd)


def prelu(input, weight):
    """max(0, x) + weight * min(0, x), `weight` one value or one per channel (dim 1)."""
    return _F().prelu(input, weight)


def dropout(input, p, train):
    """Zero elements with probability `p` and scale the rest by 1 / (1 - p) when `train` (else the identity)."""
    return _F().dropout(input, p, train)


def dropout_(input, p, train):
    """In-place dropout."""
    return _inplace(input, lambda x: _F().dropout(x, p, train)) if train else input


def alpha_dropout(input, p, train):
    """Dropout that keeps the mean and variance of SELU activations (the identity unless `train`)."""
    return _F().alpha_dropout(input, p, train)


def alpha_dropout_(input, p, train):
    """In-place alpha_dropout."""
    return _inplace(input, lambda x: _F().alpha_dropout(x, p, train)) if train else input


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5, cudnn_enable=True):
    """Normalize over the trailing `normalized_shape` dims; `cudnn_enable` is accepted and ignored (CPU)."""
    return _F().layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5, cudnn_enabled=True):
    """Normalize each of `num_groups` channel groups of a [N, C, *] input."""
    return _F().group_norm(input, num_groups, weight, bias, eps)


def instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum, eps, cudnn_enabled):
    """Per-sample, per-channel normalization (note the argument order of torch's top-level form)."""
    return _F().instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps)


def batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn_enabled):
    """Per-channel normalization over the batch (note the argument order of torch's top-level form)."""
    return _F().batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """x / sqrt(mean(x^2) + eps) over the trailing `normalized_shape` dims, times `weight`."""
    return _F().rms_norm(input, normalized_shape, weight, eps)


def embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    """Rows of `weight` picked by `indices` (weight first, as in torch's top-level form); padding_idx -1 is none."""
    if sparse:
        raise RuntimeError("embedding: sparse gradients are not supported by probtorch")
    pad = None if padding_idx is None or padding_idx < 0 else padding_idx
    return _F().embedding(indices, weight, pad, scale_grad_by_freq=scale_grad_by_freq)


def pixel_shuffle(input, upscale_factor):
    """[*, C r^2, H, W] -> [*, C, H r, W r]."""
    return _F().pixel_shuffle(input, upscale_factor)


def pixel_unshuffle(input, downscale_factor):
    """[*, C, H r, W r] -> [*, C r^2, H, W]."""
    return _F().pixel_unshuffle(input, downscale_factor)


def bilinear(input1, input2, weight, bias=None):
    """y_k = input1 W_k input2 + b_k."""
    return _F().bilinear(input1, input2, weight, bias)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """<x1, x2> / max(|x1| |x2|, eps) along `dim`."""
    return _F().cosine_similarity(x1, x2, dim, eps)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """The p-norm of x1 - x2 + eps along the last dim."""
    return _F().pairwise_distance(x1, x2, p, eps, keepdim)


_REDUCTIONS = {0: "none", 1: "mean", 2: "sum"}


def _reduction(reduction):
    """torch's top-level losses take the reduction as an enum int: 0 none, 1 mean, 2 sum. Their Python binding
    defaults to 0 (no reduction, unlike nn.functional's 'mean'), and so do ours."""
    if isinstance(reduction, builtins.bool) or not isinstance(reduction, (builtins.int, np.integer)):
        raise TypeError(f"argument 'reduction' must be int, not {type(reduction).__name__}")
    if int(reduction) not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return _REDUCTIONS[int(reduction)]


def binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None, reduction=0):
    """BCE of sigmoid(input) against `target`, computed from the logits; reduction 0/1/2 = none/mean/sum."""
    return _F().binary_cross_entropy_with_logits(input, target, weight, reduction=_reduction(reduction),
                                                 pos_weight=pos_weight)


def cosine_embedding_loss(input1, input2, target, margin=0.0, reduction=0):
    """1 - cos(x1, x2) for target 1, max(0, cos(x1, x2) - margin) for target -1."""
    return _F().cosine_embedding_loss(input1, input2, target, margin, reduction=_reduction(reduction))


def hinge_embedding_loss(input, target, margin=1.0, reduction=0):
    """x for target 1, max(0, margin - x) for target -1."""
    return _F().hinge_embedding_loss(input, target, margin, reduction=_reduction(reduction))


def margin_ranking_loss(input1, input2, target, margin=0.0, reduction=0):
    """max(0, -target * (input1 - input2) + margin)."""
    return _F().margin_ranking_loss(input1, input2, target, margin, reduction=_reduction(reduction))


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2.0, eps=1e-6, swap=False, reduction=0):
    """max(d(a, p) - d(a, n) + margin, 0) with p-norm distances."""
    return _F().triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap,
                                    reduction=_reduction(reduction))


def poisson_nll_loss(input, target, log_input, full, eps, reduction):
    """Poisson negative log likelihood (every argument required, as in torch's top-level form)."""
    return _F().poisson_nll_loss(input, target, log_input, full, eps=eps, reduction=_reduction(reduction))


def kl_div(input, target, reduction=0, *, log_target=False):
    """Pointwise KL divergence target * (log target - input), `input` given as log-probabilities."""
    return _F().kl_div(input, target, reduction=_reduction(reduction), log_target=log_target)


def constant_pad_nd(input, pad, value=0):
    """Pad (or, with negative widths, crop) the trailing dims with `value`; pad lists (left, right) from the last
    dim backwards."""
    return _F().pad(input, tuple(pad), "constant", value)


# ================================================================================= statistics
def _weights_check(w, name, n_obs, integral):
    if w.ndim > 1:
        raise RuntimeError(f"cov(): expected {name} to have one or fewer dimensions but got {name} with "
                           f"{w.ndim} dimensions")
    if w.numel() != n_obs:
        raise RuntimeError(f"cov(): expected {name} to have the same numel as there are observations in the input "
                           f"but got {w.numel()} != {n_obs}")
    if integral and w.dtype.category > 1:
        raise RuntimeError(f"cov(): expected {name} to have integral dtype but got {name} with "
                           f"{_type_name(w.dtype)} dtype")
    if not integral and w.dtype.category != 2:
        raise RuntimeError(f"cov(): expected {name} to have floating point dtype but got {name} with "
                           f"{_type_name(w.dtype)} dtype")
    if w.numel() and np.any(w._data < 0):
        raise RuntimeError(f"cov(): {name} cannot be negative")


def cov(input, *, correction=1, fweights=None, aweights=None):
    """Covariance matrix of the variables in the rows of `input` (observations in the columns).

    Args:
        input: [V, N] (or [N] for one variable, giving a 0-d result).
        correction: subtracted from the (weighted) observation count; 1 is Bessel's correction.
        fweights: integer repeat counts per observation, [N].
        aweights: float importance weights per observation, [N].

    Returns:
        [V, V], with size-1 dims squeezed (0-d for a single variable). With weights w = fweights * aweights the
        normalizer is sum(w) - correction * sum(w * aweights) / sum(w), clamped at 0 with a warning (then inf / nan,
        as torch).
    """
    if input.ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an input with "
                           f"{input.ndim} dimensions")
    if isinstance(correction, builtins.bool) or not isinstance(correction, (builtins.int, np.integer)):
        raise TypeError(f"cov(): argument 'correction' must be int, not {type(correction).__name__}")
    x = input if input.ndim == 2 else input.reshape(1, -1)
    if x.dtype.category < 2:
        x = x.to(_dtype.get_default_dtype())
    n_obs = x.shape[1]
    w = None
    if fweights is not None:
        _weights_check(fweights, "fweights", n_obs, True)
        w = fweights
    if aweights is not None:
        _weights_check(aweights, "aweights", n_obs, False)
        w = aweights if w is None else w * aweights
    if w is None:
        avg = x.mean(1)
        w_sum = float(n_obs)
        norm = w_sum - correction
    else:
        w_sum = w.sum()
        avg = (x * w).sum(1) / w_sum
        if aweights is None:
            norm = w_sum - correction
        else:
            norm = w_sum - correction * (w * aweights).sum() / w_sum
    norm_value = float(norm.detach().item()) if isinstance(norm, Tensor) else norm
    if norm_value <= 0:
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less than the number of "
                      "observations.", UserWarning, stacklevel=2)
        norm = norm * 0 if isinstance(norm, Tensor) else 0.0
    xm = x - avg.unsqueeze(1)
    xw = xm if w is None else xm * w
    c = (xw @ M.conj(xm).mT) / norm
    return c.squeeze()  # torch squeezes every size-1 dim (a single variable gives a 0-d result)


def corrcoef(input):
    """Pearson correlation matrix of the rows of `input` (cov normalized by the standard deviations, clipped to
    [-1, 1]); 0-d for a 1-d input."""
    c = cov(input)
    if c.ndim == 0:
        return c / c
    d = SH.diagonal(c)
    std = M.sqrt(d.real if d.is_complex() else d)
    c = c / std.unsqueeze(1)
    c = c / std.unsqueeze(0)
    return c if c.is_complex() else M.clamp(c, -1, 1)


def _unsupported_isin(a):
    if a.dtype is _dtype.bool or a.dtype.category == 3:
        raise RuntimeError(f"Unsupported input type encountered for isin(): {_type_name(a.dtype)}")


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """Boolean tensor shaped like `elements`: is each element among `test_elements`? (either may be a scalar)

    Values are compared after type promotion; NaN is never found.
    """
    el_t, te_t = isinstance(elements, Tensor), isinstance(test_elements, Tensor)
    if not el_t and not te_t:
        raise TypeError(f"isin() received an invalid combination of arguments - got "
                        f"({type(elements).__name__}, {type(test_elements).__name__}): one of elements and "
                        f"test_elements must be a Tensor")
    a = elements if el_t else C.tensor(elements)
    b = test_elements if te_t else C.tensor(test_elements)
    _unsupported_isin(a)
    _unsupported_isin(b)
    dt = _dtype.result_type(elements, test_elements).np
    res = np.isin(a._data.astype(dt, copy=False), b._data.astype(dt, copy=False).reshape(-1),
                  assume_unique=builtins.bool(assume_unique), invert=builtins.bool(invert))
    return _make(np.asarray(res, dtype=np.bool_).reshape(a.shape))


# ================================================================================= integer and bit-level helpers
def _int_only(kernel, fn):
    def impl(*args):
        for a in args:
            if isinstance(a, np.ndarray) and a.dtype.kind not in "iu":
                raise NotImplementedError(f'"{kernel}" not implemented for \'{E._type_name(a.dtype)}\'')
        return fn(*args)
    return impl


def _float_only(kernel, fn):
    def impl(*args):
        for a in args:
            if isinstance(a, np.ndarray) and a.dtype.kind != "f":
                raise NotImplementedError(f'"{kernel}" not implemented for \'{E._type_name(a.dtype)}\'')
        return fn(*args)
    return impl


def _shift_only(kernel, fn):
    def impl(*args):
        for a in args:
            if isinstance(a, np.ndarray) and a.dtype.kind in "fcb":  # bool only shifts once promoted to int
                raise NotImplementedError(f'"{kernel}" not implemented for \'{E._type_name(a.dtype)}\'')
        return fn(*args)
    return impl


_gcd = Primitive("gcd", _int_only("gcd_cpu", np.gcd), elementwise=True, dtype_rule="promote", differentiable=False)
_lcm = Primitive("lcm", _int_only("lcm_cpu", np.lcm), elementwise=True, dtype_rule="promote", differentiable=False)
_lshift = Primitive("bitwise_left_shift", _shift_only("lshift_cpu", np.left_shift), elementwise=True,
                    dtype_rule="promote", differentiable=False)
_rshift = Primitive("bitwise_right_shift", _shift_only("rshift_cpu", np.right_shift), elementwise=True,
                    dtype_rule="promote", differentiable=False)

# nextafter moves by one ulp: its derivative is 1 in `input` and 0 in `other` (torch's convention)
_nextafter = Primitive("nextafter", _float_only("nextafter_cpu", np.nextafter), elementwise=True,
                       dtype_rule="promote", saves=(), save_out=True)
_nextafter.defpartials(lambda out, input, other: (1, C.zeros_like(out)))


def gcd(input, other):
    """Elementwise greatest common divisor (non-negative) of integer tensors; gcd(0, 0) = 0."""
    return _gcd(input, other)


def lcm(input, other):
    """Elementwise least common multiple (non-negative) of integer tensors; 0 when either is 0."""
    return _lcm(input, other)


def gcd_(input, other):
    """In-place gcd."""
    return _inplace(input, gcd, other)


def lcm_(input, other):
    """In-place lcm."""
    return _inplace(input, lcm, other)


def bitwise_left_shift(input, other):
    """input << other for integer tensors (either may be a Python int); shifts outside [0, bits) give 0."""
    if not isinstance(input, Tensor):
        input = C.scalar_tensor(input, dtype=_dtype.result_type(input))
    return _lshift(input, other)


def bitwise_right_shift(input, other):
    """Arithmetic input >> other for integer tensors (either may be a Python int); shifts outside [0, bits) give
    the sign fill (0 or -1)."""
    if not isinstance(input, Tensor):
        input = C.scalar_tensor(input, dtype=_dtype.result_type(input))
    return _rshift(input, other)


def nextafter(input, other):
    """The next floating-point value after `input` in the direction of `other`."""
    return _nextafter(input, other)


def ldexp(input, other):
    """input * 2 ** other, in the promoted floating dtype (integers go to the default float dtype)."""
    dt = _dtype.result_type(input, other)
    if dt.category < 2:
        dt = _dtype.get_default_dtype()
    x = input.to(dt) if isinstance(input, Tensor) else input
    e = other.to(dt) if isinstance(other, Tensor) else float(other)
    return x * (M.exp2(e) if isinstance(e, Tensor) else 2.0 ** e)


def ldexp_(input, other):
    """In-place ldexp (the result must be castable to input's dtype)."""
    dt = _dtype.result_type(input, other)
    if dt.category < 2:
        dt = _dtype.get_default_dtype()
    if not _dtype.can_cast(dt, input.dtype):
        raise RuntimeError(f"ldexp can't be cast to the desired output type {_type_name(input.dtype)}")
    return _inplace(input, ldexp, other)


_frexp_t = collections.namedtuple("frexp", ["mantissa", "exponent"])


def frexp(input):
    """Split `input` into mantissa in (-1, -0.5] U [0.5, 1) (0, inf and NaN kept) and int32 exponent with
    input = mantissa * 2 ** exponent. The mantissa is differentiable (d mantissa / d input = 2 ** -exponent)."""
    if input.dtype.category != 2:
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    _, e = np.frexp(input._data)
    e = e.astype(np.int32)
    # 2 ** -e in two exact power-of-two factors, so neither overflows for subnormal inputs
    half = e // 2
    s1 = np.ldexp(np.ones((), input._data.dtype), -half)
    s2 = np.ldexp(np.ones((), input._data.dtype), -(e - half))
    mantissa = input * _make(np.asarray(s1, input._data.dtype)) * _make(np.asarray(s2, input._data.dtype))
    return _frexp_t(mantissa, _make(e))


def trapz(y, x=None, *, dx=None, dim=-1):
    """Alias of trapezoid: the trapezoid-rule integral of `y` along `dim`."""
    return SH.trapezoid(y, x, dx=dx, dim=dim)


def fill(input, value):
    """A new tensor shaped and typed like `input` with every element `value` (a number or 0-d tensor; gradients
    flow to a tensor `value`, none to `input`)."""
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with {value.ndim} "
                               f"dimensions.")
        v = value.to(input.dtype)
    else:
        v = C.scalar_tensor(value, dtype=input.dtype)
    if not input.requires_grad:
        return SH.expand(v, input.shape).clone()
    # select `value` everywhere while keeping `input` on the graph (with a zero gradient, as torch)
    return M.where(C.ones(input.shape, dtype=_dtype.bool), v, input)


# ================================================================================= histograms
_hist_t = collections.namedtuple("histogram", ["hist", "bin_edges"])
_histdd_t = collections.namedtuple("histogramdd", ["hist", "bin_edges"])


def _fma64(a, b, c):
    """a * b + c in float64 with one rounding (error-free product and sum: Dekker / Knuth)."""
    p = a * b
    t = 134217729.0 * a  # 2^27 + 1 splits a double into two 26-bit halves
    ah = t - (t - a)
    al = a - ah
    t = 134217729.0 * b
    bh = t - (t - b)
    bl = b - bh
    err = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    s = p + c
    bb = s - p
    return s + (err + ((p - (s - bb)) + (c - bb)))


def _linear_edges(lo, hi, bins, dt):
    """bins + 1 equal-width edges from lo to hi, bit-identical to torch.linspace in `dt`: step in `dt`, the first
    half counted up from lo and the second down from hi, each as one fused multiply-add."""
    lo_c, hi_c = dt.type(lo), dt.type(hi)
    step = np.float64((hi_c - lo_c) / dt.type(bins))
    i = np.arange(bins + 1, dtype=np.float64)
    up = _fma64(np.full_like(i, step), i, np.full_like(i, np.float64(lo_c)))
    down = _fma64(np.full_like(i, -step), bins - i, np.full_like(i, np.float64(hi_c)))
    return np.where(i < (bins + 1) // 2, up, down).astype(dt)


def _hist_impl(x, bins, range_, weight, density, name):
    """x [N, D] float ndarray; bins: list of D ints or D edge ndarrays. Returns (hist ndarray, edge ndarrays)."""
    n, d = x.shape
    dt = x.dtype
    edges = []
    for k in builtins.range(d):
        b = bins[k]
        if isinstance(b, np.ndarray):
            if b.ndim != 1 or b.size < 1:
                raise RuntimeError(f"{name}: bins tensor should have one dimension and at least 1 element, but got "
                                   f"{b.ndim} dimensions and {b.size} elements for dimension {k}")
            if b.dtype != dt:
                raise RuntimeError(f"{name}: input tensor and bins tensors should have the same dtype, but got input "
                                   f"with dtype {dt} and bins for dimension {k} with dtype {b.dtype}")
            edges.append(b.copy())
            continue
        b = builtins.int(b)
        if b <= 0:
            raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {b} for dimension {k}")
        if range_ is not None:
            lo, hi = builtins.float(range_[2 * k]), builtins.float(range_[2 * k + 1])
        elif n:
            lo, hi = builtins.float(x[:, k].min()), builtins.float(x[:, k].max())
        else:
            lo, hi = 0.0, 0.0
        if lo > hi:
            raise RuntimeError(f"{name}: min should not exceed max, but got min {lo:g} max {hi:g} for dimension {k}")
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise RuntimeError(f"{name}: dimension {k}'s range [{lo:g}, {hi:g}] is not finite")
        if lo == hi:  # an empty range is widened to one unit around it (numpy's rule too)
            lo, hi = (0.0, 1.0) if n == 0 and range_ is None else (lo - 0.5, hi + 0.5)
        edges.append(_linear_edges(lo, hi, b, dt))
    # bin of each coordinate: the last edge closes the last bin; values outside the edges are dropped
    idx = np.zeros(n, np.int64)
    keep = np.ones(n, np.bool_)
    shape = tuple(e.size - 1 for e in edges)
    for k, e in enumerate(edges):
        v = x[:, k]
        pos = np.searchsorted(e, v, side="right") - 1
        pos = np.where(v == e[-1], e.size - 2, pos)
        keep &= (v >= e[0]) & (v <= e[-1]) & (pos >= 0) & (pos < e.size - 1)
        idx = idx * builtins.max(shape[k], 1) + np.clip(pos, 0, builtins.max(shape[k] - 1, 0))
    size = math.prod(shape)
    w = None if weight is None else weight[keep]
    hist = np.bincount(idx[keep], weights=w, minlength=size).astype(dt) if size else np.zeros(0, dt)
    hist = hist.reshape(shape)
    if density:
        total = hist.sum()
        hist = hist / total
        for k, e in enumerate(edges):
            widths = np.diff(e).astype(dt)
            hist = hist / widths.reshape((1,) * k + (-1,) + (1,) * (d - k - 1))
        hist = hist.astype(dt)
    return hist, edges


def _hist_input(input, name):
    if input.dtype.category != 2:
        raise NotImplementedError(f'"{name}" not implemented for \'{_type_name(input.dtype)}\'')


def histogram(input, bins=100, *, range=None, weight=None, density=False):
    """Histogram of the elements of `input`.

    Args:
        bins: the number of equal-width bins over `range` (default: the data's min and max), or a 1-d tensor of
            increasing bin edges (same dtype as input). Every bin is half-open except the last, which is closed.
        range: (min, max) for integer `bins`.
        weight: per-element weights (shape of input).
        density: normalize so the histogram integrates to 1.

    Returns:
        (hist, bin_edges), both of input's dtype.
    """
    _hist_input(input, "histogramdd")
    x = input._data.reshape(-1, 1)
    if weight is not None and tuple(weight.shape) != tuple(input.shape):
        raise RuntimeError(f"torch.histogramdd: if weight tensor is provided it should have the same shape as the "
                           f"input tensor excluding its innermost dimension, but got input with shape "
                           f"{list(x.shape)} and weight with shape {list(weight.shape)}")
    b = [bins._data] if isinstance(bins, Tensor) else [bins]
    hist, edges = _hist_impl(x, b, range, None if weight is None else weight._data.reshape(-1), density,
                             "torch.histogramdd")
    return _hist_t(_make(hist), _make(edges[0]))


def histogramdd(input, bins, range=None, weight=None, density=False):
    """D-dimensional histogram of the points in the rows of `input` [..., D].

    Args:
        bins: one int for every dim, a list of D ints, or a list of D 1-d edge tensors.
        range: [min_0, max_0, min_1, max_1, ...] for integer bins.
        weight: per-point weights, shaped like input without its last dim.
        density: normalize so the histogram integrates to 1.

    Returns:
        (hist [bins_0, ..., bins_{D-1}], tuple of D bin-edge tensors).
    """
    _hist_input(input, "histogramdd")
    if input.ndim < 2:
        raise RuntimeError("torch.histogramdd: input tensor should have at least 2 dimensions")
    d = input.shape[-1]
    x = input._data.reshape(-1, d)
    if isinstance(bins, (builtins.int, np.integer)):
        b = [builtins.int(bins)] * d
    else:
        b = [v._data if isinstance(v, Tensor) else v for v in bins]
        if len(b) != d:
            raise RuntimeError("histogramdd: The size of bins must be equal to the innermost dimension of the "
                               "input.")
    if range is not None and len(range) != 2 * d:
        raise RuntimeError(f"torch.histogramdd: for a {d}-dimensional histogram range should have {2 * d} "
                           f"elements, but got {len(range)}")
    if weight is not None and tuple(weight.shape) != tuple(input.shape[:-1]):
        raise RuntimeError(f"torch.histogramdd: if weight tensor is provided it should have the same shape as the "
                           f"input tensor excluding its innermost dimension, but got input with shape "
                           f"{list(input.shape)} and weight with shape {list(weight.shape)}")
    hist, edges = _hist_impl(x, b, range, None if weight is None else weight._data.reshape(-1), density,
                             "torch.histogramdd")
    return _histdd_t(_make(hist), tuple(_make(e) for e in edges))


# ================================================================================= sampling
def binomial(count, prob, generator=None):
    """Binomial(count, prob) draws, elementwise with broadcasting, as floats of count's dtype (not differentiable).

    `count` must be a floating tensor (non-negative; fractional counts are truncated) and `prob` of the same dtype,
    in [0, 1]. Draws come from `generator` (default: probtorch's global generator).
    """
    from .._random import _rng
    if count.dtype.category != 2:
        raise ValueError(f"binomial only supports floating-point dtypes for count, got: {_type_name(count.dtype)}")
    if prob.dtype is not count.dtype:
        raise RuntimeError(f"Found dtype {_type_name(prob.dtype)} but expected {_type_name(count.dtype)}")
    n, p = np.broadcast_arrays(count._data, prob._data)
    if np.any(~(n >= 0)):
        raise ValueError("binomial: count must be non-negative")
    if np.any(~((p >= 0) & (p <= 1))):
        raise ValueError("binomial: prob must be in [0, 1]")
    draws = _rng(generator).binomial(n.astype(np.int64), p)
    return _make(np.asarray(draws).astype(count._data.dtype))


# ================================================================================= windows
def _window(name, window_length, periodic, dtype, requires_grad, values):
    if window_length < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got window_length={window_length}")
    dtype = dtype or _dtype.get_default_dtype()
    if dtype.category != 2:
        raise RuntimeError(f"{name} expects floating point dtypes, got: {dtype}")
    if window_length == 0:
        arr = np.zeros(0, dtype.np)
    elif window_length == 1:
        arr = np.ones(1, dtype.np)
    else:
        # a periodic window is the symmetric one of length N + 1 without its last point
        m = window_length if periodic else window_length - 1
        arr = values(np.arange(window_length, dtype=np.float64), m).astype(dtype.np)
    t = _make(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def bartlett_window(window_length, periodic=True, *, dtype=None, layout=None, device=None, pin_memory=False,
                    requires_grad=False):
    """Triangular window 1 - |2n / M - 1|, M = N (periodic) or N - 1."""
    return _window("bartlett_window", window_length, periodic, dtype, requires_grad,
                   lambda n, m: 1 - np.abs(2 * n / m - 1))


def blackman_window(window_length, periodic=True, *, dtype=None, layout=None, device=None, pin_memory=False,
                    requires_grad=False):
    """0.42 - 0.5 cos(2 pi n / M) + 0.08 cos(4 pi n / M), M = N (periodic) or N - 1."""
    return _window("blackman_window", window_length, periodic, dtype, requires_grad,
                   lambda n, m: 0.42 - 0.5 * np.cos(2 * np.pi * n / m) + 0.08 * np.cos(4 * np.pi * n / m))


def hamming_window(window_length, periodic=True, alpha=0.54, beta=0.46, *, dtype=None, layout=None, device=None,
                   pin_memory=False, requires_grad=False):
    """Generalized Hamming window alpha - beta cos(2 pi n / M), M = N (periodic) or N - 1."""
    return _window("hamming_window", window_length, periodic, dtype, requires_grad,
                   lambda n, m: alpha - beta * np.cos(2 * np.pi * n / m))


def hann_window(window_length, periodic=True, *, dtype=None, layout=None, device=None, pin_memory=False,
                requires_grad=False):
    """Hann window 0.5 - 0.5 cos(2 pi n / M) = sin^2(pi n / M), M = N (periodic) or N - 1."""
    return _window("hann_window", window_length, periodic, dtype, requires_grad,
                   lambda n, m: 0.5 - 0.5 * np.cos(2 * np.pi * n / m))


def kaiser_window(window_length, periodic=True, beta=12.0, *, dtype=None, layout=None, device=None,
                  pin_memory=False, requires_grad=False):
    """Kaiser window I0(beta sqrt(1 - (2n / M - 1)^2)) / I0(beta), M = N (periodic) or N - 1."""
    return _window("kaiser_window", window_length, periodic, dtype, requires_grad,
                   lambda n, m: np.i0(beta * np.sqrt(np.clip(1 - (2 * n / m - 1) ** 2, 0, None))) / np.i0(beta))


# ================================================================================= process-wide settings
_settings = {"warn_always": False, "interop_threads": None, "matmul_precision": "highest"}

_DEVICE_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga", "maia",
                 "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone")


def is_warn_always_enabled():
    """Whether warnings that normally show once per process are shown every time (see set_warn_always)."""
    return _settings["warn_always"]


def set_warn_always(b):
    """Show once-per-process warnings every time (recorded; probtorch's own warnings follow Python's filters)."""
    if not isinstance(b, builtins.bool):
        raise RuntimeError(f"setWarnOnlyOnce expects a bool, but got {type(b).__name__}")
    _settings["warn_always"] = b


def get_num_interop_threads():
    """The recorded inter-op thread count (default: the CPU count). probtorch runs ops one at a time."""
    return _settings["interop_threads"] or os.cpu_count() or 1


def set_num_interop_threads(num):
    """Record the inter-op thread count. probtorch has no inter-op pool, so unlike torch it may be set again."""
    if isinstance(num, builtins.bool) or not isinstance(num, (builtins.int, np.integer)):
        raise TypeError(f"set_num_interop_threads(): argument must be int, not {type(num).__name__}")
    if num <= 0:
        raise RuntimeError("set_num_interop_threads expects a positive integer")
    _settings["interop_threads"] = builtins.int(num)


def get_default_device():
    """The device new tensors are created on: always the CPU."""
    from .._device import device
    return device("cpu")


def set_default_device(device):
    """Accepts None or the CPU (the only device); other known device types raise as torch built without them."""
    if device is None:
        return
    name = device.type if hasattr(device, "type") else str(device)
    kind = name.split(":")[0]
    if kind == "cpu":
        return
    if kind not in _DEVICE_TYPES:
        raise RuntimeError(f"Expected one of {', '.join(_DEVICE_TYPES)} device type at start of device string: "
                           f"{name}")
    raise AssertionError(f"probtorch is not compiled with {kind.upper()} enabled (it runs on the CPU only)")


def set_flush_denormal(mode):
    """Always returns False (denormals are not flushed): numpy exposes no control of the CPU's flush-to-zero /
    denormals-are-zero flags, and setting them behind its back would change results of every numpy routine."""
    return False


def get_float32_matmul_precision():
    """The recorded float32 matmul precision ('highest', 'high' or 'medium')."""
    return _settings["matmul_precision"]


def set_float32_matmul_precision(precision):
    """Record 'highest', 'high' or 'medium' (probtorch's float32 matmuls always run at full float32 precision);
    any other value warns and changes nothing, as torch."""
    if precision not in ("highest", "high", "medium"):
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current "
                      f"set_float32_matmul_precision call has no effect.", UserWarning, stacklevel=2)
        return
    _settings["matmul_precision"] = precision


# ================================================================================= factories
def empty_permuted(size, physical_layout, *, dtype=None, layout=None, device=None, requires_grad=False,
                   pin_memory=False):
    """An uninitialized tensor of logical shape `size` whose memory is laid out in the dim order `physical_layout`
    (outermost first): empty_permuted(s, (0, 2, 1)) has the strides of empty((s0, s2, s1)).permute(0, 2, 1)."""
    size = SH._shape_arg((size,))
    perm = tuple(builtins.int(p) for p in physical_layout)
    n = len(size)
    if len(perm) != n:
        raise RuntimeError(f"Number of dimensions in size does not match the length of the physical_layout; i.e. "
                           f"len(size) = {n} is not equal to len(physical_layout) = {len(perm)}")
    seen = set()
    for i, p in enumerate(perm):
        if not 0 <= p < n:
            raise RuntimeError(f"Dimension out of range (expected to be between 0 and {n - 1}, but got {p} at index "
                               f"{i}).  NB: negative dims not currently supported; file an issue if you want it.")
        if p in seen:
            raise RuntimeError("Duplicate dim not allowed")
        seen.add(p)
    for s in size:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(size)}")
    dtype = dtype or _dtype.get_default_dtype()
    if requires_grad and dtype.category < 2:
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
    phys = np.empty(tuple(size[p] for p in perm), dtype.np)
    t = _make(phys.transpose(tuple(np.argsort(perm))))
    if requires_grad:
        t.requires_grad_(True)
    return t


def frombuffer(buffer, *, dtype, count=-1, offset=0, requires_grad=False):
    """A 1-d tensor sharing memory with an object exposing the buffer protocol (bytes, bytearray, array, mmap).

    `offset` is in bytes, `count` in elements (-1: all that remain). A read-only buffer (bytes) gives a read-only
    tensor, with a warning the first time.
    """
    view = memoryview(buffer)
    nbytes = view.nbytes
    if view.readonly and not _settings.get("readonly_buffer_warned"):
        _settings["readonly_buffer_warned"] = True  # once per process, as torch
        warnings.warn("The given buffer is not writable: the tensor shares its memory, so writing to the tensor "
                      "will fail. Copy the buffer (e.g. bytearray(buffer)) to get a writable tensor.", UserWarning,
                      stacklevel=2)
    item = np.dtype(dtype.np).itemsize
    if nbytes <= 0 or count == 0:
        raise ValueError(f"both buffer length ({nbytes}) and count ({count}) must not be 0")
    if not 0 <= offset < nbytes:
        raise ValueError(f"offset ({offset} bytes) must be non-negative and no greater than buffer length "
                         f"({nbytes} bytes) minus 1")
    if count < 0:
        if (nbytes - offset) % item:
            raise ValueError(f"buffer length ({nbytes - offset} bytes) after offset ({offset} bytes) must be a "
                             f"multiple of element size ({item})")
        count = (nbytes - offset) // item
    elif offset + count * item > nbytes:
        raise ValueError(f"requested buffer length ({count} * {item} bytes) after offset ({offset} bytes) must not be "
                         f"greater than actual buffer length ({nbytes} bytes)")
    arr = np.frombuffer(buffer, dtype=dtype.np, count=count, offset=offset)
    t = _make(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


# ================================================================================= aliases and copies of views
def unsafe_chunk(input, chunks, dim=0):
    """chunk(input, chunks, dim): views of `dim` in at most `chunks` pieces."""
    return SH.chunk(input, chunks, dim)


def unsafe_split(input, split_size, dim=0):
    """split(input, split_size, dim): views of `dim` in pieces of `split_size` (the last may be shorter)."""
    return SH.split(input, split_size, dim)


def unsafe_split_with_sizes(input, split_sizes, dim=0):
    """split_with_sizes(input, split_sizes, dim): views of `dim` in pieces of the given sizes."""
    return SH.split_with_sizes(input, split_sizes, dim)


def view_copy(input, size):
    """view(input, size) (or the dtype reinterpretation view(input, dtype)) in fresh memory."""
    return SH.view(input, size).clone()


def permute_copy(input, dims):
    """permute(input, dims) in fresh memory."""
    return SH.permute(input, dims).clone()


def t_copy(input):
    """t(input) in fresh memory."""
    return SH.t(input).clone()


def transpose_copy(input, dim0, dim1):
    """transpose(input, dim0, dim1) in fresh memory."""
    return SH.transpose(input, dim0, dim1).clone()


def squeeze_copy(input, dim=None):
    """squeeze(input, dim) in fresh memory."""
    return SH.squeeze(input, dim).clone()


def unsqueeze_copy(input, dim):
    """unsqueeze(input, dim) in fresh memory."""
    return SH.unsqueeze(input, dim).clone()


def expand_copy(input, size, *, implicit=False):
    """expand(input, size) materialized in fresh memory."""
    return SH.expand(input, size).clone()


def diagonal_copy(input, offset=0, dim1=0, dim2=1):
    """diagonal(input, offset, dim1, dim2) in fresh memory."""
    return SH.diagonal(input, offset, dim1, dim2).clone()


def select_copy(input, dim, index):
    """select(input, dim, index) in fresh memory."""
    return SH.select(input, dim, index).clone()


def slice_copy(input, dim=0, start=None, end=None, step=1):
    """input[..., start:end:step, ...] along `dim` in fresh memory (out-of-range bounds are clamped)."""
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    if input.ndim == 0:
        raise IndexError("slice() cannot be applied to a 0-dim tensor.")
    dim = _wrap_dim(dim, input.ndim)
    return S.index(input, idx=(slice(None),) * dim + (slice(start, end, step),)).clone()


def unbind_copy(input, dim=0):
    """unbind(input, dim), each slice in fresh memory."""
    return tuple(v.clone() for v in SH.unbind(input, dim))


def split_copy(input, split_size, dim=0):
    """split(input, split_size, dim), each piece in fresh memory."""
    return tuple(v.clone() for v in SH.split(input, split_size, dim))


def split_with_sizes_copy(input, split_sizes, dim=0):
    """split_with_sizes(input, split_sizes, dim), each piece in fresh memory."""
    return tuple(v.clone() for v in SH.split_with_sizes(input, split_sizes, dim))


def unfold_copy(input, dimension, size, step):
    """Tensor.unfold(dimension, size, step) in fresh memory."""
    return SH.tensor_unfold(input, dimension, size, step).clone()


def detach_copy(input):
    """A detached copy of `input` (no gradient history, fresh memory)."""
    return input.detach().clone()


def alias_copy(input):
    """A copy of `input` in fresh memory (differentiable)."""
    return E.clone(input)


# ================================================================================= small top-level helpers
def cond(pred, true_fn, false_fn, operands=()):
    """true_fn(*operands) if `pred` else false_fn(*operands); `pred` is a Python bool/number or a one-element
    tensor. (torch traces both branches under compilation; eagerly, as here, only the chosen one runs.)"""
    if isinstance(pred, Tensor):
        if pred.numel() != 1:
            raise RuntimeError(f"Expected pred to be bool or single-element tensor, but got {pred}.")
        pred = pred.item()
    elif not isinstance(pred, (builtins.bool, builtins.int, builtins.float, np.bool_, np.number)):
        raise RuntimeError(f"Expected pred to be bool or single-element tensor, but got {pred}.")
    return true_fn(*operands) if pred else false_fn(*operands)


def detach_(input):
    """Detach `input` from its graph in place (it becomes a leaf without requires_grad)."""
    return input.detach_()


def i0_(input):
    """In-place i0 (modified Bessel function of the first kind, order 0)."""
    return input.i0_()


def addmv_(input, mat, vec, *, beta=1, alpha=1):
    """In place: input = beta * input + alpha * (mat @ vec)."""
    return input.addmv_(mat, vec, beta=beta, alpha=alpha)


def resize_as_(input, the_template, *, memory_format=None):
    """Resize `input` in place to the shape of `the_template` (keeping the leading elements in order)."""
    return input.resize_(the_template.shape)


def get_device(input):
    """The CUDA device index of `input`: -1, since probtorch tensors live on the CPU."""
    return -1


def norm_except_dim(v, pow=2, dim=0):
    """The `pow`-norm of `v` over every dim except `dim`, shaped like v with all other dims of size 1 (the norm of
    all of v, 0-d, when dim is -1). This is the g / ||v|| split of weight normalization."""
    if dim == -1:
        return R.vector_norm(v, pow)
    d = _wrap_dim(dim, v.ndim)
    n = v.shape[d]
    rows = SH.movedim(v, d, 0).reshape(n, -1)
    return R.vector_norm(rows, pow, dim=1).reshape((1,) * d + (n,) + (1,) * (v.ndim - d - 1))


def nonzero_static(input, *, size, fill_value=-1):
    """nonzero(input) with exactly `size` rows: cut short, or padded with rows of `fill_value`."""
    if isinstance(size, builtins.bool) or not isinstance(size, (builtins.int, np.integer)) or size < 0:
        raise RuntimeError("nonzero_static: 'size' must be an non-negative integer")
    nz = SH.nonzero(input)._data
    out = np.full((builtins.int(size), input.ndim), fill_value, np.int64)
    k = builtins.min(builtins.int(size), nz.shape[0])
    out[:k] = nz[:k]
    return _make(out)


def set_anomaly_enabled(enabled, check_nan=True):
    """Switch anomaly detection on or off for the rest of the thread (set_detect_anomaly without the scope)."""
    _grad_state.anomaly = builtins.bool(enabled)
    _grad_state.check_nan = builtins.bool(check_nan)


_DEBUG_MODES = {"default": 0, "warn": 1, "error": 2}


def get_deterministic_debug_mode():
    """0, 1 or 2: use_deterministic_algorithms off, on with warn_only, or on."""
    import probtorch
    if not probtorch.are_deterministic_algorithms_enabled():
        return 0
    return 1 if probtorch.is_deterministic_algorithms_warn_only_enabled() else 2


def set_deterministic_debug_mode(debug_mode):
    """Another spelling of use_deterministic_algorithms: "default"/0 off, "warn"/1 warn only, "error"/2 on. (Every
    probtorch kernel is deterministic, so the modes are recorded and never fire.)"""
    import probtorch
    if isinstance(debug_mode, str):
        if debug_mode not in _DEBUG_MODES:
            raise RuntimeError(f"invalid value of debug_mode, expected one of `default`, `warn`, `error`, but got "
                               f"{debug_mode}")
        debug_mode = _DEBUG_MODES[debug_mode]
    elif isinstance(debug_mode, builtins.bool) or not isinstance(debug_mode, (builtins.int, np.integer)):
        raise TypeError(f"debug_mode must be str or int, but got {type(debug_mode)}")
    if debug_mode not in (0, 1, 2):
        raise RuntimeError(f"invalid value of debug_mode, expected 0, 1, or 2, but got {debug_mode}")
    probtorch.use_deterministic_algorithms(debug_mode > 0, warn_only=debug_mode == 1)


_LEGACY_NAMES = {"FloatTensor": _dtype.float32, "DoubleTensor": _dtype.float64, "HalfTensor": _dtype.float16}


def set_default_tensor_type(t):
    """Deprecated torch spelling of set_default_dtype: `t` is a floating legacy type (probtorch.DoubleTensor) or its
    name ("torch.DoubleTensor"); other types raise TypeError. Warns (once per process, as torch) that it is
    deprecated."""
    if not _settings.get("tensor_type_warned"):
        _settings["tensor_type_warned"] = True
        warnings.warn("set_default_tensor_type() is deprecated, please use set_default_dtype() instead.",
                      UserWarning, stacklevel=2)
    if isinstance(t, str):
        name = t.split(".")[-1]
        if name not in _LEGACY_NAMES:
            raise TypeError(f"invalid type: '{t}'")
        dt = _LEGACY_NAMES[name]
    else:
        dt = getattr(t, "dtype", None)
        if not isinstance(dt, _dtype.dtype):
            raise TypeError(f"invalid type: '{t}'")
    if dt.category != 2:
        raise TypeError("only floating-point types are supported as the default type")
    _dtype.set_default_dtype(dt)


# ================================================================================= layout and memory-format tokens
class _Token:
    """A named singleton that torch code passes around (layout=strided, memory_format=...); pickles to itself."""

    __slots__ = ("_name",)

    def __new__(cls, *args, **kwargs):
        raise TypeError(f"cannot create '{cls.__name__}' instances")

    @classmethod
    def _create(cls, name):
        obj = object.__new__(cls)
        obj._name = name
        return obj

    def __repr__(self):
        return f"probtorch.{self._name}"

    def __reduce__(self):
        return self._name


class layout(_Token):
    """How a tensor's elements are stored. probtorch has dense (strided) tensors only."""

    __slots__ = ()


class memory_format(_Token):
    """The preferred order of a tensor's strides. probtorch accepts every format wherever torch takes one; it is a
    performance hint there (values are never affected), and probtorch keeps numpy's own layout."""

    __slots__ = ()


strided = layout._create("strided")
contiguous_format = memory_format._create("contiguous_format")
preserve_format = memory_format._create("preserve_format")
channels_last = memory_format._create("channels_last")
channels_last_3d = memory_format._create("channels_last_3d")
