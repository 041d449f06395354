"""Elementwise ops against torch: one table row per op; the harness checks float32/float64 values and dtypes,
gradients against torch, and gradcheck + gradgradcheck in float64."""
import math

import numpy as np
import pytest

import probtorch
from probtorch.prims import elementwise as E
from testing_helpers import (OpCase, params, check_forward, check_grad_vs_torch, check_gradcheck, assert_same, _flat,
                             UNARY_SHAPES, BINARY_SHAPES, TERNARY_SHAPES, torch)


class _PtSpecial:
    """torch.special's names for the probtorch prims that torch only exposes there."""
    i0 = staticmethod(lambda x: E.i0(x))
    i0e = staticmethod(lambda x: E.i0e(x))
    i1 = staticmethod(lambda x: E.i1(x))
    i1e = staticmethod(lambda x: E.i1e(x))
    xlog1py = staticmethod(lambda x, y: E.xlog1py(x, y))
    erfcx = staticmethod(lambda x: E.erfcx(x))
    ndtr = staticmethod(lambda x: E.ndtr(x))
    ndtri = staticmethod(lambda x: E.ndtri(x))
    log_ndtr = staticmethod(lambda x: E.log_ndtr(x))


def sp(m):
    return torch.special if m is torch else _PtSpecial


def _ties(shapes, lo=-2, hi=3):
    """Integer-valued float samples, so equal values (ties) are common."""
    def gen(rng):
        return [tuple(rng.integers(lo, hi, size=s).astype(np.float64) for s in ss) for ss in shapes]
    return gen


def _with_specials(rng):
    vals = np.array([1.5, np.nan, np.inf, -np.inf, -2.0, 0.0])
    return [(vals,), (vals.reshape(2, 3),), (np.array(np.nan),)]


U, B, T = UNARY_SHAPES, BINARY_SHAPES, TERNARY_SHAPES
POS = (0.2, 3.0)
UNIT = (-0.9, 0.9)

