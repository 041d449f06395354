"""Fold an eval-mode batch norm into the preceding convolution or linear layer.

In eval mode ``bn(y) = (y - mean) * w / sqrt(var + eps) + b`` is affine per channel, so it can be absorbed into the
layer's weight (each output channel scaled) and bias (shifted), giving one layer with the same output.
"""
import copy

from ..parameter import Parameter

__all__ = ["fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval", "fuse_linear_bn_weights"]


def _check_eval(*modules):
    if any(m.training for m in modules):
        raise AssertionError("Fusion only for eval!")


def _check_stats(bn):
    if bn.running_mean is None or bn.running_var is None:
        raise AssertionError("the batch norm must track running statistics (running_mean and running_var) to fuse")


def fuse_conv_bn_eval(conv, bn, transpose=False):
    """A copy of ``conv`` (eval mode) whose output equals ``bn(conv(x))`` for ``bn`` in eval mode.

    Args:
        conv: a Conv1d/2d/3d (or, with ``transpose=True``, a ConvTranspose) module.
        bn: a BatchNorm module with running statistics.
        transpose (bool): the output channels are dim 1 of the weight (transposed convolutions).
    """
    _check_eval(conv, bn)
    _check_stats(bn)
    fused = copy.deepcopy(conv)
    fused.weight, fused.bias = fuse_conv_bn_weights(fused.weight, fused.bias, bn.running_mean, bn.running_var,
                                                    bn.eps, bn.weight, bn.bias, transpose)
    return fused


def fuse_conv_bn_weights(conv_w, conv_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b, transpose=False):
    """The fused ``(weight, bias)`` Parameters of a convolution followed by an eval-mode batch norm.

    Missing pieces default to the identity: ``conv_b`` and ``bn_b`` to zeros, ``bn_w`` to ones. The results keep
    the dtypes of ``conv_w`` and ``conv_b`` and their ``requires_grad`` flags.
    """
    from ..._functions.creation import ones_like, zeros_like
    from ... import rsqrt
    w_dtype = conv_w.dtype
    b_dtype = conv_b.dtype if conv_b is not None else w_dtype
    if conv_b is None:
        conv_b = zeros_like(bn_rm)
    if bn_w is None:
        bn_w = ones_like(bn_rm)
    if bn_b is None:
        bn_b = zeros_like(bn_rm)
    inv_std = rsqrt(bn_rv + bn_eps)
    shape = ([1, -1] if transpose else [-1, 1]) + [1] * (conv_w.ndim - 2)
    w = (conv_w * (bn_w * inv_std).reshape(shape)).to(dtype=w_dtype)
    b = ((conv_b - bn_rm) * inv_std * bn_w + bn_b).to(dtype=b_dtype)
    return Parameter(w, conv_w.requires_grad), Parameter(b, conv_b.requires_grad)


def fuse_linear_bn_eval(linear, bn):
    """A copy of ``linear`` (eval mode) whose output equals ``bn(linear(x))`` for a 1-D batch norm in eval mode.

    ``bn.num_features`` must equal ``linear.out_features`` or be 1 (broadcast over the features).
    """
    _check_eval(linear, bn)
    if not (linear.out_features == bn.num_features or bn.num_features == 1):
        raise AssertionError("To fuse, linear.out_features == bn.num_features or bn.num_features == 1, got "
                             f"linear.out_features={linear.out_features} and bn.num_features={bn.num_features}")
    _check_stats(bn)
    fused = copy.deepcopy(linear)
    fused.weight, fused.bias = fuse_linear_bn_weights(fused.weight, fused.bias, bn.running_mean, bn.running_var,
                                                      bn.eps, bn.weight, bn.bias)
    return fused


def fuse_linear_bn_weights(linear_w, linear_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b):
    """The fused ``(weight, bias)`` Parameters of a linear layer followed by an eval-mode batch norm."""
    from ..._functions.creation import zeros_like
    from ... import rsqrt
    w_dtype = linear_w.dtype
    b_dtype = linear_b.dtype if linear_b is not None else w_dtype
    if linear_b is None:
        linear_b = zeros_like(bn_rm)
    scale = bn_w * rsqrt(bn_rv + bn_eps)
    w = linear_w * scale.unsqueeze(-1).to(dtype=w_dtype)
    b = ((linear_b - bn_rm) * scale + bn_b).to(dtype=b_dtype)
    return Parameter(w, linear_w.requires_grad), Parameter(b, linear_b.requires_grad)
