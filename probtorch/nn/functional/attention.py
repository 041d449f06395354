"""Attention, CTC, embedding_bag, the margin losses, pdist, channel_shuffle and the remaining activations.

Everything but ctc_loss (a primitive pair over a numba kernel) and the masked softmax of attention (a primitive whose
rule is written in Tensor ops) is composed from Tensor ops, so it is differentiable to any order.
"""
import math

import numpy as np

from ..._tensor import Tensor, _make
from ..._primitive import Primitive
from ..._functions import math as M
from ..._functions.creation import zeros, ones
from ..._functions.shape import cat
from ..._random import rand
from ..._dtype import int32, int64, bool as _bool
from .activation import elu, celu, selu, leaky_relu, hardtanh, relu, threshold
from .linear import linear, dropout
from .loss import _reduce, pairwise_distance

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward", "ctc_loss", "embedding_bag",
           "multi_margin_loss", "multilabel_margin_loss", "multilabel_soft_margin_loss",
           "triplet_margin_with_distance_loss", "pdist", "channel_shuffle", "feature_alpha_dropout", "rrelu",
           "rrelu_", "celu_", "elu_", "hardtanh_", "leaky_relu_", "relu_", "selu_", "threshold_"]


# ---------------------------------------------------------------------------------------------------------------
# scaled dot-product attention


def _masked_softmax_impl(x, zero_empty=True):
    """Softmax over the last axis; a row whose scores are all -inf gives zeros (zero_empty, as torch's sdpa) or NaN
    (as softmax)."""
    m = np.max(x, axis=-1, keepdims=True) if x.shape[-1] else np.zeros(x.shape[:-1] + (1,), x.dtype)
    m[~np.isfinite(m)] = 0
    e = np.exp(x - m)
    s = e.sum(-1, keepdims=True)
    if zero_empty:
        s[s == 0] = 1
    e /= s
    return e


_masked_softmax = Primitive("masked_softmax", _masked_softmax_impl, saves=(), save_out=True)


@_masked_softmax.defvjp
def _(g, out, x, zero_empty=True):
    return (out * (g - (g * out).sum(-1, keepdim=True)),)