CASES = [
    # ---------------------------------------------------------------- arithmetic
    OpCase("neg", lambda m, x: m.neg(x)),
    OpCase("neg_op", lambda m, x: -x),
    OpCase("abs", lambda m, x: m.abs(x)),
    OpCase("add", lambda m, x, y: m.add(x, y), B),
    OpCase("add_alpha", lambda m, x, y: m.add(x, y, alpha=2.5), B),
    OpCase("add_scalar", lambda m, x: m.add(x, 2.5)),
    OpCase("radd_int_scalar", lambda m, x: 3 + x),
    OpCase("sub", lambda m, x, y: m.sub(x, y), B),
    OpCase("sub_alpha", lambda m, x, y: m.sub(x, y, alpha=-1.5), B),
    OpCase("rsub_scalar", lambda m, x: 2.5 - x),
    OpCase("rsub_fn", lambda m, x, y: m.rsub(x, y, alpha=2), B),
    OpCase("mul", lambda m, x, y: m.mul(x, y), B),
    OpCase("mul_scalar", lambda m, x: x * 3),
    OpCase("div", lambda m, x, y: m.div(x, y), B, domain=[(-2, 2), (0.5, 2)]),
    OpCase("div_scalar", lambda m, x: x / 3.0),
    OpCase("rdiv_scalar", lambda m, x: 2.0 / x, domain=(0.5, 2)),
    OpCase("true_divide", lambda m, x, y: m.true_divide(x, y), B, domain=[(-2, 2), (-2, -0.5)]),
    OpCase("div_floor", lambda m, x, y: m.div(x, y, rounding_mode="floor"), B, domain=[(-5, 5), (0.5, 2)]),
    OpCase("div_trunc", lambda m, x, y: m.div(x, y, rounding_mode="trunc"), B, domain=[(-5, 5), (-2, -0.5)]),
    OpCase("floor_divide", lambda m, x, y: m.floor_divide(x, y), B, domain=[(-5, 5), (0.5, 2)]),
    OpCase("remainder", lambda m, x, y: m.remainder(x, y), B, domain=[(-5, 5), (0.7, 2)]),
    OpCase("remainder_neg", lambda m, x, y: m.remainder(x, y), B, domain=[(-5, 5), (-2, -0.7)]),
    OpCase("remainder_scalar", lambda m, x: m.remainder(x, 1.5), domain=(-5, 5)),
    OpCase("fmod", lambda m, x, y: m.fmod(x, y), B, domain=[(-5, 5), (0.7, 2)]),
    OpCase("fmod_scalar", lambda m, x: m.fmod(x, -1.5), domain=(-5, 5)),
    OpCase("pow_tensor", lambda m, x, y: m.pow(x, y), B, domain=[(0.5, 2), (-2, 2)]),
    OpCase("pow_scalar_exp", lambda m, x: m.pow(x, 3)),
    OpCase("pow_half", lambda m, x: x ** 0.5, domain=POS),
    OpCase("pow_neg_exp", lambda m, x: x ** -2, domain=POS),
    OpCase("pow_zero_exp", lambda m, x: m.pow(x, 0)),
    OpCase("pow_scalar_base", lambda m, x: m.pow(2.0, x)),
    OpCase("rpow", lambda m, x: 1.5 ** x),
    OpCase("pow_zero_base", lambda m, x, y: m.pow(x, y),
           gen=lambda rng: [(np.array([0.0, 0.0, 2.0, 0.0, 0.0, -1.5]), np.array([2.0, 3.5, 1.5, 0.0, 1.0, 0.0]))],
           grad_samples=0),
    OpCase("float_power", lambda m, x, y: m.float_power(x, y), B, domain=[(0.5, 2), (-2, 2)]),
    OpCase("square", lambda m, x: m.square(x)),
    OpCase("reciprocal", lambda m, x: m.reciprocal(x), domain=(0.5, 2)),
    OpCase("lerp", lambda m, x, y, w: m.lerp(x, y, w), T),
    OpCase("lerp_scalar_w", lambda m, x, y: m.lerp(x, y, 0.3), B),
    OpCase("addcmul", lambda m, x, y, z: m.addcmul(x, y, z, value=0.5), T),
    OpCase("addcdiv", lambda m, x, y, z: m.addcdiv(x, y, z, value=-2), T, domain=[(-2, 2), (-2, 2), (0.5, 2)]),
    # ---------------------------------------------------------------- exp / log
    OpCase("exp", lambda m, x: m.exp(x)),
    OpCase("exp2", lambda m, x: m.exp2(x)),
    OpCase("expm1", lambda m, x: m.expm1(x)),
    OpCase("log", lambda m, x: m.log(x), domain=POS),
    OpCase("log2", lambda m, x: m.log2(x), domain=POS),
    OpCase("log10", lambda m, x: m.log10(x), domain=POS),
    OpCase("log1p", lambda m, x: m.log1p(x), domain=(-0.8, 2)),
    OpCase("sqrt", lambda m, x: m.sqrt(x), domain=POS),
    OpCase("rsqrt", lambda m, x: m.rsqrt(x), domain=POS),
    OpCase("log_of_negative_is_nan", lambda m, x: m.log(x), domain=(-2, -1), grad=False),
    # ---------------------------------------------------------------- rounding and sign (zero gradients)
    OpCase("sign", lambda m, x: m.sign(x)),
    OpCase("sgn", lambda m, x: m.sgn(x)),
    OpCase("floor", lambda m, x: m.floor(x), domain=(-5, 5)),
    OpCase("ceil", lambda m, x: m.ceil(x), domain=(-5, 5)),
    OpCase("trunc", lambda m, x: m.trunc(x), domain=(-5, 5)),
    OpCase("fix", lambda m, x: m.fix(x), domain=(-5, 5)),
    OpCase("round", lambda m, x: m.round(x), domain=(-5, 5)),
    OpCase("round_half_even", lambda m, x: m.round(x),
           gen=lambda rng: [(np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5]),)], grad_samples=0),
    OpCase("round_decimals", lambda m, x: m.round(x, decimals=2), domain=(-5, 5)),
    OpCase("frac", lambda m, x: m.frac(x), domain=(-5, 5)),
    # ---------------------------------------------------------------- trigonometric / hyperbolic
    OpCase("sin", lambda m, x: m.sin(x), domain=(-4, 4)),
    OpCase("cos", lambda m, x: m.cos(x), domain=(-4, 4)),
    OpCase("tan", lambda m, x: m.tan(x), domain=(-1.2, 1.2)),
    OpCase("asin", lambda m, x: m.asin(x), domain=UNIT),
    OpCase("acos", lambda m, x: m.acos(x), domain=UNIT),
    OpCase("atan", lambda m, x: m.atan(x), domain=(-4, 4)),
    OpCase("sinh", lambda m, x: m.sinh(x)),
    OpCase("cosh", lambda m, x: m.cosh(x)),
    OpCase("tanh", lambda m, x: m.tanh(x)),
    OpCase("asinh", lambda m, x: m.asinh(x), domain=(-4, 4)),
    OpCase("acosh", lambda m, x: m.acosh(x), domain=(1.2, 4)),
    OpCase("atanh", lambda m, x: m.atanh(x), domain=UNIT),
    OpCase("atan2", lambda m, x, y: m.atan2(x, y), B),
    OpCase("hypot", lambda m, x, y: m.hypot(x, y), B),
    OpCase("deg2rad", lambda m, x: m.deg2rad(x), domain=(-180, 180)),
    OpCase("rad2deg", lambda m, x: m.rad2deg(x)),
    OpCase("sinc", lambda m, x: m.sinc(x), domain=(-3, 3)),
    OpCase("sinc_zero", lambda m, x: m.sinc(x), gen=lambda rng: [(np.array([0.0, 0.5, -1.0]),)], grad_samples=0),
    # ---------------------------------------------------------------- special functions
    OpCase("sigmoid", lambda m, x: m.sigmoid(x), domain=(-6, 6)),
    OpCase("logit", lambda m, x: m.logit(x), domain=(0.05, 0.95)),
    OpCase("logit_eps", lambda m, x: m.logit(x, eps=0.2), domain=(0.0, 1.0)),
    OpCase("logit_eps_outside", lambda m, x: m.logit(x, 0.1),
           gen=lambda rng: [(np.array([0.0, 0.05, 0.5, 0.97, 1.0]),)], gradgrad=False, grad_samples=0),
    OpCase("erf", lambda m, x: m.erf(x)),
    OpCase("erfc", lambda m, x: m.erfc(x)),
    OpCase("erfinv", lambda m, x: m.erfinv(x), domain=UNIT),
    OpCase("erfinv_edges", lambda m, x: m.erfinv(x), gen=lambda rng: [(np.array([-1.0, 1.0, 0.0, 1.5]),)],
           grad=False),
    OpCase("lgamma", lambda m, x: m.lgamma(x), domain=(0.1, 6)),
    OpCase("lgamma_negative", lambda m, x: m.lgamma(x), domain=(-2.9, -2.1)),
    OpCase("digamma", lambda m, x: m.digamma(x), domain=(0.2, 6)),
    OpCase("digamma_negative", lambda m, x: m.digamma(x), domain=(-1.8, -1.2)),
    OpCase("polygamma1", lambda m, x: m.polygamma(1, x), domain=(0.3, 5)),
    OpCase("polygamma2", lambda m, x: m.polygamma(2, x), domain=(0.3, 5)),
    OpCase("polygamma3", lambda m, x: m.polygamma(3, x), domain=(0.5, 5), rtol=1e-6, atol=1e-6),
    OpCase("polygamma0", lambda m, x: m.polygamma(0, x), domain=(0.3, 5)),
    OpCase("mvlgamma", lambda m, x: m.mvlgamma(x, p=3), domain=(1.2, 4)),
    OpCase("i0", lambda m, x: m.i0(x), domain=(-4, 4)),
    OpCase("special_i0", lambda m, x: sp(m).i0(x), domain=(-4, 4)),
    OpCase("i0e", lambda m, x: sp(m).i0e(x), domain=(-4, 4)),
    OpCase("i1", lambda m, x: sp(m).i1(x), domain=(-4, 4)),
    OpCase("i1e", lambda m, x: sp(m).i1e(x), domain=(-4, 4)),
    OpCase("i1_i1e_at_zero", lambda m, x: (sp(m).i1(x), sp(m).i1e(x)),
           gen=lambda rng: [(np.array([0.0, 1.0]),)], gradgrad=False),
    OpCase("erfcx", lambda m, x: sp(m).erfcx(x), domain=(-2, 4)),
    OpCase("ndtr", lambda m, x: sp(m).ndtr(x), domain=(-4, 4)),
    OpCase("ndtri", lambda m, x: sp(m).ndtri(x), domain=(0.05, 0.95)),
    OpCase("log_ndtr", lambda m, x: sp(m).log_ndtr(x), domain=(-6, 4)),
    OpCase("xlogy", lambda m, x, y: m.xlogy(x, y), B, domain=[(-2, 2), (0.2, 3)]),
    OpCase("xlogy_zeros", lambda m, x, y: m.xlogy(x, y),
           gen=lambda rng: [(np.array([0.0, 0.0, 1.0, 0.0]), np.array([0.0, 2.0, 0.5, np.nan]))],
           grad_samples=0),
    OpCase("xlogy_scalar_y", lambda m, x: m.xlogy(x, 2.0)),
    OpCase("xlogy_scalar_x", lambda m, y: m.xlogy(3.0, y), domain=POS),
    OpCase("xlog1py", lambda m, x, y: sp(m).xlog1py(x, y), B, domain=[(-2, 2), (-0.5, 3)]),
    OpCase("xlog1py_zeros", lambda m, x, y: sp(m).xlog1py(x, y),
           gen=lambda rng: [(np.array([0.0, 0.0, 1.0]), np.array([-1.0, 2.0, 0.5]))], grad_samples=0),
    OpCase("logaddexp", lambda m, x, y: m.logaddexp(x, y), B, domain=(-5, 5)),
    OpCase("logaddexp_inf", lambda m, x, y: m.logaddexp(x, y),
           gen=lambda rng: [(np.array([-np.inf, -np.inf, 1.0, 800.0]), np.array([-np.inf, 2.0, -np.inf, 799.0]))],
           grad_samples=0),
    OpCase("logaddexp2", lambda m, x, y: m.logaddexp2(x, y), B, domain=(-5, 5)),
    OpCase("softplus", lambda m, x: m.nn.functional.softplus(x), domain=(-5, 5)),
    OpCase("softplus_beta_threshold", lambda m, x: m.nn.functional.softplus(x, beta=2.0, threshold=5.0),
           domain=(-5, 5)),
    OpCase("softplus_large", lambda m, x: m.nn.functional.softplus(x), domain=(15, 40)),
    # ---------------------------------------------------------------- selection
    OpCase("maximum", lambda m, x, y: m.maximum(x, y), B),
    OpCase("minimum", lambda m, x, y: m.minimum(x, y), B),
    OpCase("maximum_ties", lambda m, x, y: m.maximum(x, y), gen=_ties([((3, 4), (3, 4)), ((3, 4), (4,))]),
           grad_samples=0),
    OpCase("minimum_ties", lambda m, x, y: m.minimum(x, y), gen=_ties([((3, 4), (3, 4)), ((1, 4), (3, 1))]),
           grad_samples=0),
    OpCase("max_binary", lambda m, x, y: m.max(x, y), B),
    OpCase("min_binary", lambda m, x, y: m.min(x, y), B),
    OpCase("maximum_nan", lambda m, x, y: m.maximum(x, y),
           gen=lambda rng: [(np.array([np.nan, 1.0, 2.0]), np.array([0.0, np.nan, 1.0]))], grad_samples=0),
    OpCase("fmax", lambda m, x, y: m.fmax(x, y), B),
    OpCase("fmin", lambda m, x, y: m.fmin(x, y), B),
    OpCase("fmax_nan", lambda m, x, y: m.fmax(x, y),
           gen=lambda rng: [(np.array([np.nan, 1.0, 2.0]), np.array([0.0, np.nan, 1.0]))], grad_samples=0),
    OpCase("clamp_scalars", lambda m, x: m.clamp(x, -0.5, 0.7)),
    OpCase("clamp_min_only", lambda m, x: m.clamp(x, min=0.1)),
    OpCase("clamp_max_only", lambda m, x: m.clamp(x, max=0.1)),
    OpCase("clamp_min_fn", lambda m, x: m.clamp_min(x, -0.3)),
    OpCase("clamp_max_fn", lambda m, x: m.clamp_max(x, 0.3)),
    OpCase("clip", lambda m, x: m.clip(x, -1, 1)),
    OpCase("clamp_tensor_bounds", lambda m, x, lo, hi: m.clamp(x, lo, hi), T, domain=[(-2, 2), (-1, 0), (0, 1)]),
    OpCase("clamp_crossed_bounds", lambda m, x, lo, hi: m.clamp(x, lo, hi), T, domain=[(-2, 2), (0.5, 1), (-1, 0)]),
    OpCase("clamp_tensor_min", lambda m, x, lo: m.clamp(x, min=lo), B),
    OpCase("clamp_tensor_max", lambda m, x, hi: m.clamp(x, max=hi), B),
    OpCase("clamp_int_bounds_on_float", lambda m, x: m.clamp(x, -1, 1)),
    OpCase("where", lambda m, c, x, y: m.where(c > 0, x, y), T, differentiable_args=[1, 2]),
    OpCase("where_scalar_other", lambda m, c, x: m.where(c > 0, x, 0.5), B, differentiable_args=[1]),
    OpCase("where_scalar_input", lambda m, c, y: m.where(c > 0, -1.0, y), B, differentiable_args=[1]),
    OpCase("copysign", lambda m, x, y: m.copysign(x, y), B),
    OpCase("copysign_scalar", lambda m, x: m.copysign(x, -1.0)),
    OpCase("heaviside", lambda m, x, v: m.heaviside(x, v),
           gen=lambda rng: [(np.array([-1.0, 0.0, 2.0, 0.0]), np.array([0.5, 0.25, 0.1, 0.7]))], grad=False),
    OpCase("nan_to_num", lambda m, x: m.nan_to_num(x), gen=_with_specials, grad_samples=0),
    OpCase("nan_to_num_values", lambda m, x: m.nan_to_num(x, nan=1.0, posinf=5.0, neginf=-7.0),
           gen=_with_specials, grad_samples=0),
    OpCase("nan_to_num_plain", lambda m, x: m.nan_to_num(x, nan=2.0)),
    OpCase("clone", lambda m, x: m.clone(x)),
    OpCase("positive", lambda m, x: m.positive(x)),
    OpCase("dist", lambda m, x, y: m.dist(x, y), [((2, 3), (2, 3)), ((2, 3), (3,))]),
    OpCase("dist_p1", lambda m, x, y: m.dist(x, y, 1), [((2, 3), (2, 3))]),
    OpCase("dist_p3", lambda m, x, y: m.dist(x, y, 3), [((2, 3), (3,))]),
    OpCase("angle", lambda m, x: m.angle(x), grad=False),
    OpCase("masked_fill", lambda m, x, c: m.masked_fill(x, c > 0, -3.0), B[:3], differentiable_args=[0]),
    OpCase("masked_fill_tensor_value", lambda m, x, c, v: m.masked_fill(x, c > 0, v.sum()),
           [((2, 3), (2, 3), (2,)), ((2, 3), (3,), ())], differentiable_args=[0, 2]),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", params(CASES))
