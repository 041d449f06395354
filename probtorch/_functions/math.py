"""Pointwise math with torch's signatures: thin wrappers over prims.elementwise, plus composed functions."""
import math as _math

import numpy as np

from .. import _dtype
from .._tensor import Tensor, _make
from ..prims import elementwise as E

__all__ = [
    "abs", "absolute", "neg", "negative", "add", "sub", "subtract", "mul", "multiply", "div", "divide",
    "true_divide", "floor_divide", "remainder", "fmod", "pow", "float_power", "exp", "exp2", "expm1", "log", "log2",
    "log10", "log1p", "sqrt", "rsqrt", "square", "reciprocal", "sign", "sgn", "signbit", "floor", "ceil", "round",
    "trunc", "fix", "frac", "sin", "cos", "tan", "asin", "arcsin", "acos", "arccos", "atan", "arctan", "atan2",
    "arctan2", "sinh", "cosh", "tanh", "asinh", "arcsinh", "acosh", "arccosh", "atanh", "arctanh", "sigmoid", "logit",
    "erf", "erfc", "erfinv", "lgamma", "digamma", "polygamma", "mvlgamma", "xlogy", "logaddexp", "logaddexp2", "hypot",
    "maximum", "minimum", "fmax", "fmin", "clamp", "clip", "clamp_min", "clamp_max", "where", "lerp", "addcmul",
    "addcdiv", "eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal", "not_equal",
    "equal", "allclose", "isclose", "isnan", "isinf", "isfinite", "isposinf", "isneginf", "isreal", "logical_and",
    "logical_or", "logical_xor", "logical_not", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not",
    "nan_to_num", "copysign", "deg2rad", "rad2deg", "i0", "sinc", "heaviside", "masked_fill", "rsub", "clone",
    "real", "imag", "view_as_real", "view_as_complex", "angle", "conj", "conj_physical", "resolve_conj",
    "resolve_neg", "positive", "cosine_similarity_", "dist", "sigmoid_", "softplus_",
]


def _out(res, out):
    """Return `res`, or write it into the `out=` tensor (resized when its shape differs) and return that."""
    if out is None:
        return res
    if res.requires_grad:
        name = getattr(getattr(res.grad_fn, "prim", None), "name", "function")
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic differentiation, "
                           "but one of the arguments requires grad.")
    if not _dtype.can_cast(res.dtype, out.dtype):
        raise RuntimeError(f"result type {E._type_name(res.dtype.np)} can't be cast to the desired output type "
                           f"{E._type_name(out.dtype.np)}")
    if tuple(out.shape) != tuple(res.shape):
        out.resize_(res.shape)
    out.copy_(res)
    return out


def _u(prim):
    def f(input, *, out=None):
        return _out(prim(input), out)
    f.__name__ = prim.name
    f.__doc__ = f"Elementwise {prim.name}(input)."
    return f


abs = absolute = _u(E.abs)
neg = negative = _u(E.neg)
exp = _u(E.exp)
exp2 = _u(E.exp2)
expm1 = _u(E.expm1)
log = _u(E.log)
log2 = _u(E.log2)
log10 = _u(E.log10)
log1p = _u(E.log1p)
sqrt = _u(E.sqrt)
rsqrt = _u(E.rsqrt)
reciprocal = _u(E.reciprocal)
sign = _u(E.sign)
sgn = _u(E.sgn)
signbit = _u(E.signbit)
floor = _u(E.floor)
ceil = _u(E.ceil)
trunc = fix = _u(E.trunc)
frac = _u(E.frac)
sin = _u(E.sin)
cos = _u(E.cos)
tan = _u(E.tan)
asin = arcsin = _u(E.asin)
acos = arccos = _u(E.acos)
atan = arctan = _u(E.atan)
sinh = _u(E.sinh)
cosh = _u(E.cosh)
tanh = _u(E.tanh)
asinh = arcsinh = _u(E.asinh)
acosh = arccosh = _u(E.acosh)
atanh = arctanh = _u(E.atanh)
sigmoid = _u(E.sigmoid)
erf = _u(E.erf)
erfc = _u(E.erfc)
erfinv = _u(E.erfinv)
lgamma = _u(E.lgamma)
digamma = _u(E.digamma)
i0 = _u(E.i0)
isnan = _u(E.isnan)
isinf = _u(E.isinf)
isfinite = _u(E.isfinite)
isposinf = _u(E.isposinf)
isneginf = _u(E.isneginf)
logical_not = _u(E.logical_not)
bitwise_not = _u(E.bitwise_not)


