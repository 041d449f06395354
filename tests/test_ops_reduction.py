"""Reductions and scans against torch: one table row per op/variant; the harness checks float32/float64 values,
dtypes and indices, gradients against torch, and gradcheck + gradgradcheck in float64."""
import math
import warnings

import numpy as np
import pytest

import probtorch
from testing_helpers import OpCase, params, check_forward, check_grad_vs_torch, check_gradcheck, assert_same, torch, _flat

S2 = [((3, 4),), ((1, 5),)]
S3 = [((2, 3, 4),), ((3, 1, 2),)]
ALL = [((3, 4),), ((),), ((0,),), ((2, 0, 3),), ((5,),)]
DIM1 = [((3, 4),), ((2, 3, 4),), ((1, 1),), ((0, 3),)]  # shapes where dim=1 / dim=-1 exist
NONEMPTY_DIM1 = [((3, 4),), ((2, 3, 4),), ((1, 1),)]


def _ints(shapes, lo=-2, hi=3):
    """Integer-valued samples: ties (equal maxima, repeated values) are common."""
    def gen(rng):
        return [tuple(rng.integers(lo, hi, size=s).astype(np.float64) for s in ss) for ss in shapes]
    return gen


def _with_zeros(rng):
    a = rng.uniform(0.5, 2, size=(3, 4)) * rng.choice([-1, 1], size=(3, 4))
    a[0, 1] = 0.0  # one zero in row 0
    a[2, 0] = a[2, 3] = 0.0  # two zeros in row 2
    b = rng.uniform(0.5, 2, size=(4,))
    b[2] = 0.0
    return [(a,), (b,), (np.zeros((2, 2)),)]


def _inf_rows(rng):
    a = rng.uniform(-2, 2, size=(3, 4))
    a[1, :] = -np.inf  # a row of -inf: logsumexp is -inf
    a[2, 0] = -np.inf
    return [(a,)]


def _distinct(shapes):
    """Samples without ties, so sort/topk/median indices are unique."""
    def gen(rng):
        out = []
        for ss in shapes:
            arrs = []
            for s in ss:
                n = int(np.prod(s))
                arrs.append((rng.permutation(n) * 0.37 - n * 0.1).reshape(s))
            out.append(tuple(arrs))
        return out
    return gen


_NAN_ROWS = np.array([[1.0, np.nan, 3.0, 2.0], [np.nan] * 4, [4.0, 1.0, 2.0, np.nan]])

