"""Activations and normalizing maps (softmax family), composed from Tensor ops."""
import math

from ..._tensor import Tensor
from ..._functions import math as M
from ..._functions.reduction import logsumexp, amax
from ...prims import elementwise as E

__all__ = ["relu", "relu6", "leaky_relu", "elu", "selu", "celu", "gelu", "silu", "mish", "softplus", "softsign",
           "logsigmoid", "sigmoid", "tanh", "hardtanh", "hardsigmoid", "hardswish", "softmax", "log_softmax",
           "softmin", "one_hot", "tanhshrink", "softshrink", "hardshrink", "threshold", "glu", "normalize"]


def _dim(input, dim):
    return dim if dim is not None else (0 if input.ndim in (0, 1, 3) else 1)


def relu(input, inplace=False):
    out = M.where(input <= 0, 0.0, input)  # (not `input > 0`: NaN stays NaN, as torch)
    return input.copy_(out) if inplace else out


def relu6(input, inplace=False):
    return hardtanh(input, 0.0, 6.0)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    return M.where(input > 0, input, input * negative_slope)


def elu(input, alpha=1.0, inplace=False):
    return M.where(input > 0, input, alpha * M.expm1(M.clamp_max(input, 0.0)))


def selu(input, inplace=False):
    alpha, scale = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
    return scale * elu(input, alpha)


def celu(input, alpha=1.0, inplace=False):
    return M.where(input > 0, input, alpha * M.expm1(M.clamp_max(input, 0.0) / alpha))


def gelu(input, approximate="none"):
    if approximate == "tanh":
        c = math.sqrt(2.0 / math.pi)
        return 0.5 * input * (1 + M.tanh(c * (input + 0.044715 * input * input * input)))
    return 0.5 * input * (1 + M.erf(input / math.sqrt(2.0)))


def silu(input, inplace=False):
    return input * M.sigmoid(input)


def mish(input, inplace=False):
    return input * M.tanh(softplus(input))


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + exp(beta * x)) / beta, reverting to x where beta * x > threshold."""
    return E.softplus(input, beta=beta, threshold=threshold)


def softsign(input):
    return input / (1 + input.abs())


def logsigmoid(input):
    """log(sigmoid(x)) = -softplus(-x), finite for all x."""
    return -E.softplus(-input)


def sigmoid(input):
    return M.sigmoid(input)


def tanh(input):
    return M.tanh(input)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    return M.clamp(input, min_val, max_val)


def hardsigmoid(input, inplace=False):
    return M.clamp(input / 6 + 0.5, 0.0, 1.0)


def hardswish(input, inplace=False):
    return input * hardsigmoid(input)


def tanhshrink(input):
    return input - M.tanh(input)


def softshrink(input, lambd=0.5):
    return M.where(input > lambd, input - lambd, M.where(input < -lambd, input + lambd, 0.0))


def hardshrink(input, lambd=0.5):
    return M.where((input > lambd) | (input < -lambd), input, 0.0)


def threshold(input, threshold, value, inplace=False):
    return M.where(input > threshold, input, value)


def glu(input, dim=-1):
    a, b = input.chunk(2, dim)
    return a * M.sigmoid(b)


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """exp(x) / sum(exp(x)) along `dim`, shifted by the (detached) max for stability."""
    if dtype is not None:
        input = input.to(dtype)
    dim = _dim(input, dim)
    m = amax(input.detach(), dim, keepdim=True)
    m = M.where(m.isinf(), 0.0, m)
    e = (input - m).exp()
    return e / e.sum(dim, keepdim=True)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """x - logsumexp(x) along `dim`."""
    if dtype is not None:
        input = input.to(dtype)
    dim = _dim(input, dim)
    return input - logsumexp(input, dim, keepdim=True)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    return softmax(-input, dim, dtype=dtype)


def one_hot(tensor, num_classes=-1):
    """int64 one-hot encoding along a new last dim."""
    import numpy as np
    from ..._tensor import _make
    d = tensor._data
    if d.dtype.kind not in "iu":
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        num_classes = int(d.max()) + 1 if d.size else 0
    if d.size and (d.min() < 0 or d.max() >= num_classes):
        raise RuntimeError("Class values must be smaller than num_classes." if d.min() >= 0
                           else "Class values must be non-negative.")
    return _make((d[..., None] == np.arange(num_classes)).astype(np.int64))


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    n = input.norm(p, dim=dim, keepdim=True).clamp_min(eps)
    return input / n
