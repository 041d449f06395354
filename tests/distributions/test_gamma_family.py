"""Gamma and its family (Dirichlet, Beta, Chi2, StudentT, InverseGamma): implicit reparameterization, tiny and huge
concentrations, Gamma.cdf gradients, and score-function vs pathwise gradient estimators."""
import math

import numpy as np
import pytest
import scipy.special as sc
import scipy.stats as st

import probtorch
from probtorch.autograd.gradcheck import gradcheck
from probtorch.distributions import Beta, Dirichlet, Gamma, Normal, StudentT, InverseGamma

F64 = probtorch.float64


def _t(x, dtype=F64, rg=False):
    return probtorch.tensor(np.asarray(x, np.float64), dtype=dtype, requires_grad=rg)


def _log_gamma_cdf(y, a):
    """P(log X <= y) for X ~ Gamma(a, 1), exact for tiny a without underflow (series in log space)."""
    x = np.exp(y)
    terms = np.cumprod(np.concatenate([np.ones((1,) + x.shape), x / (a + np.arange(1, 80))[:, None]], 0), 0)
    small = np.exp(a * y - sc.gammaln(a + 1) - x) * terms.sum(0)
    return np.where(x < 30, small, sc.gammainc(a, x))


@pytest.mark.parametrize("dtype", [probtorch.float32, F64])
def test_tiny_concentration_samples_are_distinct_and_gradients_finite(dtype):
    a = _t(np.full(3, 1e-3), dtype, rg=True)
    d = Gamma(a, 1.0)
    log_x = d._log_rsample((4000,))
    lx = log_x.detach().numpy().astype(np.float64)
    assert np.all(np.isfinite(lx)) and len(np.unique(lx)) > 0.999 * lx.size  # float32 allows a few ties
    x = d.rsample((10,))
    assert np.all(np.isfinite(x.detach().numpy())) and np.all(x.detach().numpy() > 0)
    (g,) = probtorch.autograd.grad(log_x.sum(), a)
    assert np.all(np.isfinite(g.numpy()))
    (g,) = probtorch.autograd.grad(x.sum(), a)
    assert np.all(np.isfinite(g.numpy()))
    # law of log X: the exact CDF, computed in log space
    assert st.kstest(_log_gamma_cdf(lx[:, 0], 1e-3), "uniform").pvalue > 1e-3


def test_huge_concentration():
    a = _t([1e4, 3e4], rg=True)
    x = Gamma(a, 2.0).rsample((4000,))
    s = x.detach().numpy()
    np.testing.assert_array_less(np.abs(s.mean(0) - [5e3, 1.5e4]), 5 * np.sqrt(np.array([1e4, 3e4]) / 4 / 4000))
    (g,) = probtorch.autograd.grad(x.mean(0).sum(), a)
    # E[dx/da] = d mean / da = 1 / rate
    np.testing.assert_allclose(g.numpy(), 0.5, rtol=5e-3)
    u = sc.gammainc(1e4, 2 * s[:, 0])
    assert st.kstest(u, "uniform").pvalue > 1e-3


@pytest.mark.parametrize("dtype", [probtorch.float32, F64])
def test_dirichlet_tiny_concentration_does_not_collapse(dtype):
    c = _t(np.full(4, 1e-3), dtype, rg=True)
    x = Dirichlet(c).rsample((2000,))
    s = x.detach().numpy()
    assert np.all(np.isfinite(s))
    np.testing.assert_allclose(s.sum(-1), 1, rtol=1e-5)
    # nearly all of the mass sits at the vertices (the centre would be 1/4 everywhere)
    assert np.mean(s.max(-1) > 0.99) > 0.98
    (g,) = probtorch.autograd.grad((x[..., 0] * x[..., 1].detach()).sum() + x[..., 0].sum(), c)
    assert np.all(np.isfinite(g.numpy()))
    # each vertex equally likely
    counts = np.bincount(s.argmax(-1), minlength=4)
    assert st.chisquare(counts).pvalue > 1e-3


def test_beta_tiny_concentrations():
    a = _t([1e-3, 1e-3], rg=True)
    x = Beta(a, _t([1e-3, 1.0])).rsample((2000,))
    s = x.detach().numpy()
    assert np.all(np.isfinite(s)) and np.all((s >= 0) & (s <= 1))
    (g,) = probtorch.autograd.grad(x.sum(), a)
    assert np.all(np.isfinite(g.numpy()))
    # Beta(e, e): P(x > 1/2) = 1/2
    assert abs(np.mean(s[:, 0] > 0.5) - 0.5) < 5 * 0.5 / math.sqrt(2000)


def test_gamma_cdf_gradients():
    a = _t([0.4, 2.0, 30.0], rg=True)
    b = _t([1.0, 0.5, 2.0], rg=True)
    v = _t([0.3, 5.0, 14.0], rg=True)
    assert gradcheck(lambda a, b, v: Gamma(a, b).cdf(v), (a, b, v))
    # against finite differences of scipy in the concentration
    (ga,) = probtorch.autograd.grad(Gamma(a, b).cdf(v).sum(), a)
    an, bn, vn = a.detach().numpy(), b.detach().numpy(), v.detach().numpy()
    h = 1e-6 * an
    ref = (sc.gammainc(an + h, bn * vn) - sc.gammainc(an - h, bn * vn)) / (2 * h)
    np.testing.assert_allclose(ga.numpy(), ref, rtol=1e-6)


