"""Elementwise primitives and their derivative rules (partial derivatives, so vjp and jvp both follow)."""
import math

import numpy as np

from .._primitive import Primitive


class _LazyScipySpecial:
    """scipy.special, imported on first use: it costs ~0.2 s, which `import probtorch` should not pay."""

    def __getattr__(self, name):
        import scipy.special
        return getattr(scipy.special, name)


sc = _LazyScipySpecial()


def _scipy(name):
    def impl(*args):
        res = getattr(sc, name)(*args)
        # scipy's ufuncs may compute a float32 array with a Python float in float64; keep the promoted dtype
        for a in args:
            if isinstance(a, np.ndarray):
                return res.astype(a.dtype, copy=False) if res.dtype != a.dtype else res
        return res
    impl.__name__ = name
    return impl


def _is_t(v):
    return hasattr(v, "_data")


def _as_t(v, like):
    """`v` as a tensor of `like`'s dtype: rules may then treat Python-scalar operands like tensors."""
    return v if _is_t(v) else like.new_tensor(v)

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_SQRT_PI_OVER_2 = math.sqrt(math.pi) / 2.0


def _unary(name, impl, dtype_rule="float", **kw):
    return Primitive(name, impl, elementwise=True, dtype_rule=dtype_rule, **kw)


def _binary(name, impl, dtype_rule="promote", **kw):
    return Primitive(name, impl, elementwise=True, dtype_rule=dtype_rule, **kw)


_TORCH_TYPE_NAMES = {"float16": "Half", "float32": "Float", "float64": "Double", "complex64": "ComplexFloat",
                     "complex128": "ComplexDouble", "int8": "Char", "int16": "Short", "int32": "Int", "int64": "Long",
                     "uint8": "Byte", "bool": "Bool"}


def _type_name(dt):
    return _TORCH_TYPE_NAMES.get(np.dtype(dt).name, np.dtype(dt).name)


def _refuse(kernel, kinds, fn):
    """`fn`, raising torch's NotImplementedError for array operands of a dtype kind torch has no kernel for."""
    def impl(*args, **params):
        for a in args:
            if isinstance(a, np.ndarray) and a.dtype.kind in kinds:
                raise NotImplementedError(f'"{kernel}" not implemented for \'{_type_name(a.dtype)}\'')
        return fn(*args, **params)
    impl.__name__ = getattr(fn, "__name__", kernel)
    return impl


def _keep_int(fn, kernel):
    """floor/ceil/round/trunc are the identity on integer tensors (numpy would return floats); bool is refused."""
    def impl(x):
        return x.copy() if x.dtype.kind in "iu" else fn(x)
    return _refuse(kernel, "b", impl)


def _int_divisor_check(fn):
    """Integer division by zero raises, as in torch (numpy would warn and return 0)."""
    def impl(x, y):
        if np.asarray(x).dtype.kind in "iub" and np.asarray(y).dtype.kind in "iub" and np.any(np.asarray(y) == 0):
            raise RuntimeError("ZeroDivisionError")
        return fn(x, y)
    impl.__name__ = getattr(fn, "__name__", "impl")
    return impl


class _CheckedPrimitive(Primitive):
    """A primitive that validates its raw operands (before type promotion hides their dtypes)."""

    __slots__ = ("check",)

    def __call__(self, *args, **params):
        self.check(*args)
        return Primitive.__call__(self, *args, **params)


def _float_kernel_only(kernel):
    """A check refusing integer operands the way torch does for ops it has only floating kernels for."""
    def check(*args):
        from .. import _dtype
        res = _dtype.result_type(*args)
        if res.category <= _dtype._INT:
            raise NotImplementedError(f'"{kernel}" not implemented for \'{_type_name(res.np)}\'')
    return check


def _float_binary(name, impl, kernel, **kw):
    """An elementwise primitive over floating operands only (integer or bool operands raise, as in torch)."""
    prim = _CheckedPrimitive(name, impl, elementwise=True, dtype_rule="float", **kw)
    prim.check = _float_kernel_only(kernel)
    return prim


def _is_bool(v):
    return v.__class__ is bool or (_is_t(v) and v._data.dtype == np.bool_)


