"""probtorch.nn.utils (clipping, vectors, weight/spectral norm, fusion, skip_init) and nn.init additions vs torch."""
import math
import warnings

import numpy as np
import pytest

import probtorch as pt
from probtorch.nn import utils as U
from probtorch.testing import check_grads

torch = pytest.importorskip("torch")
TU = torch.nn.utils

DTYPES = [(pt.float32, torch.float32, 1e-5), (pt.float64, torch.float64, 1e-12)]


def _pt(t, dtype=None):
    return pt.tensor(t.detach().numpy().copy(), dtype=dtype)


def _np(t):
    return t.detach().numpy()


def _copy_state(m, tm):
    """Load torch module ``tm``'s parameters and buffers into probtorch module ``m``."""
    m.load_state_dict({k: _pt(v) for k, v in tm.state_dict().items()})
    return m


def _params_with_grads(rng, shapes, dtype, tdtype, none_at=None):
    ps, tps = [], []
    for i, s in enumerate(shapes):
        w = rng.standard_normal(s)
        p = pt.nn.Parameter(pt.tensor(w, dtype=dtype))
        tp = torch.nn.Parameter(torch.tensor(w, dtype=tdtype))
        if i != none_at:
            g = rng.standard_normal(s) * 3
            p.grad = pt.tensor(g, dtype=dtype)
            tp.grad = torch.tensor(g, dtype=tdtype)
        ps.append(p)
        tps.append(tp)
    return ps, tps


# ---------------------------------------------------------------------------------------------- clip_grad
@pytest.mark.parametrize("dtype,tdtype,tol", DTYPES)
@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, 0.5, 0, math.inf, -math.inf, "inf"])
@pytest.mark.parametrize("max_norm", [0.7, 1e3])
def test_clip_grad_norm_matches_torch(dtype, tdtype, tol, norm_type, max_norm):
    rng = np.random.default_rng(1)
    ps, tps = _params_with_grads(rng, [(3, 2), (4,), ()], dtype, tdtype, none_at=1)
    total = U.clip_grad_norm_(ps, max_norm, norm_type)
    ttotal = TU.clip_grad_norm_(tps, max_norm, norm_type)
    assert total.dtype == dtype and total.shape == ()
    np.testing.assert_allclose(_np(total), _np(ttotal), rtol=tol)
    for p, tp in zip(ps, tps):
        if tp.grad is None:
            assert p.grad is None
        else:
            np.testing.assert_allclose(_np(p.grad), _np(tp.grad), rtol=tol, atol=tol)


def test_clip_grad_norm_single_tensor_empty_and_foreach():
    p = pt.nn.Parameter(pt.ones(3))
    p.grad = pt.tensor([1.0, 2.0, 3.0])
    total = U.clip_grad_norm_(p, 1.0, foreach=True)
    np.testing.assert_allclose(total.item(), math.sqrt(14), rtol=1e-6)
    np.testing.assert_allclose(p.grad.numpy(), np.array([1, 2, 3]) / (math.sqrt(14) + 1e-6), rtol=1e-6)
    assert U.clip_grad_norm_([pt.nn.Parameter(pt.ones(2))], 1.0).item() == 0.0
    assert U.clip_grad_norm_([], 1.0).item() == 0.0


def test_clip_grad_norm_nonfinite():
    p = pt.nn.Parameter(pt.ones(3))
    p.grad = pt.tensor([1.0, float("nan"), 3.0])
    with pytest.raises(RuntimeError, match="total norm of order 2.0 for gradients from `parameters` is non-finite"):
        U.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
    assert U.clip_grad_norm_(p, 1.0).isnan().item()
    assert p.grad.isnan().all().item()
    p.grad = pt.tensor([1.0, float("inf"), 0.0])
    with pytest.raises(RuntimeError, match="order inf"):
        U.clip_grad_norm_(p, 1.0, norm_type="inf", error_if_nonfinite=True)


def test_clip_grad_norm_deprecated_alias():
    p = pt.nn.Parameter(pt.ones(2))
    p.grad = pt.tensor([3.0, 4.0])
    with pytest.warns(FutureWarning, match="clip_grad_norm_"):
        total = U.clip_grad_norm(p, 1.0)
    assert abs(total.item() - 5.0) < 1e-6 and abs(p.grad.norm().item() - 1.0) < 1e-5


@pytest.mark.parametrize("dtype,tdtype,tol", DTYPES)
def test_clip_grad_value_matches_torch(dtype, tdtype, tol):
    rng = np.random.default_rng(2)
    ps, tps = _params_with_grads(rng, [(3, 2), (4,)], dtype, tdtype, none_at=None)
    assert U.clip_grad_value_(ps, 1.25) is None
    TU.clip_grad_value_(tps, 1.25)
    for p, tp in zip(ps, tps):
        np.testing.assert_array_equal(_np(p.grad), _np(tp.grad))
    assert max(float(p.grad.abs().max().item()) for p in ps) <= 1.25
    U.clip_grad_value_(ps[0], 0)
    assert (ps[0].grad == 0).all().item()


def test_get_total_norm_and_clip_grads_with_norm():
    a, b = pt.ones(2) * 3, -pt.ones(2, dtype=pt.float64) * 5
    ta, tb = torch.ones(2) * 3, -torch.ones(2, dtype=torch.float64) * 5
    for nt in (2.0, 1, 0, math.inf, -math.inf, "inf"):
        out, tout = U.get_total_norm([a, b], nt), TU.get_total_norm([ta, tb], nt)
        assert out.dtype == pt.float64
        np.testing.assert_allclose(_np(out), _np(tout), rtol=1e-12)
    assert U.get_total_norm([]).item() == 0.0 and U.get_total_norm([]).dtype == pt.float32
    with pytest.raises(RuntimeError, match="non-finite"):
        U.get_total_norm([pt.tensor([float("inf")])], error_if_nonfinite=True)
    rng = np.random.default_rng(3)
    ps, tps = _params_with_grads(rng, [(2, 2), (3,)], pt.float64, torch.float64)
    total = U.get_total_norm([p.grad for p in ps] + [pt.ones(5, dtype=pt.float64)])
    ttotal = TU.get_total_norm([p.grad for p in tps] + [torch.ones(5, dtype=torch.float64)])
    assert U.clip_grads_with_norm_(ps, 0.5, total) is None
    TU.clip_grads_with_norm_(tps, 0.5, ttotal)
    for p, tp in zip(ps, tps):
        np.testing.assert_allclose(_np(p.grad), _np(tp.grad), rtol=1e-12)
    with pytest.raises(TypeError, match="total_norm"):
        U.clip_grads_with_norm_(ps, 0.5, 2.0)


