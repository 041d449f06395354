"""The generic transform contract, checked for every transform from one table (property-based with hypothesis).

For each row and random batch shapes / seeds / dtypes: x in the domain maps into the codomain; the round trip (or the
pseudo-inverse laws) hold; forward_shape / inverse_shape predict the shapes; the log-det equals log|det J| of the
autograd jacobian (per event, over free coordinates); ``sign`` matches the derivative; caching returns the very
objects; ``inv.inv is t``; values and log-dets match torch; gradcheck/gradgradcheck pass in float64; and values and
log-dets stay finite at |x| = 20.
"""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import probtorch
from probtorch import transforms as T
from probtorch import constraints as C

from ._helpers import pt, np_of, jacobian, block_logdets

torch = pytest.importorskip("torch")
TT = torch.distributions.transforms


class _StdNormal:
    """A duck-typed standard normal for CumulativeDistributionTransform (the transforms never import distributions)."""

    support = C.real

    def cdf(self, x):
        return 0.5 * (1 + (x / math.sqrt(2)).erf())

    def icdf(self, y):
        return math.sqrt(2) * (2 * y - 1).erfinv()

    def log_prob(self, x):
        return -0.5 * x * x - 0.5 * math.log(2 * math.pi)


def _normal(rng, shape, scale=1.5):
    return rng.normal(size=shape) * scale


def _positive(rng, shape):
    return np.exp(rng.normal(size=shape) * 0.7)


def _simplex(rng, shape):
    e = rng.exponential(size=shape) + 0.05
    return e / e.sum(-1, keepdims=True)


def _drop_last(y):
    return y[..., :-1]


def _strict_lower(y):
    n = y.shape[-1]
    rows, cols = np.tril_indices(n, -1)
    idx = probtorch.tensor((rows * n + cols).astype(np.int64))
    return y.reshape(tuple(y.shape[:-2]) + (n * n,)).index_select(-1, idx)


def _simplex_from_free(v):
    return probtorch.cat([v, 1 - v.sum(-1, keepdim=True)], -1)


def _simplex_free(x):
    return x[..., :-1]


def _loc3():
    return [0.5, -1.0, 2.0]


def _scale3():
    return [2.0, -0.5, 1.5]


def _ploc():
    return probtorch.tensor(_loc3())


def _pscale():
    return probtorch.tensor(_scale3())


def case(name, make, torch_make, event_in=(), sample=_normal, out_free=None, in_free=None, from_free=None,
         oracle_inv=True, extreme=True, jac=True):
    return dict(name=name, make=make, torch_make=torch_make, event_in=event_in, sample=sample, out_free=out_free,
                in_free=in_free, from_free=from_free, oracle_inv=oracle_inv, extreme=extreme, jac=jac)