def clone(input, *, memory_format=None):
    """A copy of `input` with its own storage (differentiable: the gradient passes through)."""
    return E.clone(input)



def _b(prim):
    def f(input, other, *, out=None):
        return _out(prim(input, other), out)
    f.__name__ = prim.name
    f.__doc__ = f"Elementwise {prim.name}(input, other) with broadcasting and type promotion."
    return f


mul = multiply = _b(E.mul)
remainder = _b(E.remainder)
fmod = _b(E.fmod)
atan2 = arctan2 = _b(E.atan2)
hypot = _b(E.hypot)
xlogy = _b(E.xlogy)
logaddexp = _b(E.logaddexp)
logaddexp2 = _b(E.logaddexp2)
maximum = _b(E.maximum)
minimum = _b(E.minimum)
fmax = _b(E.fmax)
fmin = _b(E.fmin)
copysign = _b(E.copysign)
eq = _b(E.eq)
ne = not_equal = _b(E.ne)
lt = less = _b(E.lt)
le = less_equal = _b(E.le)
gt = greater = _b(E.gt)
ge = greater_equal = _b(E.ge)
logical_and = _b(E.logical_and)
logical_or = _b(E.logical_or)
logical_xor = _b(E.logical_xor)
bitwise_and = _b(E.bitwise_and)
bitwise_or = _b(E.bitwise_or)
bitwise_xor = _b(E.bitwise_xor)


def add(input, other, *, alpha=1, out=None):
    """input + alpha * other, broadcast and promoted."""
    return _out(E.add(input, other, alpha=alpha) if alpha != 1 else E.add(input, other), out)


def sub(input, other, *, alpha=1, out=None):
    """input - alpha * other, broadcast and promoted."""
    return _out(E.sub(input, other, alpha=alpha) if alpha != 1 else E.sub(input, other), out)


subtract = sub


def rsub(input, other, *, alpha=1):
    """other - alpha * input."""
    return sub(other, input, alpha=alpha)


def div(input, other, *, rounding_mode=None, out=None):
    """input / other; rounding_mode None (true division), "trunc" or "floor"."""
    if rounding_mode is None:
        return _out(E.div(input, other), out)
    if rounding_mode == "floor":
        return _out(E.floor_divide(input, other), out)
    if rounding_mode == "trunc":
        return _out(E.trunc_divide(input, other), out)
    raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                       f"'{rounding_mode}'")


divide = div


def true_divide(input, other, *, out=None):
    """input / other in floating point (alias of div without rounding)."""
    return _out(E.div(input, other), out)


def floor_divide(input, other, *, out=None):
    """input / other rounded toward minus infinity (integer division by zero raises)."""
    return _out(E.floor_divide(input, other), out)


def pow(input, exponent, *, out=None):
    """input ** exponent; either may be a Python number."""
    if not isinstance(input, Tensor):
        input = _make(np.asarray(input, _dtype.result_type(input, exponent).np))
    return _out(E.pow(input, exponent), out)


def float_power(input, exponent, *, out=None):
    """input ** exponent computed in float64 (complex128 for complex input)."""
    dt = _dtype.complex128 if (isinstance(input, Tensor) and input.is_complex()) else _dtype.float64
    x = input.to(dt) if isinstance(input, Tensor) else input
    y = exponent.to(dt) if isinstance(exponent, Tensor) else exponent
    return pow(x, y, out=out)


def square(input, *, out=None):
    """input * input; bool squares to int64 as in torch."""
    if input.dtype is _dtype.bool:
        input = input.to(_dtype.int64)
    return _out(E.mul(input, input), out)