# ---------------------------------------------------------------------------------------------- vectors
def test_parameters_to_vector_and_back():
    rng = np.random.default_rng(4)
    shapes = [(2, 3), (4,), (1, 2, 2)]
    arrs = [rng.standard_normal(s) for s in shapes]
    ps = [pt.nn.Parameter(pt.tensor(a)) for a in arrs]
    tps = [torch.nn.Parameter(torch.tensor(a)) for a in arrs]
    vec, tvec = U.parameters_to_vector(ps), TU.parameters_to_vector(tps)
    np.testing.assert_array_equal(_np(vec), _np(tvec))
    assert vec.requires_grad and vec.grad_fn is not None
    w = rng.standard_normal(vec.shape[0])
    (vec * pt.tensor(w)).sum().backward()
    for p, s in zip(ps, np.split(w, np.cumsum([a.size for a in arrs])[:-1])):
        np.testing.assert_array_equal(p.grad.numpy(), s.reshape(p.shape))
    check_grads(lambda *xs: U.parameters_to_vector(xs), tuple(pt.tensor(a, requires_grad=True) for a in arrs))

    new = pt.arange(float(vec.shape[0]) + 3, dtype=pt.float64)  # extra entries are ignored, as torch
    tnew = torch.arange(float(vec.shape[0]) + 3, dtype=torch.float64)
    assert U.vector_to_parameters(new, ps) is None
    TU.vector_to_parameters(tnew, tps)
    for p, tp in zip(ps, tps):
        np.testing.assert_array_equal(_np(p), _np(tp))
        assert isinstance(p, pt.nn.Parameter) and p.requires_grad
    with pytest.raises(TypeError, match="expected torch.Tensor, but got: list"):
        U.vector_to_parameters([1.0, 2.0], ps)
    with pytest.raises(RuntimeError):
        U.vector_to_parameters(pt.arange(7.0, dtype=pt.float64), ps)
    with pytest.raises((ValueError, RuntimeError)):
        U.parameters_to_vector([])


# ---------------------------------------------------------------------------------------------- weight_norm
@pytest.mark.parametrize("make,dim,xshape", [
    (lambda lib: lib.nn.Linear(3, 4), 0, (5, 3)),
    (lambda lib: lib.nn.Linear(3, 4), 1, (5, 3)),
    (lambda lib: lib.nn.Linear(3, 4), None, (5, 3)),
    (lambda lib: lib.nn.Conv2d(2, 3, 3), 0, (2, 2, 5, 5)),
    (lambda lib: lib.nn.Conv2d(2, 3, 3), 1, (2, 2, 5, 5)),
    (lambda lib: lib.nn.Conv2d(2, 3, 3), -1, (2, 2, 5, 5)),
    (lambda lib: lib.nn.Conv2d(2, 3, 3), 3, (2, 2, 5, 5)),
])
def test_weight_norm_matches_torch(make, dim, xshape):
    torch.manual_seed(0)
    tm = make(torch).double()
    m = _copy_state(make(pt).double(), tm)
    with pytest.warns(FutureWarning, match="parametrizations.weight_norm"):
        assert U.weight_norm(m, dim=dim) is m
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        TU.weight_norm(tm, dim=dim)
    assert list(m.state_dict()) == list(tm.state_dict())
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in tm.named_parameters()]
    assert m.weight_g.shape == tm.weight_g.shape and m.weight_v.shape == tm.weight_v.shape
    np.testing.assert_allclose(_np(m.weight_g), _np(tm.weight_g), rtol=1e-12)
    # change g so that the weight is no longer the original one
    with pt.no_grad():
        m.weight_g.mul_(1.5)
    with torch.no_grad():
        tm.weight_g.mul_(1.5)
    x = np.random.default_rng(5).standard_normal(xshape)
    y, ty = m(pt.tensor(x)), tm(torch.tensor(x))
    np.testing.assert_allclose(_np(y), _np(ty), rtol=1e-10, atol=1e-12)
    (y ** 2).sum().backward()
    (ty ** 2).sum().backward()
    for (n, p), (tn, tp) in zip(m.named_parameters(), tm.named_parameters()):
        np.testing.assert_allclose(_np(p.grad), _np(tp.grad), rtol=1e-9, atol=1e-12, err_msg=n)
    hook = next(iter(m._forward_pre_hooks.values()))
    check_grads(lambda g, v: v * (g / U.weight_norm.__globals__["_norm_except_dim"](v, hook.dim)),
                (pt.tensor(_np(tm.weight_g), requires_grad=True), pt.tensor(_np(tm.weight_v), requires_grad=True)))

    assert U.remove_weight_norm(m) is m
    TU.remove_weight_norm(tm)
    assert list(m.state_dict()) == list(tm.state_dict())
    assert isinstance(m.weight, pt.nn.Parameter) and not m._forward_pre_hooks
    np.testing.assert_allclose(_np(m.weight), _np(tm.weight), rtol=1e-12)