CASES = [
    case("exp", T.ExpTransform, TT.ExpTransform),
    case("sigmoid", T.SigmoidTransform, TT.SigmoidTransform),
    case("tanh", T.TanhTransform, TT.TanhTransform),
    case("softplus", T.SoftplusTransform, TT.SoftplusTransform),
    case("abs", T.AbsTransform, TT.AbsTransform),
    case("power_scalar", lambda: T.PowerTransform(2.5), lambda: TT.PowerTransform(2.5), sample=_positive,
         extreme=False),
    case("power_tensor", lambda: T.PowerTransform(probtorch.tensor([0.5, -1.5, 3.0])),
         lambda: TT.PowerTransform(torch.tensor([0.5, -1.5, 3.0])), event_in=(3,), sample=_positive, extreme=False),
    case("affine_scalar", lambda: T.AffineTransform(1.0, -2.5), lambda: TT.AffineTransform(1.0, -2.5)),
    case("affine_tensor", lambda: T.AffineTransform(_ploc(), _pscale()),
         lambda: TT.AffineTransform(torch.tensor(_loc3()), torch.tensor(_scale3())), event_in=(3,)),
    case("affine_event1", lambda: T.AffineTransform(_ploc(), _pscale(), event_dim=1),
         lambda: TT.AffineTransform(torch.tensor(_loc3()), torch.tensor(_scale3()), event_dim=1), event_in=(3,)),
    case("affine_event2_scalar", lambda: T.AffineTransform(0.5, 3.0, event_dim=2),
         lambda: TT.AffineTransform(0.5, 3.0, event_dim=2), event_in=(2, 2)),
    case("cdf_normal", lambda: T.CumulativeDistributionTransform(_StdNormal()),
         lambda: TT.CumulativeDistributionTransform(torch.distributions.Normal(0.0, 1.0)), extreme=False),
    case("exp_inv", lambda: T.ExpTransform().inv, lambda: TT.ExpTransform().inv, sample=_positive, extreme=False),
    case("identity", lambda: T.identity_transform, lambda: TT.identity_transform),
    case("independent_exp", lambda: T.IndependentTransform(T.ExpTransform(), 1),
         lambda: TT.IndependentTransform(TT.ExpTransform(), 1), event_in=(3,)),
    case("independent_sb", lambda: T.IndependentTransform(T.StickBreakingTransform(), 1),
         lambda: TT.IndependentTransform(TT.StickBreakingTransform(), 1), event_in=(2, 2), out_free=_drop_last),
    case("reshape", lambda: T.ReshapeTransform((2, 3), (3, 2)), lambda: TT.ReshapeTransform((2, 3), (3, 2)),
         event_in=(2, 3)),
    case("compose_exp_affine", lambda: T.ComposeTransform([T.ExpTransform(), T.AffineTransform(1.0, 2.0)]),
         lambda: TT.ComposeTransform([TT.ExpTransform(), TT.AffineTransform(1.0, 2.0)])),
    case("compose_affine_sb",
         lambda: T.ComposeTransform([T.AffineTransform(_ploc(), _pscale()), T.StickBreakingTransform()]),
         lambda: TT.ComposeTransform([TT.AffineTransform(torch.tensor(_loc3()), torch.tensor(_scale3())),
                                      TT.StickBreakingTransform()]), event_in=(3,), out_free=_drop_last),
    case("compose_sb_affine",
         lambda: T.ComposeTransform([T.StickBreakingTransform(), T.AffineTransform(0.0, 2.0)]),
         lambda: TT.ComposeTransform([TT.StickBreakingTransform(), TT.AffineTransform(0.0, 2.0)]), event_in=(3,),
         jac=False),  # the log-det convention counts the affine on all K+1 outputs, not on K free coordinates
    case("compose_reshape_exp",
         lambda: T.ComposeTransform([T.ReshapeTransform((4,), (2, 2)), T.ExpTransform(),
                                     T.AffineTransform(0.0, probtorch.tensor([1.0, -2.0]))]),
         lambda: TT.ComposeTransform([TT.ReshapeTransform((4,), (2, 2)), TT.ExpTransform(),
                                      TT.AffineTransform(0.0, torch.tensor([1.0, -2.0]))]), event_in=(4,)),
    case("cat_elementwise",
         lambda: T.CatTransform([T.ExpTransform(), T.AffineTransform(1.0, 3.0), T.SigmoidTransform()], -1, [1, 2, 1]),
         lambda: TT.CatTransform([TT.ExpTransform(), TT.AffineTransform(1.0, 3.0), TT.SigmoidTransform()], -1,
                                 [1, 2, 1]), event_in=(4,)),
    case("cat_event",
         lambda: T.CatTransform([T.ExpTransform(), T.IndependentTransform(T.TanhTransform(), 1)], -1, [2, 2]),
         lambda: TT.CatTransform([TT.ExpTransform(), TT.IndependentTransform(TT.TanhTransform(), 1)], -1, [2, 2]),
         event_in=(4,)),
    case("cat_dim_minus2",
         lambda: T.CatTransform([T.ExpTransform(), T.SoftplusTransform()], -2, [1, 2]),
         lambda: TT.CatTransform([TT.ExpTransform(), TT.SoftplusTransform()], -2, [1, 2]), event_in=(3, 2)),
    case("stack_last",
         lambda: T.StackTransform([T.ExpTransform(), T.TanhTransform(), T.AffineTransform(0.0, 2.0)], -1),
         lambda: TT.StackTransform([TT.ExpTransform(), TT.TanhTransform(), TT.AffineTransform(0.0, 2.0)], -1),
         event_in=(3,)),
    case("stack_dim_minus2", lambda: T.StackTransform([T.SigmoidTransform(), T.identity_transform], -2),
         lambda: TT.StackTransform([TT.SigmoidTransform(), TT.identity_transform], -2), event_in=(2, 3)),
    case("stick_breaking", T.StickBreakingTransform, TT.StickBreakingTransform, event_in=(3,), out_free=_drop_last),
    case("stick_breaking_inv", lambda: T.StickBreakingTransform().inv, lambda: TT.StickBreakingTransform().inv,
         event_in=(4,), sample=_simplex, in_free=_simplex_free, from_free=_simplex_from_free, extreme=False),
    case("softmax", T.SoftmaxTransform, TT.SoftmaxTransform, event_in=(4,)),
    case("lower_cholesky", T.LowerCholeskyTransform, TT.LowerCholeskyTransform, event_in=(3, 3)),
    case("positive_definite", T.PositiveDefiniteTransform, TT.PositiveDefiniteTransform, event_in=(3, 3),
         sample=lambda rng, s: _normal(rng, s, 0.7), extreme=False),
    case("corr_cholesky", T.CorrCholeskyTransform, TT.CorrCholeskyTransform, event_in=(6,), out_free=_strict_lower),
    case("corr_cholesky_2", T.CorrCholeskyTransform, TT.CorrCholeskyTransform, event_in=(1,),
         out_free=_strict_lower),
]

