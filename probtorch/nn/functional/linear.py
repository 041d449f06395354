"""linear, bilinear and dropout (composed)."""
from ..._functions.creation import ones_like
from ..._random import rand

__all__ = ["linear", "bilinear", "dropout", "alpha_dropout", "dropout1d", "dropout2d", "dropout3d"]


def linear(input, weight, bias=None):
    """input @ weight.T + bias: input [*, in], weight [out, in], bias [out] -> [*, out]."""
    out = input @ weight.mT if weight.ndim == 2 else input @ weight
    return out + bias if bias is not None else out


def bilinear(input1, input2, weight, bias=None):
    """y_k = x1 W_k x2 + b_k: input1 [*, in1], input2 [*, in2], weight [out, in1, in2] -> [*, out]."""
    out = ((input1.unsqueeze(-2).unsqueeze(-2) @ weight).squeeze(-2) * input2.unsqueeze(-2)).sum(-1)
    return out + bias if bias is not None else out


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability p and scale the rest by 1/(1-p) (identity when not training)."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    keep = (rand(input.shape, dtype=input.dtype) >= p).to(input.dtype)
    return input * keep / (1 - p)


def _feature_dropout(input, p, training, batch_dims):
    if not training or p == 0.0:
        return input
    shape = tuple(input.shape[:batch_dims]) + (1,) * (input.ndim - batch_dims)
    keep = (rand(shape, dtype=input.dtype) >= p).to(input.dtype)
    return input * keep / (1 - p)


def dropout1d(input, p=0.5, training=True, inplace=False):
    return _feature_dropout(input, p, training, input.ndim - 1)


def dropout2d(input, p=0.5, training=True, inplace=False):
    return _feature_dropout(input, p, training, input.ndim - 2)


def dropout3d(input, p=0.5, training=True, inplace=False):
    return _feature_dropout(input, p, training, input.ndim - 3)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    if not training or p == 0.0:
        return input
    alpha = -1.7580993408473766
    keep = (rand(input.shape, dtype=input.dtype) >= p).to(input.dtype)
    a = ((1 - p) * (1 + p * alpha ** 2)) ** -0.5
    b = -a * alpha * p
    return (input * keep + alpha * (1 - keep)) * a + b