def _check_float(name, t):
    if not t.is_floating_point():
        raise RuntimeError(f"expected scalar type Float but found {_scalar_name(t.dtype)}")


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                                 enable_gqa=False):
    """softmax(q k^T * scale + mask) v over the last two dims (batch dims broadcast).

    A boolean `attn_mask` marks the pairs that take part (True) and a float one is added to the scores;
    `is_causal` keeps key j <= query i (aligned at the top-left). Rows with every key masked out give zeros.
    `enable_gqa` lets key/value carry fewer heads (dim -3) than query, each shared by a group of query heads.
    """
    if query.dtype != key.dtype or query.dtype != value.dtype:
        raise RuntimeError(f"Expected query, key, and value to have the same dtype, but got query.dtype: "
                           f"{_short(query.dtype)} key.dtype: {_short(key.dtype)} and value.dtype: "
                           f"{_short(value.dtype)} instead.")
    _check_float("query", query)
    if is_causal and attn_mask is not None:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True")
    if query.shape[-1] != key.shape[-1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"{[_bmm_lead(query), query.shape[-1]]} but got: {[_bmm_lead(query), key.shape[-1]]}.")
    if enable_gqa and query.ndim >= 3 and key.ndim >= 3:
        hq, hk, hv = query.shape[-3], key.shape[-3], value.shape[-3]
        if hq % hk or hq % hv:
            raise RuntimeError("Number of heads in key and value must divide the number of heads in query")
        if hk != hq:
            key = key.repeat_interleave(hq // hk, dim=-3)
        if hv != hq:
            value = value.repeat_interleave(hq // hv, dim=-3)
    L, S = query.shape[-2], key.shape[-2]
    sc = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    scores = (query * sc) @ key.transpose(-2, -1)
    if is_causal:
        attn_mask = ones(L, S, dtype=_bool).tril()
    if attn_mask is not None:
        if attn_mask.dtype == _bool:
            scores = scores.masked_fill(~attn_mask, -math.inf)
        elif attn_mask.dtype != query.dtype:
            raise RuntimeError(f"Expected attn_mask dtype to be bool or float or to match query dtype, but got "
                               f"attn_mask.dtype: {_short(attn_mask.dtype)} and  query.dtype: {_short(query.dtype)} "
                               f"instead.")
        else:
            scores = scores + attn_mask
    w = _masked_softmax(scores)
    if dropout_p > 0.0:
        w = dropout(w, dropout_p, True)
    return w @ value


def _scalar_name(dt):
    """torch's ScalarType name of a dtype (as in its dtype error messages)."""
    return {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16", "int32": "Int",
            "int64": "Long", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
            "complex64": "ComplexFloat", "complex128": "ComplexDouble"}.get(dt.name, dt.name)


def _short(dt):
    return {"float32": "float", "float64": "double", "float16": "half", "bfloat16": "bfloat16"}.get(dt.name, dt.name)


def _bmm_lead(query):
    n = 1
    for s in query.shape[:-2]:
        n *= s
    return n


# ---------------------------------------------------------------------------------------------------------------
# multi-head attention (torch's (L, N, E) layout; batch_first is handled by the module)


def _float_mask(mask, name, dtype):
    """A boolean mask (True = masked out) becomes an additive float mask of -inf / 0; a float mask is kept."""
    if mask is None:
        return None
    if mask.dtype == _bool:
        return zeros(mask.shape, dtype=dtype).masked_fill(mask, -math.inf)
    if not mask.is_floating_point():
        raise AssertionError(f"only bool and floating types of {name} are supported")
    return mask


def _pad_last(mask):
    if mask is None:
        return None
    return cat([mask, zeros(tuple(mask.shape[:-1]) + (1,), dtype=mask.dtype)], -1)


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias,
                                 bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias,
                                 training=True, key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None, k_proj_weight=None,
                                 v_proj_weight=None, static_k=None, static_v=None, average_attn_weights=True,
                                 is_causal=False):
    """Multi-head attention on (L, N, E) query / (S, N, E_k) key / (S, N, E_v) value (or unbatched (L, E) ...).

    Returns (output (L, N, E), weights (N, L, S) averaged over heads or (N, H, L, S), or None without
    need_weights). Boolean masks mark positions to ignore (True), float masks are added to the scores.
    """
    batched = query.dim() == 3
    if query.dim() not in (2, 3):
        raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received {query.dim()}-D "
                             f"query tensor")
    if key.dim() != query.dim() or value.dim() != query.dim():
        raise AssertionError(f"For {'batched (3-D)' if batched else 'unbatched (2-D)'} `query`, expected `key` and "
                             f"`value` to be {query.dim()}-D but found {key.dim()}-D and {value.dim()}-D tensors "
                             f"respectively")
    if key_padding_mask is not None and key_padding_mask.dim() != (2 if batched else 1):
        raise AssertionError(f"For {'batched (3-D)' if batched else 'unbatched (2-D)'} `query`, expected "
                             f"`key_padding_mask` to be `None` or {2 if batched else 1}-D but found "
                             f"{key_padding_mask.dim()}-D tensor instead")
    if attn_mask is not None and attn_mask.dim() not in (2, 3):
        raise AssertionError(f"For {'batched (3-D)' if batched else 'unbatched (2-D)'} `query`, expected "
                             f"`attn_mask` to be `None`, 2-D or 3-D but found {attn_mask.dim()}-D tensor instead")
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if tuple(key.shape[:2]) != tuple(value.shape[:2]):
            raise AssertionError(f"key's sequence and batch dims {tuple(key.shape[:2])} do not match value's "
                                 f"{tuple(value.shape[:2])}")
    elif tuple(key.shape) != tuple(value.shape):
        raise AssertionError(f"key shape {tuple(key.shape)} does not match value shape {tuple(value.shape)}")
    mismatched = (key_padding_mask is not None and attn_mask is not None
                  and key_padding_mask.dtype != attn_mask.dtype)
    key_padding_mask = _float_mask(key_padding_mask, "key_padding_mask", query.dtype)
    if mismatched:
        import warnings
        warnings.warn("Support for mismatched key_padding_mask and attn_mask is deprecated. Use same type for "
                      "both instead.", stacklevel=2)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the Transformer module "
                           "method `generate_square_subsequent_mask` to create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None  # the mask is the causal one: sdpa builds it itself
    else:
        attn_mask = _float_mask(attn_mask, "attn_mask", query.dtype)
        if key_padding_mask is not None:
            is_causal = False
    # input projections
    if not use_separate_proj_weight:
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        w_q, w_k, w_v = in_proj_weight.chunk(3)
    else:
        if q_proj_weight is None or k_proj_weight is None or v_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is True but q_proj_weight, k_proj_weight or "
                                 "v_proj_weight is None")
        w_q, w_k, w_v = q_proj_weight, k_proj_weight, v_proj_weight
    b_q = b_k = b_v = None
    if in_proj_bias is not None:
        b_q, b_k, b_v = in_proj_bias.chunk(3)
    q = linear(query, w_q, b_q)
    k = linear(key, w_k, b_k)
    v = linear(value, w_v, b_v)
    if attn_mask is not None:
        if attn_mask.dim() == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(f"The shape of the 2D attn_mask is {_size(attn_mask.shape)}, but should be "
                                   f"{_size((tgt_len, src_len))}.")
            attn_mask = attn_mask.unsqueeze(0)
        elif tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
            raise RuntimeError(f"The shape of the 3D attn_mask is {_size(attn_mask.shape)}, but should be "
                               f"{_size((bsz * num_heads, tgt_len, src_len))}.")
    if bias_k is not None and bias_v is not None:
        if static_k is not None or static_v is not None:
            raise AssertionError("bias cannot be added to static key/value.")
        k = cat([k, bias_k.expand(1, bsz, embed_dim)])
        v = cat([v, bias_v.expand(1, bsz, embed_dim)])
        attn_mask = _pad_last(attn_mask)
        key_padding_mask = _pad_last(key_padding_mask)
    elif (bias_k is None) != (bias_v is None):
        raise AssertionError("bias_k and bias_v must both be given or both be None")
    q = q.reshape(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    if static_k is None:
        k = k.reshape(k.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
    else:
        if tuple(static_k.shape[::2]) != (bsz * num_heads, head_dim):
            raise AssertionError(f"expecting static_k of shape ({bsz * num_heads}, S, {head_dim}), but got "
                                 f"{tuple(static_k.shape)}")
        k = static_k
    if static_v is None:
        v = v.reshape(v.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
    else:
        if tuple(static_v.shape[::2]) != (bsz * num_heads, head_dim):
            raise AssertionError(f"expecting static_v of shape ({bsz * num_heads}, S, {head_dim}), but got "
                                 f"{tuple(static_v.shape)}")
        v = static_v
    if add_zero_attn:
        k = cat([k, zeros(k.shape[0], 1, head_dim, dtype=k.dtype)], 1)
        v = cat([v, zeros(v.shape[0], 1, head_dim, dtype=v.dtype)], 1)
        attn_mask = _pad_last(attn_mask)
        key_padding_mask = _pad_last(key_padding_mask)
    src_len = k.shape[1]
    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (bsz, src_len):
            raise AssertionError(f"expecting key_padding_mask shape of {(bsz, src_len)}, but got "
                                 f"{_size(key_padding_mask.shape)}")
        kpm = key_padding_mask.reshape(bsz, 1, 1, src_len).expand(bsz, num_heads, 1, src_len)
        kpm = kpm.reshape(bsz * num_heads, 1, src_len)
        attn_mask = kpm if attn_mask is None else attn_mask + kpm
    if not training:
        dropout_p = 0.0
    if need_weights:
        scores = (q * (1.0 / math.sqrt(head_dim))) @ k.transpose(-2, -1)
        if attn_mask is not None:
            scores = scores + attn_mask
        w = _masked_softmax(scores, zero_empty=False)
        if dropout_p > 0.0:
            w = dropout(w, dropout_p, True)
        out = (w @ v).transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
        out = linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, embed_dim)
        w = w.reshape(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            w = w.mean(1)
        if not batched:
            out, w = out.squeeze(1), w.squeeze(0)
        return out, w
    if attn_mask is not None:
        if attn_mask.shape[0] == 1 and attn_mask.dim() == 3:
            attn_mask = attn_mask.unsqueeze(0)
        else:
            attn_mask = attn_mask.reshape(bsz, num_heads, -1, src_len)
    q = q.reshape(bsz, num_heads, tgt_len, head_dim)
    k = k.reshape(bsz, num_heads, src_len, head_dim)
    v = v.reshape(bsz, num_heads, src_len, head_dim)
    out = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
    out = out.permute(2, 0, 1, 3).reshape(bsz * tgt_len, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, embed_dim)
    if not batched:
        out = out.squeeze(1)
    return out, None


def _size(shape):
    return f"torch.Size({list(shape)})"


# ---------------------------------------------------------------------------------------------------------------
# ctc_loss: a primitive whose gradient is a second primitive (torch defines no derivative of that gradient)


def _ctc_impl(lp, targets, il, tl, blank, zero_infinity):
    from ..._kernels import ctc as K
    lpn = np.ascontiguousarray(lp.transpose(1, 0, 2))  # (N, T, C): the kernels split the batch across threads
    if K.available():
        from ..._kernels._parallel import parallel_chunks
        nll = np.empty(lpn.shape[0])
        parallel_chunks(lambda *a: K.ctc_nll(*a[:4], blank, a[4]), lpn, targets, il, tl, nll, min_rows=2)
    else:
        nll = K.ctc_nll_numpy(lpn, targets, il, tl, blank)
    if zero_infinity:
        nll[np.isinf(nll)] = 0.0
    return nll.astype(lp.dtype)


def _ctc_grad_impl(lp, gout, targets, il, tl, blank, zero_infinity):
    from ..._kernels import ctc as K
    lpn = np.ascontiguousarray(lp.transpose(1, 0, 2))
    gout = np.asarray(gout, np.float64)
    if K.available():
        from ..._kernels._parallel import parallel_chunks
        grad = np.empty(lpn.shape, np.float64)
        nll = np.empty(lpn.shape[0])
        parallel_chunks(lambda *a: K.ctc_grad(*a[:4], blank, *a[4:]), lpn, targets, il, tl, gout, grad, nll,
                        min_rows=2)
    else:
        nll = K.ctc_nll_numpy(lpn, targets, il, tl, blank)
        grad = K.ctc_grad_numpy(lpn, targets, il, tl, blank, nll, gout)
    if zero_infinity:
        grad[np.isinf(nll)] = 0.0
    return grad.transpose(1, 0, 2).astype(lp.dtype)


_ctc = Primitive("ctc_loss", _ctc_impl)
_ctc_backward = Primitive("ctc_loss_backward", _ctc_grad_impl)


@_ctc.defvjp
def _(g, out, lp, **params):
    return (_ctc_backward(lp, g, **params),)


@_ctc_backward.defvjp
def _(g, out, lp, gout, **params):
    raise RuntimeError("derivative for aten::_ctc_loss_backward is not implemented")


def _lengths(x, name):
    if isinstance(x, Tensor):
        if x.is_floating_point() or x.is_complex():
            raise RuntimeError(f"{name} must be an integer tensor, got {x.dtype}")
        return np.asarray(x._data, np.int64).reshape(-1)
    if isinstance(x, (int, np.integer)):
        raise TypeError(f"ctc_loss(): argument '{name}' must be a tuple of ints or a Tensor, not int")
    return np.asarray(list(x), np.int64).reshape(-1)


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean", zero_infinity=False):
    """Connectionist Temporal Classification loss: -log of the total probability of every alignment of each target.

    log_probs (T, N, C) (or unbatched (T, C)); targets padded (N, S) or concatenated 1-D of length
    sum(target_lengths); lengths as int tensors or sequences. 'mean' divides each loss by its target length
    (at least 1) before averaging; zero_infinity replaces infinite losses (impossible alignments) and their
    gradients by zeros.

    The gradient follows torch's convention: for t < input_length it is exp(log_probs) - (alignment posterior), which
    is the true gradient with respect to the logits when log_probs = log_softmax(logits) (the usual pipeline) and
    equals the gradient of log_softmax's output then too, since log_softmax's backward leaves it unchanged. It is
    not differentiable again (as in torch).
    """
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if not log_probs.is_floating_point():
        raise NotImplementedError(f"\"ctc_loss_cpu\" not implemented for '{_scalar_name(log_probs.dtype)}'")
    unbatched = log_probs.dim() == 2
    if log_probs.dim() not in (2, 3):
        raise RuntimeError(f"ctc_loss: expected log_probs to be 2-D (unbatched) or 3-D, but got "
                           f"{log_probs.dim()}-D")
    lp = log_probs.unsqueeze(1) if unbatched else log_probs
    T, N, C = lp.shape
    il = _lengths(input_lengths, "input_lengths")
    tl = _lengths(target_lengths, "target_lengths")
    tg = np.asarray(targets._data, np.int64)
    if unbatched and tg.ndim == 1 and (not isinstance(target_lengths, Tensor) or target_lengths.dim() == 0):
        tg = tg[None]
    if il.shape[0] != N:
        raise RuntimeError("input_lengths must be of size batch_size")
    if tl.shape[0] != N:
        raise RuntimeError("target_lengths must be of size batch_size")
    if not 0 <= blank < C:
        raise RuntimeError("blank must be in label range")
    max_tl = int(tl.max()) if N else 0
    if tg.ndim == 1:
        if tg.shape[0] != tl.sum():
            raise RuntimeError(f"Expected tensor to have size {int(tl.sum())} at dimension 0, but got size "
                               f"{tg.shape[0]} for argument #2 'targets' (while checking arguments for "
                               f"ctc_loss_allocate_outputs)")
        padded = np.zeros((N, max(max_tl, 1)), np.int64)
        starts = np.concatenate([[0], np.cumsum(tl)[:-1]])
        for n in range(N):
            padded[n, :tl[n]] = tg[starts[n]:starts[n] + tl[n]]
    else:
        if tg.shape[1] < max_tl:
            raise RuntimeError(f"Expected tensor to have size at least {max_tl} at dimension 1, but got size "
                               f"{tg.shape[1]} for argument #2 'targets' (while checking arguments for "
                               f"ctc_loss_allocate_outputs)")
        padded = np.ascontiguousarray(tg) if tg.shape[1] else np.zeros((N, 1), np.int64)
    for n in range(N):
        if il[n] > T:
            raise RuntimeError(f"Expected input_lengths to have value at most {T}, but got value {il[n]} (while "
                               f"checking arguments for ctc_loss_allocate_outputs)")
        if tl[n] < 0 or il[n] < 0:
            raise RuntimeError("ctc_loss: input and target lengths must be non-negative")
    loss = _ctc(lp, targets=padded, il=il, tl=tl, blank=int(blank), zero_infinity=bool(zero_infinity))
    if reduction == "none":
        return loss.squeeze(0) if unbatched else loss
    if reduction == "sum":
        return loss.sum()
    denom = _make(np.maximum(tl, 1).astype(lp.dtype.np))
    return (loss / denom).mean()


# ---------------------------------------------------------------------------------------------------------------
# embedding_bag


def _scale_grad_impl(x, s):
    return x.copy()


_scale_grad = Primitive("scale_grad", _scale_grad_impl, saves=(1,))


@_scale_grad.defvjp
def _(g, out, x, s):
    return (g * s, None)


def _inverse_frequency(indices, dtype):
    """1 / (number of occurrences of each entry of `indices` in `indices`), as a tensor of `dtype`."""
    d = np.asarray(indices._data).reshape(-1)
    _, inv, counts = np.unique(d, return_inverse=True, return_counts=True)
    return _make((1.0 / counts[inv]).reshape(np.shape(indices._data)).astype(dtype.np))


def scale_grad_by_frequency(rows, indices):
    """`rows` unchanged, with its gradient divided by the frequency of each row's index (embedding's
    scale_grad_by_freq); `rows` has the indices' shape plus one trailing dim."""
    return _scale_grad(rows, _inverse_frequency(indices, rows.dtype).unsqueeze(-1))


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False, mode="mean",
                  sparse=False, per_sample_weights=None, include_last_offset=False, padding_idx=None):
    """Sum, mean or max of the rows of `weight` over each bag of indices.

    A 2-D `input` holds one bag per row; a 1-D `input` is cut into bags starting at `offsets` (with
    include_last_offset the last offset closes the last bag). Indices equal to `padding_idx` are left out (and not
    counted by 'mean'); empty bags give zeros. per_sample_weights (mode 'sum' only) scales each looked-up row.
    `sparse` is accepted but the weight's gradient is always dense (same values as torch's sparse one).
    """
    if input.dtype not in (int64, int32):
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got {_legacy(input.dtype)} instead (while checking arguments for "
                           f"embedding_bag)")
    if weight.dim() != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension {weight.dim()}")
    if per_sample_weights is not None and tuple(input.shape) != tuple(per_sample_weights.shape):
        raise ValueError(f"embedding_bag: If per_sample_weights ({_size(per_sample_weights.shape)}) is not None, "
                         f"then it must have the same shape as the input ({_size(input.shape)})")
    n_rows, dim = weight.shape
    if padding_idx is not None:
        if not -n_rows <= padding_idx < n_rows:
            raise RuntimeError(f"padding_idx must be within the number of embeddings, {-n_rows} through "
                               f"{n_rows - 1}, but got {padding_idx}")
        if padding_idx < 0:
            padding_idx += n_rows
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError(f"if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                             f"fixed length sequences. However, found offsets of type {type(offsets)}")
        B, width = input.shape
        off = np.arange(0, B * width, width, dtype=np.int64) if width else np.zeros(B, np.int64)
        idx = input.reshape(-1)
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.reshape(-1)
        ends = off + width
    elif input.dim() == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.dim() != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        off = np.asarray(offsets._data, np.int64)
        idx = input
        m = idx.shape[0]
        if off.size and off[0] != 0:
            raise RuntimeError(f"offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start "
                               f"from position 0. However, got {off[0]}")
        if off.size and off[-1] > m:
            raise RuntimeError(f"offsets[-1] can not be greater than input's length {m} but got offsets[-1] of "
                               f"{off[-1]}")
        if include_last_offset:  # the last offset closes the last bag (which, as in torch, still runs to the end)
            off = off[:-1]
        ends = np.append(off[1:], m)
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.dim()}")
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                  f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
                                  f"GitHub.")
    if per_sample_weights is not None and per_sample_weights.dtype != weight.dtype:
        raise RuntimeError(f"Expected tensor for argument #1 'weight' to have the same type as tensor for argument #1 "
                           f"'per_sample_weights'; but type {_legacy(weight.dtype)} does not equal "
                           f"{_legacy(per_sample_weights.dtype)} (while checking arguments for embedding_bag)")
    d = np.asarray(idx._data, np.int64)
    if d.size:
        bad = np.nonzero((d < 0) | (d >= n_rows))[0]
        if bad.size:
            raise RuntimeError(f"Index {bad[0]} of input takes value {d[bad[0]]} which is not in the valid range "
                               f"[0, {n_rows})")
    if max_norm is not None:
        from .embedding import _renorm_rows_
        _renorm_rows_(weight, idx, max_norm, norm_type)
    B = off.shape[0]
    lengths = np.maximum(ends - off, 0)
    # which bag each position belongs to (positions past the last bag's end belong to none)
    bag = np.full(d.shape[0], -1, np.int64)
    if B and np.all(off[1:] >= off[:-1]):  # the usual case: consecutive bags tile [off[0], ends[-1])
        bag[off[0]:off[0] + lengths.sum()] = np.repeat(np.arange(B), lengths)
    else:
        for b in np.nonzero(lengths)[0]:
            bag[off[b]:ends[b]] = b
    keep = bag >= 0
    if padding_idx is not None:
        keep &= d != padding_idx
    pos = np.nonzero(keep)[0]
    sel = _make(pos)
    rows = weight.index_select(0, idx.index_select(0, sel) if pos.size != d.size else idx)
    if scale_grad_by_freq and mode != "max":
        rows = _scale_grad(rows, _inverse_frequency(_make(d[pos]), weight.dtype).unsqueeze(-1))
    seg = bag[pos]
    if mode == "max":
        width = int(lengths.max()) if B else 0
        slot = pos - off[seg]
        flat = seg * max(width, 1) + slot
        dense = zeros(B * max(width, 1), dim, dtype=weight.dtype).index_copy(0, _make(flat), rows)
        filled = np.zeros(B * max(width, 1), bool)
        filled[flat] = True
        dense = dense.masked_fill(_make(~filled).unsqueeze(-1), -math.inf).reshape(B, max(width, 1), dim)
        out = dense.max(1).values
        empty = np.bincount(seg, minlength=B) == 0
        return out.masked_fill(_make(empty).unsqueeze(-1), 0.0) if empty.any() else out
    if per_sample_weights is not None:
        w = per_sample_weights.index_select(0, sel) if pos.size != d.size else per_sample_weights
        rows = rows * w.unsqueeze(-1)
    out = zeros(B, dim, dtype=weight.dtype).index_add(0, _make(seg), rows)
    if mode == "mean":
        counts = np.maximum(np.bincount(seg, minlength=B), 1).astype(weight.dtype.np)
        out = out / _make(counts).unsqueeze(-1)
    return out


def _legacy(dt):
    return {"float32": "torch.FloatTensor", "float64": "torch.DoubleTensor", "int16": "torch.ShortTensor",
            "uint8": "torch.ByteTensor", "bool": "torch.BoolTensor", "float16": "torch.HalfTensor"}.get(
        dt.name, f"torch.{dt.name}")


# ---------------------------------------------------------------------------------------------------------------
# margin losses


def _class_loss_input(input, target, name):
    if input.dim() > 2:
        raise RuntimeError(f"{name}: Expected 0D, 1D or 2D input, but got {input.dim()}D input")
    if input.dim() < 2:
        return input.reshape(1, -1), target.reshape(-1), True
    return input, target, False


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None,
                      reduction="mean"):
    """Multi-class hinge loss: sum over classes i != y of w[y] max(0, margin - x[y] + x[i])^p, divided by C."""
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.dim() != 1:
        raise ValueError("weight must be one-dimensional")
    if weight is not None and weight.dtype != input.dtype:
        raise RuntimeError(f"expected scalar type {_scalar_name(input.dtype)} but found {_scalar_name(weight.dtype)}")
    x, y, unbatched = _class_loss_input(input, target, "multi_margin_loss")
    N, C = x.shape
    if y.dim() != 1 or y.shape[0] != N:
        raise RuntimeError(f"inconsistent target size, expected {N} but got {list(target.shape)}")
    yd = np.asarray(y._data, np.int64)
    if yd.size and (yd.min() < 0 or yd.max() >= C):
        raise RuntimeError("target out of range")
    xy = x.gather(1, y.unsqueeze(1))
    h = (margin - xy + x).clamp_min(0.0)
    if p == 2:
        h = h * h
    if weight is not None:
        h = h * weight.index_select(0, y).unsqueeze(1)
    other = _make(np.arange(C)[None, :] != yd[:, None])
    loss = (h * other).sum(1) / C
    if unbatched and reduction == "none":
        loss = loss.reshape(()) if input.dim() == 0 else loss
    return _reduce(loss, reduction)


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Hinge loss between every target class j (the indices in `target` before its first -1) and every non-target
    class i: sum of max(0, 1 - (x[j] - x[i])), divided by C."""
    if input.dim() > 2:
        raise RuntimeError(f"multilabel_margin_loss: Expected 0D, 1D or 2D input, but got {input.dim()}D input")
    unbatched = input.dim() < 2
    x = input.reshape(1, -1) if unbatched else input
    N, C = x.shape
    t = target.reshape(1, -1) if unbatched else target
    if tuple(t.shape) != (N, C):
        raise RuntimeError(f"inconsistent target size: {list(target.shape)} for input of size: "
                           f"{list(input.shape)}")
    td = np.asarray(t._data, np.int64)
    if td.size and (td.min() < -1 or td.max() >= C):
        raise RuntimeError("argument #2 'target' is out of range")
    valid = np.cumprod(td >= 0, axis=1).astype(bool)  # entries before the first -1
    is_target = np.zeros((N, C), bool)
    rr, cc = np.nonzero(valid)
    is_target[rr, td[rr, cc]] = True
    xj = x.gather(1, _make(np.where(valid, td, 0)))
    h = (1.0 - xj.unsqueeze(2) + x.unsqueeze(1)).clamp_min(0.0)
    mask = _make((valid[:, :, None] & ~is_target[:, None, :]).astype(x.dtype.np))
    loss = (h * mask).sum((1, 2)) / C
    if unbatched and reduction == "none":
        loss = loss.reshape(()) if input.dim() == 0 else loss.squeeze(0)
    return _reduce(loss, reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """Per sample, the mean over classes of the (weighted) binary cross-entropy of sigmoid(x) and the 0/1 target."""
    from .activation import logsigmoid
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    loss = loss.sum(-1) / input.shape[-1] if input.dim() else loss
    return _reduce(loss, reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None, margin=1.0,
                                      swap=False, reduction="mean"):
    """max(0, margin + d(anchor, positive) - d(anchor, negative)) with any distance (pairwise_distance by default);
    swap uses min(d(a, n), d(p, n)) as the negative distance."""
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    dims = {anchor.dim(), positive.dim(), negative.dim()}
    if len(dims) != 1:
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {anchor.dim()}D, positive {positive.dim()}D, and negative "
                           f"{negative.dim()}D inputs")
    dist = distance_function if distance_function is not None else pairwise_distance
    dp = dist(anchor, positive)
    dn = dist(anchor, negative)
    if swap:
        dn = M.minimum(dn, dist(positive, negative))
    return _reduce((margin + dp - dn).clamp_min(0.0), reduction)


# ---------------------------------------------------------------------------------------------------------------
# pdist, channel_shuffle


def pdist(input, p=2):
    """p-norm distances between the rows of a 2-D input, upper triangle flattened row by row (N (N - 1) / 2)."""
    if input.dim() != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.dim()}D")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    n = input.shape[0]
    i, j = np.triu_indices(n, 1)
    if i.size == 0:
        return zeros(0, dtype=input.dtype)
    diff = input.index_select(0, _make(i)) - input.index_select(0, _make(j))
    if p == 2:
        # |d| with a zero gradient (not NaN) between identical rows, as torch
        sq = (diff * diff).sum(1)
        nz = sq > 0
        return M.where(nz, M.where(nz, sq, 1.0).sqrt(), 0.0)
    return diff.norm(p, dim=1)


def channel_shuffle(input, groups):
    """(N, C, *) -> channels regrouped: viewed as (groups, C / groups), transposed and flattened."""
    if input.dim() <= 2:
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with sizes "
                           f"{list(input.shape)}")
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{groups}")
    c = input.shape[1]
    if c % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels and {groups} groups.")
    n = input.shape[0]
    rest = tuple(input.shape[2:])
    x = input.reshape(n, groups, c // groups, *rest).transpose(1, 2)
    return x.reshape(n, c, *rest)


# ---------------------------------------------------------------------------------------------------------------
# feature_alpha_dropout, rrelu and the in-place activations


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Alpha dropout of whole channels (dims 0 and 1 drawn, the rest shared): dropped channels go to SELU's
    saturation value, and an affine map keeps zero mean and unit variance."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if input.dim() < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    if inplace:
        return _apply_inplace(feature_alpha_dropout, input, p, training)
    if p == 1.0:
        return input * 0.0
    alpha = _SELU_ALPHA * _SELU_SCALE  # |negative saturation| of SELU
    shape = tuple(input.shape[:2]) + (1,) * (input.dim() - 2)
    keep = (rand(shape, dtype=input.dtype) >= p).to(input.dtype)
    a = 1.0 / math.sqrt((alpha * alpha * p + 1) * (1 - p))
    return input * (keep * a) + ((keep - 1) * (alpha * a) + alpha * a * p)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Leaky ReLU whose negative slope is drawn U(lower, upper) per element in training, (lower + upper) / 2 else."""
    if not input.is_floating_point():
        raise NotImplementedError(f"\"leaky_relu_cpu\" not implemented for '{_scalar_name(input.dtype)}'")
    if inplace:
        return _apply_inplace(rrelu, input, lower, upper, training)
    if not training:
        return leaky_relu(input, (lower + upper) / 2)
    slope = rand(tuple(input.shape), dtype=input.dtype) * (upper - lower) + lower
    return M.where(input >= 0, input, input * slope)


# The in-place activations: each writes fn(input) into input and returns it (differentiable like torch's, and
# refused on a leaf that requires grad).
def _apply_inplace(fn, input, *args):
    # the out-of-place result is computed on a clone, so the in-place write never invalidates saved values
    return input.copy_(fn(input.clone(), *args))


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    return _apply_inplace(rrelu, input, lower, upper, training)


def celu_(input, alpha=1.0):
    return _apply_inplace(celu, input, alpha)


def elu_(input, alpha=1.0):
    return _apply_inplace(elu, input, alpha)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return _apply_inplace(hardtanh, input, min_val, max_val)


def leaky_relu_(input, negative_slope=0.01):
    return _apply_inplace(leaky_relu, input, negative_slope)


def relu_(input):
    return _apply_inplace(relu, input)


def selu_(input):
    return _apply_inplace(selu, input)


def threshold_(input, threshold, value):
    return _apply_inplace(_threshold, input, threshold, value)


_threshold = threshold