IDS = [c["name"] for c in CASES]
BATCHES = [(), (1,), (3,), (2, 2)]
# float64 tolerances allow for rows whose parameters are float32 tensors
TOL = {np.float32: dict(rtol=2e-4, atol=2e-5), np.float64: dict(rtol=1e-7, atol=1e-7)}

draw = dict(batch=st.sampled_from(BATCHES), seed=st.integers(0, 2 ** 16),
            dtype=st.sampled_from([np.float32, np.float64]))


def _x(c, batch, seed, dtype):
    rng = np.random.default_rng(seed)
    return c["sample"](rng, tuple(batch) + c["event_in"]).astype(dtype)


def _close(a, b, dtype, **kw):
    if np.float32 in (np.asarray(a).dtype, np.asarray(b).dtype):  # judge by the lower precision involved
        if dtype == np.float64:
            kw = {}
        dtype = np.float32
    np.testing.assert_allclose(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64),
                               **{**TOL[dtype], **kw})


@pytest.mark.parametrize("c", CASES, ids=IDS)
@settings(max_examples=6)
@given(**draw)
def test_codomain_round_trip_and_shapes(c, batch, seed, dtype):
    t = c["make"]()
    x = pt(_x(c, batch, seed, dtype))
    assert bool(t.domain.check(x).all())
    y = t(x)
    assert y.dtype == x.dtype
    assert bool(t.codomain.check(y).all()), (c["name"], y)
    assert tuple(t.forward_shape(x.shape)) == tuple(y.shape)
    x_back = t.inv(y)
    assert tuple(t.inverse_shape(y.shape)) == tuple(x_back.shape)
    if t.bijective:
        _close(np_of(x_back), np_of(x), dtype, rtol=1e-3 if dtype == np.float32 else 1e-7,
               atol=1e-4 if dtype == np.float32 else 1e-9)
    else:
        # Pseudo-inverse laws: t(t.inv(t(x))) == t(x) and t.inv(t(t.inv(y))) == t.inv(y).
        _close(np_of(t(x_back)), np_of(y), dtype)
        _close(np_of(t.inv(t(x_back))), np_of(x_back), dtype, rtol=1e-3 if dtype == np.float32 else 1e-7)
    if t.bijective:
        lad = t.log_abs_det_jacobian(x, y)
        batch_shape = tuple(x.shape[:x.dim() - t.domain.event_dim])
        # torch's stack constraint counts a negative stacking dim as an event dim, while StackTransform stacks the
        # per-slice log-dets along it; both kept as torch has them.
        if not isinstance(t, T.StackTransform):
            assert tuple(lad.shape) == batch_shape
        assert np.all(np.isfinite(np_of(lad)))