def _zero_partial(out, *inputs, **params):
    from .._functions.creation import zeros_like
    return tuple(zeros_like(x) if hasattr(x, "_data") else None for x in inputs)


# ------------------------------------------------------------------------------------------------ arithmetic
def _neg_impl(x):
    if x.dtype == np.bool_:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
                           "invert a mask, use the `~` or `logical_not()` operator instead.")
    return np.negative(x)


neg = _unary("neg", _neg_impl, dtype_rule="promote", saves=())
neg.defvjp(lambda g, out, x: (-g,))

add = _binary("add", lambda x, y, alpha=1: np.add(x, y) if alpha == 1 else np.add(x, np.multiply(y, alpha)),
              saves=())
add.defpartials(lambda out, x, y, alpha=1: (1, alpha))


def _sub_impl(x, y, alpha=1):
    return np.subtract(x, y) if alpha == 1 else np.subtract(x, np.multiply(y, alpha))


def _sub_check(x, y):
    if _is_bool(x) or _is_bool(y):
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to "
                           "invert a mask, use the `~` or `logical_not()` operator instead.")


sub = _CheckedPrimitive("sub", _sub_impl, elementwise=True, dtype_rule="promote", saves=())
sub.check = _sub_check
sub.defpartials(lambda out, x, y, alpha=1: (1, -alpha))

mul = _binary("mul", np.multiply, reads={0: (1,), 1: (0,)})
mul.defvjp(lambda g, out, x, y: (g * y, g * x))

div = _binary("div", np.true_divide, dtype_rule="float", save_out=True, reads={0: (1,), 1: (1,)})
div.defvjp(lambda g, out, x, y: (g / y, -g * out / y))

floor_divide = _binary("floor_divide", _refuse("div_floor_cpu", "b", _int_divisor_check(np.floor_divide)), saves=())
floor_divide.defpartials(_zero_partial)


def _trunc_div(x, y):
    xa, ya = np.asarray(x), np.asarray(y)
    if xa.dtype.kind in "iu" and ya.dtype.kind in "iu":
        # round toward zero = floor, plus one where the division is inexact and the signs differ (no abs(), which
        # overflows at the minimum integer)
        q = np.floor_divide(x, y)
        inexact = (np.remainder(x, y) != 0) & ((xa < 0) != (ya < 0))
        return np.where(inexact, q + 1, q).astype(q.dtype, copy=False)
    return np.trunc(np.true_divide(x, y))


trunc_divide = _binary("trunc_divide", _refuse("div_trunc_cpu", "b", _int_divisor_check(_trunc_div)), saves=())
trunc_divide.defpartials(_zero_partial)

remainder = _binary("remainder", _refuse("remainder_cpu", "b", _int_divisor_check(np.remainder)))
# d/dy (x - y floor(x / y)) = -floor(x / y), with floor division's own conventions (-1 // inf = -1)
remainder.defvjp(lambda g, out, x, y: (g, -g * floor_divide(x, y) if hasattr(y, "_data") else None))

fmod = _binary("fmod", _refuse("fmod_cpu", "b", _int_divisor_check(np.fmod)))
fmod.defvjp(lambda g, out, x, y: (g, -g * (x / y).trunc() if hasattr(y, "_data") else None))


def _pow_impl(x, y):
    if x.dtype.kind in "iu" and np.asarray(y).dtype.kind in "iu":
        neg = np.asarray(y) < 0
        if np.any(neg):
            # integer x ** -n truncates 1 / x**n: only 1 and -1 survive (torch's tensor-exponent semantics)
            base = np.power(x, np.where(neg, 0, y))
            odd = (np.abs(y) % 2) == 1
            special = np.where(x == 1, 1, np.where(x == -1, np.where(odd, -1, 1), 0)).astype(base.dtype)
            return np.where(neg, special, base)
    return np.power(x, y)


def _pow_check(x, y):
    if _is_t(x) and x._data.dtype.kind in "iub":
        if y.__class__ is int and y < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        if _is_bool(x) and _is_bool(y) and _is_t(y):
            raise NotImplementedError("\"pow\" not implemented for 'Bool'")


pow = _CheckedPrimitive("pow", _pow_impl, elementwise=True, dtype_rule="promote", save_out=True)
pow.check = _pow_check


