"""Loss functions, composed from Tensor ops (so every one is differentiable to any order)."""
import math

from ..._tensor import Tensor
from ..._functions import math as M
from .activation import log_softmax, softplus, logsigmoid

__all__ = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "nll_loss", "cross_entropy", "linear_cross_entropy",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div", "gaussian_nll_loss",
           "poisson_nll_loss", "soft_margin_loss", "hinge_embedding_loss", "margin_ranking_loss",
           "cosine_embedding_loss", "cosine_similarity", "pairwise_distance", "triplet_margin_loss"]


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{reduction} is not a valid value for reduction")


def _check_same(input, target, name):
    if tuple(input.shape) != tuple(target.shape):
        import warnings
        warnings.warn(f"Using a target size ({tuple(target.shape)}) that is different to the input size "
                      f"({tuple(input.shape)}) in {name}. This will likely lead to incorrect results due to "
                      "broadcasting. Please ensure they have the same size.", stacklevel=3)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    _check_same(input, target, "mse_loss")
    d = input - target
    loss = d * d
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    _check_same(input, target, "l1_loss")
    loss = (input - target).abs()
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    d = (input - target).abs()
    loss = M.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    d = (input - target).abs()
    if beta == 0:
        return _reduce(d, reduction)
    return _reduce(M.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta), reduction)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """Negative log-likelihood of class `target` under log-probabilities `input` [N, C, *] (or [C])."""
    if input.ndim == 1:
        input, target = input.unsqueeze(0), target.unsqueeze(0)
    if target.dtype.category != 1:
        raise RuntimeError(f"expected scalar type Long but found {target.dtype.name.title()}")
    n_cls = input.shape[1]
    valid = target != ignore_index
    safe = M.where(valid, target, 0)
    if bool(((safe < 0) | (safe >= n_cls)).any()):
        bad = int(safe[(safe < 0) | (safe >= n_cls)][0])
        raise IndexError(f"Target {bad} is out of bounds.")
    picked = -input.gather(1, safe.unsqueeze(1)).squeeze(1)
    w = M.where(valid, 1.0, 0.0).to(input.dtype) if weight is None else \
        M.where(valid, weight.index_select(0, safe.reshape(-1)).reshape(safe.shape), 0.0)
    loss = picked * w
    if reduction == "mean":
        return loss.sum() / w.sum()
    return _reduce(loss, reduction)