def _free_fn(c, t):
    out_free = c["out_free"] or (lambda y: y)
    from_free = c["from_free"] or (lambda v: v)
    return lambda v: out_free(t(from_free(v)))


JAC_CASES = [c for c in CASES if c["make"]().bijective and c["jac"]]


@pytest.mark.parametrize("c", JAC_CASES, ids=[c["name"] for c in JAC_CASES])
@settings(max_examples=4)
@given(batch=st.sampled_from(BATCHES), seed=st.integers(0, 2 ** 16))
def test_log_det_matches_autograd_jacobian(c, batch, seed):
    t = c["make"]()
    x = pt(_x(c, batch, seed, np.float64))
    y = t(x)
    lad = t.log_abs_det_jacobian(x, y)
    v = c["in_free"](x) if c["in_free"] else x
    J = jacobian(_free_fn(c, t), v)
    lad = np_of(lad)
    n = lad.size
    expected = block_logdets(J, n, J.shape[0] // n, J.shape[1] // n)
    np.testing.assert_allclose(lad.reshape(-1), expected, rtol=1e-8, atol=1e-8)
    if t.domain.event_dim == 0 and t.codomain.event_dim == 0 and not c["out_free"]:
        # sign is the sign of the (diagonal) derivative
        diag = np.diag(J).reshape(tuple(x.shape))
        try:
            sign = t.sign
        except NotImplementedError:  # as in torch, cat/stack of transforms define no sign
            assert isinstance(t, (T.CatTransform, T.StackTransform))
            return
        sign = np_of(sign) if isinstance(sign, probtorch.Tensor) else np.asarray(sign)
        np.testing.assert_array_equal(np.broadcast_to(sign, diag.shape), np.sign(diag))


@pytest.mark.parametrize("c", CASES, ids=IDS)
@settings(max_examples=4)
@given(**draw)
def test_matches_torch(c, batch, seed, dtype):
    t, tt = c["make"](), c["torch_make"]()
    xa = _x(c, batch, seed, dtype)
    x, xt = pt(xa), torch.tensor(xa)
    y, yt = t(x), tt(xt)
    _close(np_of(y), yt.numpy(), dtype)
    assert t.domain.event_dim == tt.domain.event_dim and t.codomain.event_dim == tt.codomain.event_dim
    assert t.bijective == tt.bijective
    if c["oracle_inv"]:
        _close(np_of(t.inv(pt(yt.numpy()))), tt.inv(yt).numpy(), dtype,
               rtol=1e-3 if dtype == np.float32 else 1e-7)
    if tt.bijective:
        lad = t.log_abs_det_jacobian(x, y)
        ladt = tt.log_abs_det_jacobian(xt, yt)
        _close(np_of(lad), np.broadcast_to(ladt.numpy(), lad.shape), dtype,
               atol=5e-5 if dtype == np.float32 else 1e-7)
    if t.domain.event_dim == 0 and t.codomain.event_dim == 0 and t.bijective and \
            not isinstance(t, (T.CatTransform, T.StackTransform)):
        s, st_ = t.sign, tt.sign
        s = np_of(s) if isinstance(s, probtorch.Tensor) else s
        st_ = st_.numpy() if isinstance(st_, torch.Tensor) else st_
        np.testing.assert_array_equal(s, st_)


@pytest.mark.parametrize("c", CASES, ids=IDS)
def test_cache_identity_and_inverse_links(c):
    t = c["make"]()
    assert t.inv.inv is t
    inv = t.inv
    assert t.inv is inv  # held weakly: the same object while a user holds it
    tc = t.with_cache(1)
    assert tc.with_cache(1) is tc
    assert tc._cache_size == 1 or isinstance(tc, T.ComposeTransform)
    x = pt(_x(c, (2,), 0, np.float64))
    y = tc(x)
    assert tc(x) is y
    assert tc.inv(y) is x
    y2 = t(pt(_x(c, (2,), 1, np.float64)))
    x2 = tc.inv(y2)
    assert tc(x2) is y2
    # the uncached transform recomputes: a new object each call
    assert t(x) is not t(x) or t is T.identity_transform
    assert t == t and not (t != t)
    assert tc.with_cache(0).inv.inv is not None


@pytest.mark.parametrize("c", [c for c in CASES if c["extreme"]], ids=[c["name"] for c in CASES if c["extreme"]])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_finite_at_20(c, dtype):
    t = c["make"]()
    rng = np.random.default_rng(3)
    xa = np.where(rng.random((4,) + c["event_in"]) < 0.5, -20.0, 20.0).astype(dtype)
    x = pt(xa)
    y = t(x)
    assert np.all(np.isfinite(np_of(y)))
    assert bool(t.codomain.check(y).all()) or c["name"] in ("softmax", "stick_breaking", "compose_affine_sb",
                                                            "compose_sb_affine", "independent_sb")
    if t.bijective:
        lad = t.log_abs_det_jacobian(x, y)
        assert np.all(np.isfinite(np_of(lad))), (c["name"], lad)


def _rg(a):
    return pt(a).requires_grad_(True)


@pytest.mark.parametrize("c", CASES, ids=IDS)
def test_gradcheck_float64(c):
    t = c["make"]()
    xa = _x(c, (2,), 5, np.float64)
    gc, ggc = probtorch.autograd.gradcheck, probtorch.autograd.gradgradcheck
    assert gc(t, (_rg(xa),)) and ggc(t, (_rg(xa),))
    ya = np_of(t(pt(xa)))
    if t.bijective:
        assert gc(t.inv, (_rg(ya),)) and ggc(t.inv, (_rg(ya),))

        def lad(x):
            return t.log_abs_det_jacobian(x, t(x))
        assert gc(lad, (_rg(xa),)) and ggc(lad, (_rg(xa),))


def _grad_story(lib, t, xa, wa, va):
    """Gradients of a loss through the forward map, its log-det and the inverse, w.r.t. x and y."""
    x = lib.tensor(xa, requires_grad=True)
    y = t(x)
    loss = (y * lib.tensor(wa)).sum()
    if t.bijective:
        loss = loss + t.log_abs_det_jacobian(x, y).sum()
    (gx,) = lib.autograd.grad(loss, [x])
    y0 = lib.tensor(y.detach().numpy(), requires_grad=True)
    x0 = t.inv(y0)
    loss = (x0 * lib.tensor(va)).sum()
    if t.bijective:
        loss = loss + t.log_abs_det_jacobian(x0, y0).sum()
    (gy,) = lib.autograd.grad(loss, [y0])
    return gx.detach().numpy(), gy.detach().numpy()


@pytest.mark.parametrize("c", CASES, ids=IDS)
def test_gradients_match_torch(c):
    t, tt = c["make"](), c["torch_make"]()
    xa = _x(c, (2,), 7, np.float64)
    rng = np.random.default_rng(8)
    wa = rng.normal(size=tuple(t.forward_shape(xa.shape)))
    va = rng.normal(size=xa.shape)
    ours = _grad_story(probtorch, t, xa, wa, va)
    theirs = _grad_story(torch, tt, xa, wa, va)
    for a, b in zip(ours, theirs):
        if "stick" in c["name"] or "_sb" in c["name"]:
            # Our stick-breaking inverse reads y through tail sums (accurate, scale-free), torch's through
            # 1 - cumsum(y[:-1]); both agree on the simplex, so gradients agree along it and differ only by a
            # multiple of the ones vector (normal to the simplex). Compare the tangential parts.
            a, b = a - a.mean(-1, keepdims=True), b - b.mean(-1, keepdims=True)
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-8)