def test_weight_norm_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        m = U.weight_norm(pt.nn.Linear(2, 3))
        with pytest.raises(RuntimeError, match="Cannot register two weight_norm hooks on the same parameter weight"):
            U.weight_norm(m)
        m2 = U.weight_norm(pt.nn.Linear(2, 3), name="bias")
    assert {"bias_g", "bias_v", "weight"} <= set(m2.state_dict())
    with pytest.raises(ValueError, match="weight_norm of 'weight' not found in Linear"):
        U.remove_weight_norm(pt.nn.Linear(2, 3))
    U.remove_weight_norm(m2, "bias")
    assert isinstance(m2.bias, pt.nn.Parameter)


# ---------------------------------------------------------------------------------------------- spectral_norm
@pytest.mark.parametrize("dtype,tdtype,tol", DTYPES)
@pytest.mark.parametrize("make,xshape,n_iter", [
    (lambda lib: lib.nn.Linear(4, 3), (2, 4), 1),
    (lambda lib: lib.nn.Conv2d(2, 3, 3), (2, 2, 4, 4), 3),
    (lambda lib: lib.nn.ConvTranspose2d(2, 3, 2), (1, 2, 3, 3), 2),
])
def test_spectral_norm_matches_torch(dtype, tdtype, tol, make, xshape, n_iter):
    torch.manual_seed(1)
    tm = make(torch).to(tdtype)
    m = make(pt).to(dtype)
    _copy_state(m, tm)
    assert U.spectral_norm(m, n_power_iterations=n_iter) is m
    TU.spectral_norm(tm, n_power_iterations=n_iter)
    assert list(m.state_dict()) == list(tm.state_dict())
    assert m.weight_u.shape == tm.weight_u.shape and m.weight_v.shape == tm.weight_v.shape
    assert m.weight_u.dtype == dtype and not m.weight.requires_grad
    for b in (m.weight_u, m.weight_v):  # unit starting vectors
        assert abs(b.norm().item() - 1) < 1e-5
    _copy_state(m, tm)  # same starting u, v as torch
    x = np.random.default_rng(6).standard_normal(xshape)
    for step in range(3):  # training mode: each call refines u and v
        y, ty = m(pt.tensor(x, dtype=dtype)), tm(torch.tensor(x, dtype=tdtype))
        np.testing.assert_allclose(_np(y), _np(ty), rtol=tol * 10, atol=tol)
        np.testing.assert_allclose(_np(m.weight_u), _np(tm.weight_u), rtol=tol * 10, atol=tol)
        np.testing.assert_allclose(_np(m.weight_v), _np(tm.weight_v), rtol=tol * 10, atol=tol)
    (y ** 2).sum().backward()
    (ty ** 2).sum().backward()
    np.testing.assert_allclose(_np(m.weight_orig.grad), _np(tm.weight_orig.grad), rtol=tol * 100, atol=tol * 10)
    m.eval()
    tm.eval()
    u0 = _np(m.weight_u).copy()
    y, ty = m(pt.tensor(x, dtype=dtype)), tm(torch.tensor(x, dtype=tdtype))
    np.testing.assert_array_equal(_np(m.weight_u), u0)  # eval: no power iteration
    np.testing.assert_allclose(_np(y), _np(ty), rtol=tol * 10, atol=tol)
    assert U.remove_spectral_norm(m) is m
    TU.remove_spectral_norm(tm)
    assert list(m.state_dict()) == list(tm.state_dict())
    assert isinstance(m.weight, pt.nn.Parameter) and not m._forward_pre_hooks
    np.testing.assert_allclose(_np(m.weight), _np(tm.weight), rtol=tol * 10, atol=tol)


def test_spectral_norm_converges_and_grads():
    rng = np.random.default_rng(7)
    w = rng.standard_normal((4, 3))
    m = pt.nn.Linear(3, 4).double()
    with pt.no_grad():
        m.weight.copy_(pt.tensor(w))
    U.spectral_norm(m, n_power_iterations=200)
    m(pt.zeros(1, 3, dtype=pt.float64))
    np.testing.assert_allclose(np.linalg.svd(m.weight.detach().numpy(), compute_uv=False)[0], 1.0, rtol=1e-6)
    hook = next(iter(m._forward_pre_hooks.values()))
    m.eval()

    def f(worig):
        mod = pt.nn.Module()
        mod.register_parameter("weight_orig", pt.nn.Parameter(worig) if worig.is_leaf else None)
        object.__setattr__(mod, "weight_orig", worig)
        mod.register_buffer("weight_u", m.weight_u)
        mod.register_buffer("weight_v", m.weight_v)
        return hook.compute_weight(mod, do_power_iteration=False)

    check_grads(f, (pt.tensor(w, requires_grad=True),))


def test_spectral_norm_errors_and_dims():
    m = U.spectral_norm(pt.nn.Linear(2, 3))
    with pytest.raises(RuntimeError, match="Cannot register two spectral_norm hooks on the same parameter weight"):
        U.spectral_norm(m)
    with pytest.raises(ValueError, match="Expected n_power_iterations to be positive, but got n_power_iterations=0"):
        U.spectral_norm(pt.nn.Linear(2, 3), n_power_iterations=0)
    with pytest.raises(ValueError, match="spectral_norm of 'weight' not found in Linear"):
        U.remove_spectral_norm(pt.nn.Linear(2, 3))
    ct = U.spectral_norm(pt.nn.ConvTranspose2d(2, 3, 3))
    assert ct.weight_u.shape == (3,) and ct.weight_v.shape == (18,)
    c = U.spectral_norm(pt.nn.Conv2d(2, 3, 3), dim=1)
    assert c.weight_u.shape == (2,) and c.weight_v.shape == (27,)