CASES = [
    # ---------------------------------------------------------------- sum / mean / prod
    OpCase("sum", lambda m, x: m.sum(x), ALL),
    OpCase("sum_dim", lambda m, x: m.sum(x, 1), DIM1),
    OpCase("sum_dim_keepdim", lambda m, x: x.sum(-1, keepdim=True), DIM1),
    OpCase("sum_dims", lambda m, x: x.sum((0, 2)), S3),
    OpCase("sum_dims_neg_keepdim", lambda m, x: m.sum(x, dim=[-1, 0], keepdim=True), S3),
    OpCase("sum_empty_dimlist", lambda m, x: m.sum(x, dim=[]), S2),
    OpCase("sum_dtype", lambda m, x: m.sum(x, 0, dtype=m.float64), S2),
    OpCase("sum_0d_dim", lambda m, x: m.sum(x, 0), [((),)]),
    OpCase("nansum", lambda m, x: m.nansum(x, 1), gen=lambda rng: [(np.array([[1.0, np.nan, 2.0], [np.nan] * 3]),)],
           grad_samples=0),
    OpCase("mean", lambda m, x: m.mean(x), ALL),
    OpCase("mean_dim", lambda m, x: x.mean(1), DIM1),
    OpCase("mean_dims_keepdim", lambda m, x: m.mean(x, (0, 1), keepdim=True), S3),
    OpCase("nanmean", lambda m, x: m.nanmean(x, 0),
           gen=lambda rng: [(np.array([[1.0, np.nan, 2.0], [3.0, 4.0, np.nan]]),)], grad_samples=0),
    # an all-NaN column: the value is NaN as in torch (our gradient there is 0 where torch's is NaN)
    OpCase("nanmean_all_nan_slice", lambda m, x: m.nanmean(x, 0),
           gen=lambda rng: [(np.array([[1.0, np.nan, 2.0], [3.0, np.nan, np.nan]]),)], grad=False),
    OpCase("prod", lambda m, x: m.prod(x), ALL, domain=(0.5, 1.5)),
    OpCase("prod_dim", lambda m, x: x.prod(1), DIM1, domain=(-1.5, 1.5)),
    OpCase("prod_dim_keepdim", lambda m, x: m.prod(x, -1, keepdim=True), DIM1, domain=(-1.5, 1.5)),
    OpCase("prod_zeros_all", lambda m, x: m.prod(x), gen=_with_zeros, grad_samples=3),
    OpCase("prod_zeros_dim1", lambda m, x: m.prod(x, -1), gen=_with_zeros, grad_samples=3),
    OpCase("prod_zeros_dim0", lambda m, x: m.prod(x, 0, keepdim=True), gen=_with_zeros, grad_samples=3),
    # ---------------------------------------------------------------- max / min family
    OpCase("amax", lambda m, x: m.amax(x), ALL[:2] + ALL[4:]),
    OpCase("amax_dims", lambda m, x: m.amax(x, (0, 2)), S3),
    OpCase("amin_dim_keepdim", lambda m, x: m.amin(x, -1, keepdim=True), DIM1),
    OpCase("amax_ties", lambda m, x: m.amax(x, 1), gen=_ints([((3, 4),), ((2, 5),)]), grad_samples=0),
    OpCase("amin_ties_all", lambda m, x: m.amin(x), gen=_ints([((3, 4),)]), grad_samples=0),
    OpCase("max_all", lambda m, x: m.max(x), ALL[:2] + ALL[4:]),
    OpCase("min_all", lambda m, x: x.min(), ALL[:2] + ALL[4:]),
    OpCase("max_all_ties", lambda m, x: m.max(x), gen=_ints([((3, 4),)], 0, 2), grad_samples=0),
    OpCase("max_dim", lambda m, x: m.max(x, 1), NONEMPTY_DIM1),
    OpCase("max_dim_keepdim", lambda m, x: x.max(dim=-1, keepdim=True), NONEMPTY_DIM1),
    OpCase("min_dim", lambda m, x: m.min(x, 0), NONEMPTY_DIM1),
    OpCase("max_dim_0d", lambda m, x: m.max(x, 0), [((),)]),
    OpCase("max_dim_ties", lambda m, x: m.max(x, 1), gen=_ints([((4, 5),), ((2, 3, 4),)]), grad_samples=0),
    OpCase("min_dim_ties", lambda m, x: m.min(x, -1, keepdim=True), gen=_ints([((4, 5),)]), grad_samples=0),
    OpCase("max_dim_nan", lambda m, x: m.max(x, 1),
           gen=lambda rng: [(np.array([[1.0, np.nan, 3.0], [2.0, 1.0, 0.0]]),)], grad_samples=0),
    OpCase("aminmax", lambda m, x: m.aminmax(x), S2),
    OpCase("aminmax_dim", lambda m, x: m.aminmax(x, dim=1, keepdim=True), S2),
    OpCase("argmax", lambda m, x: m.argmax(x), ALL[:2] + ALL[4:], grad=False),
    OpCase("argmax_dim", lambda m, x: x.argmax(1), NONEMPTY_DIM1, grad=False),
    OpCase("argmin_dim_keepdim", lambda m, x: m.argmin(x, -1, keepdim=True), NONEMPTY_DIM1, grad=False),
    OpCase("argmax_ties", lambda m, x: m.argmax(x, 1), gen=_ints([((4, 5),)]), grad=False),
    OpCase("argmin_ties_all", lambda m, x: m.argmin(x), gen=_ints([((4, 5),)]), grad=False),
    OpCase("argmax_keepdim_all", lambda m, x: m.argmax(x, keepdim=True), S2, grad=False),
    # ---------------------------------------------------------------- logsumexp / var / std
    OpCase("logsumexp", lambda m, x: m.logsumexp(x, 1), DIM1, domain=(-5, 5)),
    OpCase("logsumexp_keepdim", lambda m, x: x.logsumexp(-1, keepdim=True), DIM1, domain=(-5, 5)),
    OpCase("logsumexp_dims", lambda m, x: m.logsumexp(x, (0, 2)), S3, domain=(-5, 5)),
    OpCase("logsumexp_large", lambda m, x: m.logsumexp(x, 0), S2, domain=(500, 800)),
    OpCase("logsumexp_ninf_rows", lambda m, x: m.logsumexp(x, 1), gen=_inf_rows, grad_samples=0),
    OpCase("logsumexp_pinf", lambda m, x: m.logsumexp(x, 1),
           gen=lambda rng: [(np.array([[np.inf, 1.0], [np.inf, np.inf], [-np.inf, np.inf]]),)], grad_samples=0),
    OpCase("var", lambda m, x: m.var(x), ALL[:1] + ALL[4:]),
    OpCase("var_dim", lambda m, x: x.var(1), NONEMPTY_DIM1[:2]),
    OpCase("var_correction0", lambda m, x: m.var(x, 1, correction=0), NONEMPTY_DIM1),
    OpCase("var_correction2_keepdim", lambda m, x: m.var(x, -1, correction=2, keepdim=True), [((3, 5),)]),
    OpCase("var_unbiased_false", lambda m, x: m.var(x, 0, unbiased=False), S2),
    OpCase("var_unbiased_positional", lambda m, x: m.var(x, False), S2),
    OpCase("var_dims", lambda m, x: m.var(x, (0, 2)), S3),
    OpCase("var_single_element", lambda m, x: m.var(x, 1), [((3, 1),)], grad_samples=0),
    OpCase("std", lambda m, x: m.std(x), ALL[:1] + ALL[4:]),
    OpCase("std_dim_correction0", lambda m, x: x.std(0, correction=0), S2),
    OpCase("std_dims_keepdim", lambda m, x: m.std(x, (1, 2), keepdim=True), S3),
    OpCase("var_mean", lambda m, x: m.var_mean(x, 1), S2),
    OpCase("std_mean", lambda m, x: m.std_mean(x, 0, correction=0), S2),
    # ---------------------------------------------------------------- scans
    OpCase("cumsum", lambda m, x: m.cumsum(x, 1), DIM1),
    OpCase("cumsum_dim0", lambda m, x: x.cumsum(0), ALL[:1] + ALL[2:]),
    OpCase("cumsum_0d", lambda m, x: m.cumsum(x, 0), [((),)]),
    OpCase("cumsum_dtype", lambda m, x: m.cumsum(x, -1, dtype=m.float64), S2),
    OpCase("cumprod", lambda m, x: m.cumprod(x, 1), DIM1, domain=(-1.5, 1.5)),
    OpCase("cumprod_dim0", lambda m, x: x.cumprod(0), S3, domain=(-1.5, 1.5)),
    OpCase("cumprod_zeros", lambda m, x: m.cumprod(x, -1), gen=_with_zeros, grad_samples=3),
    OpCase("cumprod_zeros_dim0", lambda m, x: m.cumprod(x, 0), gen=_with_zeros, grad_samples=3),
    OpCase("cumprod_0d", lambda m, x: m.cumprod(x, 0), [((),)]),
    OpCase("cummax", lambda m, x: m.cummax(x, 1), DIM1),
    OpCase("cummin", lambda m, x: m.cummin(x, 0), NONEMPTY_DIM1),
    OpCase("cummax_ties", lambda m, x: m.cummax(x, -1), gen=_ints([((3, 6),)]), grad_samples=0),
    OpCase("cummin_ties", lambda m, x: m.cummin(x, 1), gen=_ints([((3, 6),)]), grad_samples=0),
    OpCase("cummax_nan", lambda m, x: m.cummax(x, 0),
           gen=lambda rng: [(np.array([1.0, np.nan, 3.0, 0.5]),)], grad_samples=0),
    OpCase("logcumsumexp", lambda m, x: m.logcumsumexp(x, 1), DIM1, domain=(-5, 5)),
    OpCase("logcumsumexp_dim0", lambda m, x: x.logcumsumexp(0), S2, domain=(-5, 5)),
    OpCase("logcumsumexp_ninf", lambda m, x: m.logcumsumexp(x, 1), gen=_inf_rows, grad_samples=0),
    # ---------------------------------------------------------------- norms
    OpCase("norm", lambda m, x: m.norm(x), ALL[:2] + ALL[4:]),
    OpCase("norm_fro", lambda m, x: x.norm("fro"), S2),
    OpCase("norm_p0", lambda m, x: m.norm(x, 0), S2),
    OpCase("norm_p1", lambda m, x: m.norm(x, 1), S2),
    OpCase("norm_p2_dim", lambda m, x: m.norm(x, 2, dim=1), S2),
    OpCase("norm_pinf", lambda m, x: m.norm(x, math.inf), S2),
    OpCase("norm_ninf_dim", lambda m, x: m.norm(x, -math.inf, dim=0, keepdim=True), S2),
    OpCase("norm_p3", lambda m, x: m.norm(x, 3), S2),
    OpCase("norm_p3_dim", lambda m, x: x.norm(p=3, dim=-1), S3),
    OpCase("norm_p1_5", lambda m, x: m.norm(x, 1.5, dim=1), S2),
    OpCase("norm_zero_vector", lambda m, x: m.norm(x, 2, dim=1), gen=lambda rng: [(np.array([[0.0, 0.0], [3.0, 4.0]]),)],
           grad_samples=0),
    OpCase("norm_pinf_ties", lambda m, x: m.norm(x, math.inf, dim=1), gen=_ints([((4, 5),)]), grad_samples=0),
    OpCase("norm_ninf_ties", lambda m, x: m.norm(x, -math.inf), gen=_ints([((3, 3),)], 1, 3), grad_samples=0),
    OpCase("norm_zero_vector_p3", lambda m, x: m.norm(x, 3, dim=1),
           gen=lambda rng: [(np.array([[0.0, 0.0], [3.0, -4.0]]),)], grad_samples=0),
    OpCase("norm_zero_vector_p1", lambda m, x: m.norm(x, 1),
           gen=lambda rng: [(np.array([[0.0, 0.0], [0.0, 0.0]]),)], grad_samples=0),
    OpCase("norm_zero_vector_p1_5", lambda m, x: m.norm(x, 1.5, 0), gen=lambda rng: [(np.zeros((2, 2)),)],
           grad_samples=0),
    OpCase("median_ties_values", lambda m, x: m.median(x, 1).values, gen=_ints([((4, 6),)]), grad=False),
    OpCase("kthvalue_ties_values", lambda m, x: m.kthvalue(x, 3, 0).values, gen=_ints([((6, 4),)]), grad=False),
    OpCase("vector_norm", lambda m, x: m.linalg.vector_norm(x, 2, dim=(0, 1)), S3),
    OpCase("vector_norm_inf", lambda m, x: m.linalg.vector_norm(x, math.inf), S2),
    # ---------------------------------------------------------------- sorting and order statistics
    OpCase("sort", lambda m, x: m.sort(x), gen=_distinct([((3, 5),), ((6,),)])),
    OpCase("sort_descending_dim0", lambda m, x: m.sort(x, 0, descending=True), gen=_distinct([((4, 3),)])),
    OpCase("sort_stable_ties", lambda m, x: m.sort(x, stable=True), gen=_ints([((3, 8),)]), grad_samples=0),
    OpCase("sort_stable_ties_desc", lambda m, x: m.sort(x, dim=1, descending=True, stable=True),
           gen=_ints([((3, 8),)]), grad_samples=0),
    OpCase("sort_nan", lambda m, x: m.sort(x), gen=lambda rng: [(np.array([2.0, np.nan, -1.0, 0.5]),)],
           grad_samples=0),
    OpCase("sort_nan_desc", lambda m, x: m.sort(x, descending=True),
           gen=lambda rng: [(np.array([2.0, np.nan, -1.0, 0.5]),)], grad_samples=0),
    OpCase("argsort", lambda m, x: m.argsort(x, 1), gen=_distinct([((3, 5),)]), grad=False),
    OpCase("argsort_stable_desc", lambda m, x: m.argsort(x, descending=True, stable=True), gen=_ints([((2, 7),)]),
           grad=False),
    OpCase("msort", lambda m, x: m.msort(x), gen=_distinct([((4, 3),)])),
    OpCase("topk", lambda m, x: m.topk(x, 2), gen=_distinct([((3, 5),), ((6,),)])),
    OpCase("topk_smallest_dim0", lambda m, x: m.topk(x, 3, dim=0, largest=False), gen=_distinct([((4, 3),)])),
    OpCase("kthvalue", lambda m, x: m.kthvalue(x, 2), gen=_distinct([((3, 5),), ((6,),)])),
    OpCase("kthvalue_dim0_keepdim", lambda m, x: m.kthvalue(x, 3, 0, keepdim=True), gen=_distinct([((4, 3),)])),
    OpCase("median_all", lambda m, x: m.median(x), gen=_distinct([((3, 5),), ((4,),)])),
    OpCase("median_dim", lambda m, x: m.median(x, 1), gen=_distinct([((3, 5),), ((2, 4),)])),
    OpCase("median_dim_keepdim", lambda m, x: x.median(0, keepdim=True), gen=_distinct([((4, 3),)])),
    OpCase("nanmedian", lambda m, x: m.nanmedian(x), gen=lambda rng: [(np.array([2.0, np.nan, -1.0, 0.5, 3.0]),)],
           grad_samples=0),
    OpCase("mode", lambda m, x: m.mode(x), gen=_ints([((3, 7),), ((9,),)], 0, 3), grad_samples=0),
    OpCase("mode_dim0_keepdim", lambda m, x: m.mode(x, 0, keepdim=True), gen=_ints([((7, 3),)], 0, 3),
           grad_samples=0),
    OpCase("quantile_scalar", lambda m, x: m.quantile(x, 0.3), gen=_distinct([((3, 5),), ((6,),)])),
    OpCase("quantile_dim", lambda m, x: m.quantile(x, 0.75, dim=1), gen=_distinct([((3, 5),)])),
    OpCase("quantile_tensor_q", lambda m, x, q: m.quantile(x, q, dim=0, keepdim=True),
           gen=lambda rng: [(rng.permutation(12).reshape(4, 3) * 0.3, np.array([0.1, 0.5, 0.9]))],
           differentiable_args=[0]),
    OpCase("quantile_tensor_q_all", lambda m, x, q: m.quantile(x, q),
           gen=lambda rng: [(rng.permutation(6).reshape(2, 3) * 0.3, np.array([0.0, 0.25, 1.0]))],
           differentiable_args=[0]),
    OpCase("quantile_lower", lambda m, x: m.quantile(x, 0.4, dim=0, interpolation="lower"),
           gen=_distinct([((5, 3),)])),
    OpCase("quantile_higher", lambda m, x: m.quantile(x, 0.4, interpolation="higher"), gen=_distinct([((5, 3),)])),
    OpCase("quantile_nearest", lambda m, x: m.quantile(x, 0.4, 1, interpolation="nearest"),
           gen=_distinct([((3, 6),)])),
    OpCase("quantile_midpoint", lambda m, x: m.quantile(x, 0.3, 1, True, interpolation="midpoint"),
           gen=_distinct([((3, 6),)])),
    OpCase("nanquantile", lambda m, x: m.nanquantile(x, 0.5), gen=_distinct([((5,),)])),
    OpCase("nanquantile_nan", lambda m, x, q: m.nanquantile(x, q, dim=1),
           gen=lambda rng: [(_NAN_ROWS, np.array([0.0, 0.3, 0.5, 1.0]))], differentiable_args=[0], grad_samples=0),
    OpCase("nanquantile_nan_keepdim_nearest", lambda m, x: m.nanquantile(x, 0.6, 1, True, interpolation="nearest"),
           gen=lambda rng: [(_NAN_ROWS,)], grad_samples=0),
    OpCase("nanquantile_all", lambda m, x: m.nanquantile(x, 0.25), gen=lambda rng: [(_NAN_ROWS,)], grad_samples=0),
    OpCase("quantile_nan", lambda m, x: m.quantile(x, 0.3, dim=1), gen=lambda rng: [(_NAN_ROWS,)], grad_samples=0),
    OpCase("quantile_0d_q", lambda m, x, q: m.quantile(x, q, 0),
           gen=lambda rng: [(rng.permutation(8).reshape(4, 2) * 1.0, np.array(0.4))], differentiable_args=[0]),
    OpCase("quantile_0d_input", lambda m, x: m.quantile(x, 0.5, 0, keepdim=True), [((),)]),
    OpCase("nanmedian_dim", lambda m, x: m.nanmedian(x, 1),
           gen=lambda rng: [(np.array([[1.0, np.nan, 3.0, 2.0], [4.0, 1.0, 2.0, np.nan], [0.5, 2.0, -1.0, 3.0]]),)],
           grad_samples=0),
    # which NaN of an all-NaN slice torch reports (and sends the gradient to) is implementation-defined
    OpCase("nanmedian_all_nan_row_values", lambda m, x: m.nanmedian(x, 1, keepdim=True).values,
           gen=lambda rng: [(_NAN_ROWS,)], grad=False),
    # ---------------------------------------------------------------- boolean and counting
    OpCase("all", lambda m, x: m.all(x > 0), ALL, grad=False),
    OpCase("any_dim", lambda m, x: m.any(x > 1.5, 1), DIM1, grad=False),
    OpCase("all_dim_keepdim", lambda m, x: (x > -1.5).all(-1, keepdim=True), DIM1, grad=False),
    OpCase("any_float_input", lambda m, x: m.any(x), gen=lambda rng: [(np.array([0.0, 0.0]),), (np.array([0, 2.0]),)],
           grad=False),
    OpCase("count_nonzero", lambda m, x: m.count_nonzero(x), gen=_ints([((3, 4),)], 0, 2), grad=False),
    OpCase("count_nonzero_dim", lambda m, x: m.count_nonzero(x, dim=1), gen=_ints([((3, 4),)], 0, 2), grad=False),
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


# ------------------------------------------------------------------------------------------------ any-dtype
ANY_DTYPES = ["bool", "uint8", "int8", "int32", "int64", "float32", "float64"]
REDUCE_ANY = {
    "sum": lambda m, x: m.sum(x), "sum_dim": lambda m, x: x.sum(1), "sum_dtype": lambda m, x: m.sum(x, dtype=m.int32),
    "prod": lambda m, x: m.prod(x, 0), "mean": lambda m, x: m.mean(x), "cumsum": lambda m, x: m.cumsum(x, 1),
    "cumprod": lambda m, x: m.cumprod(x, 0), "amax": lambda m, x: m.amax(x, 1), "max": lambda m, x: m.max(x),
    "max_dim": lambda m, x: m.max(x, 1), "min_dim": lambda m, x: x.min(0), "argmax": lambda m, x: m.argmax(x, 1),
    "argmin": lambda m, x: m.argmin(x), "all": lambda m, x: m.all(x), "any_dim": lambda m, x: m.any(x, 1),
    "sort": lambda m, x: m.sort(x, dim=1, stable=True), "sort_desc": lambda m, x: m.sort(x, descending=True, stable=True),
    "topk": lambda m, x: m.topk(x, 2).values, "count_nonzero": lambda m, x: m.count_nonzero(x, 0),
    "cummax": lambda m, x: m.cummax(x, 1), "median": lambda m, x: m.median(x), "mode": lambda m, x: m.mode(x, 1),
    "norm": lambda m, x: m.norm(x), "var": lambda m, x: m.var(x), "logsumexp": lambda m, x: m.logsumexp(x, 1),
    "kthvalue": lambda m, x: m.kthvalue(x, 2, 1).values, "aminmax": lambda m, x: m.aminmax(x),
}


@pytest.mark.parametrize("dtype", ANY_DTYPES)
@pytest.mark.parametrize("name", sorted(REDUCE_ANY))
def test_reduction_any_dtype_matches_torch(name, dtype):
    rng = np.random.default_rng(0)
    fn = REDUCE_ANY[name]
    for shape in [(3, 4), (2, 5)]:
        a = rng.integers(0 if dtype in ("bool", "uint8") else -3, 2 if dtype == "bool" else 4, size=shape)
        a = a.astype(np.dtype(dtype))
        try:
            expected = fn(torch, torch.from_numpy(a.copy()))
        except (RuntimeError, TypeError) as e:
            with pytest.raises(type(e)):
                fn(probtorch, probtorch.from_numpy(a.copy()))
            continue
        assert_same(fn(probtorch, probtorch.from_numpy(a.copy())), expected, what=f"{name} {dtype}")


# ------------------------------------------------------------------------------------------------ errors and edges
@pytest.mark.parametrize("fn, exc, match", [
    (lambda m: m.amax(m.zeros(0, 3), 0), IndexError, "dim 0"),
    (lambda m: m.amax(m.zeros(0, 3)), RuntimeError, "numel"),
    (lambda m: m.max(m.zeros(0, 3), 0), IndexError, "non-zero size"),
    (lambda m: m.argmax(m.zeros(0, 3)), IndexError, "numel"),
    (lambda m: m.kthvalue(m.zeros(0, 3), 1, 0), IndexError, "non-zero size"),
    (lambda m: m.kthvalue(m.zeros(2, 3), 4), RuntimeError, "out of range"),
    (lambda m: m.topk(m.zeros(2, 3), 4), RuntimeError, "out of range"),
    (lambda m: m.mean(m.tensor([1, 2])), RuntimeError, "dtype"),
    (lambda m: m.sum(m.zeros(2, 3), 2), IndexError, "range"),
    (lambda m: m.sum(m.zeros(2, 3), (0, 0)), RuntimeError, "multiple times"),
    (lambda m: m.quantile(m.zeros(3), 1.5), RuntimeError, r"\[0, 1\]"),
    (lambda m: m.quantile(m.zeros(3), m.tensor(0.5, dtype=m.float64)), RuntimeError, "same dtype"),
    (lambda m: m.quantile(m.zeros(3), m.zeros(2, 2)), RuntimeError, "1D"),
    (lambda m: m.quantile(m.tensor([1, 2]), 0.5), RuntimeError, "float or double"),
    (lambda m: m.quantile(m.zeros(3), 0.5, interpolation="cubic"), RuntimeError, "interpolation"),
])
def test_reduction_errors_match_torch(fn, exc, match):
    with pytest.raises(exc):
        fn(torch)
    with pytest.raises(exc, match=match):
        fn(probtorch)


def test_empty_reductions_match_torch():
    for fn in [lambda m, x: m.sum(x), lambda m, x: m.prod(x), lambda m, x: m.mean(x), lambda m, x: m.logsumexp(x, 0),
               lambda m, x: m.amax(x, 1), lambda m, x: m.max(x, 1), lambda m, x: m.argmax(x, 1),
               lambda m, x: m.cumsum(x, 0), lambda m, x: m.norm(x), lambda m, x: m.all(x), lambda m, x: m.any(x),
               lambda m, x: m.var(x, 0), lambda m, x: m.median(x), lambda m, x: m.sort(x, 0)]:
        a = np.zeros((0, 3), np.float32)
        assert_same(fn(probtorch, probtorch.from_numpy(a)), fn(torch, torch.from_numpy(a)), what=str(fn))


def test_var_warns_when_degrees_of_freedom_nonpositive():
    with pytest.warns(UserWarning, match="degrees of freedom"):
        probtorch.var(probtorch.ones(3, 1), 1)


def test_prod_double_backward_with_zeros_matches_torch():
    a = np.array([[1.5, 0.0, 3.0, -2.0], [0.0, 0.0, 2.0, 1.0], [0.5, 2.0, 1.0, 3.0]])
    results = []
    for m in (probtorch, torch):
        x = m.tensor(a, requires_grad=True)
        g, = m.autograd.grad(x.prod(1).sum(), x, create_graph=True)
        gg, = m.autograd.grad((g * m.tensor(a + 1.0)).sum(), x)
        results.append((g.detach(), gg))
    assert_same(results[0], results[1])


@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "int64", "uint8", "bool"])
def test_descending_sort_of_integer_extremes_matches_torch(dtype):
    info = np.iinfo(dtype) if dtype != "bool" else None
    vals = [0, 1, 1, 0] if info is None else [info.min, 5, info.max, 0, info.min, info.max]
    a = np.array(vals, dtype=dtype)
    for fn in (lambda m, x: m.sort(x, descending=True, stable=True), lambda m, x: m.argsort(x, descending=True,
                                                                                        stable=True),
               lambda m, x: m.topk(x, 2).values if dtype != "bool" else m.sort(x, stable=True)):
        assert_same(fn(probtorch, probtorch.from_numpy(a.copy())), fn(torch, torch.from_numpy(a.copy())))


