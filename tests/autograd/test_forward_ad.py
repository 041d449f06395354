"""Forward-mode AD: the dual-tensor API, tangents of every primitive family against torch's forward AD, the generic
double-vjp fallback against the specific rules, differentiable tangents, forward-over-reverse, in-place writes."""
import numpy as np
import pytest

import probtorch
from probtorch.autograd import forward_ad as fw
from probtorch.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")
tfw = torch.autograd.forward_ad


def _spd(rng, n=3):
    a = rng.standard_normal((n, n))
    return a @ a.T + n * np.eye(n)


# name, fn(m, *xs), sample(rng) -> list of float64 arrays
CASES = [
    # elementwise with partials
    ("exp", lambda m, x: x.exp(), lambda r: [r.standard_normal((2, 3))]),
    ("sin_tanh", lambda m, x: x.sin() * x.tanh(), lambda r: [r.standard_normal((2, 3))]),
    ("sigmoid_erf", lambda m, x: m.sigmoid(x) + m.erf(x), lambda r: [r.standard_normal(4)]),
    ("lgamma_digamma", lambda m, x: m.lgamma(x) + m.digamma(x), lambda r: [r.uniform(0.5, 3, 4)]),
    ("abs_rsqrt", lambda m, x: x.abs().rsqrt(), lambda r: [r.uniform(0.5, 2, 4) * r.choice([-1, 1], 4)]),
    ("logaddexp", lambda m, x, y: m.logaddexp(x, y), lambda r: [r.standard_normal((2, 3)), r.standard_normal(3)]),
    ("maximum", lambda m, x, y: m.maximum(x, y), lambda r: [r.standard_normal(5), r.standard_normal(5)]),
    # elementwise with a vjp only (diagonal Jacobian path)
    ("log_sqrt", lambda m, x: x.log() + x.sqrt(), lambda r: [r.uniform(0.5, 2, (2, 2))]),
    ("log1p_atan", lambda m, x: x.log1p() * x.atan(), lambda r: [r.uniform(0.1, 2, 5)]),
    ("atanh_logit", lambda m, x: x.atanh() + m.logit(x), lambda r: [r.uniform(0.1, 0.9, 5)]),
    ("add_alpha", lambda m, x, y: m.add(x, y, alpha=2.5), lambda r: [r.standard_normal((2, 3)),
                                                                     r.standard_normal((1, 3))]),
    ("sub_mul_div", lambda m, x, y: (x - y) * x / y, lambda r: [r.standard_normal((2, 3)), r.uniform(1, 2, 3)]),
    ("pow_tensor", lambda m, x, y: x ** y, lambda r: [r.uniform(0.5, 2, 4), r.standard_normal(4)]),
    ("pow_scalar", lambda m, x: x ** 3 + 2 ** x, lambda r: [r.standard_normal(4)]),
    ("atan2_hypot", lambda m, x, y: m.atan2(x, y) + m.hypot(x, y), lambda r: [r.standard_normal(4),
                                                                               r.standard_normal(4)]),
    ("xlogy", lambda m, x, y: m.xlogy(x, y), lambda r: [r.standard_normal(4), r.uniform(0.5, 2, 4)]),
    ("where", lambda m, x, y: m.where(x > 0, x, y), lambda r: [r.standard_normal((2, 3)), r.standard_normal(3)]),
    ("clamp_tensor", lambda m, x, lo, hi: m.clamp(x, lo, hi),
     lambda r: [r.standard_normal(6), r.uniform(-1, -0.5, 6), r.uniform(0.5, 1, 6)]),
    ("clamp_scalar", lambda m, x: x.clamp(-0.5, 0.5), lambda r: [r.standard_normal(6)]),
    # reductions and scans
    ("sum_mean", lambda m, x: x.sum(1) + x.mean(0).sum(), lambda r: [r.standard_normal((3, 4))]),
    ("prod", lambda m, x: x.prod(1), lambda r: [r.standard_normal((3, 4))]),
    ("prod_all", lambda m, x: x.prod(), lambda r: [r.standard_normal(5)]),
    ("amax", lambda m, x: x.amax(1), lambda r: [r.standard_normal((3, 4))]),
    ("logsumexp", lambda m, x: x.logsumexp(0), lambda r: [r.standard_normal((3, 4))]),
    ("cumsum_cumprod", lambda m, x: x.cumsum(0) + x.cumprod(1), lambda r: [r.standard_normal((3, 4))]),
    ("norms", lambda m, x: m.linalg.vector_norm(x, dim=1) + m.linalg.vector_norm(x, ord=3),
     lambda r: [r.standard_normal((3, 4))]),
    ("var_std", lambda m, x: x.var(0) + x.std(1).sum(), lambda r: [r.standard_normal((3, 4))]),
    # movement and indexing
    ("reshape_permute", lambda m, x: x.reshape(4, 3).t().permute(1, 0) * 2, lambda r: [r.standard_normal((3, 4))]),
    ("expand_flip_roll", lambda m, x: x.expand(2, 3, 4).flip(0).roll(1, 2), lambda r: [r.standard_normal((3, 4))]),
    ("cat_stack", lambda m, x, y: m.cat([x, y]) + m.stack([x, y]).sum(0).repeat(2, 1),
     lambda r: [r.standard_normal((2, 3)), r.standard_normal((2, 3))]),
    ("index_basic", lambda m, x: x[1:, ::2] + x[0, 1], lambda r: [r.standard_normal((3, 4))]),
    ("index_advanced", lambda m, x: x[[0, 2, 2], [1, 1, 3]], lambda r: [r.standard_normal((3, 4))]),
    ("gather_index_select", lambda m, x: x.gather(1, m.tensor([[0, 0], [1, 3], [2, 2]])) +
     x.index_select(1, m.tensor([3, 0])), lambda r: [r.standard_normal((3, 4))]),
    ("tril_diagonal", lambda m, x: x.tril() + x.diagonal().sum(), lambda r: [r.standard_normal((3, 3))]),
    ("pad_value", lambda m, x: m.nn.functional.pad(x, (1, 2), value=3.0), lambda r: [r.standard_normal((2, 3))]),
    ("narrow_unbind", lambda m, x: x.narrow(1, 1, 2) * x.unbind(1)[0].unsqueeze(1),
     lambda r: [r.standard_normal((3, 4))]),
    ("to_float32", lambda m, x: (x.to(m.float32) * 2).to(m.float64), lambda r: [r.standard_normal(3)]),
    # linear algebra: matmul has a jvp, the factorizations go through the double-vjp fallback
    ("matmul", lambda m, a, b: a @ b, lambda r: [r.standard_normal((2, 3, 4)), r.standard_normal((4, 2))]),
    ("matvec", lambda m, a, b: a @ b, lambda r: [r.standard_normal((3, 4)), r.standard_normal(4)]),
    ("inv_det", lambda m, a: m.linalg.inv(a) * m.linalg.det(a), lambda r: [r.standard_normal((3, 3)) + 3 * np.eye(3)]),
    ("cholesky", lambda m, a: m.linalg.cholesky(a), lambda r: [_spd(r)]),
    ("solve", lambda m, a, b: m.linalg.solve(a, b), lambda r: [r.standard_normal((3, 3)) + 3 * np.eye(3),
                                                             r.standard_normal((3, 2))]),
    ("eigvalsh_slogdet", lambda m, a: m.linalg.eigvalsh(a).sum() + m.linalg.slogdet(a)[1], lambda r: [_spd(r)]),
    # composed nn functions
    ("softmax_logsoftmax", lambda m, x: m.nn.functional.softmax(x, dim=1) + m.nn.functional.log_softmax(x, dim=0),
     lambda r: [r.standard_normal((3, 4))]),
    ("softplus_gelu", lambda m, x: m.nn.functional.softplus(x) + m.nn.functional.gelu(x),
     lambda r: [r.standard_normal(5)]),
    ("mlp", lambda m, x, w, b: (x @ w + b).tanh().sum(1),
     lambda r: [r.standard_normal((2, 4)), r.standard_normal((4, 3)), r.standard_normal(3)]),
]
IDS = [c[0] for c in CASES]
SYMMETRIC = ("cholesky", "eigvalsh_slogdet")