def test_forward_matches_torch(case, dtype):
    check_forward(case, dtype)


@pytest.mark.parametrize("case", params(CASES))
def test_forward_float16_matches_torch(case):
    check_forward(case, "float16", same_errors=False)


@pytest.mark.parametrize("case", params([c for c in CASES if c.grad]))
def test_grad_matches_torch(case):
    check_grad_vs_torch(case)


@pytest.mark.parametrize("case", params([c for c in CASES if c.grad and c.grad_samples]))
def test_gradcheck_gradgradcheck(case):
    check_gradcheck(case)


# ------------------------------------------------------------------------------------------------ any-dtype ops
# Values and result dtypes over mixed input dtypes (no gradients): comparisons, logical, bitwise, and arithmetic on
# integer and bool tensors. torch's exception type must match when torch refuses.
DTYPES = ["bool", "uint8", "int8", "int32", "int64", "float32", "float64"]
PAIRS = [("int64", "int64"), ("int32", "int64"), ("uint8", "int8"), ("bool", "bool"), ("bool", "int32"),
         ("int64", "float32"), ("float32", "float64"), ("uint8", "bool"), ("int8", "float64")]

BINARY_ANY = {
    "eq": lambda m, x, y: m.eq(x, y), "ne": lambda m, x, y: x != y, "lt": lambda m, x, y: m.lt(x, y),
    "le": lambda m, x, y: x <= y, "gt": lambda m, x, y: m.gt(x, y), "ge": lambda m, x, y: m.ge(x, y),
    "greater": lambda m, x, y: m.greater(x, y), "less_equal": lambda m, x, y: m.less_equal(x, y),
    "logical_and": lambda m, x, y: m.logical_and(x, y), "logical_or": lambda m, x, y: m.logical_or(x, y),
    "logical_xor": lambda m, x, y: m.logical_xor(x, y),
    "bitwise_and": lambda m, x, y: m.bitwise_and(x, y), "bitwise_or": lambda m, x, y: x | y,
    "bitwise_xor": lambda m, x, y: x ^ y,
    "add": lambda m, x, y: x + y, "sub": lambda m, x, y: m.sub(x, y), "mul": lambda m, x, y: x * y,
    "div": lambda m, x, y: x / y, "floor_div": lambda m, x, y: m.div(x, y, rounding_mode="floor"),
    "trunc_div": lambda m, x, y: m.div(x, y, rounding_mode="trunc"), "remainder": lambda m, x, y: x % y,
    "fmod": lambda m, x, y: m.fmod(x, y), "maximum": lambda m, x, y: m.maximum(x, y),
    "minimum": lambda m, x, y: m.minimum(x, y), "where": lambda m, x, y: m.where(x > 1, x, y),
    "pow": lambda m, x, y: m.pow(x, y), "atan2": lambda m, x, y: m.atan2(x, y),
    "copysign": lambda m, x, y: m.copysign(x, y), "xlogy": lambda m, x, y: m.xlogy(x, y),
    "isclose": lambda m, x, y: m.isclose(x, y),
}