def test_max_dim_returns_namedtuple():
    r = probtorch.max(probtorch.tensor([[1.0, 3.0], [4.0, 2.0]]), 1)
    assert r.values.tolist() == [3.0, 4.0] and r.indices.tolist() == [1, 0]
    v, i = probtorch.sort(probtorch.tensor([3.0, 1.0, 2.0]))
    assert v.tolist() == [1.0, 2.0, 3.0] and i.tolist() == [1, 2, 0]


# ------------------------------------------------------------------------------------------------ hypothesis
from hypothesis import given, settings, strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

_DIM_REDUCTIONS = {
    "sum": lambda m, x, d, k: m.sum(x, d, keepdim=k), "mean": lambda m, x, d, k: m.mean(x, d, keepdim=k),
    "amax": lambda m, x, d, k: m.amax(x, d, keepdim=k), "logsumexp": lambda m, x, d, k: m.logsumexp(x, d, keepdim=k),
    "var": lambda m, x, d, k: m.var(x, d, keepdim=k, correction=0), "std": lambda m, x, d, k: m.std(x, d, keepdim=k),
    "norm": lambda m, x, d, k: m.norm(x, 2, d, keepdim=k), "norm3": lambda m, x, d, k: m.norm(x, 3, d, keepdim=k),
    "prod": lambda m, x, d, k: m.prod(x, d[0], keepdim=k), "cumsum": lambda m, x, d, k: m.cumsum(x, d[0]),
    "max": lambda m, x, d, k: m.max(x, d[0], keepdim=k)[0], "sort": lambda m, x, d, k: m.sort(x, d[0])[0],
    "logcumsumexp": lambda m, x, d, k: m.logcumsumexp(x, d[0]),
}