@pow.defvjp
def _pow_vjp(g, out, x, y):
    from .._functions.math import where, log
    if not hasattr(y, "_data"):  # Python exponent: the common x ** c
        if y == 0:
            return (g * 0.0, None)
        return (g * (y * x ** (y - 1)), None)
    # d/dy x^y = x^y log x; torch defines it as 0 where x == 0 and y >= 0
    # (for complex exponents the mask takes Re y >= 0, where x^y -> 0 as x -> 0)
    gy = g * where((x == 0) & ((y.real if y.is_complex() else y) >= 0), 0.0, out * log(x)) \
        if y.requires_grad else None
    if not hasattr(x, "_data"):
        return (None, gy)
    # d/dx x^y = y x^(y-1), and 0 where y == 0 (not 0 * inf at x == 0), as torch
    gx = g * where(y == 0, 0.0, y * x ** (y - 1))
    return (gx, gy)


# ------------------------------------------------------------------------------------------------ exp / log
exp = _unary("exp", np.exp, saves=(), save_out=True)
exp.defpartials(lambda out, x: (out,))

exp2 = _unary("exp2", np.exp2, saves=(), save_out=True)
exp2.defpartials(lambda out, x: (out * _LN2,))

expm1 = _unary("expm1", np.expm1, saves=(), save_out=True)
expm1.defpartials(lambda out, x: (out + 1,))

log = _unary("log", np.log)
log.defvjp(lambda g, out, x: (g / x,))

log2 = _unary("log2", np.log2)
log2.defvjp(lambda g, out, x: (g / (x * _LN2),))

log10 = _unary("log10", np.log10)
log10.defvjp(lambda g, out, x: (g / (x * _LN10),))

log1p = _unary("log1p", np.log1p)
log1p.defvjp(lambda g, out, x: (g / (x + 1),))

sqrt = _unary("sqrt", np.sqrt, saves=(), save_out=True)
sqrt.defvjp(lambda g, out, x: (g / (2 * out),))

rsqrt = _unary("rsqrt", lambda x: 1.0 / np.sqrt(x), saves=(), save_out=True)
rsqrt.defpartials(lambda out, x: (-0.5 * out * out * out,))

reciprocal = _unary("reciprocal", np.reciprocal, saves=(), save_out=True)
reciprocal.defpartials(lambda out, x: (-(out * out),))

abs = _unary("abs", _refuse("abs_cpu", "b", np.abs), dtype_rule="promote")
# 2 d|z|/dz = conj(sgn z) (so the gradient is g * sgn z); sgn x for real x
abs.defpartials(lambda out, x: (x.sgn().conj(),))

def _sign_impl(x):
    if x.dtype.kind == "b":
        return x.copy()
    res = np.sign(x)
    if x.dtype.kind == "f":
        # torch: sign(nan) = (0 < nan) - (nan < 0) = 0; np.where also keeps 0-d inputs working (np.sign returns a
        # scalar there, which cannot be assigned into)
        res = np.where(np.isnan(res), res.dtype.type(0), res)
    return res


sign = _unary("sign", _sign_impl, dtype_rule="promote", saves=())
sign.defpartials(_zero_partial)

sgn = _unary("sgn", lambda x: _sign_impl(x) if x.dtype.kind != "c" else
             np.where(x == 0, 0, x / np.abs(np.where(x == 0, 1, x))), dtype_rule="promote")


@sgn.defvjp
def _sgn_vjp(g, out, x):
    from .._functions.creation import zeros_like
    from .._functions.math import where
    if not x.is_complex():
        return (zeros_like(x),)
    # s = z / |z| moves only along the circle: ds = (dz - Re(conj(s) dz) s) / |z|, whose transpose (for a
    # cotangent g in the bilinear pairing Re(g dz)) is (g - Re(g s) conj(s)) / |z|; 0 at z = 0 (torch's choice)
    r = x.abs()
    zero = r == 0
    s = x / where(zero, 1.0, r)
    return (where(zero, 0.0, (g - (g * s).real * s.conj()) / where(zero, 1.0, r)),)