def round(input, *, decimals=0, out=None):
    """Round half to even, to `decimals` decimal places (integers unchanged)."""
    return _out(E.round(input, decimals=decimals) if decimals else E.round(input), out)


def logit(input, eps=None, *, out=None):
    """log(p / (1 - p)), with input clamped to [eps, 1 - eps] when eps is given."""
    return _out(E.logit(input, eps=eps), out)


def polygamma(n, input, *, out=None):
    """The n-th derivative of the digamma function."""
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    return _out(E.polygamma(input, n=n), out)


def mvlgamma(input, p, *, out=None):
    """Multivariate log-gamma of dimension p."""
    from .creation import arange
    # like torch, no domain check: inputs at or below (p - 1) / 2 reach lgamma's poles and give inf
    j = arange(p, dtype=input.dtype)
    res = E.lgamma(input.unsqueeze(-1) - j / 2).sum(-1) + (p * (p - 1) / 4) * _math.log(_math.pi)
    return _out(res, out)


def clamp(input, min=None, max=None, *, out=None):
    """Elementwise clamp to [min, max]; either bound may be a tensor or None."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    return _out(E.clamp(input, min, max), out)


clip = clamp


def clamp_min(input, min):
    """clamp(input, min=min)."""
    return clamp(input, min=min)


def clamp_max(input, max):
    """clamp(input, max=max)."""
    return clamp(input, max=max)


def where(condition, input=None, other=None, *, out=None):
    """input where condition else other (broadcast); with one argument, the indices of nonzeros."""
    if input is None and other is None:
        from .shape import nonzero
        return nonzero(condition, as_tuple=True)
    if not isinstance(condition, Tensor):
        condition = _make(np.asarray(condition, bool))
    elif condition.dtype is not _dtype.bool:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                           f"{condition.dtype.name.title()}")
    # the value branches promote like a binary op; the condition does not take part
    dt = _dtype.result_type(input, other)
    x = input.to(dt) if isinstance(input, Tensor) else _make(np.asarray(input, dt.np))
    y = other.to(dt) if isinstance(other, Tensor) else _make(np.asarray(other, dt.np))
    return _out(E.where(condition, x, y), out)


def masked_fill(input, mask, value):
    """Elementwise `value` where mask is True, input elsewhere (mask broadcasts to input's shape)."""
    if mask.dtype is not _dtype.bool:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype {mask.dtype.name}")
    if isinstance(value, Tensor):
        if value.dim() != 0:
            raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value.dim()} dimension(s).")
        value = value.to(input.dtype)
    else:
        value = _make(np.asarray(value, input.dtype.np))
    # the out-of-place form broadcasts mask and input together (the in-place one cannot grow `input`)
    return E.where(mask, value, input)


def lerp(input, end, weight, *, out=None):
    """input + weight * (end - input)."""
    return _out(input + weight * (end - input), out)


def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    """input + value * tensor1 * tensor2."""
    return _out(input + value * tensor1 * tensor2, out)


def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    """input + value * tensor1 / tensor2."""
    return _out(input + value * tensor1 / tensor2, out)


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Elementwise |input - other| <= atol + rtol * |other| (bool), for tensors of one dtype."""
    if isinstance(other, Tensor) and other.dtype is not input.dtype:
        raise RuntimeError(f"{E._type_name(input.dtype.np)} did not match {E._type_name(other.dtype.np)}")
    a, b = input._data, other._data if isinstance(other, Tensor) else other
    return _make(np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """True when every element is close in isclose's sense."""
    return builtins_bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


builtins_bool = bool


def equal(input, other):
    """True when both tensors have the same shape and elements."""
    return input.shape == other.shape and builtins_bool((input._data == other._data).all())


def isreal(input):
    """Elementwise: is the imaginary part zero (always True for real dtypes)."""
    if input.is_complex():
        return _make(np.imag(input._data) == 0)
    return _make(np.ones(input.shape, bool))


def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    """Replace NaN by `nan`, +inf by `posinf` and -inf by `neginf` (the dtype's extremes by default)."""
    return _out(E.nan_to_num(input, nan=nan, posinf=posinf, neginf=neginf), out)