UNARY_ANY = {
    "logical_not": lambda m, x: m.logical_not(x), "bitwise_not": lambda m, x: m.bitwise_not(x),
    "invert": lambda m, x: ~x, "neg": lambda m, x: -x, "abs": lambda m, x: m.abs(x), "sign": lambda m, x: m.sign(x),
    "exp": lambda m, x: m.exp(x), "sqrt": lambda m, x: m.sqrt(x), "sigmoid": lambda m, x: m.sigmoid(x),
    "floor": lambda m, x: m.floor(x), "round": lambda m, x: m.round(x), "trunc": lambda m, x: m.trunc(x),
    "isnan": lambda m, x: m.isnan(x), "isinf": lambda m, x: m.isinf(x), "isfinite": lambda m, x: m.isfinite(x),
    "isposinf": lambda m, x: m.isposinf(x), "signbit": lambda m, x: m.signbit(x), "square": lambda m, x: m.square(x),
    "reciprocal": lambda m, x: m.reciprocal(x), "lgamma": lambda m, x: m.lgamma(x), "erf": lambda m, x: m.erf(x),
    "nan_to_num": lambda m, x: m.nan_to_num(x), "angle": lambda m, x: m.angle(x), "frac": lambda m, x: m.frac(x),
    "clamp": lambda m, x: m.clamp(x, 1, 2), "clamp_float_bound": lambda m, x: m.clamp(x, min=0.5),
    "isreal": lambda m, x: m.isreal(x), "add_float": lambda m, x: x + 1.5, "mul_int": lambda m, x: x * 2,
    "rsub_int": lambda m, x: 3 - x, "div_int": lambda m, x: x / 2, "pow_int": lambda m, x: x ** 2,
    "pow_neg_int": lambda m, x: x ** -1, "rpow": lambda m, x: 2 ** x, "eq_scalar": lambda m, x: x == 1,
    "gt_float": lambda m, x: x > 0.5, "and_true": lambda m, x: x & True if x.dtype in (m.bool, m.uint8, m.int8,
                                                                                     m.int32, m.int64) else x > 0,
}