def test_second_derivative_through_the_sample_raises_clearly():
    a = _t([2.0], rg=True)
    x = Gamma(a, 1.0).rsample()
    (g,) = probtorch.autograd.grad(x.sum(), a, create_graph=True)
    with pytest.raises(RuntimeError, match="not implemented"):
        probtorch.autograd.grad(g.sum(), a)


def _chunked(fn, params, chunks=20):
    """Mean and standard error over independent chunks of a per-chunk gradient estimate."""
    est = []
    for _ in range(chunks):
        g = probtorch.autograd.grad(fn(), params)
        est.append(np.array([gi.item() for gi in g]))
    est = np.array(est)
    return est.mean(0), est.std(0, ddof=1) / math.sqrt(chunks)


@pytest.mark.parametrize("family", ["Normal", "Gamma"])
def test_score_function_and_pathwise_gradients_agree_with_analytic(family):
    """d/dtheta E[x^2] by rsample (pathwise) and by f(x) * d log p(x) (REINFORCE) vs the closed form."""
    n = 4000
    if family == "Normal":
        p1, p2 = _t(0.7, rg=True), _t(1.3, rg=True)
        make = Normal
        exact = np.array([2 * 0.7, 2 * 1.3])  # E[x^2] = mu^2 + sigma^2
    else:
        p1, p2 = _t(2.5, rg=True), _t(1.5, rg=True)
        make = Gamma
        a, b = 2.5, 1.5  # E[x^2] = a (a + 1) / b^2
        exact = np.array([(2 * a + 1) / b ** 2, -2 * a * (a + 1) / b ** 3])

    def pathwise():
        return (make(p1, p2).rsample((n,)) ** 2).mean()

    def score():
        d = make(p1, p2)
        x = d.sample((n,))
        assert not x.requires_grad
        return (x ** 2 * d.log_prob(x)).mean()

    for est in (pathwise, score):
        mean, se = _chunked(est, (p1, p2))
        assert np.all(np.abs(mean - exact) < 5 * se), (est.__name__, mean, exact, se)
    # the pathwise estimator has the smaller variance here
    assert np.all(_chunked(pathwise, (p1, p2), 8)[1] < _chunked(score, (p1, p2), 8)[1])


@pytest.mark.parametrize("cls,params,mean_fn", [
    (StudentT, (5.0, 0.5, 2.0), None),
    (InverseGamma, (4.0, 3.0), None),
])
def test_pathwise_gradient_of_second_moment(cls, params, mean_fn):
    """E[d x^2 / d theta] by rsample equals d (var + mean^2) / d theta (autograd through the closed forms)."""
    ps = [_t(p, rg=True) for p in params]
    d = cls(*ps)
    exact = probtorch.autograd.grad((d.variance + d.mean ** 2).sum(), ps)
    exact = np.array([g.item() for g in exact])
    mean, se = _chunked(lambda: (cls(*ps).rsample((4000,)) ** 2).mean(), ps)
    assert np.all(np.abs(mean - exact) < 5 * se + 1e-9), (mean, exact, se)


def test_dirichlet_against_scipy_per_batch():
    alpha = np.array([[0.5, 1.0, 2.0], [3.0, 0.7, 1.5]])
    d = Dirichlet(_t(alpha))
    x = d.sample((4,)).numpy()
    lp = d.log_prob(_t(x)).numpy()
    for b in range(2):
        ref = st.dirichlet(alpha[b])
        np.testing.assert_allclose(lp[:, b], [ref.logpdf(v) for v in x[:, b]], rtol=1e-10)
        np.testing.assert_allclose(d.entropy().numpy()[b], ref.entropy(), rtol=1e-10)
        np.testing.assert_allclose(d.mean.numpy()[b], ref.mean(), rtol=1e-12)
        np.testing.assert_allclose(d.variance.numpy()[b], ref.var(), rtol=1e-12)
    # marginals are Beta(a_i, a_0 - a_i): KS on each component at a fixed seed
    probtorch.manual_seed(4)
    s = d.sample((3000,)).numpy()
    for b in range(2):
        for i in range(3):
            ref = st.beta(alpha[b, i], alpha[b].sum() - alpha[b, i])
            assert st.kstest(s[:, b, i], ref.cdf).pvalue > 1e-3


def test_gamma_icdf_and_its_gradients():
    a = _t([0.4, 2.0, 30.0], rg=True)
    b = _t([1.0, 0.5, 2.0], rg=True)
    u = _t([0.1, 0.5, 0.97], rg=True)
    assert gradcheck(lambda a, b, u: Gamma(a, b).icdf(u), (a, b, u))
    np.testing.assert_allclose(Gamma(a, b).icdf(u).detach().numpy(),
                               st.gamma(a.detach().numpy(), scale=1 / b.detach().numpy()).ppf(u.detach().numpy()),
                               rtol=1e-12)