# ---------------------------------------------------------------------------------------------- fusion
@pytest.mark.parametrize("dtype,tdtype,tol", DTYPES)
@pytest.mark.parametrize("transpose,bias,affine", [(False, True, True), (False, False, False), (True, True, True)])
def test_fuse_conv_bn_matches_torch(dtype, tdtype, tol, transpose, bias, affine):
    rng = np.random.default_rng(8)
    cls = "ConvTranspose2d" if transpose else "Conv2d"
    torch.manual_seed(2)
    tconv = getattr(torch.nn, cls)(2, 3, 3, bias=bias).to(tdtype).eval()
    tbn = torch.nn.BatchNorm2d(3, affine=affine).to(tdtype).eval()
    with torch.no_grad():
        tbn.running_mean.copy_(torch.tensor(rng.standard_normal(3)))
        tbn.running_var.copy_(torch.tensor(rng.uniform(0.5, 2, 3)))
        if affine:
            tbn.weight.copy_(torch.tensor(rng.standard_normal(3)))
            tbn.bias.copy_(torch.tensor(rng.standard_normal(3)))
    conv = _copy_state(getattr(pt.nn, cls)(2, 3, 3, bias=bias).to(dtype), tconv).eval()
    bn = _copy_state(pt.nn.BatchNorm2d(3, affine=affine).to(dtype), tbn).eval()
    fused, tfused = U.fuse_conv_bn_eval(conv, bn, transpose), TU.fuse_conv_bn_eval(tconv, tbn, transpose)
    assert fused is not conv and isinstance(fused.weight, pt.nn.Parameter) and isinstance(fused.bias, pt.nn.Parameter)
    assert fused.weight.dtype == dtype and fused.bias.requires_grad == tfused.bias.requires_grad
    np.testing.assert_allclose(_np(fused.weight), _np(tfused.weight), rtol=tol, atol=tol)
    np.testing.assert_allclose(_np(fused.bias), _np(tfused.bias), rtol=tol, atol=tol)
    x = pt.tensor(rng.standard_normal((2, 2, 5, 5)), dtype=dtype)
    np.testing.assert_allclose(_np(fused(x)), _np(bn(conv(x))), rtol=tol * 100, atol=tol * 10)
    assert conv.bias is None if not bias else conv.bias is not fused.bias


@pytest.mark.parametrize("dtype,tdtype,tol", DTYPES)
@pytest.mark.parametrize("nf", [4, 1])
def test_fuse_linear_bn_matches_torch(dtype, tdtype, tol, nf):
    rng = np.random.default_rng(9)
    torch.manual_seed(3)
    tlin = torch.nn.Linear(3, 4).to(tdtype).eval()
    tbn = torch.nn.BatchNorm1d(nf).to(tdtype).eval()
    with torch.no_grad():
        tbn.running_mean.copy_(torch.tensor(rng.standard_normal(nf)))
        tbn.running_var.copy_(torch.tensor(rng.uniform(0.5, 2, nf)))
        tbn.weight.copy_(torch.tensor(rng.standard_normal(nf)))
    lin = _copy_state(pt.nn.Linear(3, 4).to(dtype), tlin).eval()
    bn = _copy_state(pt.nn.BatchNorm1d(nf).to(dtype), tbn).eval()
    fused, tfused = U.fuse_linear_bn_eval(lin, bn), TU.fuse_linear_bn_eval(tlin, tbn)
    np.testing.assert_allclose(_np(fused.weight), _np(tfused.weight), rtol=tol, atol=tol)
    np.testing.assert_allclose(_np(fused.bias), _np(tfused.bias), rtol=tol, atol=tol)
    if nf == 4:
        x = pt.tensor(rng.standard_normal((5, 3)), dtype=dtype)
        np.testing.assert_allclose(_np(fused(x)), _np(bn(lin(x))), rtol=tol * 100, atol=tol * 10)
    w, b = U.fuse_linear_bn_weights(lin.weight, None, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias)
    tw, tb = TU.fuse_linear_bn_weights(tlin.weight, None, tbn.running_mean, tbn.running_var, tbn.eps, tbn.weight,
                                       tbn.bias)
    np.testing.assert_allclose(_np(b), _np(tb), rtol=tol, atol=tol)
    assert not b.requires_grad and w.requires_grad == tw.requires_grad


def test_fusion_errors():
    conv, bn = pt.nn.Conv2d(2, 3, 1), pt.nn.BatchNorm2d(3)
    with pytest.raises(AssertionError, match="Fusion only for eval!"):
        U.fuse_conv_bn_eval(conv, bn)
    with pytest.raises(AssertionError, match="linear.out_features=4 and bn.num_features=3"):
        U.fuse_linear_bn_eval(pt.nn.Linear(2, 4).eval(), pt.nn.BatchNorm1d(3).eval())
    with pytest.raises(AssertionError, match="running"):
        U.fuse_conv_bn_eval(conv.eval(), pt.nn.BatchNorm2d(3, track_running_stats=False).eval())


def test_fuse_conv_bn_weights_returns_leaves():
    rng = np.random.default_rng(10)
    w, b, rm = (pt.tensor(rng.standard_normal(s), requires_grad=True) for s in [(3, 2, 2), (3,), (3,)])
    fw, fb = U.fuse_conv_bn_weights(w, b, rm, pt.ones(3, dtype=pt.float64), 1e-5, None, None)
    assert fw.is_leaf and fb.is_leaf and fw.requires_grad and fb.requires_grad  # new Parameters, as torch
    np.testing.assert_allclose(_np(fb), (_np(b) - _np(rm)) / math.sqrt(1 + 1e-5), rtol=1e-12)


# ---------------------------------------------------------------------------------------------- misc
def test_memory_format_is_identity():
    m = pt.nn.Sequential(pt.nn.Conv2d(1, 2, 3))
    w = m[0].weight
    assert U.convert_conv2d_weight_memory_format(m, pt.channels_last) is m and m[0].weight is w
    assert U.convert_conv3d_weight_memory_format(m, pt.contiguous_format) is m
    with pytest.raises(TypeError, match="memory_format"):
        U.convert_conv2d_weight_memory_format(m, "channels_last")


