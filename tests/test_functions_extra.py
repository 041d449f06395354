"""probtorch/_functions/extra.py against torch: values, dtypes, shapes, errors and gradients."""
import array
import warnings

import numpy as np
import pytest

import probtorch
from probtorch.testing import check_grads

torch = pytest.importorskip("torch")

DTYPES = [("float32", 1e-5), ("float64", 1e-12)]


def pt(a, dtype=None, requires_grad=False):
    """A probtorch tensor from an ndarray/list."""
    arr = np.asarray(a) if dtype is None else np.asarray(a, dtype=dtype)
    return probtorch.tensor(arr, requires_grad=requires_grad)


def tt(a, dtype=None, requires_grad=False):
    arr = np.asarray(a) if dtype is None else np.asarray(a, dtype=dtype)
    return torch.tensor(arr, requires_grad=requires_grad)


def same(p, t, tol=1e-6, check_dtype=True):
    """Compare a probtorch result with torch's (nested tuples allowed)."""
    if isinstance(t, (tuple, list)):
        assert isinstance(p, (tuple, list)) and len(p) == len(t)
        for a, b in zip(p, t):
            same(a, b, tol, check_dtype)
        return
    if not isinstance(t, torch.Tensor):
        assert p == t
        return
    assert tuple(p.shape) == tuple(t.shape)
    if check_dtype:
        assert str(p.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    np.testing.assert_allclose(p.detach().numpy(), t.detach().numpy(), rtol=tol, atol=tol, equal_nan=True)


def rnd(*shape, seed=0, dtype="float64", low=-1.0, high=1.0):
    return np.random.default_rng(seed).uniform(low, high, shape).astype(dtype)


def grads_match(fn_p, fn_t, arrays, tol=1e-10):
    """Value and gradient of sum(fn(*inputs) * weights) against torch, in float64."""
    xs_p = [pt(a, requires_grad=True) for a in arrays]
    xs_t = [tt(a, requires_grad=True) for a in arrays]
    out_p, out_t = fn_p(*xs_p), fn_t(*xs_t)
    same(out_p, out_t, tol)
    w = rnd(*out_t.shape, seed=7)
    gp = probtorch.autograd.grad((out_p * pt(w)).sum(), xs_p, allow_unused=True)
    gt = torch.autograd.grad((out_t * tt(w)).sum(), xs_t, allow_unused=True)
    for a, b in zip(gp, gt):
        if b is None:
            assert a is None or not np.any(a.numpy())
        else:
            same(a, b, tol)


# ------------------------------------------------------------------------------------------ nn.functional aliases
def _nn_cases():
    x = rnd(2, 3, 4)
    x4 = rnd(2, 4, 3, 3, seed=1)
    w3, b3 = rnd(3, seed=2) + 1.5, rnd(3, seed=3)
    rm, rv = rnd(3, seed=4), rnd(3, seed=5) + 2
    a, b = rnd(4, 5, seed=6), rnd(4, 5, seed=8)
    y = np.sign(rnd(4, seed=9))
    t01 = rnd(4, 5, seed=10, low=0.0, high=1.0)
    return [
        ("softmax", (x, 1), {}), ("log_softmax", (x, -1), {}), ("selu", (x,), {}), ("celu", (x, 0.5), {}),
        ("threshold", (x, 0.1, -2.0), {}), ("hardshrink", (x, 0.3), {}), ("prelu", (x, w3), {}),
        ("layer_norm", (x, [3, 4], rnd(3, 4, seed=11), rnd(3, 4, seed=12), 1e-5, False), {}),
        ("group_norm", (x4, 2, rnd(4, seed=13), rnd(4, seed=14)), {}),
        ("rms_norm", (x, [4], rnd(4, seed=15)), {}),
        ("batch_norm", (rnd(5, 3, seed=16), w3, b3, None, None, True, 0.1, 1e-5, False), {}),
        ("batch_norm", (rnd(5, 3, seed=16), w3, b3, Const(rm), Const(rv), False, 0.1, 1e-5, False), {}),
        ("instance_norm", (x, w3, b3, None, None, True, 0.1, 1e-5, False), {}),
        ("pixel_shuffle", (x4, 2), {}), ("pixel_unshuffle", (rnd(1, 2, 4, 6, seed=17), 2), {}),
        ("bilinear", (rnd(4, 3, seed=18), rnd(4, 2, seed=19), rnd(5, 3, 2, seed=20), rnd(5, seed=21)), {}),
        ("cosine_similarity", (a, b), {}), ("cosine_similarity", (a, b, 0, 1e-6), {}),
        ("pairwise_distance", (a, b, 1.5, 1e-6, True), {}),
        ("binary_cross_entropy_with_logits", (a, t01, None, Const(rnd(5, seed=22) + 2), 2), {}),
        ("binary_cross_entropy_with_logits", (a, t01), {}),
        ("cosine_embedding_loss", (a, b, y, 0.2, 0), {}),
        ("hinge_embedding_loss", (a, np.sign(rnd(4, 5, seed=23)), 0.5, 1), {}),
        ("margin_ranking_loss", (a[:, 0], b[:, 0], y, 0.1, 2), {}),
        ("triplet_margin_loss", (a, b, rnd(4, 5, seed=24), 1.0, 2.0, 1e-6, True, 1), {}),
        ("poisson_nll_loss", (a, t01 * 3, True, True, 1e-8, 1), {}),
        ("poisson_nll_loss", (t01 + 0.1, t01 * 3, False, False, 1e-8, 0), {}),
        ("kl_div", (a, t01, 1), {}), ("kl_div", (a, b, 2), {"log_target": True}),
        ("constant_pad_nd", (x, [1, 2, -1, 0], 0.5), {}),
    ]


class Const:
    """An array argument that must not require grad (running statistics, pos_weight)."""

    def __init__(self, a):
        self.a = a


def _conv(v, lib, dtype, rg):
    if isinstance(v, Const):
        return _conv(v.a, lib, dtype, False)
    if isinstance(v, np.ndarray) and v.dtype.kind == "f":
        f = pt if lib is probtorch else tt
        return f(v.astype(dtype), requires_grad=rg and dtype == "float64")
    return v


@pytest.mark.parametrize("dtype,tol", DTYPES)
@pytest.mark.parametrize("case", _nn_cases(), ids=lambda c: c[0])
def test_nn_alias_values(case, dtype, tol):
    name, args, kw = case
    p = getattr(probtorch, name)(*[_conv(a, probtorch, dtype, False) for a in args], **kw)
    t = getattr(torch, name)(*[_conv(a, torch, dtype, False) for a in args], **kw)
    same(p, t, 100 * tol)


@pytest.mark.parametrize("case", _nn_cases(), ids=lambda c: c[0])
def test_nn_alias_grads(case):
    name, args, kw = case
    pa = [_conv(a, probtorch, "float64", True) for a in args]
    ta = [_conv(a, torch, "float64", True) for a in args]
    p, t = getattr(probtorch, name)(*pa, **kw), getattr(torch, name)(*ta, **kw)
    diff_p = [a for a in pa if isinstance(a, probtorch.Tensor) and a.requires_grad]
    diff_t = [a for a in ta if isinstance(a, torch.Tensor) and a.requires_grad]
    gp = probtorch.autograd.grad(p.sum(), diff_p, allow_unused=True)
    gt = torch.autograd.grad(t.sum(), diff_t, allow_unused=True)
    for a, b in zip(gp, gt):
        if b is not None:
            same(a, b, 1e-9)
    inputs = tuple(a for a in pa if isinstance(a, probtorch.Tensor) and a.requires_grad)
    idx = [i for i, a in enumerate(pa) if isinstance(a, probtorch.Tensor) and a.requires_grad]

    def fn(*xs):
        full = list(pa)
        for i, v in zip(idx, xs):
            full[i] = v
        return getattr(probtorch, name)(*full, **kw)
    check_grads(fn, inputs)


def test_embedding_weight_first():
    w = rnd(5, 3)
    idx = [[0, 2], [4, 2]]
    p = probtorch.embedding(pt(w, requires_grad=True), probtorch.tensor(idx), 2)
    t = torch.embedding(tt(w, requires_grad=True), torch.tensor(idx), 2)
    same(p, t)
    same(probtorch.embedding(pt(w), probtorch.tensor(idx)), torch.embedding(tt(w), torch.tensor(idx)))


@pytest.mark.parametrize("name", ["selu_", "celu_", "threshold_"])
def test_inplace_activations(name):
    extra = {"celu_": (0.5,), "threshold_": (0.0, 3.0)}.get(name, ())
    x = rnd(3, 4)
    p, t = pt(x), tt(x)
    rp, rt = getattr(probtorch, name)(p, *extra), getattr(torch, name)(t, *extra)
    assert rp is p and rt is t
    same(p, t)
    # through a non-leaf, the in-place result stays differentiable
    xp, xt = pt(x, requires_grad=True), tt(x, requires_grad=True)
    yp, yt = xp * 2, xt * 2
    getattr(probtorch, name)(yp, *extra)
    getattr(torch, name)(yt, *extra)
    same(probtorch.autograd.grad(yp.sum(), xp)[0], torch.autograd.grad(yt.sum(), xt)[0])


def test_dropout_top_level():
    x = rnd(200)
    same(probtorch.dropout(pt(x), 0.3, False), torch.dropout(tt(x), 0.3, False))
    same(probtorch.alpha_dropout(pt(x), 0.3, False), torch.alpha_dropout(tt(x), 0.3, False))
    y = probtorch.dropout(pt(x), 0.25, True).numpy()
    kept = y != 0
    np.testing.assert_allclose(y[kept], x[kept] / 0.75)
    assert 0 < kept.sum() < 200
    z = pt(x)
    assert probtorch.dropout_(z, 0.5, True) is z
    assert np.all((z.numpy() == 0) | np.isclose(z.numpy(), 2 * x))
    z = pt(x)
    probtorch.alpha_dropout_(z, 0.5, False)
    same(z, tt(x))
    with pytest.raises(ValueError):
        probtorch.dropout(pt(x), 1.5, True)
    with pytest.raises(TypeError):
        torch.dropout(tt(x), 0.5)
    with pytest.raises(TypeError):
        probtorch.dropout(pt(x), 0.5)


def test_loss_reduction_must_be_int():
    a = rnd(3)
    for lib, f in ((probtorch, pt), (torch, tt)):
        with pytest.raises(TypeError):
            lib.hinge_embedding_loss(f(a), f(np.ones(3)), 1.0, "mean")


# ------------------------------------------------------------------------------------------ cov / corrcoef
def _cov_cases():
    x = rnd(3, 6)
    fw = np.array([1, 2, 0, 3, 1, 2])
    aw = rnd(6, seed=3, low=0.1, high=2.0)
    return [((x,), {}), ((x[0],), {}), ((x,), {"correction": 0}), ((x,), {"correction": 2}),
            ((x,), {"fweights": fw}), ((x,), {"aweights": aw}), ((x,), {"fweights": fw, "aweights": aw}),
            ((x[:, :2],), {"fweights": np.array([1, 1]), "correction": 1})]


def _cov_kw(kw, lib, dtype):
    out = {}
    for k, v in kw.items():
        if k == "fweights":
            out[k] = (pt if lib is probtorch else tt)(v)
        elif k == "aweights":
            out[k] = (pt if lib is probtorch else tt)(v.astype(dtype))
        else:
            out[k] = v
    return out


@pytest.mark.parametrize("dtype,tol", DTYPES)
@pytest.mark.parametrize("case", _cov_cases())
def test_cov_values(case, dtype, tol):
    (x,), kw = case
    same(probtorch.cov(pt(x.astype(dtype)), **_cov_kw(kw, probtorch, dtype)),
         torch.cov(tt(x.astype(dtype)), **_cov_kw(kw, torch, dtype)), 100 * tol)
    same(pt(x.astype(dtype)).cov(**_cov_kw(kw, probtorch, dtype)),
         tt(x.astype(dtype)).cov(**_cov_kw(kw, torch, dtype)), 100 * tol)


@pytest.mark.parametrize("case", _cov_cases())
def test_cov_grads(case):
    (x,), kw = case
    kp, kt = _cov_kw(kw, probtorch, "float64"), _cov_kw(kw, torch, "float64")
    grads_match(lambda a: probtorch.cov(a, **kp), lambda a: torch.cov(a, **kt), [x])
    check_grads(lambda a: probtorch.cov(a, **kp), (pt(x, requires_grad=True),))


def test_cov_weight_grads_and_promotion():
    x, aw = rnd(2, 5), rnd(5, seed=1, low=0.5, high=1.5)
    grads_match(lambda a, w: probtorch.cov(a, aweights=w), lambda a, w: torch.cov(a, aweights=w), [x, aw])
    check_grads(lambda a, w: probtorch.cov(a, aweights=w), (pt(x, requires_grad=True), pt(aw, requires_grad=True)))
    xi = np.array([[1, 2, 4], [3, 1, 0]])
    same(probtorch.cov(pt(xi)), torch.cov(tt(xi)))  # integers -> default float
    same(probtorch.cov(pt(xi, "float32"), fweights=pt(xi[0], "int32"), aweights=pt([0.5, 1, 2], "float64")),
         torch.cov(tt(xi, "float32"), fweights=tt(xi[0], "int32"), aweights=tt([0.5, 1, 2], "float64")), 1e-6)


def test_cov_degenerate_and_errors():
    with pytest.warns(UserWarning, match="degrees of freedom"):
        p = probtorch.cov(pt([[1.0, 2.0]]), correction=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same(p, torch.cov(tt([[1.0, 2.0]]), correction=5))
        same(probtorch.cov(probtorch.tensor(3.0)), torch.cov(torch.tensor(3.0)))
        same(probtorch.cov(probtorch.zeros(2, 0)), torch.cov(torch.zeros(2, 0)))
    x = np.ones((2, 3))
    bad = [({"fweights": np.array([1.0, 2, 3])}, "integral dtype"), ({"fweights": np.array([1, -2, 3])}, "negative"),
           ({"fweights": np.array([[1, 2, 3]])}, "one or fewer"), ({"fweights": np.array([1, 2])}, "2 != 3"),
           ({"aweights": np.array([1, 2, 3])}, "floating point"), ({"aweights": np.array([1.0, -2, 3])}, "negative")]
    for kw, msg in bad:
        for lib, f in ((probtorch, pt), (torch, tt)):
            with pytest.raises(RuntimeError, match=msg):
                lib.cov(f(x), **{k: f(v) for k, v in kw.items()})
    for lib, f in ((probtorch, pt), (torch, tt)):
        with pytest.raises(RuntimeError, match="two or fewer dimensions"):
            lib.cov(f(np.zeros((2, 2, 2))))
        with pytest.raises(TypeError):
            lib.cov(f(x), correction=0.5)


@pytest.mark.parametrize("dtype,tol", DTYPES)
def test_corrcoef(dtype, tol):
    for x in (rnd(3, 7).astype(dtype), np.array([[1.0, 2, 4], [3, 3, 3]], dtype), rnd(5).astype(dtype)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            same(probtorch.corrcoef(pt(x)), torch.corrcoef(tt(x)), 100 * tol)
            same(pt(x).corrcoef(), tt(x).corrcoef(), 100 * tol)
            same(probtorch.corrcoef(probtorch.tensor(3.0)), torch.corrcoef(torch.tensor(3.0)))
    same(probtorch.corrcoef(pt([[1, 2, 4], [3, 1, 0]])), torch.corrcoef(tt([[1, 2, 4], [3, 1, 0]])))


def test_corrcoef_grads():
    x = rnd(3, 6)
    grads_match(probtorch.corrcoef, torch.corrcoef, [x])
    check_grads(probtorch.corrcoef, (pt(x, requires_grad=True),))


# ------------------------------------------------------------------------------------------ isin
def test_isin():
    cases = [([1, 2, 3], [2.0, 3.5], {}), ([1.0, float("nan")], [float("nan"), 1], {}),
             ([[1, 2], [3, 4]], [4, 1, 1], {"invert": True}), ([5, 1, 2], [1, 2, 3], {"assume_unique": True}),
             (np.array([1.5, 2.0], np.float32), np.array([2.0], np.float64), {})]
    for a, b, kw in cases:
        same(probtorch.isin(pt(a), pt(b), **kw), torch.isin(tt(a), tt(b), **kw))
    same(probtorch.isin(2, pt([1, 2])), torch.isin(2, tt([1, 2])))
    same(probtorch.isin(pt([[1, 2], [3, 4]]), 2, invert=True), torch.isin(tt([[1, 2], [3, 4]]), 2, invert=True))
    same(probtorch.isin(pt(np.zeros((0, 2))), pt([1.0])), torch.isin(tt(np.zeros((0, 2))), tt([1.0])))
    for lib, f in ((probtorch, pt), (torch, tt)):
        with pytest.raises(TypeError):
            lib.isin(2, 3)
        with pytest.raises(RuntimeError, match="Unsupported input type encountered for isin"):
            lib.isin(f([True, False]), f([1]))
        with pytest.raises(RuntimeError, match="Unsupported input type encountered for isin"):
            lib.isin(f([1, 2]), f([1 + 0j]))


# ------------------------------------------------------------------------------------------ integer helpers
INT_PAIRS = [(np.array([-4, 0, 3, 12, -7], np.int64), np.array([6, 5, -9, 18, 0], np.int64)),
             (np.array([4, 9, 0], np.int32), np.array([6, 6, 0], np.int64)),
             (np.array([200, 16], np.uint8), np.array([30, 12], np.uint8))]


@pytest.mark.parametrize("name", ["gcd", "lcm"])
def test_gcd_lcm(name):
    for a, b in INT_PAIRS:
        same(getattr(probtorch, name)(pt(a), pt(b)), getattr(torch, name)(tt(a), tt(b)))
        same(getattr(pt(a), name)(pt(b)), getattr(tt(a), name)(tt(b)))
    same(getattr(probtorch, name)(pt([[4], [6]]), pt([6, 10, 15])), getattr(torch, name)(tt([[4], [6]]),
                                                                                         tt([6, 10, 15])))
    p, t = pt([4, 9]), tt([4, 9])
    assert getattr(probtorch, name + "_")(p, pt([6, 6])) is p
    getattr(t, name + "_")(tt([6, 6]))
    same(p, t)
    q = pt([4, 9])
    getattr(q, name + "_")(pt([6, 6]))
    same(q, t)
    for lib, f in ((probtorch, pt), (torch, tt)):
        with pytest.raises(NotImplementedError, match="not implemented for 'Float'"):
            getattr(lib, name)(f(np.array([1.0], np.float32)), f(np.array([2.0], np.float32)))
        with pytest.raises(NotImplementedError, match="not implemented for 'Bool'"):
            getattr(lib, name)(f([True]), f([True]))


SHIFT_CASES = [(np.array([1, -3], np.int8), np.array([7, 9])), (np.array([-128, 100], np.int8), np.array([9, -1])),
               (np.array([1, -3, 5], np.int64), np.array([64, 63, 2])), (np.array([1, 2, 255], np.uint8),
                                                                       np.array([1, 2, 1], np.uint8)),
               (np.array([-17, 17, 3], np.int32), np.array([1, 31, 40], np.int32)),
               (np.array([7, -7], np.int16), np.array([-1, 16], np.int16))]


@pytest.mark.parametrize("a,b", SHIFT_CASES)
def test_shifts(a, b):
    for name in ("bitwise_left_shift", "bitwise_right_shift"):
        same(getattr(probtorch, name)(pt(a), pt(b)), getattr(torch, name)(tt(a), tt(b)))
        same(getattr(pt(a), name)(pt(b)), getattr(tt(a), name)(tt(b)))
        for s in (0, 1, 3, 7):
            same(getattr(probtorch, name)(pt(a), s), getattr(torch, name)(tt(a), s))
        same(getattr(probtorch, name)(2, pt(np.abs(b) % 8)), getattr(torch, name)(2, tt(np.abs(b) % 8)))
    same(pt(a) << 2, tt(a) << 2)
    same(pt(a) >> 1, tt(a) >> 1)
    same(3 << pt(np.abs(b) % 8), 3 << tt(np.abs(b) % 8))
    same(100 >> pt(np.abs(b) % 8), 100 >> tt(np.abs(b) % 8))
    p, t = pt(a), tt(a)
    p <<= 1
    t <<= 1
    same(p, t)
    p >>= 2
    t >>= 2
    same(p, t)
    p, t = pt(a), tt(a)
    p.bitwise_right_shift_(pt(a * 0 + 1))
    t.bitwise_right_shift_(tt(a * 0 + 1))
    same(p, t)


def test_shift_errors():
    for lib, f in ((probtorch, pt), (torch, tt)):
        with pytest.raises(NotImplementedError, match="'Float'"):
            lib.bitwise_left_shift(f(np.array([1.0], np.float32)), 1)
        with pytest.raises(NotImplementedError, match="'Double'"):
            lib.bitwise_right_shift(f(np.array([1.0])), f([1]))
        with pytest.raises(NotImplementedError, match="'Bool'"):
            lib.bitwise_left_shift(f([True, False]), f([True, True]))
    same(probtorch.bitwise_left_shift(pt([True, False]), 1), torch.bitwise_left_shift(tt([True, False]), 1))


# ------------------------------------------------------------------------------------------ floating helpers
@pytest.mark.parametrize("dtype,tol", DTYPES)
def test_ldexp(dtype, tol):
    x = rnd(5).astype(dtype)
    e = np.array([3, -1, 0, 10, -20])
    same(probtorch.ldexp(pt(x), pt(e)), torch.ldexp(tt(x), tt(e)), tol)
    same(pt(x).ldexp(pt(e)), tt(x).ldexp(tt(e)), tol)
    same(probtorch.ldexp(pt(x), pt(e.astype(dtype) + 0.5)), torch.ldexp(tt(x), tt(e.astype(dtype) + 0.5)), tol)
    same(probtorch.ldexp(pt([1, 2]), pt([3, -1])), torch.ldexp(tt([1, 2]), tt([3, -1])))
    same(probtorch.ldexp(pt(np.float32([1.0])), pt([1.5])), torch.ldexp(tt(np.float32([1.0])), tt([1.5])))
    same(probtorch.ldexp(pt(np.float16([1.5])), pt([3])), torch.ldexp(tt(np.float16([1.5])), tt([3])))
    p, t = pt(x), tt(x)
    assert probtorch.ldexp_(p, pt(e)) is p
    torch.ldexp_(t, tt(e))
    same(p, t, tol)
    q = pt(x)
    q.ldexp_(pt(e))
    same(q, t, tol)
    for lib, f in ((probtorch, pt), (torch, tt)):
        with pytest.raises(RuntimeError, match="can't be cast to the desired output type Long"):
            lib.ldexp_(f([1, 2]), f([1, 2]))


def test_ldexp_grads():
    x, e = rnd(4), rnd(4, seed=1) * 3
    grads_match(probtorch.ldexp, torch.ldexp, [x, e])
    check_grads(probtorch.ldexp, (pt(x, requires_grad=True), pt(e, requires_grad=True)))


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_frexp(dtype):
    x = np.array([0.0, 8.0, -3.5, np.inf, -np.inf, np.nan, 1e-3, 123.456, -0.75], dtype)
    if dtype == "float64":
        x = np.append(x, [1e-310, 5e-324, 1.7e308])
    elif dtype == "float32":
        x = np.append(x, np.float32([1e-40, 1e-45, 3e38]))
    p, t = probtorch.frexp(pt(x)), torch.frexp(tt(x))
    same(p.mantissa, t.mantissa, 0)
    same(p.exponent, t.exponent, 0)
    m, e = pt(x).frexp()
    same(m, t.mantissa, 0)
    same(e, t.exponent, 0)
    for lib, f in ((probtorch, pt), (torch, tt)):
        with pytest.raises(RuntimeError, match="only supports floating-point dtypes"):
            lib.frexp(f([1, 2]))


def test_frexp_grads():
    x = rnd(5) * 20
    grads_match(lambda a: probtorch.frexp(a).mantissa, lambda a: torch.frexp(a).mantissa, [x])
    check_grads(lambda a: probtorch.frexp(a).mantissa, (pt(x, requires_grad=True),))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_nextafter(dtype):
    x = np.array([1.0, 0.0, -0.0, np.inf, -1e-30, np.nan, 2.0], dtype)
    y = np.array([2.0, -1.0, 1.0, 0.0, np.inf, 1.0, 2.0], dtype)
    same(probtorch.nextafter(pt(x), pt(y)), torch.nextafter(tt(x), tt(y)), 0)
    same(pt(x).nextafter(pt(y)), tt(x).nextafter(tt(y)), 0)
    p, t = pt(x), tt(x)
    p.nextafter_(pt(y))
    t.nextafter_(tt(y))
    same(p, t, 0)
    same(probtorch.nextafter(pt(np.float32([1.0])), pt([2.0])), torch.nextafter(tt(np.float32([1.0])), tt([2.0])), 0)
    for lib, f in ((probtorch, pt), (torch, tt)):
        with pytest.raises(NotImplementedError, match="'Long'"):
            lib.nextafter(f([1]), f([2]))


def test_nextafter_grads():
    x, y = rnd(4), rnd(4, seed=1)
    grads_match(probtorch.nextafter, torch.nextafter, [x, y])
    check_grads(lambda a: probtorch.nextafter(a, pt(y)), (pt(x, requires_grad=True),))


# ------------------------------------------------------------------------------------------ trapz, fill
@pytest.mark.parametrize("dtype,tol", DTYPES)
def test_trapz(dtype, tol):
    y, x = rnd(3, 5).astype(dtype), np.sort(rnd(5, seed=1)).astype(dtype)
    same(probtorch.trapz(pt(y), pt(x)), torch.trapz(tt(y), tt(x)), 10 * tol)
    same(probtorch.trapz(pt(y), dx=0.5, dim=0), torch.trapz(tt(y), dx=0.5, dim=0), 10 * tol)
    same(probtorch.trapz(pt(y)), torch.trapz(tt(y)), 10 * tol)
    grads_match(lambda a, b: probtorch.trapz(a, b), lambda a, b: torch.trapz(a, b), [y.astype("float64"),
                                                                                    x.astype("float64")])
    check_grads(lambda a, b: probtorch.trapz(a, b), (pt(y.astype("float64"), requires_grad=True),
                                                     pt(x.astype("float64"), requires_grad=True)))


def test_fill():
    for arr, v in ((np.zeros(3, np.int32), 2.7), (np.zeros((2, 2)), -1.5), (np.zeros(2, np.float32), 3),
                   (np.zeros(2, bool), 1)):
        same(probtorch.fill(pt(arr), v), torch.fill(tt(arr), v))
    same(probtorch.fill(pt(np.zeros(3)), probtorch.tensor(2.0)), torch.fill(tt(np.zeros(3)), torch.tensor(2.0)))
    for lib, f in ((probtorch, pt), (torch, tt)):
        with pytest.raises(RuntimeError, match="0-dimension value tensor"):
            lib.fill(f(np.zeros(2)), f([1.0, 2.0]))
    grads_match(lambda x, v: probtorch.fill(x, v), lambda x, v: torch.fill(x, v), [rnd(2, 3), np.array(0.5)])
    check_grads(lambda x, v: probtorch.fill(x, v), (pt(rnd(2, 3), requires_grad=True),
                                                    pt(np.array(0.5), requires_grad=True)))
    src = pt(np.zeros(3))
    out = probtorch.fill(src, 4.0)
    out[0] = 1.0
    assert src.numpy()[0] == 0.0


# ------------------------------------------------------------------------------------------ histograms
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_histogram(dtype):
    x = rnd(50, seed=3, low=-2, high=3).astype(dtype)
    w = rnd(50, seed=4, low=0, high=1).astype(dtype)
    cases = [((pt(x), 7), (tt(x), 7), {}), ((pt(x),), (tt(x),), {}),
             ((pt(x), 4), (tt(x), 4), {"range": (-1.0, 1.0), "density": True}),
             ((pt(x), pt(np.array([-2, -0.5, 0, 2.5], dtype))), (tt(x), tt(np.array([-2, -0.5, 0, 2.5], dtype))),
              {}),
             ((pt(x), 5), (tt(x), 5), {"weight": "w"}), ((pt(x), 5), (tt(x), 5), {"weight": "w", "density": True}),
             ((pt(np.array([1.0, 1.0], dtype)), 3), (tt(np.array([1.0, 1.0], dtype)), 3), {}),
             ((pt(np.zeros(0, dtype)), 3), (tt(np.zeros(0, dtype)), 3), {}),
             ((pt(x.reshape(5, 10)), 6), (tt(x.reshape(5, 10)), 6), {"range": (0.0, 3.0)})]
    for ap, at, kw in cases:
        kp = dict(kw, weight=pt(w)) if kw.get("weight") else kw
        kt = dict(kw, weight=tt(w)) if kw.get("weight") else kw
        p, t = probtorch.histogram(*ap, **kp), torch.histogram(*at, **kt)
        same(p.hist, t.hist, 1e-5)
        same(p.bin_edges, t.bin_edges, 0)
        hp, ep = ap[0].histogram(*ap[1:], **kp)
        same(hp, t.hist, 1e-5)


def test_histogram_bins_and_edges_exact():
    """Equal-width edges are bit-identical to torch's, so values on an edge land in the same bin."""
    rng = np.random.default_rng(0)
    for i in range(120):
        dt = (np.float32, np.float64)[i % 2]
        x = (rng.standard_normal(int(rng.integers(1, 100))) * rng.uniform(0.1, 100)).astype(dt)
        if i % 3 == 0:
            x = np.round(x)  # many values exactly on edges
        b = int(rng.integers(1, 30))
        kw = {} if i % 4 else {"range": (float(x.min()) - float(rng.uniform(0, 1)), float(x.max()) + 0.5)}
        p, t = probtorch.histogram(pt(x), b, **kw), torch.histogram(tt(x), b, **kw)
        same(p.hist, t.hist, 0)
        same(p.bin_edges, t.bin_edges, 0)


def test_histogram_errors():
    x = np.array([1.0, 2.0, 1.0], np.float32)
    for lib, f in ((probtorch, pt), (torch, tt)):
        with pytest.raises(RuntimeError, match="min should not exceed max"):
            lib.histogram(f(x), bins=4, range=(3.0, 0.0))
        with pytest.raises(RuntimeError, match="bins must be > 0"):
            lib.histogram(f(x), bins=0)
        with pytest.raises(NotImplementedError, match="'Long'"):
            lib.histogram(f([1, 2, 1]), bins=3)
        with pytest.raises(RuntimeError, match="same shape as the input"):
            lib.histogram(f(x), bins=3, weight=f(np.float32([1.0, 2.0])))
        with pytest.raises(RuntimeError, match="is not finite"):
            lib.histogram(f(np.float32([1.0, np.nan])), bins=3)
        with pytest.raises(RuntimeError, match="same dtype"):
            lib.histogram(f(x.astype(np.float64)), bins=f(np.float32([0.0, 1.0])))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_histogramdd(dtype):
    pts = rnd(40, 2, seed=5).astype(dtype)
    w = rnd(40, seed=6, low=0, high=1).astype(dtype)
    e0, e1 = np.array([-1, 0, 0.5, 1], dtype), np.array([-1, 1], dtype)
    cases = [((pts, [3, 4]), {}), ((pts, 3), {"range": [-0.5, 0.5, 0.0, 1.0]}),
             ((pts, [3, 2]), {"weight": w, "density": True}), ((pts.reshape(2, 20, 2), [2, 2]), {}),
             ((pts, [e0, e1]), {}), ((pts[:, :1], [5]), {"density": True})]
    for (x, bins), kw in cases:
        def conv(v, f):
            return [f(b) if isinstance(b, np.ndarray) else b for b in v] if isinstance(v, list) else v
        kp = {k: pt(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
        kt = {k: tt(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
        p = probtorch.histogramdd(pt(x), conv(bins, pt), **kp)
        t = torch.histogramdd(tt(x), conv(bins, tt), **kt)
        same(p.hist, t.hist, 1e-5)
        same(tuple(p.bin_edges), tuple(t.bin_edges), 0)
    for lib, f in ((probtorch, pt), (torch, tt)):
        with pytest.raises(RuntimeError, match="at least 2 dimensions"):
            lib.histogramdd(f(pts[:, 0]), bins=[2])
        with pytest.raises(RuntimeError, match="innermost dimension"):
            lib.histogramdd(f(pts), bins=[2])


# ------------------------------------------------------------------------------------------ windows
@pytest.mark.parametrize("dtype,tol", DTYPES)
@pytest.mark.parametrize("name,extra", [("bartlett_window", ()), ("blackman_window", ()), ("hann_window", ()),
                                        ("hamming_window", ()), ("hamming_window", (0.5, 0.4)),
                                        ("kaiser_window", ()), ("kaiser_window", (5.0,))])
def test_windows(name, extra, dtype, tol):
    for n in (0, 1, 2, 5, 8):
        for periodic in (True, False):
            p = getattr(probtorch, name)(n, periodic, *extra, dtype=getattr(probtorch, dtype))
            t = getattr(torch, name)(n, periodic, *extra, dtype=getattr(torch, dtype))
            same(p, t, 10 * tol)
    same(getattr(probtorch, name)(6), getattr(torch, name)(6), 1e-6)
    w = getattr(probtorch, name)(3, requires_grad=True)
    assert w.requires_grad and w.is_leaf
    for lib in (probtorch, torch):
        with pytest.raises(RuntimeError, match="non-negative window_length"):
            getattr(lib, name)(-1)
        with pytest.raises(RuntimeError, match="expects floating point dtypes"):
            getattr(lib, name)(4, dtype=lib.int64)


# ------------------------------------------------------------------------------------------ settings, factories
def test_settings_like_torch():
    for lib in (probtorch, torch):
        assert lib.get_default_device() == lib.device("cpu") or str(lib.get_default_device()) == "cpu"
        lib.set_default_device("cpu")
        lib.set_default_device(None)
        with pytest.raises(RuntimeError, match="Expected one of cpu"):
            lib.set_default_device("foo")
        with pytest.raises(RuntimeError, match="setWarnOnlyOnce expects a bool"):
            lib.set_warn_always(1)
        with pytest.raises(RuntimeError, match="positive integer"):
            lib.set_num_interop_threads(0)
        with pytest.warns(UserWarning, match="is not one of"):
            lib.set_float32_matmul_precision("foo")
        assert lib.get_float32_matmul_precision() == "highest"
    assert isinstance(torch.get_num_interop_threads(), int) and probtorch.get_num_interop_threads() >= 1


def test_empty_permuted():
    for size, perm in (((2, 3, 4), (0, 2, 1)), ((2, 3, 4), (2, 0, 1)), ((5,), (0,)), ((), ())):
        p, t = probtorch.empty_permuted(size, perm), torch.empty_permuted(size, perm)
        assert tuple(p.shape) == tuple(t.shape) and p.stride() == t.stride()
    p = probtorch.empty_permuted((2, 3), (1, 0), dtype=probtorch.float64, requires_grad=True)
    assert p.dtype is probtorch.float64 and p.requires_grad
    for lib in (probtorch, torch):
        with pytest.raises(RuntimeError, match="does not match the length of the physical_layout"):
            lib.empty_permuted((2, 3, 4), (0, 2))
        with pytest.raises(RuntimeError, match="Duplicate dim not allowed"):
            lib.empty_permuted((2, 3, 4), (0, 2, 2))
        with pytest.raises(RuntimeError, match="Dimension out of range"):
            lib.empty_permuted((2, 3, 4), (0, 2, 3))
        with pytest.raises(RuntimeError, match="Only Tensors of floating point"):
            lib.empty_permuted((2, 3), (1, 0), dtype=lib.int32, requires_grad=True)


def test_frombuffer():
    a = array.array("i", [1, 2, 3, 4])
    for kw in ({}, {"count": 2, "offset": 4}, {"offset": 8}):
        same(probtorch.frombuffer(a, dtype=probtorch.int32, **kw), torch.frombuffer(a, dtype=torch.int32, **kw))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same(probtorch.frombuffer(b"abcd", dtype=probtorch.uint8), torch.frombuffer(b"abcd", dtype=torch.uint8))
    b = bytearray(np.arange(4, dtype=np.float32).tobytes())
    p = probtorch.frombuffer(b, dtype=probtorch.float32)
    p[1] = 10.0  # shares memory with the buffer
    assert np.frombuffer(b, np.float32)[1] == 10.0
    for kw, msg in (({"count": 5}, "must not be greater than actual buffer length"),
                    ({"offset": 16}, "must be non-negative and no greater"), ({"count": 0}, "must not be 0"),
                    ({"offset": -1}, "must be non-negative")):
        for lib in (probtorch, torch):
            with pytest.raises(ValueError, match=msg):
                lib.frombuffer(a, dtype=lib.int32, **kw)
    for lib in (probtorch, torch):
        with pytest.raises(ValueError, match="multiple of element size"):
            lib.frombuffer(a, dtype=lib.int64, offset=4)
        with pytest.raises(TypeError):
            lib.frombuffer(a)


# ------------------------------------------------------------------------------------------ view copies
def _copy_cases():
    x = rnd(2, 3, 4)
    return [("view_copy", x, ((4, 6),)), ("permute_copy", x, ((2, 0, 1),)), ("t_copy", x[0], ()),
            ("transpose_copy", x, (0, 2)), ("squeeze_copy", x[:1, :, :1], ()), ("squeeze_copy", x[:1], (0,)),
            ("squeeze_copy", x[:1, :, :1], ((0, 2),)), ("unsqueeze_copy", x, (1,)),
            ("expand_copy", x[:, :1], ((5, 2, 3, 4),)), ("diagonal_copy", x, (1, 1, 2)),
            ("select_copy", x, (1, -1)), ("slice_copy", x, (2, 1, None, 2)), ("slice_copy", x, (0, -100, 100, 3)),
            ("slice_copy", x, (1, 2, 1)), ("unbind_copy", x, (1,)), ("split_copy", x, (3, 2)),
            ("split_with_sizes_copy", x, ([1, 2], 1)), ("unfold_copy", x, (2, 2, 1)), ("alias_copy", x, ()),
            ("unsafe_chunk", x, (2, 2)), ("unsafe_split", x, (2, 1)), ("unsafe_split_with_sizes", x, ([3, 1], -1))]


@pytest.mark.parametrize("case", _copy_cases(), ids=lambda c: c[0])
def test_view_copies(case):
    name, x, args = case
    xp, xt = pt(x, requires_grad=True), tt(x, requires_grad=True)
    p, t = getattr(probtorch, name)(xp, *args), getattr(torch, name)(xt, *args)
    same(p, t, 0)
    assert type(p) is type(t) or isinstance(p, tuple) == isinstance(t, tuple)
    outs_p = p if isinstance(p, tuple) else (p,)
    if name.endswith("_copy"):
        for o in outs_p:
            assert o._base is None and not np.shares_memory(o.detach().numpy(), xp.detach().numpy())
    lp = sum((o * float(i + 1)).sum() for i, o in enumerate(outs_p))
    lt = sum((o * float(i + 1)).sum() for i, o in enumerate(t if isinstance(t, tuple) else (t,)))
    same(probtorch.autograd.grad(lp, xp)[0], torch.autograd.grad(lt, xt)[0], 0)
    check_grads(lambda a: getattr(probtorch, name)(a, *args) if not isinstance(p, tuple)
                else probtorch.cat([o.reshape(-1) for o in getattr(probtorch, name)(a, *args)]),
                (pt(x, requires_grad=True),))


def test_copies_misc():
    x = np.arange(4, dtype=np.int32)
    same(probtorch.view_copy(pt(x), probtorch.float32), torch.view_copy(tt(x), torch.float32), 0)
    d = probtorch.detach_copy(pt(rnd(3), requires_grad=True))
    assert not d.requires_grad and d.grad_fn is None
    same(d, torch.detach_copy(tt(rnd(3))))
    same(pt(rnd(5)).unsafe_chunk(2), tt(rnd(5)).unsafe_chunk(2))
    same(pt(rnd(5)).unsafe_split(2), tt(rnd(5)).unsafe_split(2))
    same(pt(rnd(5)).unsafe_split_with_sizes([1, 4]), tt(rnd(5)).unsafe_split_with_sizes([1, 4]))
    x5 = rnd(5)
    same(probtorch.unsafe_split(input=pt(x5), split_size=2), torch.unsafe_split(input=tt(x5), split_size=2))
    same(probtorch.unsafe_chunk(pt(x5), chunks=2, dim=0), torch.unsafe_chunk(tt(x5), chunks=2, dim=0))
    same(probtorch.unsafe_split_with_sizes(pt(x5), split_sizes=[2, 3]),
         torch.unsafe_split_with_sizes(tt(x5), split_sizes=[2, 3]))
    for lib, f in ((probtorch, pt), (torch, tt)):
        with pytest.raises(RuntimeError):
            lib.slice_copy(f(rnd(4)), 0, 0, 4, 0)
        with pytest.raises(RuntimeError):
            lib.view_copy(f(rnd(2, 3)), (4, 2))


# ------------------------------------------------------------------------------------------ binomial
def test_binomial_errors_and_dtype():
    for lib, f in ((probtorch, pt), (torch, tt)):
        with pytest.raises(ValueError, match="floating-point dtypes for count"):
            lib.binomial(f([5, 10]), f([0.5, 0.2]))
        with pytest.raises(RuntimeError, match="Found dtype Double but expected Float"):
            lib.binomial(f(np.float32([5, 10])), f([0.5, 0.2]))
    p = probtorch.binomial(pt(np.float32([5, 10])), pt(np.float32([0.5])))
    t = torch.binomial(tt(np.float32([5, 10])), tt(np.float32([0.5])))
    assert p.dtype is probtorch.float32 and tuple(p.shape) == tuple(t.shape)


# ------------------------------------------------------------------------------------------ small helpers
def test_relu_top_level():
    x = rnd(3, 4)
    same(probtorch.relu(pt(x)), torch.relu(tt(x)))
    grads_match(probtorch.relu, torch.relu, [x])
    check_grads(probtorch.relu, (pt(x, requires_grad=True),))


@pytest.mark.parametrize("dim", [0, 1, 2, -1])
@pytest.mark.parametrize("p", [2, 3])
def test_norm_except_dim(dim, p):
    v = rnd(2, 3, 4)
    grads_match(lambda a: probtorch.norm_except_dim(a, p, dim), lambda a: torch.norm_except_dim(a, p, dim), [v])
    check_grads(lambda a: probtorch.norm_except_dim(a, p, dim), (pt(v, requires_grad=True),))
    same(probtorch.norm_except_dim(pt(v.astype("float32")), p, dim),
         torch.norm_except_dim(tt(v.astype("float32")), p, dim), 1e-5)


def test_nonzero_static():
    for x, kw in (([0, 1, 0, 2], {"size": 4}), ([[0, 1], [1, 2]], {"size": 1, "fill_value": -5}),
                  ([[0, 1], [1, 2]], {"size": 0}), (np.array(3), {"size": 2}), ([0.0, 0.5], {"size": 3})):
        same(probtorch.nonzero_static(pt(x), **kw), torch.nonzero_static(tt(x), **kw))
        same(pt(x).nonzero_static(**kw), tt(x).nonzero_static(**kw))
    for lib, f in ((probtorch, pt), (torch, tt)):
        with pytest.raises(RuntimeError, match="non-negative integer"):
            lib.nonzero_static(f([1, 0]), size=-1)


def test_inplace_helpers():
    x, m, v = rnd(3), rnd(3, 2, seed=1), rnd(2, seed=2)
    p, t = pt(x), tt(x)
    assert probtorch.addmv_(p, pt(m), pt(v), beta=0.5, alpha=2) is p
    torch.addmv_(t, tt(m), tt(v), beta=0.5, alpha=2)
    same(p, t, 1e-12)
    p, t = pt(x), tt(x)
    assert probtorch.i0_(p) is p
    torch.i0_(t)
    same(p, t, 1e-12)
    p, t = pt(rnd(2, 3)), tt(rnd(2, 3))
    assert probtorch.resize_as_(p, pt(np.zeros(4))) is p
    torch.resize_as_(t, tt(np.zeros(4)))
    same(p, t)
    q = pt(rnd(2, 3))
    q.resize_as_(pt(np.zeros((3, 2))))
    assert tuple(q.shape) == (3, 2)
    a, b = pt(x, requires_grad=True) * 2, tt(x, requires_grad=True) * 2
    assert probtorch.detach_(a) is a
    torch.detach_(b)
    assert a.requires_grad == b.requires_grad and a.grad_fn is None and b.grad_fn is None
    assert probtorch.get_device(pt(x)) == torch.get_device(tt(x)) == pt(x).get_device() == -1


def test_debug_and_anomaly_modes():
    try:
        for mode, code in (("warn", 1), ("error", 2), ("default", 0), (1, 1), (0, 0)):
            for lib in (probtorch, torch):
                lib.set_deterministic_debug_mode(mode)
                assert lib.get_deterministic_debug_mode() == code
                assert lib.are_deterministic_algorithms_enabled() == (code > 0)
                assert lib.is_deterministic_algorithms_warn_only_enabled() == (code == 1)
        for lib in (probtorch, torch):
            with pytest.raises(RuntimeError, match="expected 0, 1, or 2"):
                lib.set_deterministic_debug_mode(3)
            with pytest.raises(RuntimeError, match="expected one of `default`"):
                lib.set_deterministic_debug_mode("foo")
            with pytest.raises(TypeError, match="must be str or int"):
                lib.set_deterministic_debug_mode(1.0)
            lib.set_anomaly_enabled(True, False)
            assert lib.is_anomaly_enabled() and not lib.is_anomaly_check_nan_enabled()
    finally:
        for lib in (probtorch, torch):
            lib.set_deterministic_debug_mode(0)
            lib.set_anomaly_enabled(False)
    assert not probtorch.is_anomaly_enabled() and probtorch.is_anomaly_check_nan_enabled()


@pytest.mark.filterwarnings("ignore:.*set_default_tensor_type.*deprecated")
def test_set_default_tensor_type():
    try:
        for lib in (probtorch, torch):
            lib.set_default_tensor_type(lib.DoubleTensor)
            assert lib.get_default_dtype() is lib.float64
            lib.set_default_tensor_type("torch.FloatTensor")
            assert lib.get_default_dtype() is lib.float32
            with pytest.raises(TypeError):
                lib.set_default_tensor_type(lib.LongTensor)
    finally:
        probtorch.set_default_dtype(probtorch.float32)
        torch.set_default_dtype(torch.float32)


def test_layout_tokens_like_torch():
    assert repr(probtorch.zeros(1).layout).split(".")[-1] == repr(torch.zeros(1).layout).split(".")[-1]
    for name in ("strided", "contiguous_format", "preserve_format", "channels_last", "channels_last_3d"):
        assert repr(getattr(probtorch, name)).split(".")[-1] == repr(getattr(torch, name)).split(".")[-1]
        assert isinstance(getattr(probtorch, name), (probtorch.layout, probtorch.memory_format))
    for lib in (probtorch, torch):
        with pytest.raises(TypeError, match="cannot create"):
            lib.layout()


def test_cond():
    x = rnd(3)
    for pred in (True, False, 1, 0.0):
        same(probtorch.cond(pred, lambda a: a + 1, lambda a: a * 2, (pt(x),)),
             torch.cond(pred, lambda a: a + 1, lambda a: a * 2, (tt(x),)))
    same(probtorch.cond(pt(np.array([False])), lambda a, b: a + b, lambda a, b: a - b, [pt(x), pt(x * 3)]),
         torch.cond(tt(np.array([False])), lambda a, b: a + b, lambda a, b: a - b, [tt(x), tt(x * 3)]))
    same(probtorch.cond(True, lambda: pt(x) + 1, lambda: pt(x)), torch.cond(True, lambda: tt(x) + 1, lambda: tt(x)))
    # (torch compiles cond when an operand requires grad; the eager gradient is that of the chosen branch)
    a = pt(x, requires_grad=True)
    g, = probtorch.autograd.grad(probtorch.cond(probtorch.tensor(True), lambda v: v.sin(), lambda v: v, (a,)).sum(), a)
    np.testing.assert_allclose(g.numpy(), np.cos(x))
    for lib, f in ((probtorch, pt), (torch, tt)):
        with pytest.raises(RuntimeError, match="single-element tensor"):
            lib.cond(f([True, False]), lambda a: a, lambda a: a, (f(x),))


def test_small_tensor_methods():
    x = rnd(2, 3)
    for lib, f in ((probtorch, pt), (torch, tt)):
        assert f(x).is_cpu is True
        assert f([1]).is_signed() and not f(np.array([1], np.uint8)).is_signed() and not f([True]).is_signed()
        assert f(x).is_same_size(f(x + 1)) and not f(x).is_same_size(f(x[0]))
        assert f([0.0]).is_nonzero() is False and f([2]).is_nonzero() is True
        with pytest.raises(RuntimeError, match="more than one value is ambiguous"):
            f([1, 2]).is_nonzero()
    for name in ("cumsum_", "cumprod_"):
        p, t = pt(x), tt(x)
        assert getattr(p, name)(1) is p
        getattr(t, name)(1)
        same(p, t, 1e-12)
        a, b = pt(x, requires_grad=True), tt(x, requires_grad=True)
        ya, yb = a * 2, b * 2
        getattr(ya, name)(0)
        getattr(yb, name)(0)
        same(probtorch.autograd.grad((ya * pt(x)).sum(), a)[0], torch.autograd.grad((yb * tt(x)).sum(), b)[0], 1e-12)


TOP_LEVEL_NN = [  # torch's top-level spellings of nn ops: (name, argument builder)
    ("conv1d", lambda r: (r.normal(size=(2, 4, 9)), r.normal(size=(6, 4, 3)), r.normal(size=6), 2, 1)),
    ("conv2d", lambda r: (r.normal(size=(2, 4, 7, 7)), r.normal(size=(4, 2, 3, 3)), None, 1, "same", 1, 2)),
    ("conv3d", lambda r: (r.normal(size=(1, 2, 5, 5, 5)), r.normal(size=(3, 2, 2, 2, 2)))),
    ("conv_transpose1d", lambda r: (r.normal(size=(2, 4, 6)), r.normal(size=(4, 3, 3)), None, 2, 1, 1)),
    ("conv_transpose2d", lambda r: (r.normal(size=(2, 4, 5, 5)), r.normal(size=(4, 3, 3, 3)), r.normal(size=3), 2)),
    ("conv_transpose3d", lambda r: (r.normal(size=(1, 2, 3, 3, 3)), r.normal(size=(2, 2, 2, 2, 2)))),
    ("conv_tbc", lambda r: (r.normal(size=(9, 2, 4)), r.normal(size=(3, 4, 5)), r.normal(size=5), 1)),
    ("avg_pool1d", lambda r: (r.normal(size=(2, 3, 9)), 3, 2, 1, True, False)),
    ("adaptive_avg_pool1d", lambda r: (r.normal(size=(2, 3, 9)), 4)),
    ("adaptive_max_pool1d", lambda r: (r.normal(size=(2, 3, 9)), 4)),
    ("max_pool1d", lambda r: (r.normal(size=(2, 3, 9)), 2)),
    ("max_pool2d", lambda r: (r.normal(size=(2, 3, 8, 8)), 3, 2, 1, 1, True)),
    ("max_pool3d", lambda r: (r.normal(size=(1, 2, 4, 4, 4)), 2, [])),
    ("max_pool1d_with_indices", lambda r: (r.normal(size=(2, 3, 9)), 3, 2, 1)),
    ("pdist", lambda r: (r.normal(size=(5, 3)), 1.5)),
    ("channel_shuffle", lambda r: (r.normal(size=(2, 4, 3, 3)), 2)),
]


@pytest.mark.parametrize("name,build", TOP_LEVEL_NN, ids=[c[0] for c in TOP_LEVEL_NN])
def test_top_level_nn_spellings_match_torch(name, build):
    args = build(np.random.default_rng(0))
    ours = getattr(probtorch, name)(*[probtorch.tensor(a) if isinstance(a, np.ndarray) else a for a in args])
    theirs = getattr(torch, name)(*[torch.tensor(a) if isinstance(a, np.ndarray) else a for a in args])
    if isinstance(theirs, tuple):
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
    else:
        ours, theirs = (ours,), (theirs,)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("case", ["2d", "1d", "k_dim", "ignore"])
def test_linear_cross_entropy_matches_torch(case):
    r = np.random.default_rng(1)
    x, w, t, kw = r.normal(size=(4, 5)), r.normal(size=(3, 5)), np.array([0, 2, 1, 1]), {}
    if case == "1d":
        x, t = x[0], np.array(2)
    elif case == "k_dim":
        w, t = r.normal(size=(3, 2, 5)), r.integers(0, 3, (4, 2))
        kw = {"linear_bias": r.normal(size=(3, 2))}
    elif case == "ignore":
        kw = {"ignore_index": 1, "label_smoothing": 0.1, "weight": r.uniform(0.5, 2, 3)}
    res = {}
    for lib, mod in (("pt", probtorch), ("torch", torch)):
        xs, ws = mod.tensor(x, requires_grad=True), mod.tensor(w, requires_grad=True)
        kws = {k: mod.tensor(v) for k, v in kw.items() if k != "ignore_index" and k != "label_smoothing"}
        kws.update({k: v for k, v in kw.items() if k in ("ignore_index", "label_smoothing")})
        loss = mod.nn.functional.linear_cross_entropy(xs, ws, mod.tensor(t), **kws)
        grads = mod.autograd.grad(loss, [xs, ws])
        res[lib] = [loss.detach().numpy()] + [g.numpy() for g in grads]
    for a, b in zip(res["pt"], res["torch"]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