def _any_values(dtype, shape, rng):
    if dtype == "bool":
        return rng.integers(0, 2, size=shape).astype(bool)
    lo = 0 if dtype == "uint8" else -3
    return rng.integers(lo, 4, size=shape).astype(np.dtype(dtype))


def _compare_any(fn, arrays):
    tt = [torch.from_numpy(np.array(a)) for a in arrays]
    tp = [probtorch.from_numpy(np.array(a)) for a in arrays]
    try:
        expected = fn(torch, *tt)
    except (RuntimeError, TypeError) as e:
        with pytest.raises(type(e)):
            fn(probtorch, *tp)
        return
    assert_same(fn(probtorch, *tp), expected, equal_nan=True, what=str(fn))


@pytest.mark.parametrize("pair", PAIRS, ids=lambda p: f"{p[0]}-{p[1]}")
@pytest.mark.parametrize("name", sorted(BINARY_ANY))
def test_binary_any_dtype_matches_torch(name, pair):
    rng = np.random.default_rng(0)
    for sa, sb in [((3, 4), (3, 4)), ((3, 1), (4,)), ((), (3,))]:
        _compare_any(BINARY_ANY[name], [_any_values(pair[0], sa, rng), _any_values(pair[1], sb, rng)])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(UNARY_ANY))
def test_unary_any_dtype_matches_torch(name, dtype):
    rng = np.random.default_rng(0)
    for shape in [(3, 4), (), (0,)]:
        _compare_any(UNARY_ANY[name], [_any_values(dtype, shape, rng)])


def test_comparison_results_are_bool_and_not_differentiable():
    x = probtorch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for r in (x > 1, x == 2.0, probtorch.isnan(x), probtorch.logical_and(x, x)):
        assert r.dtype is probtorch.bool and not r.requires_grad and r.grad_fn is None


def test_equal_allclose():
    a = probtorch.tensor([1.0, 2.0])
    assert probtorch.equal(a, probtorch.tensor([1.0, 2.0]))
    assert not probtorch.equal(a, probtorch.tensor([1.0, 2.5]))
    assert not probtorch.equal(a, probtorch.tensor([1.0, 2.0, 3.0]))
    assert probtorch.allclose(a, a + 1e-9)
    assert not probtorch.allclose(a, a + 1e-3)
    nan = probtorch.tensor([math.nan])
    assert not probtorch.allclose(nan, nan) and probtorch.allclose(nan, nan, equal_nan=True)


def test_polygamma_negative_order_raises():
    with pytest.raises(RuntimeError, match="negative"):
        probtorch.polygamma(-1, probtorch.tensor([1.0]))


def test_clamp_without_bounds_raises():
    with pytest.raises(RuntimeError, match="At least one of 'min' or 'max'"):
        probtorch.clamp(probtorch.tensor([1.0]))


def test_where_condition_must_be_bool():
    with pytest.raises(RuntimeError, match="bool"):
        probtorch.where(probtorch.tensor([1.0, 0.0]), probtorch.ones(2), probtorch.zeros(2))