def test_skip_init():
    m = U.skip_init(pt.nn.Linear, 3, 4, bias=True, dtype=pt.float64)
    assert isinstance(m, pt.nn.Linear) and m.weight.shape == (4, 3) and m.weight.dtype == pt.float64
    assert isinstance(m.weight, pt.nn.Parameter) and m.weight.requires_grad
    with pytest.raises(RuntimeError, match="Module must support a 'device' arg to skip initialization"):
        U.skip_init(pt.nn.ReLU)
    with pytest.raises(RuntimeError, match="Expected a Module"):
        U.skip_init(int)


# ---------------------------------------------------------------------------------------------- nn.init
@pytest.mark.parametrize("shape,groups", [((4, 2, 3), 1), ((4, 2, 3), 2), ((3, 5, 3, 3), 1), ((6, 2, 3, 2, 4), 3),
                                          ((2, 4, 1), 1)])
def test_dirac_matches_torch(shape, groups):
    out = pt.nn.init.dirac_(pt.empty(*shape), groups=groups)
    np.testing.assert_array_equal(_np(out), _np(torch.nn.init.dirac_(torch.empty(*shape), groups=groups)))
    if len(shape) == 4 and groups == 1:  # acts as the identity on the first min(C_out, C_in) channels
        x = pt.randn(1, shape[1], 5, 5)
        y = pt.nn.functional.conv2d(x, out, padding=1)
        np.testing.assert_allclose(_np(y), _np(x)[:, :shape[0]], rtol=1e-6)


def test_dirac_errors():
    with pytest.raises(ValueError, match="Only tensors with 3, 4, or 5 dimensions are supported"):
        pt.nn.init.dirac_(pt.empty(2, 2))
    with pytest.raises(ValueError, match="dim 0 must be divisible by groups"):
        pt.nn.init.dirac_(pt.empty(3, 2, 3), groups=2)


@pytest.mark.parametrize("old,args,check", [
    ("constant", (0.5,), lambda a: np.all(a == 0.5)),
    ("eye", (), lambda a: np.array_equal(a, np.eye(4, 6))),
    ("uniform", (-0.25, 0.25), lambda a: np.all(np.abs(a) <= 0.25) and a.std() > 0),
    ("normal", (10.0, 0.1), lambda a: abs(a.mean() - 10) < 0.1),
    ("xavier_uniform", (), lambda a: np.all(np.abs(a) <= math.sqrt(6 / 10))),
    ("xavier_normal", (), lambda a: a.std() > 0),
    ("kaiming_uniform", (), lambda a: np.all(np.abs(a) <= math.sqrt(6 / 6))),
    ("kaiming_normal", (), lambda a: a.std() > 0),
    ("orthogonal", (), lambda a: np.allclose(a @ a.T, np.eye(4), atol=1e-5)),
])
def test_deprecated_init_aliases(old, args, check):
    t = pt.empty(4, 6)
    with pytest.warns(FutureWarning, match=f"`nn.init.{old}` is now deprecated in favor of `nn.init.{old}_`"):
        out = getattr(pt.nn.init, old)(t, *args)
    assert out is t and check(t.numpy())
    assert getattr(pt.nn.init, old).__name__ == old
    with pytest.warns(FutureWarning, match="dirac"):
        pt.nn.init.dirac(pt.empty(2, 2, 3))


# ---------------------------------------------------------------------------------------------- parametrize
P = U.parametrize
TP = torch.nn.utils.parametrize


def _sym_cls(lib):
    class Sym(lib.nn.Module):
        def forward(self, X):
            return X.triu() + X.triu(1).mT

    return Sym


def _scale_cls(lib):
    class Scale(lib.nn.Module):
        def forward(self, X):
            return 2 * X

        def right_inverse(self, X):
            return X / 2

    return Scale


def _split_cls(lib):
    class Split(lib.nn.Module):
        def forward(self, a, b):
            return a + 3 * b

        def right_inverse(self, X):
            return X / 4, X / 4

    return Split


def _pair(make):
    torch.manual_seed(4)
    tm = make(torch).double()
    return _copy_state(make(pt).double(), tm), tm


def test_register_parametrization_matches_torch():
    m, tm = _pair(lambda lib: lib.nn.Linear(3, 3))
    assert P.register_parametrization(m, "weight", _sym_cls(pt)()) is m
    TP.register_parametrization(tm, "weight", _sym_cls(torch)())
    P.register_parametrization(m, "weight", _scale_cls(pt)())
    TP.register_parametrization(tm, "weight", _scale_cls(torch)())
    assert type(m).__name__ == type(tm).__name__ == "ParametrizedLinear"
    assert P.type_before_parametrizations(m) is pt.nn.Linear and type(m).__bases__[0] is pt.nn.Linear
    assert list(m.state_dict()) == list(tm.state_dict())
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in tm.named_parameters()]
    assert P.is_parametrized(m) and P.is_parametrized(m, "weight") and not P.is_parametrized(m, "bias")
    assert not P.is_parametrized(pt.nn.Linear(2, 2))
    np.testing.assert_allclose(_np(m.weight), _np(tm.weight), rtol=1e-12)
    x = np.random.default_rng(11).standard_normal((4, 3))
    y, ty = m(pt.tensor(x)), tm(torch.tensor(x))
    np.testing.assert_allclose(_np(y), _np(ty), rtol=1e-12)
    y.pow(2).sum().backward()
    ty.pow(2).sum().backward()
    for (n, p), (_, tp) in zip(m.named_parameters(), tm.named_parameters()):
        np.testing.assert_allclose(_np(p.grad), _np(tp.grad), rtol=1e-10, err_msg=n)
    with pytest.raises(RuntimeError, match="parametrization Sym does not implement right_inverse"):
        m.weight = pt.eye(3, dtype=pt.float64)
    with pytest.raises(KeyError, match="attribute 'weight' already exists"):
        m.weight = pt.nn.Parameter(pt.eye(3, dtype=pt.float64))
    with P.cached():
        assert m.weight is m.weight
    assert m.weight is not m.weight
    orig = m.parametrizations.weight.original
    assert P.remove_parametrizations(m, "weight") is m
    TP.remove_parametrizations(tm, "weight")
    assert type(m) is pt.nn.Linear and list(m.state_dict()) == list(tm.state_dict())
    assert m.weight is orig and isinstance(m.weight, pt.nn.Parameter)  # same Parameter object, new value
    np.testing.assert_allclose(_np(m.weight), _np(tm.weight), rtol=1e-12)