def deg2rad(input, *, out=None):
    """Degrees to radians."""
    return _out(input * (_math.pi / 180.0), out)


def rad2deg(input, *, out=None):
    """Radians to degrees."""
    return _out(input * (180.0 / _math.pi), out)


def sinc(input, *, out=None):
    """sin(pi x) / (pi x), with value 1 at 0."""
    px = input * _math.pi
    safe = where(input == 0, 1.0, px)
    return _out(where(input == 0, 1.0, safe.sin() / safe), out)


def heaviside(input, values, *, out=None):
    """The Heaviside step: 0 for negatives, 1 for positives, `values` where input is 0."""
    if not isinstance(input, Tensor) or not isinstance(values, Tensor):
        raise TypeError("heaviside(): argument 'input' and 'values' must be Tensors")
    if input.dtype is not values.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    return _out(where(input == 0, values, (input > 0).to(input.dtype)), out)


def real(input):
    """The real part: a view sharing storage with a complex input (writes go through); the input itself if real."""
    return E.real(input) if input.is_complex() else input


def imag(input):
    """The imaginary part of a complex tensor, as a view sharing its storage (writes go through).

    Raises:
        RuntimeError: for a tensor of a real dtype (as torch, which has no storage to view there).
    """
    if not input.is_complex():
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return E.imag(input)


def view_as_real(input):
    """A complex tensor of shape ``S`` seen as a real tensor of shape ``S + (2,)`` (real, imaginary) sharing its
    storage.

    Example::

        >>> probtorch.view_as_real(probtorch.tensor([1 + 2j]))
        tensor([[1., 2.]])
    """
    if not input.is_complex():
        raise RuntimeError("view_as_real is only supported for complex tensors")
    return E.view_as_real(input)


def view_as_complex(input):
    """A real tensor of shape ``S + (2,)`` (float32/float64, last dimension contiguous) seen as a complex tensor of
    shape ``S`` sharing its storage: the inverse of `view_as_real`."""
    if input.dtype not in (_dtype.float32, _dtype.float64):
        raise RuntimeError(f"view_as_complex is only supported for float and double tensors, but got a tensor of "
                           f"scalar type: {E._type_name(input.dtype.np)}")
    return E.view_as_complex(input)


def angle(input, *, out=None):
    """The elementwise argument (phase) in radians; for real inputs pi where negative, else 0."""
    return _out(E.angle(input), out)


def conj(input):
    """The complex conjugate (the input itself for real tensors); its gradient is the conjugate gradient.

    probtorch has no lazy conjugate bit: the result of a complex input is a new tensor, not a view.
    """
    if input.is_complex():
        return E.conj(input)
    return input


def conj_physical(input, *, out=None):
    """The complex conjugate, computed (same values as `conj`)."""
    return _out(conj(input) if input.is_complex() else input.clone(), out)


def resolve_conj(input):
    """The input itself: probtorch computes conjugates eagerly, so there is no conjugate bit to resolve."""
    return input


def resolve_neg(input):
    """The input itself: probtorch has no lazy negation bit."""
    return input


def positive(input):
    """The input itself (+input); refused for bool tensors, as in torch."""
    if input.dtype is _dtype.bool:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


def dist(input, other, p=2):
    """The p-norm of input - other."""
    return (input - other).norm(p)


def cosine_similarity_(x1, x2, dim=1, eps=1e-8):
    """Cosine similarity along `dim`, with the norms' product clamped below by `eps`."""
    n = (x1.norm(dim=dim) * x2.norm(dim=dim)).clamp_min(eps)
    return (x1 * x2).sum(dim) / n


def sigmoid_(x):
    """The logistic sigmoid (the primitive behind nn.functional.sigmoid)."""
    return E.sigmoid(x)


def softplus_(x, beta=1.0, threshold=20.0):
    """log(1 + exp(beta x)) / beta, linear above threshold (torch.nn.functional.softplus)."""
    return E.softplus(x, beta=beta, threshold=threshold)
