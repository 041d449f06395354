"""probtorch.special against torch.special (values and gradients), gradcheck / gradgradcheck in float64, and the
not-implemented derivatives."""
import math

import numpy as np
import pytest

import probtorch
import probtorch.special as ps
from probtorch.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")


def _u(lo, hi):
    return ("u", lo, hi)


# (name, function over a library namespace, input domains, differentiable)
CASES = [
    ("expit", lambda lib, x: lib.special.expit(x), [_u(-5, 5)], True),
    ("logit", lambda lib, x: lib.special.logit(x), [_u(0.05, 0.95)], True),
    ("logit_eps", lambda lib, x: lib.special.logit(x, eps=0.1), [_u(0.01, 0.99)], True),
    ("erf", lambda lib, x: lib.special.erf(x), [_u(-2, 2)], True),
    ("erfc", lambda lib, x: lib.special.erfc(x), [_u(-2, 2)], True),
    ("erfcx", lambda lib, x: lib.special.erfcx(x), [_u(-2, 5)], True),
    ("erfinv", lambda lib, x: lib.special.erfinv(x), [_u(-0.9, 0.9)], True),
    ("ndtr", lambda lib, x: lib.special.ndtr(x), [_u(-3, 3)], True),
    ("ndtri", lambda lib, x: lib.special.ndtri(x), [_u(0.05, 0.95)], True),
    ("log_ndtr", lambda lib, x: lib.special.log_ndtr(x), [_u(-8, 3)], True),
    ("i0", lambda lib, x: lib.special.i0(x), [_u(-3, 3)], True),
    ("i0e", lambda lib, x: lib.special.i0e(x), [_u(0.1, 3)], True),
    ("i1", lambda lib, x: lib.special.i1(x), [_u(-3, 3)], True),
    ("i1e", lambda lib, x: lib.special.i1e(x), [_u(0.1, 3)], True),
    ("xlogy", lambda lib, x, y: lib.special.xlogy(x, y), [_u(-2, 2), _u(0.1, 3)], True),
    ("xlog1py", lambda lib, x, y: lib.special.xlog1py(x, y), [_u(-2, 2), _u(-0.9, 3)], True),
    ("gammaln", lambda lib, x: lib.special.gammaln(x), [_u(0.2, 5)], True),
    ("digamma", lambda lib, x: lib.special.digamma(x), [_u(0.2, 5)], True),
    ("psi", lambda lib, x: lib.special.psi(x), [_u(0.2, 5)], True),
    ("polygamma2", lambda lib, x: lib.special.polygamma(2, x), [_u(0.5, 5)], True),
    ("multigammaln", lambda lib, x: lib.special.multigammaln(x, 3), [_u(1.5, 5)], True),
    ("logsumexp", lambda lib, x: lib.special.logsumexp(x, 1), [_u(-3, 3)], True),
    ("logsumexp_keep", lambda lib, x: lib.special.logsumexp(x, (0, 1), keepdim=True), [_u(-3, 3)], True),
    ("softmax", lambda lib, x: lib.special.softmax(x, 0), [_u(-3, 3)], True),
    ("log_softmax", lambda lib, x: lib.special.log_softmax(x, -1), [_u(-3, 3)], True),
    ("entr", lambda lib, x: lib.special.entr(x), [_u(0.1, 3)], True),
    ("sinc", lambda lib, x: lib.special.sinc(x), [_u(-2, 2)], True),
    ("gammainc", lambda lib, a, x: lib.special.gammainc(a, x), [_u(0.5, 4), _u(0.2, 5)], True),
    ("gammaincc", lambda lib, a, x: lib.special.gammaincc(a, x), [_u(0.5, 4), _u(0.2, 5)], True),
    ("log1p", lambda lib, x: lib.special.log1p(x), [_u(-0.5, 2)], True),
    ("expm1", lambda lib, x: lib.special.expm1(x), [_u(-2, 2)], True),
    ("exp2", lambda lib, x: lib.special.exp2(x), [_u(-2, 2)], True),
    ("round", lambda lib, x: lib.special.round(x * 10, decimals=1) + x, [_u(-2, 2)], True),
    ("zeta", lambda lib, x, q: lib.special.zeta(x, q), [_u(1.5, 4), _u(0.5, 3)], True),
    ("bessel_j0", lambda lib, x: lib.special.bessel_j0(x), [_u(-5, 5)], False),
    ("bessel_j1", lambda lib, x: lib.special.bessel_j1(x), [_u(-5, 5)], False),
    ("bessel_y0", lambda lib, x: lib.special.bessel_y0(x), [_u(0.1, 5)], False),
    ("bessel_y1", lambda lib, x: lib.special.bessel_y1(x), [_u(0.1, 5)], False),
    ("modified_bessel_i0", lambda lib, x: lib.special.modified_bessel_i0(x), [_u(-3, 3)], False),
    ("modified_bessel_i1", lambda lib, x: lib.special.modified_bessel_i1(x), [_u(-3, 3)], False),
    ("modified_bessel_k0", lambda lib, x: lib.special.modified_bessel_k0(x), [_u(0.1, 3)], False),
    ("modified_bessel_k1", lambda lib, x: lib.special.modified_bessel_k1(x), [_u(0.1, 3)], False),
    ("scaled_modified_bessel_k0", lambda lib, x: lib.special.scaled_modified_bessel_k0(x), [_u(0.1, 3)], False),
    ("scaled_modified_bessel_k1", lambda lib, x: lib.special.scaled_modified_bessel_k1(x), [_u(0.1, 3)], False),
    ("spherical_bessel_j0", lambda lib, x: lib.special.spherical_bessel_j0(x), [_u(0.1, 5)], False),
    ("airy_ai", lambda lib, x: lib.special.airy_ai(x), [_u(-3, 3)], False),
]