def _sample(case, seed=0):
    rng = np.random.default_rng(seed)
    xs = case[2](rng)
    vs = [rng.standard_normal(x.shape) for x in xs]
    if case[0] in SYMMETRIC:  # these functions read a symmetric input: tangents stay in that space
        vs = [v + v.T for v in vs]
    return xs, vs


def _as_tuple(out):
    return out if isinstance(out, tuple) else (out,)


def _pt_tangents(fn, xs, vs, requires_grad=False):
    with fw.dual_level():
        duals = [fw.make_dual(probtorch.tensor(x, requires_grad=requires_grad), probtorch.tensor(v))
                 for x, v in zip(xs, vs)]
        outs = _as_tuple(fn(probtorch, *duals))
        return [(o.detach().numpy(), None if fw.unpack_dual(o).tangent is None else
                 fw.unpack_dual(o).tangent.detach().numpy()) for o in outs]


def _torch_tangents(fn, xs, vs):
    with tfw.dual_level():
        duals = [tfw.make_dual(torch.tensor(x), torch.tensor(v)) for x, v in zip(xs, vs)]
        outs = _as_tuple(fn(torch, *duals))
        return [(o.detach().numpy(), tfw.unpack_dual(o).tangent.numpy()) for o in outs]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_tangents_match_torch(case):
    xs, vs = _sample(case)
    ours = _pt_tangents(case[1], xs, vs)
    theirs = _torch_tangents(case[1], xs, vs)
    for (p, t), (tp, tt) in zip(ours, theirs):
        np.testing.assert_allclose(p, tp, rtol=1e-10, atol=1e-10)
        assert t is not None
        np.testing.assert_allclose(t, tt, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_double_vjp_fallback_matches_the_rules(case, monkeypatch):
    """Every primitive through the generic J t = d<J^T g, t>/dg path gives the same tangents."""
    xs, vs = _sample(case, seed=1)
    ours = _pt_tangents(case[1], xs, vs)

    def fallback_only(prim, args, params, outs, tangents):
        if prim.vjp is None and prim.partials is None:  # a primitive with only a jvp
            return original(prim, args, params, outs, tangents)
        return fw._double_vjp(prim, args, params, outs, tangents)
    original = fw._output_tangents
    monkeypatch.setattr(fw, "_output_tangents", fallback_only)
    generic = _pt_tangents(case[1], xs, vs)
    for (p, t), (gp, gt) in zip(ours, generic):
        np.testing.assert_allclose(t, gt, rtol=1e-10, atol=1e-10)


DIFF_CASES = [c for c in CASES if c[0] in ("sin_tanh", "log_sqrt", "pow_tensor", "prod", "matmul", "inv_det",
                                          "index_advanced", "where", "mlp", "cumsum_cumprod")]


@pytest.mark.parametrize("case", DIFF_CASES, ids=[c[0] for c in DIFF_CASES])
def test_tangent_is_differentiable(case):
    """With recording on, the tangent is a differentiable function of the primal and of the tangent input."""
    xs, vs = _sample(case, seed=2)
    n = len(xs)

    def tangent_of(*args):
        with fw.dual_level():
            duals = [fw.make_dual(x, v) for x, v in zip(args[:n], args[n:])]
            outs = _as_tuple(case[1](probtorch, *duals))
            return tuple(fw.unpack_dual(o).tangent for o in outs)

    args = [probtorch.tensor(a, requires_grad=True) for a in xs + vs]
    assert gradcheck(tangent_of, args)
    if case[0] in ("sin_tanh", "matmul", "mlp"):
        assert gradgradcheck(tangent_of, args)


def test_tangent_not_recorded_under_no_grad():
    x = probtorch.randn(3, dtype=probtorch.float64, requires_grad=True)
    v = probtorch.randn(3, dtype=probtorch.float64, requires_grad=True)
    with fw.dual_level():
        d = fw.make_dual(x, v)
        assert fw.unpack_dual(d.sin()).tangent.requires_grad
        with probtorch.no_grad():
            t = fw.unpack_dual(d.sin()).tangent
        assert not t.requires_grad
        # nothing requires grad: the tangent carries no graph even though grad mode is on
        d2 = fw.make_dual(x.detach(), v.detach())
        for op in (lambda z: z.log1p(), lambda z: z ** z, lambda z: z.prod()):
            assert not fw.unpack_dual(op(d2.abs())).tangent.requires_grad


# ------------------------------------------------------------------------------------------------ the API
def test_make_and_unpack_dual():
    x = probtorch.randn(3)
    t = probtorch.randn(3)
    assert fw.unpack_dual(x) == (x, None)
    with fw.dual_level() as level:
        assert level == 0
        d = fw.make_dual(x, t)
        assert d._base is x and not d.requires_grad
        p, tan = fw.unpack_dual(d)
        assert tan is t
        assert p._base is x and fw.unpack_dual(p).tangent is None
        assert fw.unpack_dual(x).tangent is None
        assert isinstance(fw.unpack_dual(d), fw.UnpackedDualTensor)
        y = d.exp()
        assert fw.unpack_dual(y).primal.tolist() == x.exp().tolist()
        assert fw.unpack_dual(d.detach()).tangent is None
    # the level is closed: tangents are gone
    assert fw.unpack_dual(y).tangent is None
    assert fw.unpack_dual(d).tangent is None


def test_make_dual_keeps_the_graph_to_the_primal():
    x = probtorch.randn(3, dtype=probtorch.float64, requires_grad=True)
    with fw.dual_level():
        d = fw.make_dual(x, probtorch.ones(3, dtype=probtorch.float64))
        assert d.requires_grad and d.grad_fn is not None
        (d * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0]


def test_tangent_dtype_kept_like_torch():
    x, t = np.random.default_rng(0).standard_normal((2, 3))
    with fw.dual_level():
        d = fw.make_dual(probtorch.tensor(x, dtype=probtorch.float32), probtorch.tensor(t))
        assert fw.unpack_dual(d).tangent.dtype is probtorch.float64
    with tfw.dual_level():
        d = tfw.make_dual(torch.tensor(x, dtype=torch.float32), torch.tensor(t))
        assert tfw.unpack_dual(d).tangent.dtype is torch.float64


def test_api_errors_like_torch():
    x = probtorch.randn(3)
    with pytest.raises(RuntimeError, match="no level exists"):
        fw.make_dual(x, x)
    with pytest.raises(RuntimeError, match="Dual level must be"):
        fw.exit_dual_level()
    with fw.dual_level():
        with pytest.raises(RuntimeError, match="Nested forward mode AD is not supported"):
            fw.enter_dual_level()
        with pytest.raises(RuntimeError, match="different size.*size \\[3\\].*size \\[2\\]"):
            fw.make_dual(x, probtorch.randn(2))
        with pytest.raises(ValueError, match="Expected primal to be floating point or complex"):
            fw.make_dual(probtorch.arange(3), x)
        with pytest.raises(ValueError, match="Expected tangent to be floating point or complex"):
            fw.make_dual(x, probtorch.arange(3))
        d = fw.make_dual(x, x)
        with pytest.raises(RuntimeError, match="already has a forward gradient"):
            fw.make_dual(d, x)
    with pytest.raises(RuntimeError, match="not the last one"):
        fw.enter_dual_level()
        try:
            fw.exit_dual_level(level=1)
        finally:
            fw.exit_dual_level()
    tx = torch.randn(3)
    with tfw.dual_level():
        with pytest.raises(RuntimeError, match="Nested forward mode AD is not supported"):
            tfw.enter_dual_level()
        with pytest.raises(ValueError, match="Expected primal to be floating point or complex"):
            tfw.make_dual(torch.arange(3), tx)


def test_dual_level_as_decorator_and_reentry():
    @fw.dual_level()
    def f(x, v):
        return fw.unpack_dual(fw.make_dual(x, v).sin()).tangent

    x = probtorch.tensor([0.0, 1.0])
    assert f(x, probtorch.ones(2)).tolist() == x.cos().tolist()
    assert f(x, probtorch.ones(2)).tolist() == x.cos().tolist()  # the level was closed and can be opened again


def test_integer_and_comparison_outputs_have_no_tangent():
    with fw.dual_level():
        d = fw.make_dual(probtorch.tensor([1.0, -2.0]), probtorch.ones(2))
        assert fw.unpack_dual(d.argmax()).tangent is None
        assert fw.unpack_dual(d > 0).tangent is None
        assert fw.unpack_dual(d.floor()).tangent.tolist() == [0.0, 0.0]


# ------------------------------------------------------------------------------------------------ in-place writes
INPLACE = [
    ("mul_", lambda m, x: x.clone().mul_(2)),
    ("setitem_scalar", lambda m, x: _set(x.clone(), 1, 5.0)),
    ("setitem_tensor", lambda m, x: _set(m.zeros(4, dtype=x.dtype), slice(1, None), x[:3] * x[1:])),
    ("view_add_", lambda m, x: _view_add(m, x)),
    ("zero_", lambda m, x: x.clone().zero_() + x),
    ("exp_then_add_", lambda m, x: x.exp().add_(x)),
]


def _set(t, idx, v):
    t[idx] = v
    return t


def _view_add(m, x):
    z = m.zeros(2, 4, dtype=x.dtype)
    z[0].add_(x)
    z[1].mul_(3).add_(x.sin())
    return z


@pytest.mark.parametrize("case", INPLACE, ids=[c[0] for c in INPLACE])
def test_inplace_tangents_match_torch(case):
    rng = np.random.default_rng(5)
    x, v = rng.standard_normal(4), rng.standard_normal(4)
    (p, t), = _pt_tangents(case[1], [x], [v])
    (tp, tt), = _torch_tangents(case[1], [x], [v])
    np.testing.assert_allclose(p, tp)
    np.testing.assert_allclose(t, tt, rtol=1e-12, atol=1e-12)


# ------------------------------------------------------------------------------------------------ forward-over-reverse
def test_forward_over_reverse_hvp():
    rng = np.random.default_rng(6)
    x, v = rng.standard_normal(4), rng.standard_normal(4)

    def f(m, z):
        return (z.sin() * z.exp()).sum() + (z ** 3).prod() + m.logsumexp(z, 0)

    xp = probtorch.tensor(x, requires_grad=True)
    with fw.dual_level():
        d = fw.make_dual(xp, probtorch.tensor(v))
        (g,) = probtorch.autograd.grad(f(probtorch, d), xp)
        hv = fw.unpack_dual(g).tangent
    xt = torch.tensor(x, requires_grad=True)
    (gt,) = torch.autograd.grad(f(torch, xt), xt, create_graph=True)
    (hvt,) = torch.autograd.grad(gt, xt, torch.tensor(v))
    np.testing.assert_allclose(hv.numpy(), hvt.numpy(), rtol=1e-10)


# ------------------------------------------------------------------------------------------------ custom Functions
def _custom(lib, with_jvp, once=False):
    class Cube(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            ctx.save_for_backward(x, y)
            ctx.save_for_forward(x, y)
            return x * x * x * y

        @staticmethod
        def backward(ctx, g):
            x, y = ctx.saved_tensors
            return 3 * x * x * y * g, x * x * x * g

    class CubeJvp(Cube):
        @staticmethod
        def jvp(ctx, tx, ty):
            x, y = ctx.saved_tensors
            return 3 * x * x * y * tx + x * x * x * ty

    class CubeOnce(Cube):
        @staticmethod
        @(probtorch.autograd.function.once_differentiable if lib is probtorch else
          torch.autograd.function.once_differentiable)
        def backward(ctx, g):
            x, y = ctx.saved_tensors
            return 3 * x * x * y * g, x * x * x * g
    return CubeOnce if once else (CubeJvp if with_jvp else Cube)


def test_custom_function_jvp_like_torch():
    rng = np.random.default_rng(8)
    x, y, tx, ty = rng.standard_normal((4, 3))
    res = {}
    for lib, m in ((probtorch, fw), (torch, tfw)):
        fn = _custom(lib, True)
        with m.dual_level():
            out = fn.apply(m.make_dual(lib.tensor(x), lib.tensor(tx)), m.make_dual(lib.tensor(y), lib.tensor(ty)))
            res[lib.__name__] = m.unpack_dual(out).tangent.numpy()
    np.testing.assert_allclose(res["probtorch"], res["torch"], rtol=1e-12)
    np.testing.assert_allclose(res["probtorch"], 3 * x * x * y * tx + x ** 3 * ty, rtol=1e-12)


def test_custom_function_without_jvp_uses_its_backward():
    """torch refuses (no jvp); we use the double-vjp trick through the differentiable backward instead."""
    rng = np.random.default_rng(9)
    x, y, tx = rng.standard_normal((3, 3))
    with tfw.dual_level():
        with pytest.raises(NotImplementedError, match="jvp"):
            _custom(torch, False).apply(tfw.make_dual(torch.tensor(x), torch.tensor(tx)), torch.tensor(y))
    with fw.dual_level():
        out = _custom(probtorch, False).apply(fw.make_dual(probtorch.tensor(x), probtorch.tensor(tx)),
                                              probtorch.tensor(y))
        np.testing.assert_allclose(fw.unpack_dual(out).tangent.numpy(), 3 * x * x * y * tx, rtol=1e-12)
        with pytest.raises(NotImplementedError, match="jvp function for custom autograd.Function"):
            _custom(probtorch, False, once=True).apply(fw.make_dual(probtorch.tensor(x), probtorch.tensor(tx)),
                                                       probtorch.tensor(y))


# ------------------------------------------------------------------------------------------------ vectorized mode
def _batched_tangents(fn, xs, vbs):
    with fw._vectorized(vbs[0].shape[0]):
        duals = [fw._make_batched_dual(probtorch.tensor(x), probtorch.tensor(vb)) for x, vb in zip(xs, vbs)]
        outs = _as_tuple(fn(probtorch, *duals))
        return [None if o._fw is None else o._fw.numpy() for o in outs]


def _check_vectorized(fn, xs, batch=3, seed=0, symmetric=False):
    rng = np.random.default_rng(seed)
    vbs = [rng.standard_normal((batch,) + np.shape(x)) for x in xs]
    if symmetric:
        vbs = [vb + np.swapaxes(vb, -1, -2) for vb in vbs]
    got = _batched_tangents(fn, xs, vbs)
    for b in range(batch):
        want = _pt_tangents(fn, xs, [vb[b] for vb in vbs])
        for g, (_, w) in zip(got, want):
            np.testing.assert_allclose(g[b], w, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_vectorized_tangents_match_one_at_a_time(case):
    xs, _ = _sample(case, seed=3)
    _check_vectorized(case[1], xs, symmetric=case[0] in SYMMETRIC)


@pytest.mark.parametrize("case", INPLACE, ids=[c[0] for c in INPLACE])
def test_vectorized_inplace(case):
    _check_vectorized(case[1], [np.random.default_rng(4).standard_normal(4)])


def test_vectorized_custom_functions():
    rng = np.random.default_rng(10)
    xs = [rng.standard_normal(3), rng.standard_normal(3)]
    for with_jvp in (True, False):
        _check_vectorized(lambda m, x, y: _custom(probtorch, with_jvp).apply(x, y), xs)


def test_vectorized_movement_rules_cover_their_parameters():
    """Batched rules of the movement primitives, with negative dims, advanced and mixed indexing, padding."""
    x = np.random.default_rng(11).standard_normal((2, 3, 4))
    fns = [lambda m, t: t.permute(2, 0, 1).flip(-1).roll(1, -2),
           lambda m, t: t.sum((0, -1), keepdim=True).expand(5, 2, 3, 4).sum_to_size(1, 3, 1),
           lambda m, t: t[:, [0, 2], 1:3] + t[..., None, 0, :2].sum(),
           lambda m, t: t[[1, 0], :, [3, 1]],   # advanced indices apart: the batched rule steps aside
           lambda m, t: m.cat([t, t * 2], -1).cumsum(-1).index_select(-1, m.tensor([7, 0])),
           lambda m, t: t.tril(-1).triu(-1).diagonal(0, -1, -2).sum(-1, keepdim=True).unsqueeze(-1)
           + m.nn.functional.pad(t, (1, 1))[..., 1:3, 0:4],
           lambda m, t: m.stack([t[0], t[1]]).unbind(1)[2].reshape(-1)]
    for fn in fns:
        _check_vectorized(fn, [x], batch=4)


def test_vectorized_pass_needs_no_per_vector_fallback(monkeypatch):
    """Elementwise ops, matmul and the movement primitives are batched: no primitive runs once per vector."""
    calls = []
    original = fw._per_vector
    monkeypatch.setattr(fw, "_per_vector", lambda *a: calls.append(a[0].name) or original(*a))
    rng = np.random.default_rng(12)
    x, w = rng.standard_normal((2, 3, 4)), rng.standard_normal((4, 5))
    fns = [lambda m, t, w: ((t @ w).tanh() * t.sum(-1, keepdim=True).sin()).logsumexp(-1),
           lambda m, t, w: t.permute(2, 0, 1).flip(-1).roll(1, -2).reshape(-1, 4) @ w[:, :3].exp(),
           lambda m, t, w: m.cat([t[:, [0, 2], 1:3], t[..., None, 0, :2].expand(2, 2, 2)], 1).cumsum(1),
           lambda m, t, w: m.nn.functional.softmax(t, -1).tril().diagonal(0, -1, -2) * w.sum() / (w * w).sum().sqrt()]
    for fn in fns:
        _check_vectorized(fn, [x, w], batch=2)
    assert calls == []


# ------------------------------------------------------------------------------------------------ gradcheck
def test_gradcheck_check_forward_ad():
    rng = np.random.default_rng(14)
    x = probtorch.tensor(rng.uniform(0.5, 1.5, (2, 3)), requires_grad=True)
    y = probtorch.tensor(rng.standard_normal(3), requires_grad=True)
    f = lambda a, b: ((a @ b).exp(), (a.log() * b).cumprod(1))  # noqa: E731
    assert gradcheck(f, (x, y), check_forward_ad=True)
    assert gradcheck(f, (x, y), check_forward_ad=True, check_backward_ad=False)

    class WrongJvp(probtorch.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_forward(a)
            return a * a

        @staticmethod
        def backward(ctx, g):
            raise AssertionError("not used")

        @staticmethod
        def jvp(ctx, t):
            (a,) = ctx.saved_tensors
            return 3 * a * t  # should be 2 * a * t

    from probtorch.autograd.gradcheck import GradcheckError
    with pytest.raises(GradcheckError, match="forward mode mismatch"):
        gradcheck(WrongJvp.apply, (y,), check_forward_ad=True, check_backward_ad=False)
    assert not gradcheck(WrongJvp.apply, (y,), check_forward_ad=True, check_backward_ad=False,
                         raise_exception=False)


def test_repr_shows_the_tangent_like_torch():
    reprs = []
    for lib, m in ((probtorch, fw), (torch, tfw)):
        with m.dual_level():
            reprs.append((repr(m.make_dual(lib.ones(3), lib.ones(3) * 2)),
                          repr(m.make_dual(lib.ones(2, 2), lib.ones(2, 2)) * 3)))
    assert reprs[0] == reprs[1]
    assert reprs[0][0] == "tensor([1., 1., 1.], tangent=tensor([2., 2., 2.]))"


def test_custom_function_backward_that_checks_needs_input_grad():
    class Sq(probtorch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g if ctx.needs_input_grad[0] else None

    x = probtorch.tensor([1.0, 2.0])   # does not require grad: the backward would skip it
    with fw.dual_level():
        out = Sq.apply(fw.make_dual(x, probtorch.tensor([1.0, -1.0])))
        assert fw.unpack_dual(out).tangent.tolist() == [2.0, -4.0]
