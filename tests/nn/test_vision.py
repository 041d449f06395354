"""interpolate / upsample / grid_sample / affine_grid and the Upsample modules, against torch as an oracle."""
import warnings

import numpy as np
import pytest

import probtorch as pt
import probtorch.nn as nn
import probtorch.nn.functional as F
from probtorch.testing import assert_close, check_grads
from probtorch._kernels import vision as KV

torch = pytest.importorskip("torch")
TF = torch.nn.functional

_DT = {"float32": (pt.float32, torch.float32), "float64": (pt.float64, torch.float64)}


def _pair(arr, dtype, requires_grad=False):
    p, t = _DT[dtype]
    return (pt.tensor(arr, dtype=p, requires_grad=requires_grad),
            torch.tensor(arr, dtype=t, requires_grad=requires_grad))


def _tol(dtype):
    return {} if dtype == "float64" else dict(rtol=2e-5, atol=2e-5)


_MODES = [("nearest", 1), ("nearest", 2), ("nearest", 3), ("nearest-exact", 1), ("nearest-exact", 2),
          ("nearest-exact", 3),
          ("linear", 1), ("bilinear", 2), ("bicubic", 2), ("trilinear", 3), ("area", 1), ("area", 2), ("area", 3)]
_SIZES = [(5, 7), (7, 3), (4, 8), (6, 6), (3, 1), (1, 4), (10, 13)]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("mode,nd", _MODES)
def test_interpolate_values_and_grads_match_torch(mode, nd, dtype):
    rng = np.random.default_rng(1)
    acs = [None] if mode in ("nearest", "nearest-exact", "area") else [False, True]
    for n_in, n_out in _SIZES if nd < 3 else _SIZES[:4]:
        for ac in acs:
            for by_scale in (False, True):
                kw = dict(mode=mode, align_corners=ac)
                if by_scale:
                    kw["scale_factor"] = n_out / n_in + 0.01
                else:
                    kw["size"] = n_out
                a = rng.standard_normal((2, 3) + (n_in,) * nd)
                p, t = _pair(a, dtype, True)
                out_p, out_t = F.interpolate(p, **kw), TF.interpolate(t, **kw)
                assert_close(out_p, out_t, **_tol(dtype))
                w = rng.standard_normal(tuple(out_t.shape))
                if by_scale and (n_out == n_in and mode in ("nearest", "bicubic") or
                                 mode == "nearest" and nd != 2 and n_out == 2 * n_in):
                    # torch's backward takes same-size / doubling shortcuts that its forward does not take with an
                    # explicit scale, so its gradient is not the derivative of its forward there (checked against
                    # finite differences of torch's forward); ours is
                    continue
                out_p.backward(pt.tensor(w, dtype=p.dtype))
                out_t.backward(torch.tensor(w, dtype=t.dtype))
                assert_close(p.grad, t.grad, **_tol(dtype))


def test_interpolate_mixed_sizes_scales_and_recompute():
    rng = np.random.default_rng(2)
    a = rng.standard_normal((2, 2, 5, 6))
    p, t = _pair(a, "float64")
    cases = [dict(size=(3, 9), mode="bilinear"), dict(scale_factor=(1.7, 0.6), mode="bicubic", align_corners=True),
             dict(scale_factor=1.3, mode="bilinear", recompute_scale_factor=True),
             dict(scale_factor=(1.01, 2.01), mode="nearest"), dict(scale_factor=(1.01, 2.01), mode="bilinear"),
             dict(scale_factor=0.5, mode="area"), dict(size=[4, 4], mode="nearest-exact")]
    for kw in cases:
        assert_close(F.interpolate(p, **kw), TF.interpolate(t, **kw))