def test_parametrization_right_inverse_and_sequences():
    m, tm = _pair(lambda lib: lib.nn.Linear(3, 2))
    P.register_parametrization(m, "weight", _split_cls(pt)())
    TP.register_parametrization(tm, "weight", _split_cls(torch)())
    assert list(m.state_dict()) == list(tm.state_dict())
    for k in ("original0", "original1"):
        np.testing.assert_allclose(_np(getattr(m.parametrizations.weight, k)),
                                   _np(getattr(tm.parametrizations.weight, k)), rtol=1e-12)
    target = np.arange(6.0).reshape(2, 3)
    m.weight = pt.tensor(target)
    tm.weight = torch.tensor(target)
    np.testing.assert_allclose(_np(m.weight), target, rtol=1e-12)
    np.testing.assert_allclose(_np(m.parametrizations.weight.original1), _np(tm.parametrizations.weight.original1))
    with pytest.raises(ValueError, match="Cannot leave unparametrized"):
        P.remove_parametrizations(m, "weight", leave_parametrized=False)
    P.remove_parametrizations(m, "weight")
    TP.remove_parametrizations(tm, "weight")
    assert isinstance(m.weight, pt.nn.Parameter) and list(m.state_dict()) == list(tm.state_dict())
    np.testing.assert_allclose(_np(m.weight), target, rtol=1e-12)

    b = pt.nn.Linear(2, 2)
    b.register_buffer("scale", pt.ones(2))
    P.register_parametrization(b, "scale", _scale_cls(pt)())
    assert "parametrizations.scale.original" in b.state_dict() and not isinstance(b.scale, pt.nn.Parameter)
    b.scale = pt.tensor([4.0, 6.0])
    np.testing.assert_allclose(b.parametrizations.scale.original.numpy(), [2.0, 3.0])
    P.remove_parametrizations(b, "scale", leave_parametrized=False)
    np.testing.assert_allclose(b.scale.numpy(), [2.0, 3.0])
    assert type(b) is pt.nn.Linear


def test_parametrize_errors_and_copy():
    import copy as _copy

    class Row(pt.nn.Module):
        def forward(self, X):
            return X[0]

    class Dbl(pt.nn.Module):
        def forward(self, X):
            return X.double()

    with pytest.raises(ValueError, match="may not change the shape of the tensor, unless `unsafe`"):
        P.register_parametrization(pt.nn.Linear(3, 3), "weight", Row())
    with pytest.raises(ValueError, match="may not change the dtype of the tensor, unless `unsafe`"):
        P.register_parametrization(pt.nn.Linear(3, 3), "weight", Dbl())
    m = P.register_parametrization(pt.nn.Linear(3, 3), "weight", _sym_cls(pt)())
    with pytest.raises(ValueError, match="shape of the tensor, unless the `unsafe` flag"):
        P.register_parametrization(m, "weight", Row())
    with pytest.raises(ValueError, match="does not have a parameter, a buffer, or a parametrized element with "
                                         "name 'foo'"):
        P.register_parametrization(m, "foo", Row())
    with pytest.raises(ValueError, match="does not have a parametrization on bias"):
        P.remove_parametrizations(m, "bias")
    P.register_parametrization(m, "weight", Row(), unsafe=True)
    assert m.weight.shape == (3,)
    c = _copy.deepcopy(m)
    assert type(c).__name__ == "ParametrizedLinear" and c.parametrizations.weight.original is not \
        m.parametrizations.weight.original
    np.testing.assert_array_equal(_np(c.weight), _np(m.weight))
    n = pt.nn.Linear(3, 3)
    P.transfer_parametrizations_and_params(m, n, "weight")
    np.testing.assert_array_equal(_np(n.weight), _np(m.weight))
    assert type(n).__name__ == "ParametrizedLinear"


# ---------------------------------------------------------------------------------------------- parametrizations
PP = U.parametrizations
TPP = torch.nn.utils.parametrizations


@pytest.mark.parametrize("omap,shape,triv", [
    (omap, shape, triv) for omap in ["matrix_exp", "cayley", "householder", None]
    for shape in [(3, 3), (5, 3), (3, 5)] for triv in [True, False]
    if triv or shape == (3, 3) or omap in ("householder", None)])