floor = _unary("floor", _keep_int(np.floor, "floor_vml_cpu"), dtype_rule="promote", saves=())
floor.defpartials(_zero_partial)
ceil = _unary("ceil", _keep_int(np.ceil, "ceil_vml_cpu"), dtype_rule="promote", saves=())
ceil.defpartials(_zero_partial)
trunc = _unary("trunc", _keep_int(np.trunc, "trunc_vml_cpu"), dtype_rule="promote", saves=())
trunc.defpartials(_zero_partial)


def _round_impl(x, decimals=0):
    if x.dtype.kind in "iub":
        if decimals:
            raise NotImplementedError(f'"round_cpu" not implemented for \'{_type_name(x.dtype)}\'')
        return x.copy()
    return np.round(x, decimals)


round = _unary("round", _refuse("round_vml_cpu", "b", _round_impl), dtype_rule="promote", saves=())
round.defpartials(_zero_partial)

frac = _unary("frac", _refuse("frac_cpu", "iub", lambda x: x - np.trunc(x)), dtype_rule="promote", saves=())
frac.defvjp(lambda g, out, x: (g,))

# ------------------------------------------------------------------------------------------------ trigonometric
sin = _unary("sin", np.sin)
sin.defpartials(lambda out, x: (x.cos(),))
cos = _unary("cos", np.cos)
cos.defpartials(lambda out, x: (-x.sin(),))
tan = _unary("tan", np.tan, saves=(), save_out=True)
tan.defpartials(lambda out, x: (1 + out * out,))
asin = _unary("asin", np.arcsin)
asin.defpartials(lambda out, x: ((1 - x * x).rsqrt(),))
acos = _unary("acos", np.arccos)
acos.defpartials(lambda out, x: (-(1 - x * x).rsqrt(),))
atan = _unary("atan", np.arctan)
atan.defvjp(lambda g, out, x: (g / (1 + x * x),))
sinh = _unary("sinh", np.sinh)
sinh.defpartials(lambda out, x: (x.cosh(),))
cosh = _unary("cosh", np.cosh)
cosh.defpartials(lambda out, x: (x.sinh(),))
tanh = _unary("tanh", np.tanh, saves=(), save_out=True)
tanh.defvjp(lambda g, out, x: (tanh_backward(g, out),))

# g * (1 - out^2) as one primitive (one numpy pass instead of three ops per backward); its own rule is linear in g.
tanh_backward = _binary("tanh_backward", lambda g, out: g * (1 - out * out), dtype_rule=None)
tanh_backward.defpartials(lambda r, g, out: (1 - out * out, -2 * g * out))
asinh = _unary("asinh", np.arcsinh)
asinh.defpartials(lambda out, x: ((x * x + 1).rsqrt(),))
acosh = _unary("acosh", np.arccosh)
acosh.defpartials(lambda out, x: ((x * x - 1).rsqrt(),))
atanh = _unary("atanh", np.arctanh)
atanh.defvjp(lambda g, out, x: (g / (1 - x * x),))

atan2 = _binary("atan2", np.arctan2, dtype_rule="float")


@atan2.defvjp
def _atan2_vjp(g, out, y, x):
    from .._functions.math import where
    r = x * x + y * y
    # at the origin torch takes 0 for both partials (not 0/0)
    at_origin = r == 0
    scale = where(at_origin, 0.0, g / where(at_origin, 1.0, r))
    return (scale * x, -scale * y)


hypot = _float_binary("hypot", np.hypot, "hypot_cpu", saves=(0, 1), save_out=True)
hypot.defvjp(lambda g, out, x, y: (g * x / out, g * y / out))

# ------------------------------------------------------------------------------------------------ special
def _sigmoid_impl(x):
    if x.dtype.kind == "c":  # scipy's expit is real only
        return 1 / (1 + np.exp(-x))
    return _scipy("expit")(x)


sigmoid = _unary("sigmoid", _sigmoid_impl, saves=(), save_out=True)
sigmoid.defvjp(lambda g, out, x: (sigmoid_backward(g, out),))

# g * out * (1 - out) as one primitive, like tanh_backward
sigmoid_backward = _binary("sigmoid_backward", lambda g, out: g * out * (1 - out), dtype_rule=None)
sigmoid_backward.defpartials(lambda r, g, out: (out * (1 - out), g * (1 - 2 * out)))