@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "lanczos"])
def test_interpolate_antialias_matches_torch(mode):
    rng = np.random.default_rng(3)
    cases = [dict(size=(3, 4)), dict(size=(5, 2), align_corners=True), dict(size=(9, 14)), dict(size=(4, 11)),
             dict(scale_factor=1.01), dict(scale_factor=(0.45, 1.5)), dict(scale_factor=0.5,
                                                                           recompute_scale_factor=True)]
    for kw in cases:
        if mode == "lanczos" and kw.get("align_corners"):
            continue
        a = rng.standard_normal((2, 2, 9, 12))
        p, t = _pair(a, "float64", True)
        out_p = F.interpolate(p, mode=mode, antialias=True, **kw)
        out_t = TF.interpolate(t, mode=mode, antialias=True, **kw)
        assert_close(out_p, out_t)
        if kw.get("scale_factor") == 1.01:
            continue  # torch's backward resamples the same-size axes its forward copies (not its derivative)
        out_p.sum().backward()
        out_t.sum().backward()
        assert_close(p.grad, t.grad)


def test_interpolate_nearest_keeps_uint8_and_nan_local():
    a = np.arange(24, dtype=np.uint8).reshape(1, 2, 3, 4)
    out = F.interpolate(pt.tensor(a), scale_factor=2)
    assert out.dtype == pt.uint8
    assert_close(out, TF.interpolate(torch.tensor(a), scale_factor=2))
    x = np.zeros((1, 1, 4))
    x[0, 0, 1] = np.nan
    assert_close(F.interpolate(pt.tensor(x), size=8, mode="linear"),
                 TF.interpolate(torch.tensor(x), size=8, mode="linear"), equal_nan=True)


@pytest.mark.parametrize("mode,shape,kw", [
    ("linear", (1, 2, 4), dict(size=6)), ("bilinear", (1, 1, 3, 4), dict(scale_factor=1.5, align_corners=True)),
    ("bicubic", (1, 1, 3, 3), dict(size=(5, 2))), ("trilinear", (1, 1, 2, 3, 2), dict(size=(3, 2, 4))),
    ("area", (1, 2, 5, 4), dict(size=(2, 3))), ("nearest", (1, 1, 3, 2), dict(size=(5, 4))),
    ("bilinear", (1, 1, 6, 6), dict(size=(3, 4), antialias=True)),
    ("lanczos", (1, 1, 5, 6), dict(size=(3, 8), antialias=True))])
def test_interpolate_gradcheck_order_two(mode, shape, kw):
    x = pt.tensor(np.random.default_rng(4).standard_normal(shape), requires_grad=True)
    check_grads(lambda t: F.interpolate(t, mode=mode, **kw), (x,), order=2)


def test_interpolate_jvp_matches_torch():
    rng = np.random.default_rng(5)
    a, v = rng.standard_normal((1, 2, 3, 4)), rng.standard_normal((1, 2, 3, 4))
    from probtorch.autograd.functional import jvp
    f_p = lambda t: F.interpolate(t, size=(5, 3), mode="bicubic")
    f_t = lambda t: TF.interpolate(t, size=(5, 3), mode="bicubic")
    out_p, tan_p = jvp(f_p, pt.tensor(a), pt.tensor(v))
    out_t, tan_t = torch.autograd.functional.jvp(f_t, torch.tensor(a), torch.tensor(v))
    assert_close(out_p, out_t)
    assert_close(tan_p, tan_t)


def _errors(fp, ft):
    with pytest.raises(Exception) as et:
        ft()
    with pytest.raises(type(et.value)) as ep:
        fp()
    assert str(ep.value).replace("probtorch.", "torch.") == str(et.value)