def test_int_pow_negative_exponent_raises():
    with pytest.raises(RuntimeError, match="Integers to negative integer powers"):
        probtorch.tensor([1, 2]) ** -1


def test_bitwise_on_float_raises():
    with pytest.raises(RuntimeError):
        probtorch.bitwise_and(probtorch.tensor([1.0]), probtorch.tensor([1.0]))


def test_bool_subtraction_raises():
    t = probtorch.tensor([True, False])
    with pytest.raises(RuntimeError, match="Subtraction"):
        t - t


@pytest.mark.parametrize("fn", [lambda m, x, o: m.add(x, 1, out=o), lambda m, x, o: m.exp(x, out=o),
                                lambda m, x, o: m.mul(x, x, out=o), lambda m, x, o: m.maximum(x, -x, out=o),
                                lambda m, x, o: m.sigmoid(x, out=o)])
@pytest.mark.parametrize("out_dtype", ["float32", "float64", "int64"])
@pytest.mark.parametrize("out_shape", [(2,), (0,)])
def test_out_argument_matches_torch(fn, out_dtype, out_shape):
    results = []
    for m in (probtorch, torch):
        x = m.tensor([1.0, 2.0])
        o = m.zeros(out_shape, dtype=getattr(m, out_dtype))
        try:
            r = fn(m, x, o)
        except RuntimeError as e:
            results.append(type(e))
            continue
        assert r is o
        results.append(o)
    if isinstance(results[1], type):
        assert results[0] is results[1]
    else:
        assert_same(results[0], results[1])


def test_out_argument_refuses_autograd():
    x = probtorch.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="out=... arguments don't support automatic differentiation"):
        probtorch.exp(x, out=probtorch.zeros(2))
    with probtorch.no_grad():
        probtorch.exp(x, out=probtorch.zeros(2))


def test_integer_scalar_overflow_wraps_like_torch():
    for dt, s in [("uint8", -2), ("uint8", 300), ("int8", 200), ("int16", -40000)]:
        a = np.array([1, 2], dtype=dt)
        for fn in (lambda m, x: x + s, lambda m, x: x * s, lambda m, x: m.sub(x, s), lambda m, x: x == s):
            assert_same(fn(probtorch, probtorch.from_numpy(a.copy())), fn(torch, torch.from_numpy(a.copy())))


# ------------------------------------------------------------------------------------------------ special values
SPECIALS = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e300, -1e300, 1e-310, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0,
                     30.0, -30.0, 800.0, -800.0])
# torch's values that are not limits: polygamma gives NaN at +-inf and finite garbage near -inf
_SPECIAL_SKIP = {"polygamma1", "polygamma2", "polygamma3"}


def _arity(case):
    return case.fn.__code__.co_argcount - 1


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", params([c for c in CASES if _arity(c) in (1, 2) and c.name not in _SPECIAL_SKIP]))
def test_special_values_match_torch(case, dtype):
    """0, -0, +-inf, NaN, huge, subnormal and pole inputs give torch's values (a grid of pairs for binary ops)."""
    vals = SPECIALS if _arity(case) == 1 else np.delete(SPECIALS, [5, 6, 7])  # torch's SIMD remainder of 1e300
    arrays = [vals] if _arity(case) == 1 else [a.ravel() for a in np.meshgrid(vals, vals)]
    with np.errstate(all="ignore"):
        arrays = [a.astype(dtype) for a in arrays]
    try:
        expected = case.fn(torch, *[torch.from_numpy(a.copy()) for a in arrays])
    except Exception as e:
        with pytest.raises(type(e)):
            case.fn(probtorch, *[probtorch.from_numpy(a.copy()) for a in arrays])
        return
    tol = 1e-5 if dtype == np.float32 else 1e-7
    assert_same(case.fn(probtorch, *[probtorch.from_numpy(a.copy()) for a in arrays]), expected, rtol=tol, atol=tol,
                equal_nan=True, what=case.name)


@pytest.mark.parametrize("name, args", [
    ("absolute", 1), ("negative", 1), ("subtract", 2), ("multiply", 2), ("divide", 2), ("arcsin", 1), ("arccos", 1),
    ("arctan", 1), ("arctan2", 2), ("arcsinh", 1), ("arccosh", 1), ("arctanh", 1), ("greater_equal", 2),
    ("less", 2), ("not_equal", 2), ("greater", 2), ("less_equal", 2), ("isneginf", 1), ("isposinf", 1),
    ("real", 1), ("conj", 1), ("positive", 1), ("fix", 1), ("clip", 1), ("true_divide", 2), ("signbit", 1),
])
def test_aliases_and_small_functions_match_torch(name, args):
    a = np.array([-1.5, -0.25, 0.0, 0.5, 1.5, np.inf, -np.inf, np.nan])
    b = np.array([0.5, -0.25, 1.0, 0.5, -2.0, 1.0, 2.0, 1.0])
    if name in ("arccosh",):
        a = np.abs(a) + 1
    extra = (-1.0, 1.0) if name == "clip" else ()
    arrays = [a, b][:args]
    with np.errstate(all="ignore"):
        expected = getattr(torch, name)(*[torch.tensor(x) for x in arrays], *extra)
        got = getattr(probtorch, name)(*[probtorch.tensor(x) for x in arrays], *extra)
    assert_same(got, expected, equal_nan=True, what=name)


