"""Pooling: torch-oracle grid (values, indices, gradients), gradcheck / gradgradcheck, kernel twins, errors, modules."""
import numpy as np
import pytest

import probtorch
import probtorch.nn as nn
import probtorch.nn.functional as F
from probtorch._kernels import _jit
from probtorch._kernels import pooling as K
from probtorch.nn.functional import pooling as P
from probtorch.testing import assert_close, check_grads


def _lib_of(F_):
    return probtorch if F_ is F else pytest.importorskip("torch")


def _mp_unpool(F_, x):
    y, i = F_.max_pool2d(x, 3, 2, 1, return_indices=True)
    return F_.max_unpool2d(y * 2, i, 3, 2, 1, output_size=x.shape)


def _mp_unpool1(F_, x):
    y, i = F_.max_pool1d(x, 2, return_indices=True)
    return F_.max_unpool1d(y, i, 2)


def _mp_unpool3(F_, x):
    y, i = F_.max_pool3d(x, 2, return_indices=True)
    return F_.max_unpool3d(y, i, 2, output_size=(5, 4, 5))


_U2 = np.random.default_rng(7).random((2, 3, 2))
_U3 = np.random.default_rng(8).random((2, 2, 3))

# (name, fn(F, x), input shape); fn returns a tensor or (values, indices)
CASES = [
    ("max1d", lambda F_, x: F_.max_pool1d(x, 3, 2, 1, ceil_mode=True, return_indices=True), (2, 3, 10)),
    ("max1d_unbatched_dil", lambda F_, x: F_.max_pool1d(x, 2, 1, 1, dilation=3, return_indices=True), (3, 9)),
    ("max2d", lambda F_, x: F_.max_pool2d(x, 3, 2, 1, return_indices=True), (2, 3, 9, 8)),
    ("max2d_dil_ceil", lambda F_, x: F_.max_pool2d(x, (3, 2), (2, 1), (1, 0), dilation=(2, 1), ceil_mode=True,
                                                   return_indices=True), (2, 2, 9, 8)),
    ("max2d_unbatched", lambda F_, x: F_.max_pool2d_with_indices(x, 2), (3, 6, 7)),
    ("max3d", lambda F_, x: F_.max_pool3d(x, (2, 3, 2), (1, 2, 2), (1, 1, 0), return_indices=True), (2, 2, 5, 6, 5)),
    ("max3d_ceil", lambda F_, x: F_.max_pool3d(x, 2, ceil_mode=True, return_indices=True), (2, 5, 5, 3)),
    ("avg1d", lambda F_, x: F_.avg_pool1d(x, 4, 3, 2, ceil_mode=True), (2, 3, 11)),
    ("avg1d_excl", lambda F_, x: F_.avg_pool1d(x, 3, 2, 1, count_include_pad=False), (3, 8)),
    ("avg2d", lambda F_, x: F_.avg_pool2d(x, 3, 2, 1, ceil_mode=True), (2, 3, 9, 8)),
    ("avg2d_excl", lambda F_, x: F_.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False), (2, 3, 9, 8)),
    ("avg2d_div", lambda F_, x: F_.avg_pool2d(x, (3, 2), 2, (1, 0), divisor_override=5), (3, 9, 8)),
    ("avg3d", lambda F_, x: F_.avg_pool3d(x, (2, 3, 2), (1, 2, 2), (1, 1, 0), count_include_pad=False),
     (2, 2, 5, 6, 5)),
    ("avg3d_ceil_div", lambda F_, x: F_.avg_pool3d(x, 2, ceil_mode=True, divisor_override=3), (2, 5, 5, 3)),
    ("aavg1d", lambda F_, x: F_.adaptive_avg_pool1d(x, 4), (2, 3, 7)),
    ("aavg2d", lambda F_, x: F_.adaptive_avg_pool2d(x, (3, None)), (2, 3, 7, 8)),
    ("aavg2d_up", lambda F_, x: F_.adaptive_avg_pool2d(x, (5, 1)), (3, 3, 8)),
    ("aavg3d", lambda F_, x: F_.adaptive_avg_pool3d(x, (2, 3, 4)), (2, 3, 5, 7, 6)),
    ("aavg2d_global", lambda F_, x: F_.adaptive_avg_pool2d(x, 1), (2, 3, 7, 8)),
    ("aavg1d_global", lambda F_, x: F_.adaptive_avg_pool1d(x, 1), (3, 7)),
    ("amax1d", lambda F_, x: F_.adaptive_max_pool1d(x, 3, return_indices=True), (2, 3, 7)),
    ("amax2d", lambda F_, x: F_.adaptive_max_pool2d(x, (3, 5), return_indices=True), (2, 3, 7, 8)),
    ("amax2d_wi", lambda F_, x: F_.adaptive_max_pool2d_with_indices(x, (None, 2)), (3, 7, 8)),
    ("amax3d", lambda F_, x: F_.adaptive_max_pool3d(x, (2, 3, 4), return_indices=True), (3, 5, 7, 6)),
    ("lp1d", lambda F_, x: F_.lp_pool1d(x, 3, 2), (2, 3, 9)),
    ("lp2d", lambda F_, x: F_.lp_pool2d(x, 2, 3, 2, ceil_mode=True), (2, 3, 9, 8)),
    ("lp3d", lambda F_, x: F_.lp_pool3d(x, 2, 2), (2, 3, 4, 4, 4)),
    ("lp2d_inf", lambda F_, x: F_.lp_pool2d(x, float("inf"), (2, 3), 2, ceil_mode=True), (2, 3, 7, 8)),
    ("frac2d", lambda F_, x: F_.fractional_max_pool2d(x, 3, output_size=(5, 4), return_indices=True,
                                                      _random_samples=_lib_of(F_).tensor(_U2, dtype=x.dtype)),
     (2, 3, 9, 8)),
    ("frac2d_ratio", lambda F_, x: F_.fractional_max_pool2d_with_indices(
        x, (2, 3), output_ratio=(0.5, 0.6), _random_samples=_lib_of(F_).tensor(_U2[:1], dtype=x.dtype)), (3, 9, 8)),
    ("frac3d", lambda F_, x: F_.fractional_max_pool3d(x, 2, output_ratio=0.5, return_indices=True,
                                                      _random_samples=_lib_of(F_).tensor(_U3, dtype=x.dtype)),
     (2, 2, 9, 8, 7)),
    ("unpool1d", _mp_unpool1, (2, 3, 9)),
    ("unpool2d", _mp_unpool, (2, 3, 9, 8)),
    ("unpool3d", _mp_unpool3, (2, 4, 5, 4, 5)),
]
IDS = [c[0] for c in CASES]