def _logit_impl(x, eps=None):
    dt = x.dtype
    if eps is not None:
        x = np.clip(x, eps, 1 - eps)
    return sc.logit(x).astype(dt, copy=False)


logit = _unary("logit", _logit_impl)


@logit.defvjp
def _logit_vjp(g, out, x, eps=None):
    from .._functions.math import where
    d = g / (x * (1 - x)).abs()  # x (1 - x) >= 0 on [0, 1]; abs makes logit'(-0.0) = +inf like logit'(0)
    if eps is None:
        return (where((x < 0) | (x > 1), math.nan, d),)  # outside [0, 1] the derivative is NaN, as torch
    return (where((x < eps) | (x > 1 - eps), 0.0, d),)


erf = _unary("erf", _scipy("erf"))
erf.defpartials(lambda out, x: (_TWO_OVER_SQRT_PI * (-(x * x)).exp(),))
erfc = _unary("erfc", _scipy("erfc"))
erfc.defpartials(lambda out, x: (-_TWO_OVER_SQRT_PI * (-(x * x)).exp(),))
erfinv = _unary("erfinv", _scipy("erfinv"), saves=(), save_out=True)
erfinv.defpartials(lambda out, x: (_SQRT_PI_OVER_2 * (out * out).exp(),))
erfcx = _unary("erfcx", _scipy("erfcx"), save_out=True)
erfcx.defpartials(lambda out, x: (2 * x * out - _TWO_OVER_SQRT_PI,))


def _ndtri_impl(x):
    return sc.ndtri(x)


ndtri = _unary("ndtri", _ndtri_impl, saves=(), save_out=True)
ndtri.defpartials(lambda out, x: (math.sqrt(2 * math.pi) * (0.5 * out * out).exp(),))
ndtr = _unary("ndtr", _scipy("ndtr"))
ndtr.defpartials(lambda out, x: ((-0.5 * x * x).exp() / math.sqrt(2 * math.pi),))
log_ndtr = _unary("log_ndtr", _scipy("log_ndtr"), save_out=True)
log_ndtr.defpartials(lambda out, x: ((-0.5 * x * x - out).exp() / math.sqrt(2 * math.pi),))

def _lgamma_impl(x):
    from .._kernels import special as K
    if K.usable(x):  # large float32 arrays: a compiled pass, ~2.5x faster than scipy's loop
        return K.lgamma_positive(x, _lgamma_impl)
    res = sc.gammaln(x)
    if res.dtype != x.dtype:
        res = res.astype(x.dtype)
    # scipy gives -inf at -inf and inf at subnormals; torch (and the math) give inf and -log|x| there
    odd = (np.abs(x) < 1e-300) & (x != 0) | (x == -np.inf)
    if odd.any():
        res = np.where(x == -np.inf, np.inf, np.where(odd, -np.log(np.abs(x)), res)).astype(x.dtype)
    return res


lgamma = _unary("lgamma", _lgamma_impl)
lgamma.defpartials(lambda out, x: (digamma(x),))
def _digamma_impl(x):
    from .._kernels import special as K
    if K.usable(x):
        return K.digamma_positive(x, _digamma_impl)
    return _scipy("psi")(x)


digamma = _unary("digamma", _digamma_impl)
digamma.defpartials(lambda out, x: (polygamma(x, n=1),))


def _polygamma_impl(x, n):
    res = sc.psi(x) if n == 0 else sc.polygamma(n, x)
    return res.astype(x.dtype, copy=False)


polygamma = _unary("polygamma", _polygamma_impl)
polygamma.defpartials(lambda out, x, n: (polygamma(x, n=n + 1),))


i0 = _unary("i0", _scipy("i0"))
i0.defpartials(lambda out, x: (i1(x),))
i0e = _unary("i0e", _scipy("i0e"), save_out=True)
i0e.defpartials(lambda out, x: (i1e(x) - x.sgn() * out,))
i1 = _unary("i1", _scipy("i1"), save_out=True)


@i1.defpartials
def _i1_partial(out, x):
    from .._functions.math import where
    safe = where(x == 0, 1.0, x)
    return (where(x == 0, 0.5, i0(x) - out / safe),)