def test_interpolate_errors_match_torch():
    a = np.zeros((2, 3, 4, 5), np.float32)
    p, t = pt.tensor(a), torch.tensor(a)
    cases = [dict(size=3, mode="nearest", align_corners=True), dict(size=3, scale_factor=2), dict(),
             dict(size=(3,)), dict(size=(3, 2.0)), dict(scale_factor=(2, 2, 2)),
             dict(size=3, recompute_scale_factor=True), dict(size=3, mode="linear"), dict(size=3, mode="trilinear"),
             dict(size=3, mode="foo"), dict(size=(0, 3)), dict(scale_factor=0.1), dict(scale_factor=-2.0),
             dict(size=3, mode="nearest", antialias=True), dict(size=3, mode="lanczos"),
             dict(size=3, mode="lanczos", antialias=True, align_corners=True)]
    for kw in cases:
        _errors(lambda: F.interpolate(p, **kw), lambda: TF.interpolate(t, **kw))
    _errors(lambda: F.interpolate(p[:, :0], size=3, mode="bilinear"),
            lambda: TF.interpolate(t[:, :0], size=3, mode="bilinear"))
    _errors(lambda: F.interpolate(p[:, :, :0], size=3, mode="area"),
            lambda: TF.interpolate(t[:, :, :0], size=3, mode="area"))
    _errors(lambda: F.interpolate(p[0, 0], size=3), lambda: TF.interpolate(t[0, 0], size=3))
    with pytest.raises(NotImplementedError, match="not implemented for 'Long'"):
        F.interpolate(p.long(), size=3, mode="bilinear")


def test_upsample_aliases_warn_and_match():
    a = np.random.default_rng(6).standard_normal((1, 2, 3, 4))
    p, t = _pair(a, "float64")
    for name, kw in [("upsample", dict(scale_factor=2, mode="bilinear")), ("upsample_nearest", dict(size=(5, 5))),
                     ("upsample_bilinear", dict(scale_factor=2))]:
        with pytest.warns(UserWarning, match=f"nn.functional.{name}` is deprecated"):
            out_p = getattr(F, name)(p, **kw)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out_t = getattr(TF, name)(t, **kw)
        assert_close(out_p, out_t)


def test_resample_kernel_matches_numpy_twin():
    rng = np.random.default_rng(7)
    for mode, n_in, n_out in [("linear", 5, 9), ("cubic", 6, 4), ("area", 7, 3)]:
        amap = F.vision._axis_map(mode, n_in, n_out, False, None, "float64")
        for r in (1, 3):
            x = rng.standard_normal((4, n_in, r))
            want = KV.csr_axis_apply_numpy(x, amap.indptr, amap.cols, amap.vals, n_out)
            assert_close(KV.csr_axis_apply(x, amap.indptr, amap.cols, amap.vals, n_out), want)
            t = amap.T
            g = rng.standard_normal((4, n_out, r))
            want_t = np.einsum("oi,por->pir", amap.dense(), g)
            assert_close(KV.csr_axis_apply(g, t.indptr, t.cols, t.vals, n_in), want_t)


def test_resample_kernel_numpy_fallback(monkeypatch):
    monkeypatch.setenv("PROBTORCH_DISABLE_NUMBA", "1")
    rng = np.random.default_rng(8)
    amap = F.vision._axis_map("cubic", 6, 11, True, None, "float64")
    x = rng.standard_normal((3, 6, 2))
    want = KV.csr_axis_apply_numpy(x, amap.indptr, amap.cols, amap.vals, 11)
    assert_close(KV.csr_axis_apply(x, amap.indptr, amap.cols, amap.vals, 11), want)


# ------------------------------------------------------------------------------------------------ grid_sample
_GS = [(nd, mode, pm, ac) for nd in (2, 3) for mode in ("bilinear", "nearest", "bicubic")
       for pm in ("zeros", "border", "reflection") for ac in (False, True) if not (nd == 3 and mode == "bicubic")]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("nd,mode,pm,ac", _GS)