def test_orthogonal_matches_torch(omap, shape, triv):
    m, tm = _pair(lambda lib: lib.nn.Linear(shape[1], shape[0]))
    PP.orthogonal(m, orthogonal_map=omap, use_trivialization=triv)
    TPP.orthogonal(tm, orthogonal_map=omap, use_trivialization=triv)
    assert list(m.state_dict()) == list(tm.state_dict())
    _copy_state(m, tm)  # non-square bases are completed with random columns: take torch's
    w = m.weight
    np.testing.assert_allclose(_np(w), _np(tm.weight), rtol=1e-9, atol=1e-12)
    q = _np(w) if shape[0] >= shape[1] else _np(w).T
    np.testing.assert_allclose(q.T @ q, np.eye(min(shape)), atol=1e-12)
    rng = np.random.default_rng(12)
    x = rng.standard_normal(shape) * 0.3
    with pt.no_grad():
        m.parametrizations.weight.original.copy_(pt.tensor(x))
    with torch.no_grad():
        tm.parametrizations.weight.original.copy_(torch.tensor(x))
    np.testing.assert_allclose(_np(m.weight), _np(tm.weight), rtol=1e-9, atol=1e-12)
    inp = rng.standard_normal((2, shape[1]))
    y, ty = m(pt.tensor(inp)), tm(torch.tensor(inp))
    y.pow(3).sum().backward()
    ty.pow(3).sum().backward()
    np.testing.assert_allclose(_np(m.parametrizations.weight.original.grad),
                               _np(tm.parametrizations.weight.original.grad), rtol=1e-8, atol=1e-10)
    if triv or omap in ("householder", None) and shape != (3, 3):
        target = _np(tm.weight)
        m.weight = pt.tensor(target)
        np.testing.assert_allclose(_np(m.weight), target, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("omap", ["matrix_exp", "cayley", "householder"])
def test_orthogonal_map_gradients(omap):
    orth = PP._Orthogonal(pt.zeros(4, 3, dtype=pt.float64), PP._OrthMaps[omap], use_trivialization=False)
    x = pt.tensor(np.random.default_rng(13).standard_normal((4, 3)) * 0.5, requires_grad=True)
    check_grads(orth, (x,))


def test_orthogonal_errors():
    with pytest.raises(ValueError, match="Expected a matrix or batch of matrices. Got a tensor of 1 dimensions"):
        PP.orthogonal(pt.nn.Linear(2, 2), "bias")
    with pytest.raises(ValueError, match='orthogonal_map has to be one of "matrix_exp", "cayley", "householder"'):
        PP.orthogonal(pt.nn.Linear(2, 2), orthogonal_map="svd")
    with pytest.raises(ValueError, match="has no parameter or buffer with name 'w'"):
        PP.orthogonal(pt.nn.Linear(2, 2), "w")
    m = PP.orthogonal(pt.nn.Linear(2, 2), orthogonal_map="cayley", use_trivialization=False)
    with pytest.raises(NotImplementedError, match="not possible to assign"):
        m.weight = pt.eye(2)
    m = PP.orthogonal(pt.nn.Linear(2, 2))
    with pytest.raises(ValueError, match="Expected a matrix or batch of matrices of shape"):
        m.parametrizations.weight[0].right_inverse(pt.eye(3))


@pytest.mark.parametrize("dim", [0, 1, None])
def test_weight_norm_parametrization_matches_torch(dim):
    m, tm = _pair(lambda lib: lib.nn.Conv1d(2, 3, 2))
    PP.weight_norm(m, dim=dim)
    TPP.weight_norm(tm, dim=dim)
    assert list(m.state_dict()) == list(tm.state_dict())
    for k in ("original0", "original1"):
        np.testing.assert_allclose(_np(getattr(m.parametrizations.weight, k)),
                                   _np(getattr(tm.parametrizations.weight, k)), rtol=1e-12)
    with pt.no_grad():
        m.parametrizations.weight.original0.mul_(0.5)
    with torch.no_grad():
        tm.parametrizations.weight.original0.mul_(0.5)
    x = np.random.default_rng(14).standard_normal((2, 2, 5))
    y, ty = m(pt.tensor(x)), tm(torch.tensor(x))
    np.testing.assert_allclose(_np(y), _np(ty), rtol=1e-10, atol=1e-12)
    y.pow(2).sum().backward()
    ty.pow(2).sum().backward()
    for (n, p), (_, tp) in zip(m.named_parameters(), tm.named_parameters()):
        np.testing.assert_allclose(_np(p.grad), _np(tp.grad), rtol=1e-9, atol=1e-12, err_msg=n)
    wn = m.parametrizations.weight[0]
    g, v = (pt.tensor(_np(t), requires_grad=True) for t in (tm.parametrizations.weight.original0,
                                                             tm.parametrizations.weight.original1))
    check_grads(wn, (g, v))


@pytest.mark.parametrize("dtype,tdtype,tol", DTYPES)
@pytest.mark.parametrize("make,xshape,name", [
    (lambda lib: lib.nn.Linear(4, 3), (2, 4), "weight"),
    (lambda lib: lib.nn.ConvTranspose1d(2, 3, 2), (1, 2, 4), "weight"),
    (lambda lib: lib.nn.Linear(4, 3), (2, 4), "bias"),
])
def test_spectral_norm_parametrization_matches_torch(dtype, tdtype, tol, make, xshape, name):
    torch.manual_seed(5)
    tm = make(torch).to(tdtype)
    m = _copy_state(make(pt).to(dtype), tm)
    PP.spectral_norm(m, name, n_power_iterations=2)
    TPP.spectral_norm(tm, name, n_power_iterations=2)
    assert list(m.state_dict()) == list(tm.state_dict())
    _copy_state(m, tm)
    x = np.random.default_rng(15).standard_normal(xshape)
    for mode in ("train", "train", "eval"):
        getattr(m, mode)()
        getattr(tm, mode)()
        y, ty = m(pt.tensor(x, dtype=dtype)), tm(torch.tensor(x, dtype=tdtype))
        np.testing.assert_allclose(_np(y), _np(ty), rtol=tol * 10, atol=tol)
    for k, v in tm.state_dict().items():
        np.testing.assert_allclose(_np(m.state_dict()[k]), _np(v), rtol=tol * 10, atol=tol, err_msg=k)
    y.pow(2).sum().backward()
    ty.pow(2).sum().backward()
    g = getattr(m.parametrizations, name).original.grad
    np.testing.assert_allclose(_np(g), _np(getattr(tm.parametrizations, name).original.grad), rtol=tol * 100,
                               atol=tol * 10)
    sn = getattr(m.parametrizations, name)[0]
    if dtype == pt.float64:
        check_grads(sn, (pt.tensor(_np(getattr(tm.parametrizations, name).original), requires_grad=True),))


def test_spectral_norm_parametrization_init_and_errors():
    m = PP.spectral_norm(pt.nn.Linear(5, 4).double())
    w = m.weight
    assert abs(np.linalg.svd(_np(w), compute_uv=False)[0] - 1) < 1e-3  # 15 warm-up iterations at registration
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-2, 1\] but got 2\)"):
        PP.spectral_norm(pt.nn.Linear(2, 2), dim=2)
    with pytest.raises(ValueError, match="Expected n_power_iterations to be positive"):
        PP.spectral_norm(pt.nn.Linear(2, 2), n_power_iterations=0)
    with pytest.raises(ValueError, match="has no parameter or buffer with name 'w'"):
        PP.spectral_norm(pt.nn.Linear(2, 2), "w")
    ct = PP.spectral_norm(pt.nn.ConvTranspose2d(2, 3, 3))
    assert ct.parametrizations.weight[0]._u.shape == (3,)