def test_cosine_similarity_and_softplus_helpers_match_torch():
    x1, x2 = np.array([[1.0, 2.0, 0.0], [0.0, 0.0, 0.0]]), np.array([[2.0, -1.0, 3.0], [1.0, 1.0, 1.0]])
    assert_same(probtorch.cosine_similarity_(probtorch.tensor(x1), probtorch.tensor(x2), dim=1),
                torch.nn.functional.cosine_similarity(torch.tensor(x1), torch.tensor(x2), dim=1))
    v = np.array([-30.0, -1.0, 0.0, 3.0, 30.0])
    assert_same(probtorch.softplus_(probtorch.tensor(v), beta=0.5, threshold=10.0),
                torch.nn.functional.softplus(torch.tensor(v), beta=0.5, threshold=10.0))
    assert_same(probtorch.sigmoid_(probtorch.tensor(v)), torch.sigmoid(torch.tensor(v)))


@pytest.mark.parametrize("fn", [lambda m, x, y: x * y, lambda m, x, y: m.atan2(x, y), lambda m, x, y: x / y,
                                lambda m, x, y: m.maximum(x, y), lambda m, x, y: m.where(x > 0, x, y),
                                lambda m, x, y: (x + y).sum(dtype=m.float64), lambda m, x, y: m.pow(x.abs(), y)])
def test_mixed_dtype_gradients_have_input_dtypes(fn):
    """float32 * float64 promotes forward, and each gradient comes back in its own input's dtype."""
    a, b = np.array([0.5, -1.5, 2.0]), np.array([1.25, 0.75, -0.5])
    grads = []
    for m in (probtorch, torch):
        x = m.tensor(a.astype(np.float32), requires_grad=True)
        y = m.tensor(b, dtype=m.float64, requires_grad=True)
        out = fn(m, x, y)
        grads.append((out,) + tuple(m.autograd.grad(out.sum(), (x, y))))
    assert_same(grads[0], grads[1], rtol=1e-6, atol=1e-6)


def test_no_numpy_floating_point_warnings_and_numpy_state_untouched():
    import warnings
    before = np.geterr()
    x = probtorch.tensor([0.0, -1.0, np.inf, -np.inf, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for r in (x.log(), x / 0, x.exp(), x - x, x * np.inf, x.sqrt(), probtorch.lgamma(x), x.sum(), x.prod(),
                  x.cumsum(0), x.logsumexp(0), probtorch.tensor([1, 2]) // probtorch.tensor([1, 1]), x.norm(),
                  x.var(), probtorch.atanh(x)):
            assert isinstance(r, probtorch.Tensor)
    assert np.geterr() == before
    with pytest.warns(RuntimeWarning):
        np.log(np.zeros(1))  # numpy itself still warns outside probtorch


# ------------------------------------------------------------------------------------------------ hypothesis
from hypothesis import given, settings, strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

_BROADCAST_OPS = {
    "add": lambda m, x, y: x + y, "mul": lambda m, x, y: m.mul(x, y), "div": lambda m, x, y: x / (y.abs() + 0.5),
    "atan2": lambda m, x, y: m.atan2(x, y), "maximum": lambda m, x, y: m.maximum(x, y),
    "where": lambda m, x, y: m.where(x > y, x, y * 2), "xlogy": lambda m, x, y: m.xlogy(x, y.abs() + 0.1),
    "logaddexp": lambda m, x, y: m.logaddexp(x, y), "hypot": lambda m, x, y: m.hypot(x, y),
}


@settings(max_examples=25)
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, min_side=0, max_side=3),
       name=st.sampled_from(sorted(_BROADCAST_OPS)), seed=st.integers(0, 2 ** 16))
def test_broadcasting_values_and_grads_match_torch(shapes, name, seed):
    rng = np.random.default_rng(seed)
    a, b = (rng.uniform(-2, 2, size=s) for s in shapes.input_shapes)
    fn = _BROADCAST_OPS[name]
    res = []
    for m in (probtorch, torch):
        x, y = m.tensor(a, requires_grad=True), m.tensor(b, requires_grad=True)
        out = fn(m, x, y)
        v = m.tensor(np.linspace(-1, 1, int(np.prod(out.shape))).reshape(tuple(out.shape)))
        res.append((out,) + tuple(m.autograd.grad((out * v).sum(), (x, y), allow_unused=True)))
    assert_same(res[0], res[1], equal_nan=True, what=name)


# torch's gradients that are artefacts rather than limits: huge finite trigamma at digamma's poles, NaN
# polygamma at +inf, pow(-inf, -0.5) NaN, and i1'(NaN) = 0.5
_SPECIAL_GRAD_SKIP = {"digamma", "digamma_negative", "polygamma0", "polygamma1", "polygamma2", "polygamma3",
                      "pow_half", "i1", "i1e", "i1_i1e_at_zero"}


@pytest.mark.parametrize("case", params([c for c in CASES if c.grad and _arity(c) in (1, 2)
                                         and c.name not in _SPECIAL_GRAD_SKIP]))
def test_special_value_gradients_match_torch(case):
    """Gradients at 0, -0, +-inf, NaN and large values follow torch's conventions (a grid of pairs if binary)."""
    vals = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 30.0, -30.0, 800.0])
    arrays = [vals] if _arity(case) == 1 else [a.ravel() for a in np.meshgrid(vals, vals)]
    idx = case.differentiable_args if case.differentiable_args is not None else range(len(arrays))
    res = []
    for m in (probtorch, torch):
        xs = [m.tensor(a, requires_grad=i in idx) for i, a in enumerate(arrays)]
        outs = [o for o in _flat(case.fn(m, *xs)) if o.requires_grad]
        if not outs:
            return
        try:
            gs = m.autograd.grad(sum(o.sum() for o in outs), [xs[i] for i in idx], allow_unused=True)
        except RuntimeError:  # torch has no derivative (floor_divide, ...)
            return
        res.append([m.zeros(len(arrays[0]), dtype=m.float64) if g is None else g for g in gs])
    assert_same(res[0], res[1], rtol=1e-6, atol=1e-7, equal_nan=True, what=case.name)