def _run(lib, fn, a, dtype):
    x = lib.tensor(a, dtype=getattr(lib, dtype), requires_grad=True)
    res = fn(lib.nn.functional, x)
    out, idx = res if isinstance(res, tuple) else (res, None)
    w = lib.tensor(np.random.default_rng(1).standard_normal(tuple(out.shape)), dtype=getattr(lib, dtype))
    g, = lib.autograd.grad((out * w).sum(), x)
    return out, idx, g


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,fn,shape", CASES, ids=IDS)
def test_against_torch(name, fn, shape, dtype):
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(0).standard_normal(shape)
    out, idx, g = _run(probtorch, fn, a, dtype)
    tout, tidx, tg = _run(torch, fn, a, dtype)
    tol = {} if dtype == "float64" else {"rtol": 1e-5, "atol": 1e-5}
    tol["equal_nan"] = True  # lp pooling of odd powers of negative windows: NaN in both
    assert_close(out, tout, **tol)
    if tidx is not None:
        assert idx.dtype == probtorch.int64
        np.testing.assert_array_equal(idx.numpy(), tidx.numpy())
    assert_close(g, tg, **tol)


def _random_config(rng, nd):
    k = tuple(int(v) for v in rng.integers(1, 4, nd))
    st = tuple(int(v) for v in rng.integers(1, 4, nd))
    pad = tuple(int(rng.integers(0, kk // 2 + 1)) for kk in k)
    dil = tuple(int(v) for v in rng.integers(1, 3, nd))
    size = tuple(int(rng.integers(dd * (kk - 1) + 1, dd * (kk - 1) + 6)) for kk, dd in zip(k, dil))
    return k, st, pad, dil, bool(rng.random() < 0.5), bool(rng.random() < 0.5), size


@pytest.mark.parametrize("seed", range(24))
def test_random_configurations_against_torch(seed):
    # random kernel / stride / padding / dilation / ceil_mode sweeps, values, indices and gradients
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(100 + seed)
    nd = seed % 3 + 1
    k, st, pad, dil, ceil, incl, size = _random_config(rng, nd)
    a = np.round(rng.standard_normal((2, 2) + size), 1)  # rounding makes ties common
    names = [f"max_pool{nd}d", f"avg_pool{nd}d"]
    for name in names:
        def fn(F_, x):
            if name.startswith("max"):
                return getattr(F_, name)(x, k, st, pad, dil, ceil, return_indices=True)
            return getattr(F_, name)(x, k, st, pad, ceil, incl)
        out, idx, g = _run(probtorch, fn, a, "float64")
        tout, tidx, tg = _run(torch, fn, a, "float64")
        assert_close(out, tout)
        assert_close(g, tg)
        if tidx is not None:
            np.testing.assert_array_equal(idx.numpy(), tidx.numpy())


GRAD_CASES = [c for c in CASES if c[0] in (
    "max1d", "max2d_dil_ceil", "max3d", "avg1d_excl", "avg2d_excl", "avg3d", "aavg2d", "aavg3d", "amax2d",
    "aavg2d_global",
    "lp2d", "frac2d", "unpool3d")]


@pytest.mark.parametrize("name,fn,shape", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_gradcheck_gradgradcheck(name, fn, shape):
    # well separated values: finite differences never cross a max tie
    rng = np.random.default_rng(3)
    a = rng.permutation(int(np.prod(shape))).reshape(shape) * 0.1 + 0.5
    x = probtorch.tensor(a, dtype=probtorch.float64, requires_grad=True)

    def f(t):
        res = fn(F, t)
        return res[0] if isinstance(res, tuple) else res
    assert check_grads(f, (x,), eps=1e-6)


@pytest.mark.parametrize("which", ["max", "avg"])
def test_jvp_against_torch(which):
    torch = pytest.importorskip("torch")
    from probtorch.autograd.functional import jvp
    rng = np.random.default_rng(2)
    a, v = rng.standard_normal((2, 2, 6, 7)), rng.standard_normal((2, 2, 6, 7))

    def f(F_):
        return (lambda x: F_.max_pool2d(x, 3, 2, 1)) if which == "max" else (lambda x: F_.avg_pool2d(x, 3, 2, 1))
    _, t = jvp(f(F), probtorch.tensor(a), probtorch.tensor(v))
    _, tt = torch.func.jvp(f(torch.nn.functional), (torch.tensor(a),), (torch.tensor(v),))
    assert_close(t, tt)


def test_forward_mode_jacobians_and_hessian():
    torch = pytest.importorskip("torch")
    from probtorch.autograd.functional import jacobian, hessian
    a = np.random.default_rng(0).standard_normal((1, 2, 4, 5))
    for f in (lambda x: F.max_pool2d(x, 2, 1, 1), lambda x: F.adaptive_max_pool2d(x, 2),
              lambda x: F.avg_pool2d(x, 3, 2, 1, count_include_pad=False)):
        rev = jacobian(f, probtorch.tensor(a))
        fwd = jacobian(f, probtorch.tensor(a), vectorize=True, strategy="forward-mode")
        assert_close(fwd, rev)
    b = np.abs(a) + 0.1
    h = hessian(lambda x: F.lp_pool2d(x, 3, 2).sum(), probtorch.tensor(b))
    th = torch.autograd.functional.hessian(lambda x: torch.nn.functional.lp_pool2d(x, 3, 2).sum(), torch.tensor(b))
    assert_close(h, th)


def test_max_rules_are_an_adjoint_pair():
    # the gradient of max pooling's gradient w.r.t. the output gradient gathers by the argmax indices
    x = probtorch.randn(2, 3, 6, 6, dtype=probtorch.float64, requires_grad=True)
    y, idx = F.max_pool2d(x, 2, return_indices=True)
    g = probtorch.randn(*y.shape, dtype=probtorch.float64, requires_grad=True)
    gx, = probtorch.autograd.grad(y, x, g, create_graph=True)
    c = probtorch.randn(*x.shape, dtype=probtorch.float64)
    gg, = probtorch.autograd.grad((gx * c).sum(), g)
    expect = np.take_along_axis(c.numpy().reshape(6, 36), idx.numpy().reshape(6, 9), 1).reshape(y.shape)
    assert_close(gg, expect)


# ------------------------------------------------------------------------------------------ semantics vs torch
def test_ties_nan_and_inf_like_torch():
    torch = pytest.importorskip("torch")
    nan, inf = float("nan"), float("inf")
    rows = [[1.0, nan, 3.0, nan, 2.0, 2.0], [-inf] * 6, [2.0] * 6, [5.0, nan, -inf, 4.0, 5.0, 1.0]]
    for row in rows:
        for k, s, p in [(4, 2, 2), (2, 1, 1), (3, 2, 1), (6, 1, 0)]:
            a = np.array([[row]])
            out, idx = F.max_pool1d(probtorch.tensor(a), k, s, p, return_indices=True)
            tout, tidx = torch.nn.functional.max_pool1d(torch.tensor(a), k, s, p, return_indices=True)
            np.testing.assert_array_equal(idx.numpy(), tidx.numpy())
            assert_close(out, tout, equal_nan=True)
            aout, aidx = F.adaptive_max_pool1d(probtorch.tensor(a), 4, return_indices=True)
            taout, taidx = torch.nn.functional.adaptive_max_pool1d(torch.tensor(a), 4, return_indices=True)
            np.testing.assert_array_equal(aidx.numpy(), taidx.numpy())


@pytest.mark.parametrize("special", [float("inf"), float("-inf"), float("nan")])
def test_average_pools_keep_inf_and_nan_local(special):
    # finite inputs take the separable (matrix product) path; an inf or NaN must only reach its own windows
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(6).standard_normal((2, 3, 8, 9))
    a[0, 1, 2, 3] = special
    for fn in (lambda F_, x: F_.avg_pool2d(x, 3, 2, 1), lambda F_, x: F_.adaptive_avg_pool2d(x, (3, 4)),
               lambda F_, x: F_.lp_pool2d(x, 2, 2)):
        out = fn(F, probtorch.tensor(a))
        tout = fn(torch.nn.functional, torch.tensor(a))
        assert_close(out, tout, equal_nan=True)
        assert np.isfinite(out.numpy()[1]).all()


def test_integer_and_half_inputs():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(4).integers(-50, 50, (2, 3, 7, 6))
    for fn in (lambda F_, x: F_.max_pool2d(x, 3, 2, 1), lambda F_, x: F_.avg_pool2d(x, 3, 2, 1),
               lambda F_, x: F_.avg_pool2d(x, 2, count_include_pad=False, ceil_mode=True),
               lambda F_, x: F_.max_pool3d(x, 2)):
        out = fn(F, probtorch.tensor(a))
        tout = fn(torch.nn.functional, torch.tensor(a))
        assert out.dtype == probtorch.int64
        np.testing.assert_array_equal(out.numpy(), tout.numpy())
    h = np.random.default_rng(5).standard_normal((2, 3, 6, 6))
    for fn in (lambda F_, x: F_.max_pool2d(x, 2), lambda F_, x: F_.avg_pool2d(x, 3, 1, 1)):
        out = fn(F, probtorch.tensor(h, dtype=probtorch.float16))
        tout = fn(torch.nn.functional, torch.tensor(h, dtype=torch.float16))
        assert out.dtype == probtorch.float16
        assert_close(out, tout, rtol=2e-3, atol=2e-3)


def test_empty_batch():
    x = probtorch.randn(0, 3, 6, 6, requires_grad=True)
    for y in (F.max_pool2d(x, 2), F.avg_pool2d(x, 2), F.adaptive_avg_pool2d(x, 3)):
        assert tuple(y.shape) == (0, 3, 3, 3)


def _err(fn, lib):
    try:
        fn(lib.nn.functional, lib)
    except Exception as e:  # noqa: BLE001 - the type is the point
        return type(e), str(e)
    return None, None


ERRORS = [
    ("pad", lambda F_, L: F_.max_pool2d(L.zeros(2, 3, 8, 8), 3, 2, padding=2)),
    ("stride0", lambda F_, L: F_.max_pool2d(L.zeros(2, 3, 8, 8), 3, 0)),
    ("ksize0", lambda F_, L: F_.max_pool2d(L.zeros(1, 1, 4, 4), 0, 1)),
    ("dilation0", lambda F_, L: F_.max_pool2d(L.zeros(1, 1, 4, 4), 2, dilation=0)),
    ("negpad", lambda F_, L: F_.max_pool2d(L.zeros(1, 1, 4, 4), 2, padding=-1)),
    ("divisor0", lambda F_, L: F_.avg_pool2d(L.zeros(1, 1, 4, 4), 2, divisor_override=0)),
    ("unpool_shape", lambda F_, L: F_.max_unpool2d(L.zeros(1, 1, 2, 2), L.zeros(1, 1, 2, 3, dtype=L.int64), 2)),
    ("unpool_size", lambda F_, L: F_.max_unpool2d(L.zeros(1, 1, 2, 2), L.zeros(1, 1, 2, 2, dtype=L.int64), 2,
                                                  output_size=(9, 9))),
    ("complex", lambda F_, L: F_.max_pool2d(L.zeros(1, 1, 4, 4, dtype=L.complex64), 2)),
    ("ksize_len", lambda F_, L: F_.max_pool2d(L.zeros(2, 3, 8, 8), (3, 3, 3))),
    ("too_small", lambda F_, L: F_.max_pool2d(L.zeros(2, 3, 2, 2), 3)),
    ("avg_too_small", lambda F_, L: F_.avg_pool2d(L.zeros(2, 3, 2, 2), 3)),
    ("avg_pad", lambda F_, L: F_.avg_pool2d(L.zeros(2, 3, 8, 8), 3, padding=2)),
    ("mp1_4d", lambda F_, L: F_.max_pool1d(L.zeros(2, 3, 8, 8), 3)),
    ("ap1_1d", lambda F_, L: F_.avg_pool1d(L.zeros(8), 3)),
    ("adapt_len", lambda F_, L: F_.adaptive_avg_pool2d(L.zeros(2, 3, 8, 8), (3, 3, 3))),
    ("adapt_int", lambda F_, L: F_.adaptive_max_pool2d(L.zeros(2, 3, 8, 8, dtype=L.int64), 3)),
    ("adapt_avg_int", lambda F_, L: F_.adaptive_avg_pool2d(L.zeros(2, 3, 8, 8, dtype=L.int64), 3)),
    ("bool", lambda F_, L: F_.max_pool2d(L.zeros(2, 3, 8, 8, dtype=L.bool), 2)),
    ("mp1_int", lambda F_, L: F_.max_pool1d(L.zeros(2, 3, 8, dtype=L.int64), 2)),
    ("unpool_bad", lambda F_, L: F_.max_unpool2d(L.ones(1, 1, 2, 2), L.tensor([[[[0, 0], [1, 100]]]]), 2)),
    ("frac_none", lambda F_, L: F_.fractional_max_pool2d(L.zeros(2, 3, 8, 8), 2)),
    ("frac_big", lambda F_, L: F_.fractional_max_pool2d(L.zeros(2, 3, 8, 8), 2, output_size=(9, 9))),
    ("empty_chan", lambda F_, L: F_.max_pool2d(L.zeros(2, 0, 4, 4), 2)),
    ("empty_spatial", lambda F_, L: F_.max_pool2d(L.zeros(2, 3, 0, 4), 2)),
]


# errors whose message matches torch's word for word (the others: the same exception type)
_SAME_MESSAGE = {"ksize0", "dilation0", "negpad", "divisor0", "unpool_shape", "complex", "pad", "stride0", "too_small",
                 "avg_too_small", "avg_pad", "ap1_1d", "adapt_int", "bool", "mp1_int", "unpool_bad", "frac_none",
                 "frac_big"}


@pytest.mark.parametrize("name,fn", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_like_torch(name, fn):
    torch = pytest.importorskip("torch")
    t_type, t_msg = _err(fn, torch)
    p_type, p_msg = _err(fn, probtorch)
    assert t_type is not None
    assert p_type is not None and p_type.__name__ == t_type.__name__, (p_type, p_msg, t_type, t_msg)
    if name in _SAME_MESSAGE:
        assert p_msg == t_msg


def test_fractional_samples_from_generator():
    x = probtorch.randn(2, 3, 9, 9)
    probtorch.manual_seed(5)
    a, ia = F.fractional_max_pool2d(x, 2, output_size=4, return_indices=True)
    probtorch.manual_seed(5)
    u = probtorch.rand(2, 3, 2)
    b, ib = F.fractional_max_pool2d(x, 2, output_size=4, return_indices=True, _random_samples=u)
    assert_close(a, b)
    np.testing.assert_array_equal(ia.numpy(), ib.numpy())
    assert tuple(a.shape) == (2, 3, 4, 4)


# ------------------------------------------------------------------------------------------------ kernel twins
def _naive(x, wins, mode, g=None):
    """Obviously-correct loops over every window (the kernels' reference)."""
    B, D, H, W = x.shape
    (s0, c0, l0), (s1, c1, l1), (s2, c2, l2) = wins
    outs = (len(c0), len(c1), len(c2))
    out = np.zeros((B,) + outs)
    idx = np.zeros((B,) + outs, np.int64)
    spread = np.zeros(x.shape)
    for b in range(B):
        for o in np.ndindex(*outs):
            taps = []
            for kd in range(c0[o[0]]):
                for kh in range(c1[o[1]]):
                    for kw in range(c2[o[2]]):
                        d = s0[b % len(s0), o[0]] + kd * l0
                        h = s1[b % len(s1), o[1]] + kh * l1
                        w = s2[b % len(s2), o[2]] + kw * l2
                        if 0 <= d < D and 0 <= h < H and 0 <= w < W:
                            taps.append((x[b, d, h, w], (d * H + h) * W + w))
            if mode == "sum":
                out[(b,) + o] = sum(v for v, _ in taps)
            elif mode == "spread":
                for _, f in taps:
                    spread.reshape(B, -1)[b, f] += g[(b,) + o]
            else:
                best, bi = taps[0]
                for v, f in taps[1:]:
                    if v > best or v != v:
                        best, bi = v, f
                out[(b,) + o], idx[(b,) + o] = best, bi
    return spread if mode == "spread" else (out, idx)


def _random_windows(rng, shape):
    wins = []
    for n in shape[1:]:
        o = int(rng.integers(1, 4))
        per_plane = rng.random() < 0.5
        s = rng.integers(0, n, (shape[0] if per_plane else 1, o))
        c = rng.integers(1, 4, o)
        dil = int(rng.integers(1, 3))
        if dil == 1:  # windows starting in the left padding (every window keeps an in-bounds tap, as in the ops)
            s[:, (c >= 2) & (rng.random(o) < 0.5)] = -1
        wins.append((s, c, dil))
    return wins


@pytest.mark.parametrize("seed", range(6))
def test_kernels_match_naive_twin(seed):
    rng = np.random.default_rng(seed)
    shape = (3,) + tuple(int(v) for v in rng.integers(1, 5, 3))
    x = rng.standard_normal(shape)
    x[rng.random(shape) < 0.1] = -np.inf
    x[rng.random(shape) < 0.1] = np.nan
    x[rng.random(shape) < 0.1] = 1.0  # ties
    wins = _random_windows(rng, shape)
    win = P._Windows(*zip(*wins))
    ref_max, ref_idx = _naive(x, wins, "max")
    ref_sum, _ = _naive(np.nan_to_num(x, nan=0.5, neginf=-2.0), wins, "sum")
    g = rng.standard_normal(ref_sum.shape)
    ref_spread = _naive(x, wins, "spread", g)
    xs = np.nan_to_num(x, nan=0.5, neginf=-2.0)
    # numpy fallbacks
    m, i = K.window_max_np(x, win.triples())
    np.testing.assert_array_equal(i, ref_idx)
    np.testing.assert_array_equal(m, ref_max)
    np.testing.assert_allclose(K.window_sum_np(xs, win.triples()), ref_sum, 1e-12, 1e-12)
    np.testing.assert_allclose(K.window_spread_np(g, win.triples(), shape), ref_spread, 1e-12, 1e-12)
    if not _jit.available():
        return
    B = shape[0]
    s0, s1, s2 = win.for_planes(B)
    (c0, c1, c2), (l0, l1, l2) = win.counts, win.dils
    out = np.empty(ref_max.shape)
    idx = np.empty(ref_max.shape, np.int64)
    K.window_max(x, s0, c0, l0, s1, c1, l1, s2, c2, l2, out, idx)
    np.testing.assert_array_equal(idx, ref_idx)
    np.testing.assert_array_equal(out, ref_max)
    out = np.empty(ref_sum.shape)
    K.window_sum(xs, s0, c0, l0, s1, c1, l1, s2, c2, l2, out)
    np.testing.assert_allclose(out, ref_sum, 1e-12, 1e-12)
    sp = np.zeros(shape)
    K.window_spread(g, s0, c0, l0, s1, c1, l1, s2, c2, l2, sp)
    np.testing.assert_allclose(sp, ref_spread, 1e-12, 1e-12)


def test_row_kernels_match_numpy():
    rng = np.random.default_rng(9)
    g = rng.standard_normal((4, 7))
    idx = rng.integers(0, 5, (4, 7))
    ref = np.zeros((4, 5))
    for b in range(4):
        for q in range(7):
            ref[b, idx[b, q]] += g[b, q]
    np.testing.assert_allclose(K.rows_scatter_add_np(g, idx, 5), ref, 1e-12, 1e-12)
    if _jit.available():
        out = np.zeros((4, 5))
        K.rows_scatter_add(g, idx, out)
        np.testing.assert_allclose(out, ref, 1e-12, 1e-12)
        got = np.empty((4, 7))
        K.rows_gather(ref, idx, got)
        np.testing.assert_array_equal(got, np.take_along_axis(ref, idx, 1))
        setv = np.zeros((4, 5))
        K.rows_scatter_set(g, idx, setv)
        ref_set = np.zeros((4, 5))
        for b in range(4):
            for q in range(7):
                ref_set[b, idx[b, q]] = g[b, q]
        np.testing.assert_array_equal(setv, ref_set)


def test_numpy_fallback_end_to_end(monkeypatch):
    torch = pytest.importorskip("torch")
    monkeypatch.setenv("PROBTORCH_DISABLE_NUMBA", "1")
    for name in ("max2d_dil_ceil", "avg2d_excl", "amax2d", "frac2d", "unpool2d", "aavg3d"):
        fn, shape = next((c[1], c[2]) for c in CASES if c[0] == name)
        a = np.random.default_rng(0).standard_normal(shape)
        out, idx, g = _run(probtorch, fn, a, "float64")
        tout, tidx, tg = _run(torch, fn, a, "float64")
        assert_close(out, tout)
        assert_close(g, tg)
        if tidx is not None:
            np.testing.assert_array_equal(idx.numpy(), tidx.numpy())


# ---------------------------------------------------------------------------------------------------- modules
MODULES = [
    ("MaxPool1d", (3, 2, 1, 2, True, True), (2, 3, 12)),
    ("MaxPool2d", (3,), (2, 3, 9, 9)),
    ("MaxPool2d", (3, 2), {"padding": 1, "ceil_mode": True}, (2, 3, 9, 8)),
    ("MaxPool3d", (2,), (2, 2, 4, 4, 4)),
    ("AvgPool1d", (3, 2, 1, True, False), (2, 3, 12)),
    ("AvgPool2d", (3, 2, 1, True, False, 3), (2, 3, 9, 8)),
    ("AvgPool3d", (2,), {"divisor_override": 3}, (2, 2, 4, 4, 4)),
    ("AdaptiveAvgPool1d", (4,), (2, 3, 9)),
    ("AdaptiveAvgPool2d", ((3, None),), (2, 3, 9, 8)),
    ("AdaptiveAvgPool3d", (2,), (2, 2, 4, 5, 4)),
    ("AdaptiveMaxPool1d", (3, True), (2, 3, 9)),
    ("AdaptiveMaxPool2d", ((3, 4),), (2, 3, 9, 8)),
    ("AdaptiveMaxPool3d", (2, True), (2, 2, 4, 5, 4)),
    ("LPPool1d", (2.5, 3, 2, True), (2, 3, 12)),
    ("LPPool2d", (2, 3), (2, 3, 9, 9)),
    ("LPPool3d", (1, 2), (2, 2, 4, 4, 4)),
    ("MaxUnpool1d", (2,), None),
    ("MaxUnpool2d", (2, 1, 1), None),
    ("MaxUnpool3d", (2,), None),
    ("FractionalMaxPool2d", (3,), {"output_ratio": 0.5}, None),
    ("FractionalMaxPool3d", (2,), {"output_size": 3}, None),
]


def _module_case(row):
    name, args = row[0], row[1]
    kwargs = row[2] if len(row) == 4 else {}
    return name, args, kwargs, row[-1]


@pytest.mark.parametrize("row", MODULES, ids=[f"{m[0]}-{i}" for i, m in enumerate(MODULES)])
def test_modules_like_torch(row):
    torch = pytest.importorskip("torch")
    name, args, kwargs, shape = _module_case(row)
    m = getattr(nn, name)(*args, **kwargs)
    tm = getattr(torch.nn, name)(*args, **kwargs)
    assert repr(m) == repr(tm)
    assert list(m.state_dict()) == list(tm.state_dict())
    if shape is None:
        return
    a = np.random.default_rng(1).standard_normal(shape)
    out, tout = m(probtorch.tensor(a)), tm(torch.tensor(a))
    if isinstance(tout, tuple):
        np.testing.assert_array_equal(out[1].numpy(), tout[1].numpy())
        out, tout = out[0], tout[0]
    assert_close(out, tout, equal_nan=True)


def test_unpool_and_fractional_modules_forward():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(2).standard_normal((2, 3, 8, 9))
    pool, tpool = nn.MaxPool2d(2, return_indices=True), torch.nn.MaxPool2d(2, return_indices=True)
    y, i = pool(probtorch.tensor(a))
    ty, ti = tpool(torch.tensor(a))
    out = nn.MaxUnpool2d(2)(y, i, output_size=(2, 3, 8, 9))
    tout = torch.nn.MaxUnpool2d(2)(ty, ti, output_size=(2, 3, 8, 9))
    assert_close(out, tout)
    u = np.random.default_rng(3).random((2, 3, 2))
    fm = nn.FractionalMaxPool2d(3, output_size=(4, 5), return_indices=True, _random_samples=probtorch.tensor(u))
    tfm = torch.nn.FractionalMaxPool2d(3, output_size=(4, 5), return_indices=True, _random_samples=torch.tensor(u))
    (o, oi), (to, toi) = fm(probtorch.tensor(a)), tfm(torch.tensor(a))
    assert_close(o, to)
    np.testing.assert_array_equal(oi.numpy(), toi.numpy())
    assert list(fm.state_dict()) == list(tfm.state_dict()) == ["_random_samples"]


def test_fractional_module_errors():
    with pytest.raises(ValueError, match="requires specifying either an output size, or a pooling ratio"):
        nn.FractionalMaxPool2d(3)
    with pytest.raises(ValueError, match=r"output_ratio must be between 0 and 1 \(got 1.5\)"):
        nn.FractionalMaxPool2d(3, output_ratio=1.5)