@pytest.mark.parametrize("sparsity", [0.0, 0.3, 1.0])
def test_sparse_init(sparsity):
    rows, cols, std = 40, 50, 0.5
    t = pt.nn.init.sparse_(pt.empty(rows, cols, dtype=pt.float64), sparsity, std=std)
    a = t.numpy()
    np.testing.assert_array_equal((a == 0).sum(0), np.full(cols, math.ceil(sparsity * rows)))
    nz = a[a != 0]
    if nz.size:
        # sample variance of n normals: standard error std^2 * sqrt(2 / n)
        assert abs(nz.var() - std ** 2) < 5 * std ** 2 * math.sqrt(2 / nz.size)
    tt = torch.nn.init.sparse_(torch.empty(rows, cols), sparsity, std=std)
    np.testing.assert_array_equal((_np(tt) == 0).sum(0), (a == 0).sum(0))
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        pt.nn.init.sparse_(pt.empty(3), 0.1)
    with pytest.warns(FutureWarning, match="`nn.init.sparse` is now deprecated in favor of `nn.init.sparse_`"):
        pt.nn.init.sparse(pt.empty(3, 3), 0.1)


# ---------------------------------------------------------------------------------------------- stateless
def test_functional_call_matches_torch():
    S, TS = U.stateless, torch.nn.utils.stateless

    def make(lib):
        return lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.BatchNorm1d(4), lib.nn.Tanh(), lib.nn.Linear(4, 2))

    m, tm = _pair(make)
    rng = np.random.default_rng(16)
    new = {k: rng.standard_normal(tuple(v.shape)) for k, v in tm.state_dict().items() if v.is_floating_point()}
    mine = {k: pt.tensor(v, requires_grad="running" not in k) for k, v in new.items()}
    theirs = {k: torch.tensor(v, requires_grad="running" not in k) for k, v in new.items()}
    theirs["1.running_var"].abs_()
    mine["1.running_var"].abs_()
    before = {k: _np(v).copy() for k, v in m.state_dict().items()}
    x = rng.standard_normal((5, 3))
    with pytest.warns(FutureWarning, match="torch.func.functional_call"):
        y = S.functional_call(m, mine, (pt.tensor(x),))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        ty = TS.functional_call(tm, theirs, (torch.tensor(x),))
    np.testing.assert_allclose(_np(y), _np(ty), rtol=1e-10)
    y.pow(2).sum().backward()
    ty.pow(2).sum().backward()
    for k in mine:
        if "running" in k:  # the given buffers receive the in-place running-stat updates
            np.testing.assert_allclose(_np(mine[k]), _np(theirs[k]), rtol=1e-10, err_msg=k)
        else:
            np.testing.assert_allclose(_np(mine[k].grad), _np(theirs[k].grad), rtol=1e-9, atol=1e-12, err_msg=k)
    for k, v in m.state_dict().items():  # the module's own tensors are back and untouched
        if "num_batches" not in k:
            np.testing.assert_array_equal(_np(v), before[k], err_msg=k)
    assert isinstance(m[0].weight, pt.nn.Parameter) and all(p.grad is None for p in m.parameters())


def test_functional_call_ties_and_strict():
    S = U.stateless
    m = pt.nn.Sequential(pt.nn.Linear(2, 2, bias=False), pt.nn.Linear(2, 2, bias=False)).double()
    m[1].weight = m[0].weight
    x = pt.tensor([[1.0, 2.0]], dtype=pt.float64)
    w = pt.tensor([[2.0, 0.0], [0.0, 3.0]], dtype=pt.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        np.testing.assert_allclose(_np(S.functional_call(m, {"0.weight": w}, x)), [[4.0, 18.0]])
        untied = S.functional_call(m, {"0.weight": w}, x, tie_weights=False)
        np.testing.assert_allclose(_np(untied), _np(x @ w.T @ m[0].weight.T))
        with pytest.raises(ValueError, match="which are tied"):
            S.functional_call(m, {"0.weight": w, "1.weight": w.clone()}, x)
        with pytest.raises(RuntimeError, match=r"Error\(s\) in reparametrizing for Sequential:\n\tUnexpected "
                                               r"key\(s\): 'foo'"):
            S.functional_call(m, {"0.weight": w, "foo": w}, x, strict=True)
        lin = pt.nn.Linear(2, 3)
        with pytest.raises(RuntimeError, match=r"Missing key\(s\): 'bias'"):
            S.functional_call(lin, {"weight": pt.zeros(3, 2)}, (x.float(),), strict=True)
        S.functional_call(lin, {"extra": pt.ones(1)}, (x.float(),), kwargs={})
        assert not hasattr(lin, "extra")


def test_weight_and_spectral_norm_reject_lazy_parameters():
    with pytest.raises(ValueError, match="`WeightNorm` can't have uninitialized parameters"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            U.weight_norm(pt.nn.LazyLinear(3))
    with pytest.raises(ValueError, match="`SpectralNorm` can't have uninitialized parameters"):
        U.spectral_norm(pt.nn.LazyLinear(3))