# in (a, x) pairs only x is differentiable: mark which inputs take part in gradient checks
_GRAD_ONLY = {"gammainc": (1,), "gammaincc": (1,), "zeta": (1,)}


def _inputs(domains, shape=(2, 3), seed=0):
    rng = np.random.default_rng(seed)
    return [rng.uniform(lo, hi, shape) for _, lo, hi in domains]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name,fn,domains,diff", CASES, ids=[c[0] for c in CASES])
def test_against_torch(name, fn, domains, diff, dtype):
    arrays = [a.astype(dtype) for a in _inputs(domains)]
    grad_idx = _GRAD_ONLY.get(name, tuple(range(len(arrays)))) if diff else ()
    pts = [probtorch.tensor(a, requires_grad=i in grad_idx) for i, a in enumerate(arrays)]
    tts = [torch.tensor(a, requires_grad=i in grad_idx) for i, a in enumerate(arrays)]
    po, to = fn(probtorch, *pts), fn(torch, *tts)
    assert po.dtype.name == str(to.dtype).split(".")[1]
    assert po.requires_grad == to.requires_grad
    tol = dict(rtol=1e-8, atol=1e-10) if dtype == "float64" else dict(rtol=2e-5, atol=1e-6)
    if not diff:
        # torch's Bessel family is accurate to about 1e-5 only; the mpmath test below holds ours to 1e-12
        np.testing.assert_allclose(po.detach().numpy(), to.detach().numpy(), rtol=1e-4, atol=1e-6)
        return
    np.testing.assert_allclose(po.detach().numpy(), to.detach().numpy(), **tol)
    cot = np.random.default_rng(1).standard_normal(tuple(to.shape)).astype(dtype)
    pg = probtorch.autograd.grad(po, [pts[i] for i in grad_idx], probtorch.tensor(cot))
    tg = torch.autograd.grad(to, [tts[i] for i in grad_idx], torch.tensor(cot))
    for p, t in zip(pg, tg):
        np.testing.assert_allclose(p.numpy(), t.numpy(), **tol)