def linear_cross_entropy(input, linear_weight, target, *, linear_bias=None, weight=None, reduction="mean",
                         ignore_index=None, label_smoothing=0.0, options=None):
    """cross_entropy of the logits input @ linear_weight^T (+ linear_bias) against `target`.

    input: (N, in) or (in,); linear_weight: (C, d_1, ..., d_K, in) gives logits (N, C, d_1, ..., d_K) for a
    K-dimensional loss. ignore_index=None ignores no class. `options` (torch's memory-chunking hints) is accepted
    and does not change the result.
    """
    if input.dim() < 1 or input.dim() > 2:
        raise RuntimeError(f"expected input with dimensionality 1 or 2, got {input.dim()}")
    if linear_weight.dim() < 2:
        raise RuntimeError(f"expected linear_weight with dimensionality at least 2, got {linear_weight.dim()}")
    features = linear_weight.shape[-1]
    logits = input.matmul(linear_weight.reshape(-1, features).t())
    logits = logits.reshape(tuple(input.shape[:-1]) + tuple(linear_weight.shape[:-1]))
    if linear_bias is not None:
        logits = logits + linear_bias
    return cross_entropy(logits, target, weight=weight, reduction=reduction,
                         ignore_index=-100 if ignore_index is None else ignore_index, label_smoothing=label_smoothing)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
                  label_smoothing=0.0):
    """log_softmax over dim 1 (or 0 for unbatched input) followed by nll_loss; `target` may hold class indices
    or class probabilities (same shape as input)."""
    dim = 1 if input.ndim > 1 else 0
    logp = log_softmax(input, dim)
    n_cls = input.shape[dim]
    if target.is_floating_point():
        t = target
        if label_smoothing:
            t = t * (1 - label_smoothing) + label_smoothing / n_cls
        wshape = [1] * input.ndim
        wshape[dim] = n_cls
        lw = logp * weight.reshape(wshape) if weight is not None else logp
        loss = -(t * lw).sum(dim)
        if reduction == "mean":
            return loss.sum() / (loss.numel() if input.ndim > 1 else 1)
        return _reduce(loss, reduction)
    loss = nll_loss(logp, target, weight, ignore_index=ignore_index, reduction=reduction)
    if label_smoothing:
        lp = logp if input.ndim > 1 else logp.unsqueeze(0)
        tgt = target if input.ndim > 1 else target.unsqueeze(0)
        valid = (tgt != ignore_index).to(input.dtype)
        wshape = [1] * lp.ndim
        wshape[1] = n_cls
        smooth = -(lp * weight.reshape(wshape)).sum(1) if weight is not None else -lp.sum(1)
        smooth = smooth * valid / n_cls
        if reduction == "mean":
            denom = valid.sum() if weight is None else \
                (weight.index_select(0, M.where(tgt != ignore_index, tgt, 0).reshape(-1)).reshape(tgt.shape)
                 * valid).sum()
            smooth = smooth.sum() / denom
        else:
            smooth = _reduce(smooth if input.ndim > 1 else smooth.squeeze(0), reduction)
        loss = (1 - label_smoothing) * loss + label_smoothing * smooth
    return loss


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """-(t log p + (1-t) log(1-p)) with logs clamped at -100, as torch."""
    if tuple(input.shape) != tuple(target.shape):
        raise ValueError(f"Using a target size ({tuple(target.shape)}) that is different to the input size "
                         f"({tuple(input.shape)}) is deprecated. Please ensure they have the same size.")
    if bool(((input < 0) | (input > 1)).any()):
        raise RuntimeError("all elements of input should be between 0 and 1")
    loss = -(target * input.log().clamp_min(-100.0) + (1 - target) * (1 - input).log().clamp_min(-100.0))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None, reduction="mean",
                                     pos_weight=None):
    """BCE on logits: (1 - t) x + (1 + (pw - 1) t) softplus(-x), stable for large |x|."""
    if tuple(input.shape) != tuple(target.shape):
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    if pos_weight is None:
        loss = (1 - target) * input - logsigmoid(input)
    else:
        lw = 1 + (pos_weight - 1) * target
        loss = (1 - target) * input - lw * logsigmoid(input)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """Pointwise KL(target || exp(input)) with input given as log-probabilities."""
    if log_target:
        loss = target.exp() * (target - input)
    else:
        loss = M.xlogy(target, target) - target * input
    if reduction == "batchmean":
        return loss.sum() / (input.shape[0] if input.ndim else 1)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    if isinstance(var, Tensor) and var.ndim == input.ndim - 1 and input.ndim:
        var = var.unsqueeze(-1)
    if isinstance(var, Tensor) and bool((var < 0).any()):
        raise ValueError("var has negative entry/entries")
    var = var.clamp_min(eps) if isinstance(var, Tensor) else max(var, eps)
    loss = 0.5 * ((var.log() if isinstance(var, Tensor) else math.log(var)) + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                     reduction="mean"):
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        stirling = target * target.log() - target + 0.5 * (2 * math.pi * target).log()
        loss = loss + M.where(target > 1, stirling, 0.0)
    return _reduce(loss, reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    return _reduce(softplus(-target * input), reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):
    loss = M.where(target == 1, input, 0.0) + M.where(target == -1, (margin - input).clamp_min(0.0), 0.0)
    return _reduce(loss, reduction)


def margin_ranking_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None, reduction="mean"):
    return _reduce((-target * (input1 - input2) + margin).clamp_min(0.0), reduction)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """x1.x2 / max(|x1| |x2|, eps) along dim (broadcast)."""
    n1 = (x1 * x1).sum(dim)
    n2 = (x2 * x2).sum(dim)
    return (x1 * x2).sum(dim) / (n1 * n2).clamp_min(eps * eps).sqrt()


def cosine_embedding_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None, reduction="mean"):
    cos = cosine_similarity(input1, input2, dim=-1, eps=1e-12)
    loss = M.where(target == 1, 1 - cos, (cos - margin).clamp_min(0.0))
    return _reduce(loss, reduction)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    return (x1 - x2 + eps).norm(p, dim=-1, keepdim=keepdim)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, size_average=None,
                        reduce=None, reduction="mean"):
    dp = pairwise_distance(anchor, positive, p, eps)
    dn = pairwise_distance(anchor, negative, p, eps)
    if swap:
        dn = M.minimum(dn, pairwise_distance(positive, negative, p, eps))
    return _reduce((dp - dn + margin).clamp_min(0.0), reduction)