@st.composite
def _shape_and_dims(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    dims = draw(st.lists(st.integers(-len(shape), len(shape) - 1), min_size=1, max_size=len(shape),
                         unique_by=lambda d: d % len(shape)))
    return shape, tuple(dims)


@settings(max_examples=40)
@given(sd=_shape_and_dims(), name=st.sampled_from(sorted(_DIM_REDUCTIONS)), keepdim=st.booleans(),
       seed=st.integers(0, 2 ** 16))
def test_reductions_over_random_dims_match_torch(sd, name, keepdim, seed):
    shape, dims = sd
    a = np.random.default_rng(seed).uniform(-2, 2, size=shape)
    fn = _DIM_REDUCTIONS[name]
    res = []
    for m in (probtorch, torch):
        x = m.tensor(a, requires_grad=True)
        out = fn(m, x, dims, keepdim)
        v = m.tensor(np.linspace(-1, 1, int(np.prod(out.shape))).reshape(tuple(out.shape)))
        res.append((out,) + m.autograd.grad((out * v).sum(), x))
    assert_same(res[0], res[1], what=f"{name} {shape} {dims} {keepdim}")


# ------------------------------------------------------------------------------------------------ 0-d inputs
ZERO_D = {
    "prod0": lambda m, x: m.prod(x, 0), "prodk": lambda m, x: m.prod(x, -1, keepdim=True),
    "argmax0": lambda m, x: m.argmax(x, 0), "argmin0k": lambda m, x: m.argmin(x, -1, True),
    "lse0": lambda m, x: m.logsumexp(x, 0), "lsek": lambda m, x: m.logsumexp(x, -1, True),
    "mean0": lambda m, x: m.mean(x, 0), "var0": lambda m, x: m.var(x, 0, correction=0), "std": lambda m, x: m.std(x),
    "norm0": lambda m, x: m.norm(x, 2, 0), "norm3": lambda m, x: m.norm(x, 3, -1, True),
    "sort0": lambda m, x: m.sort(x, 0), "topk": lambda m, x: m.topk(x, 1), "kth": lambda m, x: m.kthvalue(x, 1, 0),
    "median0": lambda m, x: m.median(x, 0), "mode0": lambda m, x: m.mode(x, 0), "cummax0": lambda m, x: m.cummax(x, 0),
    "cummin": lambda m, x: m.cummin(x, -1), "lcse0": lambda m, x: m.logcumsumexp(x, 0),
    "amax0": lambda m, x: m.amax(x, 0), "min0": lambda m, x: m.min(x, 0), "all0": lambda m, x: m.all(x, 0),
    "cnz": lambda m, x: m.count_nonzero(x, 0), "nansum0": lambda m, x: m.nansum(x, 0),
    "aminmax": lambda m, x: m.aminmax(x, dim=0), "argsort": lambda m, x: m.argsort(x, 0),
    "quantile": lambda m, x: m.quantile(x, 0.5), "nanmedian0": lambda m, x: m.nanmedian(x, 0),
    "cumsum0": lambda m, x: m.cumsum(x, 0), "cumprod0": lambda m, x: m.cumprod(x, -1),
    "sum_bad_dim": lambda m, x: m.sum(x, 1), "cumsum_bad_dim": lambda m, x: m.cumsum(x, 1),
    "max_bad_dim": lambda m, x: m.max(x, 1), "argmax_bad_dim": lambda m, x: m.argmax(x, 1),
    "sort_bad_dim": lambda m, x: m.sort(x, 2), "mode_bad_dim": lambda m, x: m.mode(x, 1),
}


@pytest.mark.parametrize("name", sorted(ZERO_D))
def test_zero_dim_inputs_match_torch(name):
    fn = ZERO_D[name]
    try:
        expected = fn(torch, torch.tensor(1.5, dtype=torch.float64, requires_grad=True))
    except Exception as e:
        with pytest.raises(type(e)):
            fn(probtorch, probtorch.tensor(1.5, dtype=probtorch.float64, requires_grad=True))
        return
    x = probtorch.tensor(1.5, dtype=probtorch.float64, requires_grad=True)
    got = fn(probtorch, x)
    assert_same(got, expected, what=name)
    outs = [o for o in (got if isinstance(got, tuple) else (got,)) if o.requires_grad]
    if outs:
        g, = probtorch.autograd.grad(sum(o.sum() for o in outs), x)
        tx = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
        touts = [o for o in (fn(torch, tx) if isinstance(got, tuple) else (fn(torch, tx),)) if o.requires_grad]
        tg, = torch.autograd.grad(sum(o.sum() for o in touts), tx)
        assert_same(g, tg, what=name)


# ------------------------------------------------------------------------------------------------ empty inputs
EMPTY = dict(ZERO_D)
EMPTY.update({
    "sum1": lambda m, x: m.sum(x, 1), "mean1": lambda m, x: m.mean(x, 1), "max1": lambda m, x: m.max(x, 1),
    "amin1": lambda m, x: m.amin(x, 1), "var1": lambda m, x: m.var(x, 1), "cumprod1": lambda m, x: m.cumprod(x, 1),
    "sort1": lambda m, x: m.sort(x, 1), "topk0": lambda m, x: m.topk(x, 0, 1), "all": lambda m, x: m.all(x),
    "median": lambda m, x: m.median(x), "quantile1": lambda m, x: m.quantile(x, 0.5, 1),
    "norm_inf": lambda m, x: m.norm(x, math.inf), "norm_inf1": lambda m, x: m.norm(x, math.inf, 1),
    "norm_ninf1": lambda m, x: m.norm(x, -math.inf, 1), "lse1": lambda m, x: m.logsumexp(x, 1),
    "prod": lambda m, x: m.prod(x), "argmax": lambda m, x: m.argmax(x), "mode1": lambda m, x: m.mode(x, 1),
    "std_all": lambda m, x: m.std(x), "cummax1": lambda m, x: m.cummax(x, 1), "lcse1": lambda m, x: m.logcumsumexp(x, 1),
    "kth1": lambda m, x: m.kthvalue(x, 1, 1), "nanmedian1": lambda m, x: m.nanmedian(x, 1),
    "aminmax": lambda m, x: m.aminmax(x), "count": lambda m, x: m.count_nonzero(x, 1),
})
# torch checks emptiness before the dim on 1-d empty tensors here; we check the dim first
_EMPTY_QUIRKS = {((0,), "quantile1"), ((0,), "cummax1")}


@pytest.mark.parametrize("shape", [(0, 3), (2, 0), (0,)])
@pytest.mark.parametrize("name", sorted(EMPTY))
def test_empty_inputs_match_torch(name, shape):
    if (shape, name) in _EMPTY_QUIRKS:
        return
    fn = EMPTY[name]
    a = np.zeros(shape)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # var's degrees-of-freedom warning, in both libraries
        try:
            expected = fn(torch, torch.tensor(a))
        except Exception as e:
            with pytest.raises(type(e)):
                fn(probtorch, probtorch.tensor(a))
            return
        assert_same(fn(probtorch, probtorch.tensor(a)), expected, equal_nan=True, what=name)


# ------------------------------------------------------------------------------------------------ Tensor methods
# Method spellings with torch's keyword names: each string is the call after ``x.`` (m is the library module).
_METHOD_CALLS = ["max(dim=1)", "min(dim=0, keepdim=True)", "std(dim=1, unbiased=False)", "var(0, True)", "sum(dim=(0, 1))", "norm(p=1, dim=0)",
 "topk(k=2, dim=0)", "sort(dim=0, descending=True)", "quantile(q=0.5, dim=0)", "logsumexp(dim=0)", "median()", "mode()",
 "cumsum(dim=0)", "prod(dim=1)", "argmax(dim=1, keepdim=True)", "all(dim=0)", "count_nonzero(dim=0)", "cummax(dim=0)",
 "kthvalue(2, dim=0)", "nansum()", "amax(dim=(0, 1))", "aminmax(dim=0)", "mean(dim=-1, keepdim=True)", "std(correction=2)",
 "var()", "max()", "max(1)", "argsort(dim=1, descending=True)", "msort()", "nanmean(dim=0)",
 "logcumsumexp(dim=1)", "cumprod(dim=1)", "any()", "sum(1, True)", "mean(dtype=m.float64)", "sum(dtype=m.float64)",
 "clamp(min=0.1)", "clamp(max=0.1)", "clamp(-0.2, 0.3)", "clip(0, 1)", "pow(2)", "exp()", "sigmoid()", "logit(eps=0.1)",
 "lerp(x.flip(0), 0.5)", "xlogy(2.0)", "where(x > 0, 0.0)", "masked_fill(x > 0, 1.0)", "nan_to_num(nan=0.5)", "round(decimals=1)",
 "maximum(x.flip(0))", "fmod(0.3)", "remainder(0.3)", "div(0.3, rounding_mode='floor')", "floor_divide(0.3)", "addcmul(x, x, value=2)",
 "square()", "abs()", "sgn()", "signbit()", "isnan()", "hypot(x)", "atan2(x.flip(0))", "logaddexp(x)", "polygamma(1)", "digamma()", "lgamma()",
 "erfinv()", "i0()", "sinc()", "frac()", "deg2rad()", "float_power(2)", "true_divide(2)", "heaviside(x)", "copysign(-1.0)",
 "abs().add(1.5).mvlgamma(2)", "log_softmax(0)", "allclose(x)", "equal(x)", "isclose(x)", "isfinite()",
 "logical_not()", "nanmedian()", "nanquantile(0.5)", "dist(x.flip(0))", "amin(1)", "argmin()", "cummin(1)", "std(0)"]


@pytest.mark.parametrize("call", _METHOD_CALLS)
def test_tensor_methods_match_torch(call):
    a = np.array([[0.3, -0.7, 0.1], [0.9, 0.2, -0.4]])
    fn = eval("lambda m, x: x." + call)  # noqa: S307 - test-local expressions
    res = []
    for m in (probtorch, torch):
        try:
            res.append(fn(m, m.tensor(a)))
        except Exception as e:  # noqa: BLE001
            res.append(e)
    if isinstance(res[1], Exception):
        assert isinstance(res[0], type(res[1])), (call, res[0])
        return
    assert not isinstance(res[0], Exception), (call, res[0])
    assert_same(res[0], res[1], equal_nan=True, what=call)


# ------------------------------------------------------------------------------------------------ special values
_SPECIAL_MATRIX = np.array([[0.0, 1.0, -2.0], [np.inf, 1.0, 2.0], [-np.inf, -np.inf, 0.5], [np.nan, 1.0, 0.0],
                            [0.0, 0.0, 0.0], [np.inf, -np.inf, 1.0], [3.0, 3.0, 1.0]])
# Where torch's answer is an artefact we do not copy: gradients through inf - inf (var/std), products with inf/NaN
# (we give the exact product of the others, torch divides out/x), the order among equal keys or NaNs
# (kthvalue/topk/mode/nanquantile), and var_mean/std_mean's fused mean, which turns NaN with the variance.
_SPECIAL_REDUCTION_SKIP = ("var", "std", "prod", "cumprod", "kthvalue", "topk", "mode", "nanquantile")


@pytest.mark.parametrize("transpose", [False, True])
@pytest.mark.parametrize("case", params([c for c in CASES if c.fn.__code__.co_argcount == 2
                                         and not c.name.startswith(_SPECIAL_REDUCTION_SKIP)]))
def test_special_values_match_torch(case, transpose):
    a = _SPECIAL_MATRIX.T.copy() if transpose else _SPECIAL_MATRIX
    try:
        case.fn(torch, torch.tensor(a))
    except Exception as e:  # e.g. dims (0, 2) of a matrix
        with pytest.raises(type(e)):
            case.fn(probtorch, probtorch.tensor(a))
        return
    res = []
    for m in (probtorch, torch):
        x = m.tensor(a, requires_grad=case.grad)
        outs = _flat(case.fn(m, x))
        diff = [o for o in outs if o.requires_grad]
        grads = m.autograd.grad(sum(o.sum() for o in diff), x, allow_unused=True) if diff else ()
        res.append((outs, tuple(m.zeros(a.shape, dtype=m.float64) if g is None else g for g in grads)))
    assert_same(res[0][0], res[1][0], rtol=1e-6, atol=1e-7, equal_nan=True, what=case.name)
    assert_same(res[0][1], res[1][1], rtol=1e-6, atol=1e-7, equal_nan=True, what=case.name + " grad")


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool", "uint8"])
@pytest.mark.parametrize("case", params([c for c in CASES if c.fn.__code__.co_argcount == 2]))
def test_rows_on_integer_inputs_match_torch(case, dtype):
    """Each one-tensor row on integer/bool input: torch's result and dtype, or torch's exception type."""
    a = (np.arange(12).reshape(3, 4) % 5).astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            expected = case.fn(torch, torch.from_numpy(a.copy()))
        except Exception as e:
            with pytest.raises(type(e)):
                case.fn(probtorch, probtorch.from_numpy(a.copy()))
            return
        assert_same(case.fn(probtorch, probtorch.from_numpy(a.copy())), expected, rtol=1e-6, atol=1e-6,
                    equal_nan=True, what=case.name)