@pytest.mark.parametrize("name,fn,domains,diff", [c for c in CASES if c[3]], ids=[c[0] for c in CASES if c[3]])
def test_gradcheck(name, fn, domains, diff):
    arrays = _inputs(domains, (2, 2), seed=2)
    grad_idx = _GRAD_ONLY.get(name, tuple(range(len(arrays))))
    xs = [probtorch.tensor(a, requires_grad=i in grad_idx) for i, a in enumerate(arrays)]
    f = lambda *args: fn(probtorch, *args)  # noqa: E731
    assert gradcheck(f, xs)
    assert gradgradcheck(f, xs)


def test_integer_inputs_promote():
    x = probtorch.tensor([1, 2, 3])
    assert ps.erf(x).dtype is probtorch.float32
    assert ps.gammaln(x).dtype is probtorch.float32
    np.testing.assert_allclose(ps.zeta(probtorch.tensor([2.0]), 1.0).numpy(), [math.pi ** 2 / 6], rtol=1e-6)
    np.testing.assert_allclose(ps.zeta(2.0, probtorch.tensor([1.0])).numpy(), [math.pi ** 2 / 6], rtol=1e-6)
    np.testing.assert_allclose(ps.xlogy(2, probtorch.tensor([3.0])).numpy(), [2 * math.log(3)], rtol=1e-6)
    with pytest.raises(RuntimeError, match="not implemented for 'Long'"):
        ps.softmax(x, 0)
    np.testing.assert_allclose(ps.softmax(x, 0, dtype=probtorch.float64).numpy(),
                               torch.special.softmax(torch.tensor([1, 2, 3]), 0, dtype=torch.float64).numpy())


def test_boundaries_match_torch():
    vals = [0.0, -1.0, 0.5, math.inf, math.nan]
    p = probtorch.tensor(vals, dtype=probtorch.float64, requires_grad=True)
    t = torch.tensor(vals, dtype=torch.float64, requires_grad=True)
    for fn in (lambda lib, x: lib.special.entr(x), lambda lib, x: lib.special.xlogy(0.0 * x, x),
               lambda lib, x: lib.special.sinc(x),
               lambda lib, x: lib.special.gammainc(1.5 * lib.ones(5, dtype=lib.float64), x.abs())):
        po, to = fn(probtorch, p), fn(torch, t)
        np.testing.assert_allclose(po.detach().numpy(), to.detach().numpy())
        (pg,) = probtorch.autograd.grad(po.sum(), p)
        (tg,) = torch.autograd.grad(to.sum(), t)
        np.testing.assert_allclose(pg.numpy(), tg.numpy())


@pytest.mark.parametrize("fn,msg", [(ps.gammainc, "igamma: input"), (ps.gammaincc, "igamma: input"),
                                    (ps.zeta, "zeta")])
def test_not_implemented_derivatives(fn, msg):
    a = probtorch.tensor([2.0, 3.0], dtype=probtorch.float64, requires_grad=True)
    x = probtorch.tensor([1.5, 2.5], dtype=probtorch.float64, requires_grad=True)
    out = fn(a, x)
    # the gradient in the second argument alone is fine, as in torch
    (gx,) = probtorch.autograd.grad(out.sum(), x, retain_graph=True)
    assert np.all(np.isfinite(gx.numpy()))
    with pytest.raises(NotImplementedError, match=f"the derivative for '{msg}' is not implemented"):
        probtorch.autograd.grad(out.sum(), a, retain_graph=True)
    with pytest.raises(NotImplementedError):
        out.sum().backward()


def test_bessel_outputs_do_not_require_grad():
    x = probtorch.tensor([0.5, 2.0], requires_grad=True)
    assert not ps.bessel_j0(x).requires_grad
    assert not ps.airy_ai(x).requires_grad


def test_namespace():
    assert probtorch.special is ps
    for name in ps.__all__:
        assert hasattr(torch.special, name), name