i1e = _unary("i1e", _scipy("i1e"), save_out=True)


@i1e.defpartials
def _i1e_partial(out, x):
    from .._functions.math import where
    safe = where(x == 0, 1.0, x)
    return (where(x == 0, 0.5, i0e(x) - out * (x.sgn() + 1 / safe)),)


def _times_log(log):
    """x * log(y) with 0 where x == 0 and y is not NaN (scipy's and torch's xlogy / xlog1py); numpy's SIMD log
    makes this composition several times faster than scipy's element loop."""
    def impl(x, y):
        dt = x.dtype if isinstance(x, np.ndarray) else y.dtype
        x, y = np.asarray(x, dt), np.asarray(y, dt)  # a Python scalar operand takes the tensor's dtype
        res = np.multiply(x, log(y))
        zero = np.equal(x, 0)
        if zero.any():
            res = np.where(zero & ~np.isnan(y), 0, res).astype(res.dtype, copy=False)
        return res
    return impl


_xlogy_impl = _times_log(np.log)


xlogy = _binary("xlogy", _xlogy_impl, dtype_rule="float")


@xlogy.defvjp
def _xlogy_vjp(g, out, x, y):
    from .._functions.math import where
    # torch's convention: d/dx is 0 where x == 0 and y <= 0 (where log y is not finite), log y elsewhere
    gx = g * where((x == 0) & (_as_t(y, g) <= 0), 0.0, _as_t(y, g).log()) if _is_t(x) else None
    gy = g * x / y if _is_t(y) else None
    return (gx, gy)


xlog1py = _binary("xlog1py", _times_log(np.log1p), dtype_rule="float")


@xlog1py.defvjp
def _xlog1py_vjp(g, out, x, y):
    from .._functions.math import where
    gx = g * where((x == 0) & (_as_t(y, g) <= -1), 0.0, _as_t(y, g).log1p()) if _is_t(x) else None
    gy = g * x / (1 + y) if _is_t(y) else None
    return (gx, gy)


logaddexp = _float_binary("logaddexp", np.logaddexp, "logaddexp_cpu", saves=(0, 1))


@logaddexp.defpartials
def _logaddexp_partials(out, x, y):
    # d/dx = exp(x) / (exp(x) + exp(y)) = sigmoid(x - y): 1 and 0 against an infinite x, NaN where both are the
    # same infinity (as torch)
    return (sigmoid(x - y) if _is_t(x) else None, sigmoid(y - x) if _is_t(y) else None)


logaddexp2 = _float_binary("logaddexp2", np.logaddexp2, "logaddexp2_cpu", saves=(0, 1))
logaddexp2.defpartials(lambda out, x, y: (sigmoid((x - y) * _LN2) if _is_t(x) else None,
                                          sigmoid((y - x) * _LN2) if _is_t(y) else None))

# ------------------------------------------------------------------------------------------------ selection
maximum = _binary("maximum", np.maximum)  # the rule compares the inputs; the output is not saved (as in torch)


def _select_partials(out, x, y, x_loses, y_loses):
    from .._functions.math import where
    # ties split the gradient evenly; where a NaN makes every comparison false both inputs get all of it (torch)
    ref = x if _is_t(x) else y
    half = where(x == y, 0.5, 1.0)
    if ref.is_floating_point() or ref.is_complex():
        half = half.to(ref.dtype)
    return (where(x_loses, 0.0, half), where(y_loses, 0.0, half))


@maximum.defpartials
def _maximum_partials(out, x, y):
    return _select_partials(out, x, y, x < y, x > y)


minimum = _binary("minimum", np.minimum)


@minimum.defpartials
def _minimum_partials(out, x, y):
    return _select_partials(out, x, y, x > y, x < y)


fmax = _binary("fmax", np.fmax)
fmax.defpartials(lambda out, x, y: ((x >= y) | y.isnan(), ~((x >= y) | y.isnan())))
fmin = _binary("fmin", np.fmin)
fmin.defpartials(lambda out, x, y: ((x <= y) | y.isnan(), ~((x <= y) | y.isnan())))


def _clamp_impl(x, lo, hi):
    if lo is not None:
        x = np.maximum(x, lo)
    if hi is not None:
        x = np.minimum(x, hi)
    return x