def test_grid_sample_matches_torch(nd, mode, pm, ac, dtype):
    rng = np.random.default_rng(9)
    shape = (2, 3) + ((4, 5) if nd == 2 else (3, 4, 5))
    a = rng.standard_normal(shape)
    g = rng.uniform(-1.4, 1.4, (2,) + ((3, 4) if nd == 2 else (2, 3, 4)) + (nd,))
    pa, ta = _pair(a, dtype, True)
    pg, tg = _pair(g, dtype, True)
    out_p = F.grid_sample(pa, pg, mode=mode, padding_mode=pm, align_corners=ac)
    out_t = TF.grid_sample(ta, tg, mode=mode, padding_mode=pm, align_corners=ac)
    tol = {} if dtype == "float64" else dict(rtol=1e-4, atol=5e-5)
    assert_close(out_p, out_t, **tol)
    w = rng.standard_normal(tuple(out_t.shape))
    out_p.backward(pt.tensor(w, dtype=pa.dtype))
    out_t.backward(torch.tensor(w, dtype=ta.dtype))
    assert_close(pa.grad, ta.grad, **tol)
    assert_close(pg.grad, tg.grad, **tol)  # (zeros for nearest: piecewise constant in the grid)


@pytest.mark.parametrize("nd,mode,pm,ac", [(2, "bilinear", "zeros", False), (2, "bilinear", "reflection", False),
                                            (2, "bicubic", "border", False), (3, "bilinear", "border", False),
                                            (2, "nearest", "zeros", False), (2, "bicubic", "reflection", True),
                                            (3, "bilinear", "reflection", True), (2, "bilinear", "border", True)])
def test_grid_sample_gradcheck_order_two(nd, mode, pm, ac):
    rng = np.random.default_rng(10)
    shape = (1, 2) + ((3, 4) if nd == 2 else (2, 3, 3))
    x = pt.tensor(rng.standard_normal(shape), requires_grad=True)
    # keep the positions away from pixel boundaries, where the map has kinks
    g = rng.uniform(-1.2, 1.2, (1,) + ((2, 3) if nd == 2 else (2, 2, 2)) + (nd,))
    grid = pt.tensor(g, requires_grad=mode != "nearest")
    check_grads(lambda a, b: F.grid_sample(a, b, mode=mode, padding_mode=pm, align_corners=ac), (x, grid),
                order=2)


def test_grid_sample_errors_match_torch():
    a = np.zeros((2, 3, 4, 5), np.float32)
    g = np.zeros((2, 3, 3, 2), np.float32)
    p, t = pt.tensor(a), torch.tensor(a)
    pg, tg = pt.tensor(g), torch.tensor(g)
    cases = [(p, pg.double(), t, tg.double(), {}), (p[0], pg[0], t[0], tg[0], {}), (p, pg[:1], t, tg[:1], {}),
             (p, pt.zeros(2, 3, 3, 3), t, torch.zeros(2, 3, 3, 3), {}),
             (p, pt.zeros(2, 3, 3, 1, 2), t, torch.zeros(2, 3, 3, 1, 2), {}),
             (p[None], pt.zeros(1, 2, 3, 3, 3), t[None], torch.zeros(1, 2, 3, 3, 3), dict(mode="bicubic")),
             (p[:, :, :0], pg, t[:, :, :0], tg, {}), (p, pg, t, tg, dict(mode="linear")),
             (p, pg, t, tg, dict(padding_mode="wrap")), (p.long(), pg.long(), t.long(), tg.long(), {})]
    for ip, gp, it, gt, kw in cases:
        _errors(lambda: F.grid_sample(ip, gp, align_corners=False, **kw),
                lambda: TF.grid_sample(it, gt, align_corners=False, **kw))
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        F.grid_sample(p, pg)