def test_bessel_family_against_mpmath():
    mpmath = pytest.importorskip("mpmath")
    refs = {"bessel_j0": lambda x: mpmath.besselj(0, x), "bessel_j1": lambda x: mpmath.besselj(1, x),
            "bessel_y0": lambda x: mpmath.bessely(0, x), "bessel_y1": lambda x: mpmath.bessely(1, x),
            "modified_bessel_i0": lambda x: mpmath.besseli(0, x), "modified_bessel_i1": lambda x: mpmath.besseli(1, x),
            "modified_bessel_k0": lambda x: mpmath.besselk(0, x), "modified_bessel_k1": lambda x: mpmath.besselk(1, x),
            "scaled_modified_bessel_k0": lambda x: mpmath.exp(x) * mpmath.besselk(0, x),
            "scaled_modified_bessel_k1": lambda x: mpmath.exp(x) * mpmath.besselk(1, x),
            "spherical_bessel_j0": lambda x: mpmath.sin(x) / x, "airy_ai": mpmath.airyai}
    xs = [0.3, 1.7, 4.2, 9.5]
    for name, ref in refs.items():
        got = getattr(ps, name)(probtorch.tensor(xs, dtype=probtorch.float64)).numpy()
        np.testing.assert_allclose(got, [float(ref(x)) for x in xs], rtol=1e-12, atol=1e-300, err_msg=name)


POLYS = [n for n in ps.__all__ if "polynomial" in n]


@pytest.mark.parametrize("name", POLYS)
def test_polynomials_against_torch(name):
    rng = np.random.default_rng(5)
    x = rng.uniform(-1.5, 1.5, 60)
    if name.startswith("shifted"):
        x = (x + 1) / 2
    n = rng.integers(-2, 12, 60).astype(float) + rng.uniform(0, 0.9, 60)  # non-integer n truncates
    for xs, ns in ((x, n), (x, 4), (x.astype("float32"), n.astype("int64"))):
        xp = probtorch.tensor(xs, requires_grad=xs.dtype == np.float64)
        np_ = probtorch.tensor(ns) if isinstance(ns, np.ndarray) else ns
        nt = torch.tensor(ns) if isinstance(ns, np.ndarray) else ns
        got = getattr(ps, name)(xp, np_)
        ref = getattr(torch.special, name)(torch.tensor(xs), nt)
        assert not got.requires_grad
        assert got.dtype.name == str(ref.dtype).split(".")[1]
        tol = 1e-12 if xs.dtype == np.float64 else 1e-4
        np.testing.assert_allclose(got.numpy(), ref.numpy(), rtol=tol, atol=tol)


def test_polynomials_against_scipy():
    import scipy.special as sc
    x = np.linspace(-2, 2, 9)
    refs = {"chebyshev_polynomial_t": sc.eval_chebyt, "chebyshev_polynomial_u": sc.eval_chebyu,
            "hermite_polynomial_h": sc.eval_hermite, "hermite_polynomial_he": sc.eval_hermitenorm,
            "laguerre_polynomial_l": sc.eval_laguerre, "legendre_polynomial_p": sc.eval_legendre,
            "shifted_chebyshev_polynomial_t": sc.eval_sh_chebyt, "shifted_chebyshev_polynomial_u": sc.eval_sh_chebyu}
    for name, ref in refs.items():
        for n in range(7):
            got = getattr(ps, name)(probtorch.tensor(x), n).numpy()
            np.testing.assert_allclose(got, ref(n, x), rtol=1e-12, atol=1e-12, err_msg=f"{name} n={n}")


@pytest.mark.parametrize("fn", [ps.gammainc, ps.gammaincc, ps.zeta])
def test_not_implemented_derivatives_forward_mode(fn):
    import probtorch.autograd.forward_ad as fw
    a = probtorch.tensor([2.0, 3.0], dtype=probtorch.float64)
    x = probtorch.tensor([1.5, 2.5], dtype=probtorch.float64)
    one = probtorch.ones(2, dtype=probtorch.float64)
    with fw.dual_level():
        t = fw.unpack_dual(fn(a, fw.make_dual(x, one))).tangent
        xt = x.clone().requires_grad_()
        (g,) = probtorch.autograd.grad(fn(a, xt).sum(), xt)
        np.testing.assert_allclose(t.numpy(), g.numpy(), rtol=1e-12)
        with pytest.raises(NotImplementedError):
            fn(fw.make_dual(a, one), x)