clamp = _binary("clamp", _clamp_impl)


@clamp.defvjp
def _clamp_vjp(g, out, x, lo, hi):
    from .._functions.math import where
    # out = min(max(x, lo), hi): the gradient goes to whichever argument the output equals
    to_hi = to_lo = None
    if hi is not None:
        to_hi = (x.maximum(lo) if lo is not None else x) > hi
    if lo is not None:
        to_lo = x < lo
        if to_hi is not None:
            to_lo = to_lo & ~to_hi
    # x keeps the gradient only inside [lo, hi]: never for crossed bounds, nor for NaN (as torch)
    to_x = None
    if lo is not None:
        to_x = x >= lo
    if hi is not None:
        to_x = x <= hi if to_x is None else to_x & (x <= hi)
    gx = where(to_x, g, 0.0) if hasattr(x, "_data") else None
    glo = where(to_lo, g, 0.0) if hasattr(lo, "_data") else None
    ghi = where(to_hi, g, 0.0) if hasattr(hi, "_data") else None
    return (gx, glo, ghi)


def _where_impl(cond, x, y):
    return np.where(cond, x, y)


where = Primitive("where", _where_impl, elementwise=True, saves=(0,))


@where.defvjp
def _where_vjp(g, out, cond, x, y):
    from .._functions.math import where as w
    return (None, w(cond, g, 0.0) if hasattr(x, "_data") else None, w(cond, 0.0, g) if hasattr(y, "_data") else None)


copysign = _binary("copysign", np.copysign, dtype_rule="float", save_out=True)


@copysign.defvjp
def _copysign_vjp(g, out, x, y):
    from .._functions.math import where
    return (g * where(x == 0, 0.0, out / where(x == 0, 1.0, x)), g * 0.0 if hasattr(y, "_data") else None)


nan_to_num = _unary("nan_to_num", lambda x, nan=0.0, posinf=None, neginf=None:
                    np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf), dtype_rule="promote")
nan_to_num.defpartials(lambda out, x, **kw: (x.isfinite().to(x.dtype),))



def _angle_impl(x):
    if x.dtype.kind == "c":
        return np.angle(x)
    # the argument of a real number: pi for negatives, 0 otherwise, NaN kept
    return np.where(x < 0, np.pi, np.where(np.isnan(x), x, 0.0)).astype(x.dtype, copy=False)


angle = _unary("angle", _angle_impl)


@angle.defpartials
def _angle_partials(out, x):
    from .._functions.math import where
    if not x.is_complex():
        return _zero_partial(out, x)
    # angle = Im log z, so 2 d(angle)/dz = -i / z = -i conj(z) / |z|^2; 0 at the origin, as torch
    r2 = (x * x.conj()).real
    zero = r2 == 0
    return (where(zero, 0.0, -1j * x.conj() / where(zero, 1.0, r2)),)

# ------------------------------------------------------------------------------------------------ casting
to_dtype = Primitive("to_copy", lambda x, dtype, copy=False: x.astype(dtype, copy=copy), saves=())
to_dtype.defvjp(lambda g, out, x, dtype, copy=False: (g,))
to_dtype.defjvp(lambda tangents, out, x, dtype, copy=False: to_dtype(tangents[0], dtype=dtype))

clone = Primitive("clone", lambda x: x.copy(), saves=())
clone.defvjp(lambda g, out, x: (g,))
clone.defjvp(lambda tangents, out, x: clone(tangents[0]))

# The real-linear maps between C and R^2 are views (as in torch) with adjoint rules: the gradient of a real part
# is the real gradient itself, that of an imaginary part g i (Re(conj(g i) dz) = g Im dz), and view_as_real /
# view_as_complex are each other's adjoint.
real = Primitive("real", np.real, saves=(), view=True, adjoint=True)
real.defvjp(lambda g, out, x: (g,))
real.defjvp(lambda tangents, out, x: real(tangents[0]))

imag = Primitive("imag", np.imag, saves=(), view=True, adjoint=True)
imag.defvjp(lambda g, out, x: (g * 1j,))
imag.defjvp(lambda tangents, out, x: imag(tangents[0]))