@pytest.mark.parametrize("mode", ["trunc", "floor"])
def test_integer_division_extremes_and_scalar_dividend_match_torch(mode):
    a = np.array([-128, -7, 7, 127, -1, 0], dtype=np.int8)
    b = np.array([-1, 2, -2, 3, 5, -3], dtype=np.int8)
    for fn in (lambda m, x, y: m.div(x, y, rounding_mode=mode), lambda m, x, y: m.div(7, y, rounding_mode=mode),
               lambda m, x, y: m.remainder(-7, y), lambda m, x, y: m.fmod(x, y)):
        assert_same(fn(probtorch, probtorch.from_numpy(a.copy()), probtorch.from_numpy(b.copy())),
                    fn(torch, torch.from_numpy(a.copy()), torch.from_numpy(b.copy())))


def test_heaviside_argument_checks_match_torch():
    for fn in (lambda m: m.heaviside(m.tensor([1.0, 0.0]), m.tensor([0.5], dtype=m.float64)),
               lambda m: m.heaviside(2.5, m.tensor([1.0]))):
        with pytest.raises(Exception) as expected:
            fn(torch)
        with pytest.raises(expected.type):
            fn(probtorch)
    assert_same(probtorch.heaviside(probtorch.tensor([1, 0, -2]), probtorch.tensor([7])),
                torch.heaviside(torch.tensor([1, 0, -2]), torch.tensor([7])))


_MIXED_OPS = {
    "where": lambda m, a, b: m.where(m.tensor([True, False, True]), a, b),
    "clamp_min": lambda m, a, b: m.clamp(a, min=b), "clamp_max": lambda m, a, b: m.clamp(a, max=b),
    "maximum": lambda m, a, b: m.maximum(a, b), "pow": lambda m, a, b: m.pow(a, b),
    "xlogy": lambda m, a, b: m.xlogy(a, b), "atan2": lambda m, a, b: m.atan2(a, b), "fmod": lambda m, a, b: m.fmod(a, b),
    "div_floor": lambda m, a, b: m.div(a, b, rounding_mode="floor"), "copysign": lambda m, a, b: m.copysign(a, b),
    "hypot": lambda m, a, b: m.hypot(a, b), "logaddexp": lambda m, a, b: m.logaddexp(a, b),
    "eq": lambda m, a, b: a == b, "bitwise_and": lambda m, a, b: a & b,
}


@pytest.mark.parametrize("name", sorted(_MIXED_OPS))
def test_mixed_dtype_and_dim_operands_match_torch(name):
    """Every pair of dtypes, with 1-d and 0-d operands: the result's dtype and values, or torch's exception type."""
    fn = _MIXED_OPS[name]
    dts = ["bool", "uint8", "int32", "int64", "float32", "float64"]
    for da in dts:
        for db in dts:
            for na, nb in [(1, 1), (1, 0), (0, 1)]:
                arrays = [np.array([1, 0, 2]).astype(da) if na else np.array(1).astype(da),
                          np.array([2, 1, 0]).astype(db) if nb else np.array(0).astype(db)]
                try:
                    expected = fn(torch, *[torch.from_numpy(a.copy()) for a in arrays])
                except Exception as e:
                    with pytest.raises(type(e)):
                        fn(probtorch, *[probtorch.from_numpy(a.copy()) for a in arrays])
                    continue
                assert_same(fn(probtorch, *[probtorch.from_numpy(a.copy()) for a in arrays]), expected,
                            equal_nan=True, what=f"{name} {da} {db} {na} {nb}")


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool", "uint8"])
@pytest.mark.parametrize("case", params([c for c in CASES if _arity(c) == 1]))
def test_unary_rows_on_integer_inputs_match_torch(case, dtype):
    """Each unary row on integer/bool input: torch's promoted result, or torch's exception type."""
    a = np.array([1, 0, 2, 3]).astype(dtype)
    try:
        expected = case.fn(torch, torch.from_numpy(a.copy()))
    except Exception as e:
        with pytest.raises(type(e)):
            case.fn(probtorch, probtorch.from_numpy(a.copy()))
        return
    assert_same(case.fn(probtorch, probtorch.from_numpy(a.copy())), expected, rtol=1e-6, atol=1e-6, equal_nan=True,
                what=case.name)


@pytest.mark.parametrize("name", ["xlogy", "xlog1py"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_xlogy_family_special_values_match_scipy(name, dtype):
    import scipy.special as sc
    rng = np.random.default_rng(5)
    x = np.concatenate([rng.uniform(-3, 3, 50), [0.0, 0.0, 0.0, -0.0, 2.0, 1.0, 0.0, np.nan]]).astype(dtype)
    y = np.concatenate([rng.uniform(-0.5, 5, 50), [0.0, np.nan, np.inf, 3.0, -1.0, np.nan, -2.0, 1.0]]).astype(dtype)
    fn = probtorch.xlogy if name == "xlogy" else probtorch.special.xlog1py
    with np.errstate(all="ignore"):
        ref = getattr(sc, name)(x, y)
    got = fn(probtorch.tensor(x), probtorch.tensor(y)).numpy()
    assert got.dtype == dtype
    np.testing.assert_allclose(got, ref.astype(dtype), rtol=4 * np.finfo(dtype).eps, atol=0, equal_nan=True)
