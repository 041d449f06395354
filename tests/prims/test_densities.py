"""The fused log-density primitives (Gamma, Beta, Dirichlet): compiled pass vs the composed numpy path vs the pure
Python kernel vs scipy.stats and torch, at the support's edges, and their gradients to second order."""
import numpy as np
import pytest
import scipy.stats as st

import probtorch as pt
from probtorch._kernels import densities as D
from probtorch._kernels._jit import available
from probtorch.prims import densities as P
from probtorch.testing import check_grads

needs_numba = pytest.mark.skipif(not available(), reason="numba unavailable")
BIG = 6000  # above the compiled path's threshold
RNG = np.random.default_rng(0)


def _params(kind, n, dtype, rng=RNG):
    a = rng.uniform(0.05, 8, n)
    b = rng.uniform(0.05, 8, n)
    if kind == "gamma":
        x = rng.gamma(a, 1 / b)
    elif kind == "beta":
        x = np.clip(rng.beta(a, b), 1e-6, 1 - 1e-6)  # inside (0, 1) in float32 too
    else:
        a = rng.uniform(0.05, 8, (n // 4, 4))
        x = np.stack([rng.dirichlet(r) for r in a])
        return [np.clip(v, 1e-30, None).astype(dtype) for v in (a, x)]
    return [np.clip(v, 1e-30, None).astype(dtype) for v in (a, b, x)]


def _scipy(kind, *arrays):
    arrays = [v.astype(np.float64) for v in arrays]
    if kind == "gamma":
        a, b, x = arrays
        return st.gamma(a, scale=1 / b).logpdf(x)
    if kind == "beta":
        return st.beta(arrays[0], arrays[1]).logpdf(arrays[2])
    c, x = arrays
    return np.array([st.dirichlet(ci).logpdf(xi / xi.sum()) for ci, xi in zip(c, x.astype(np.float64))])


PRIMS = {"gamma": P.gamma_log_prob, "beta": P.beta_log_prob, "dirichlet": P.dirichlet_log_prob}


def _call(kind, *arrays):
    return PRIMS[kind](*[pt.tensor(a) for a in arrays]).numpy()


@needs_numba
@pytest.mark.parametrize("kind", ["gamma", "beta", "dirichlet"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_compiled_and_composed_paths_agree_with_scipy(kind, dtype, monkeypatch):
    arrays = _params(kind, BIG * 4 if kind == "dirichlet" else BIG, dtype)
    if kind == "dirichlet":  # renormalize in the working dtype so the value is on the simplex there
        arrays[1] = (arrays[1] / arrays[1].sum(-1, keepdims=True)).astype(dtype)
    fast = _call(kind, *arrays)
    monkeypatch.setenv("PROBTORCH_DISABLE_NUMBA", "1")
    composed = _call(kind, *arrays)
    ref = _scipy(kind, *arrays)
    assert fast.dtype == composed.dtype == dtype
    tol = 2e-5 if dtype == np.float32 else 1e-11
    scale = np.maximum(1.0, np.abs(ref))
    assert np.max(np.abs(fast - ref) / scale) < tol
    assert np.max(np.abs(composed - ref) / scale) < 20 * tol  # float32 composition rounds at each step


@needs_numba
@pytest.mark.parametrize("kind", ["gamma", "beta", "dirichlet"])
def test_kernel_equals_its_pure_python_twin(kind):
    arrays = _params(kind, 400, np.float64)
    n = arrays[0].shape[0]
    compiled, python = np.empty(n), np.empty(n)
    kernel = getattr(D, kind + "_log_prob")
    assert kernel(*arrays, compiled) == 0
    with np.errstate(all="ignore"):
        assert kernel.py(*arrays, python) == 0
    np.testing.assert_array_equal(compiled, python)


EDGES = {  # (a, b, x) triples at the support's boundary, as the composed formula defines them
    "gamma": [(1.0, 2.0, 0.0), (0.5, 2.0, 0.0), (3.0, 2.0, 0.0), (2.0, 1.0, np.nan), (2.0, 1.0, np.inf),
              (1e-3, 1e-3, 1e-30), (1e4, 1.0, 1e4)],
    "beta": [(1.0, 2.0, 0.0), (0.5, 2.0, 0.0), (3.0, 1.0, 1.0), (2.0, 0.5, 1.0), (2.0, 3.0, np.nan),
             (1e-3, 1e4, 1e-5)],
}


@needs_numba
@pytest.mark.parametrize("kind", ["gamma", "beta"])
def test_support_edges_match_the_composed_path(kind, monkeypatch):
    triples = np.array(EDGES[kind] * (BIG // len(EDGES[kind]) + 1))
    a, b, x = (np.ascontiguousarray(triples[:, k]) for k in range(3))
    fast = _call(kind, a, b, x)
    monkeypatch.setenv("PROBTORCH_DISABLE_NUMBA", "1")
    composed = _call(kind, a, b, x)
    np.testing.assert_allclose(fast, composed, rtol=1e-12, atol=1e-10, equal_nan=True)


@needs_numba
def test_dirichlet_zero_coordinates_and_invalid_parameters(monkeypatch):
    c = np.tile([[1.0, 0.5, 2.0], [1.0, 1.0, 1.0]], (BIG, 1))
    x = np.tile([[0.0, 0.5, 0.5], [0.0, 0.0, 1.0]], (BIG, 1))
    fast = _call("dirichlet", c, x)
    bad_c = c.copy()
    bad_c[7, 1] = -1.0  # outside the domain (validate_args=False): the whole call takes the composed path
    with_bad = _call("dirichlet", bad_c, x)
    monkeypatch.setenv("PROBTORCH_DISABLE_NUMBA", "1")
    np.testing.assert_allclose(fast, _call("dirichlet", c, x), rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(with_bad, _call("dirichlet", bad_c, x), rtol=1e-12, equal_nan=True)


@needs_numba
def test_invalid_gamma_parameters_take_the_composed_path(monkeypatch):
    a, b, x = _params("gamma", BIG, np.float64)
    a[5], a[9] = -1.0, 0.0
    fast = _call("gamma", a, b, x)
    monkeypatch.setenv("PROBTORCH_DISABLE_NUMBA", "1")
    np.testing.assert_array_equal(fast, _call("gamma", a, b, x))


@needs_numba
def test_broadcasting_and_python_scalars():
    a = RNG.uniform(0.5, 3, (1, 3000)).astype(np.float32)
    x = RNG.gamma(2.0, size=(4, 3000)).astype(np.float32)
    res = P.gamma_log_prob(pt.tensor(a), 2.0, pt.tensor(x))
    assert res.shape == (4, 3000) and res.dtype == pt.float32
    ref = st.gamma(a.astype(float), scale=0.5).logpdf(x.astype(float))
    np.testing.assert_allclose(res.numpy(), ref, rtol=2e-5, atol=2e-5)
    c = RNG.uniform(0.5, 3, 5).astype(np.float64)
    xs = RNG.dirichlet(np.ones(5), size=(3, 2000))
    res = P.dirichlet_log_prob(pt.tensor(c), pt.tensor(xs))
    assert res.shape == (3, 2000)
    np.testing.assert_allclose(res.numpy(), st.dirichlet(c).logpdf(xs.reshape(-1, 5).T).reshape(3, 2000),
                               rtol=1e-11)


@pytest.mark.parametrize("kind", ["gamma", "beta", "dirichlet"])
def test_gradcheck_and_gradgradcheck(kind):
    rng = np.random.default_rng(3)
    arrays = _params(kind, 12, np.float64, rng)
    arrays[-1] = np.clip(arrays[-1], 0.05, None if kind == "gamma" else 0.95)  # finite differences stay inside
    inputs = tuple(pt.tensor(a, requires_grad=True) for a in arrays)
    if kind == "dirichlet":  # differentiate along the simplex through a softmax of free coordinates
        free = pt.tensor(np.log(arrays[1]), requires_grad=True)
        assert check_grads(lambda c, z: P.dirichlet_log_prob(c, z.softmax(-1)), (inputs[0], free))
    else:
        assert check_grads(PRIMS[kind], inputs)


@pytest.mark.parametrize("kind", ["gamma", "beta", "dirichlet"])
@pytest.mark.parametrize("n", [40, BIG])
def test_values_and_gradients_against_torch(kind, n):
    torch = pytest.importorskip("torch")
    arrays = _params(kind, n * 4 if kind == "dirichlet" else n, np.float64)
    ours = [pt.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    if kind == "gamma":
        ref = torch.distributions.Gamma(theirs[0], theirs[1], validate_args=False).log_prob(theirs[2])
    elif kind == "beta":
        ref = torch.distributions.Beta(theirs[0], theirs[1], validate_args=False).log_prob(theirs[2])
    else:
        ref = torch.distributions.Dirichlet(theirs[0], validate_args=False).log_prob(theirs[1])
    res = PRIMS[kind](*ours)
    np.testing.assert_allclose(res.detach().numpy(), ref.detach().numpy(), rtol=1e-10, atol=1e-10)
    w = np.random.default_rng(1).normal(size=res.shape)
    g_ours = pt.autograd.grad((res * pt.tensor(w)).sum(), ours)
    g_theirs = torch.autograd.grad((ref * torch.tensor(w)).sum(), theirs)
    for a, b in zip(g_ours, g_theirs):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-8, atol=1e-8)


@pytest.mark.parametrize("kind", ["gamma", "beta"])
def test_python_number_operands_in_gradients(kind):
    a = pt.tensor([0.7, 2.5, 4.0], dtype=pt.float64, requires_grad=True)
    x = pt.tensor([0.2, 0.5, 0.9], dtype=pt.float64, requires_grad=True)
    res = PRIMS[kind](a, 1.5, x)
    ga, gx = pt.autograd.grad(res.sum(), [a, x])
    ref = PRIMS[kind](a, pt.tensor(1.5, dtype=pt.float64), x)
    ra, rx = pt.autograd.grad(ref.sum(), [a, x])
    np.testing.assert_allclose(ga.numpy(), ra.numpy(), rtol=1e-14)
    np.testing.assert_allclose(gx.numpy(), rx.numpy(), rtol=1e-14)