conj = Primitive("conj", np.conj, saves=(), linear=True)
conj.defvjp(lambda g, out, x: (conj(g),))
conj.defjvp(lambda tangents, out, x: conj(tangents[0]))


def _view_as_real_impl(x):
    # the real parts with a trailing axis stepping to the imaginary parts: a view for any strides
    r = x.real
    return np.lib.stride_tricks.as_strided(r, r.shape + (2,), r.strides + (r.itemsize,))


def _view_as_complex_impl(x):
    ct = np.result_type(x.dtype, np.complex64)
    if x.ndim == 0 or x.shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    if not x.size:
        return np.empty(x.shape[:-1], ct)
    if x.strides[-1] != x.itemsize:
        raise RuntimeError("Tensor must have a last dimension with stride 1")
    if any(st % (2 * x.itemsize) for st, n in zip(x.strides[:-1], x.shape[:-1]) if n > 1):
        raise RuntimeError("Tensor must have a stride divisible by 2 for all but last dimension")
    root = x
    while isinstance(root.base, np.ndarray):
        root = root.base
    if (x.ctypes.data - root.ctypes.data) % (2 * x.itemsize):
        raise RuntimeError("Tensor must have a storage_offset divisible by 2")
    # the first pair read as one complex number, then strided like the pairs: a view of the same memory
    first = x[(0,) * (x.ndim - 1)].view(ct)
    return np.lib.stride_tricks.as_strided(first, x.shape[:-1], x.strides[:-1])


view_as_real = Primitive("view_as_real", _view_as_real_impl, saves=(), view=True, adjoint=True)
view_as_real.defvjp(lambda g, out, x: (view_as_complex(g.contiguous()),))
view_as_real.defjvp(lambda tangents, out, x: view_as_real(tangents[0]))

view_as_complex = Primitive("view_as_complex", _view_as_complex_impl, saves=(), view=True, adjoint=True)
view_as_complex.defvjp(lambda g, out, x: (view_as_real(g),))
view_as_complex.defjvp(lambda tangents, out, x: view_as_complex(tangents[0].contiguous()))

# ------------------------------------------------------------------------------------------------ no gradient
def _nondiff(name, impl, **kw):
    return Primitive(name, impl, elementwise=True, differentiable=False, **kw)


eq = _nondiff("eq", np.equal)
ne = _nondiff("ne", np.not_equal)
lt = _nondiff("lt", np.less)
le = _nondiff("le", np.less_equal)
gt = _nondiff("gt", np.greater)
ge = _nondiff("ge", np.greater_equal)
logical_and = _nondiff("logical_and", np.logical_and)
logical_or = _nondiff("logical_or", np.logical_or)
logical_xor = _nondiff("logical_xor", np.logical_xor)
logical_not = _nondiff("logical_not", np.logical_not)
isnan = _nondiff("isnan", np.isnan)
isinf = _nondiff("isinf", np.isinf)
isposinf = _nondiff("isposinf", np.isposinf)
isneginf = _nondiff("isneginf", np.isneginf)
isfinite = _nondiff("isfinite", np.isfinite)
signbit = _nondiff("signbit", np.signbit)


bitwise_and = _nondiff("bitwise_and", _refuse("bitwise_and_cpu", "fc", np.bitwise_and), dtype_rule="promote")
bitwise_or = _nondiff("bitwise_or", _refuse("bitwise_or_cpu", "fc", np.bitwise_or), dtype_rule="promote")
bitwise_xor = _nondiff("bitwise_xor", _refuse("bitwise_xor_cpu", "fc", np.bitwise_xor), dtype_rule="promote")
bitwise_not = _nondiff("bitwise_not", _refuse("bitwise_not_cpu", "fc", np.invert))


def _softplus_impl(x, beta=1.0, threshold=20.0):
    bx = x * beta
    return np.where(bx > threshold, x, np.logaddexp(0, bx) / beta).astype(x.dtype, copy=False)


softplus = _float_binary("softplus", _softplus_impl, "softplus_cpu")  # one operand; floats only, as torch


@softplus.defpartials
def _softplus_partials(out, x, beta=1.0, threshold=20.0):
    from .._functions.math import where
    bx = x * beta
    return (where(bx > threshold, 1.0, sigmoid(bx)),)