# ------------------------------------------------------------------------------------------------ affine_grid
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("size", [(2, 3, 4, 5), (2, 1, 1, 3), (2, 3, 2, 3, 4)])
@pytest.mark.parametrize("ac", [False, True])
def test_affine_grid_matches_torch(size, ac, dtype):
    rng = np.random.default_rng(11)
    k = len(size) - 2
    theta = rng.standard_normal((2, k, k + 1))
    pth, tth = _pair(theta, dtype, True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out_p = F.affine_grid(pth, size, align_corners=ac)
        out_t = TF.affine_grid(tth, size, align_corners=ac)
    assert_close(out_p, out_t, **_tol(dtype))
    w = rng.standard_normal(tuple(out_t.shape))
    out_p.backward(pt.tensor(w, dtype=pth.dtype))
    out_t.backward(torch.tensor(w, dtype=tth.dtype))
    assert_close(pth.grad, tth.grad, **_tol(dtype))


def test_affine_grid_gradcheck_and_errors():
    theta = pt.tensor(np.random.default_rng(12).standard_normal((1, 2, 3)), requires_grad=True)
    check_grads(lambda th: F.affine_grid(th, (1, 1, 3, 2), align_corners=False), (theta,), order=2)
    th = np.zeros((2, 2, 3), np.float32)
    for thp, tht, size in [(pt.tensor(th).long(), torch.tensor(th).long(), (2, 1, 3, 3)),
                           (pt.tensor(th), torch.tensor(th), (2, 1, 3, 3, 3)),
                           (pt.zeros(2, 3, 4), torch.zeros(2, 3, 4), (2, 1, 3, 3)),
                           (pt.tensor(th), torch.tensor(th), (2, 1, 3)),
                           (pt.tensor(th), torch.tensor(th), (2, 1, 0, 3)),
                           (pt.tensor(th), torch.tensor(th), (3, 1, 4, 4))]:
        _errors(lambda: F.affine_grid(thp, size, align_corners=False),
                lambda: TF.affine_grid(tht, size, align_corners=False))
    with pytest.warns(UserWarning, match="unit-size grids"):
        F.affine_grid(pt.tensor(th), (2, 1, 1, 3), align_corners=True)


def test_grid_sample_constants():
    assert F.GRID_SAMPLE_INTERPOLATION_MODES == TF.GRID_SAMPLE_INTERPOLATION_MODES
    assert F.GRID_SAMPLE_PADDING_MODES == TF.GRID_SAMPLE_PADDING_MODES


# ------------------------------------------------------------------------------------------------ modules
@pytest.mark.parametrize("name,args,kw", [
    ("Upsample", (), dict(scale_factor=2)), ("Upsample", (), dict(size=(5, 7), mode="bilinear")),
    ("Upsample", (), dict(scale_factor=(1.5, 2.0), mode="bicubic", align_corners=True)),
    ("Upsample", (), dict(scale_factor=1.5, mode="bilinear", recompute_scale_factor=True)),
    ("UpsamplingNearest2d", (), dict(scale_factor=3)), ("UpsamplingNearest2d", ((4, 6),), {}),
    ("UpsamplingBilinear2d", (), dict(scale_factor=2)), ("UpsamplingBilinear2d", (), dict(size=5))])
def test_upsampling_modules_match_torch(name, args, kw):
    mp, mt = getattr(nn, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw)
    assert repr(mp) == repr(mt)
    assert list(mp.state_dict()) == list(mt.state_dict()) == []
    a = np.random.default_rng(13).standard_normal((2, 3, 4, 5))
    p, t = _pair(a, "float64")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_close(mp(p), mt(t))
    for attr in ("size", "scale_factor", "mode", "align_corners", "recompute_scale_factor"):
        assert getattr(mp, attr) == getattr(mt, attr)


def _tap_case(seed=14):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((3, 2, 7))
    idx = rng.integers(-1, 7, (3, 4, 5))
    w = rng.standard_normal((3, 4, 5))
    g = rng.standard_normal((3, 2, 5))
    return x, idx, w, g


def _tap_reference(x, idx, w, g):
    """Dense reference: the tap map as an explicit (P, L) matrix per batch entry."""
    N, C, L = x.shape
    K, P = idx.shape[1:]
    A = np.zeros((N, P, L))
    taps = np.zeros((N, C, K, P))
    for n in range(N):
        for k in range(K):
            for p in range(P):
                if idx[n, k, p] >= 0:
                    A[n, p, idx[n, k, p]] += w[n, k, p]
                    taps[n, :, k, p] = x[n, :, idx[n, k, p]]
    return (np.einsum("npl,ncl->ncp", A, x), np.einsum("npl,ncp->ncl", A, g), np.einsum("ncp,nckp->nkp", g, taps))


@pytest.mark.parametrize("numba", [True, False])
def test_tap_kernels_match_numpy_twins(numba, monkeypatch):
    if not numba:
        monkeypatch.setenv("PROBTORCH_DISABLE_NUMBA", "1")
    x, idx, w, g = _tap_case()
    y, z, v = _tap_reference(x, idx, w, g)
    assert_close(KV.tap_gather(x, idx, w), y)
    assert_close(KV.tap_gather_numpy(x, idx, w), y)
    assert_close(KV.tap_scatter(g, idx, w, x.shape[2]), z)
    assert_close(KV.tap_dot(g, x, idx), v)
    rng = np.random.default_rng(17)
    for sizes in ((3, 4), (2, 3, 4)):
        pos = [rng.integers(-2, s + 2, (2, k, 6)) for s, k in zip(sizes, (2, 4, 1))]
        want = np.full((2, int(np.prod([q.shape[1] for q in pos])), 6), -1)
        for n in range(2):
            for k, combo in enumerate(np.ndindex(*[q.shape[1] for q in pos])):
                for p in range(6):
                    c = [q[n, j, p] for q, j in zip(pos, combo)]
                    if all(0 <= ci < si for ci, si in zip(c, sizes)):
                        want[n, k, p] = np.ravel_multi_index(c, sizes)
        assert_close(KV.tap_index(pos, sizes), want, check_dtype=False)
        fpos = [q.astype(np.float64) for q in pos]
        fpos[0][0, 0, 0] = np.nan  # a NaN position is outside the image
        want[0, :want.shape[1] // pos[0].shape[1], 0] = -1
        assert_close(KV.tap_index(fpos, sizes), want, check_dtype=False)


def test_tap_primitives_gradcheck_order_two():
    x, idx, w, g = _tap_case(15)
    tx, tw, tg = (pt.tensor(a, requires_grad=True) for a in (x, w, g))
    V = F.vision
    check_grads(lambda a, b: V.tap_gather(a, b, idx=idx), (tx, tw), order=2)
    check_grads(lambda a, b: V.tap_scatter(a, b, idx=idx, size=7), (tg, tw), order=2)
    check_grads(lambda a, b: V.tap_dot(a, b, idx=idx), (tg, tx), order=2)


def test_grid_sample_numpy_fallback_matches(monkeypatch):
    rng = np.random.default_rng(16)
    a, g = rng.standard_normal((2, 3, 4, 5)), rng.uniform(-1.2, 1.2, (2, 3, 2, 2))
    want = [F.grid_sample(pt.tensor(a), pt.tensor(g), mode=m, align_corners=False) for m in ("bilinear", "bicubic")]
    monkeypatch.setenv("PROBTORCH_DISABLE_NUMBA", "1")
    for m, ref in zip(("bilinear", "bicubic"), want):
        assert_close(F.grid_sample(pt.tensor(a), pt.tensor(g), mode=m, align_corners=False), ref)


@pytest.mark.parametrize("pm", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic"])
def test_grid_sample_non_finite_grid_matches_torch(mode, pm):
    a = np.random.default_rng(18).standard_normal((1, 2, 4, 5))
    g = np.array([[[[np.nan, 0.3], [np.inf, 0.0], [-np.inf, 0.5], [0.2, np.nan], [2.5, -3.0]]]])
    assert_close(F.grid_sample(pt.tensor(a), pt.tensor(g), mode=mode, padding_mode=pm, align_corners=False),
                 TF.grid_sample(torch.tensor(a), torch.tensor(g), mode=mode, padding_mode=pm, align_corners=False),
                 equal_nan=True)


@pytest.mark.parametrize("fn", ["interpolate", "grid_sample"])
def test_half_and_empty_inputs_match_torch(fn):
    rng = np.random.default_rng(19)
    for shape, gshape, dtype in [((1, 3, 4, 5), (1, 2, 3, 2), "float16"), ((0, 3, 4, 5), (0, 2, 3, 2), "float32"),
                                 ((1, 0, 4, 5), (1, 2, 3, 2), "float32"), ((1, 3, 4, 5), (1, 0, 3, 2), "float64")]:
        a, g = rng.standard_normal(shape), rng.uniform(-1, 1, gshape)
        p, t = (pt.tensor(a, dtype=getattr(pt, dtype)), torch.tensor(a, dtype=getattr(torch, dtype)))
        if fn == "interpolate":
            if shape[1] == 0:
                continue
            for mode in ("nearest", "bilinear", "bicubic", "area"):
                out_p, out_t = F.interpolate(p, size=(3, 7), mode=mode), TF.interpolate(t, size=(3, 7), mode=mode)
                assert out_p.dtype.name == str(out_t.dtype).split(".")[1]
                assert_close(out_p.float(), out_t.float(), rtol=2e-3, atol=2e-3)
        else:
            pg, tg = pt.tensor(g, dtype=p.dtype), torch.tensor(g, dtype=t.dtype)
            out_p, out_t = F.grid_sample(p, pg, align_corners=True), TF.grid_sample(t, tg, align_corners=True)
            assert_close(out_p.float(), out_t.float(), rtol=2e-3, atol=2e-3)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
def test_grid_sample_jvp_matches_torch(mode):
    rng = np.random.default_rng(20)
    a, g = rng.standard_normal((1, 2, 4, 5)), rng.uniform(-1.1, 1.1, (1, 3, 2, 2))
    va, vg = rng.standard_normal(a.shape), rng.standard_normal(g.shape)
    from probtorch.autograd.functional import jvp
    out_p, tan_p = jvp(lambda x, y: F.grid_sample(x, y, mode=mode, align_corners=False),
                       (pt.tensor(a), pt.tensor(g)), (pt.tensor(va), pt.tensor(vg)))
    out_t, tan_t = torch.autograd.functional.jvp(lambda x, y: TF.grid_sample(x, y, mode=mode, align_corners=False),
                                                 (torch.tensor(a), torch.tensor(g)),
                                                 (torch.tensor(va), torch.tensor(vg)))
    assert_close(out_p, out_t)
    assert_close(tan_p, tan_t)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "lanczos"])
def test_interpolate_uint8_matches_torch_exactly(mode):
    a = np.random.default_rng(21).integers(0, 256, (2, 3, 9, 12)).astype(np.uint8)
    for aa in (False, True):
        for ac in (False, True):
            if mode == "lanczos" and (ac or not aa):
                continue
            for kw in (dict(size=(5, 7)), dict(size=(17, 20)), dict(size=(4, 12)), dict(scale_factor=(1.7, 0.6))):
                out_p = F.interpolate(pt.tensor(a), mode=mode, antialias=aa, align_corners=ac, **kw)
                out_t = TF.interpolate(torch.tensor(a), mode=mode, antialias=aa, align_corners=ac, **kw)
                assert out_p.dtype == pt.uint8
                assert_close(out_p, out_t, rtol=0, atol=0)


def test_interpolate_integer_dtype_errors_match_torch():
    for nd in (1, 2, 3):
        for mode in ("nearest", "nearest-exact", "area", "linear", "bilinear", "bicubic", "trilinear"):
            for dt in ("int64", "int32", "uint8"):
                a = np.zeros((1, 2) + (4,) * nd, dt)
                try:
                    TF.interpolate(torch.tensor(a), size=3, mode=mode)
                except Exception:
                    _errors(lambda: F.interpolate(pt.tensor(a), size=3, mode=mode),
                            lambda: TF.interpolate(torch.tensor(a), size=3, mode=mode))
                else:
                    assert_close(F.interpolate(pt.tensor(a), size=3, mode=mode),
                                 TF.interpolate(torch.tensor(a), size=3, mode=mode), rtol=0, atol=0)
