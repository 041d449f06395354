"""MultivariateNormal, LowRankMultivariateNormal, MixtureSameFamily (and Wishart when present): against
scipy.stats, torch (when present) and their sampling laws."""
import numpy as np
import pytest
import scipy.stats as st
from scipy.special import logsumexp

import probtorch
from probtorch.autograd.gradcheck import gradcheck, gradgradcheck
from probtorch.distributions.categorical import Categorical
from probtorch.distributions.lowrank_multivariate_normal import LowRankMultivariateNormal
from probtorch.distributions.mixture_same_family import MixtureSameFamily
from probtorch.distributions.multivariate_normal import MultivariateNormal

RNG = np.random.default_rng(42)
N = 3
LOC = RNG.normal(size=(2, N))
_A = RNG.normal(size=(2, N, N))
COV = _A @ _A.transpose(0, 2, 1) + N * np.eye(N)
TRIL = np.linalg.cholesky(COV)
W = RNG.normal(size=(2, N, 2))
DIAG = RNG.uniform(0.5, 2.0, size=(2, N))
X = RNG.normal(size=(4, 2, N))


def _t(x, dtype=probtorch.float64, requires_grad=False):
    return probtorch.tensor(np.asarray(x), dtype=dtype, requires_grad=requires_grad)


def _mvn(kind, dtype=probtorch.float64):
    mat = {"covariance_matrix": COV, "precision_matrix": np.linalg.inv(COV), "scale_tril": TRIL}[kind]
    return MultivariateNormal(_t(LOC, dtype), **{kind: _t(mat, dtype)})


@pytest.mark.parametrize("dtype", [probtorch.float32, probtorch.float64])
@pytest.mark.parametrize("kind", ["covariance_matrix", "precision_matrix", "scale_tril"])
def test_mvn_against_scipy(kind, dtype):
    d = _mvn(kind, dtype)
    tol = dict(rtol=1e-4, atol=1e-5) if dtype is probtorch.float32 else dict(rtol=1e-10, atol=1e-12)
    lp = d.log_prob(_t(X, dtype))
    assert lp.shape == (4, 2) and lp.dtype is dtype
    for b in range(2):
        ref = st.multivariate_normal(LOC[b], COV[b])
        np.testing.assert_allclose(lp.numpy()[:, b], ref.logpdf(X[:, b]), **tol)
        np.testing.assert_allclose(d.entropy().numpy()[b], ref.entropy(), **tol)
    np.testing.assert_allclose(d.covariance_matrix.numpy(), COV, **tol)
    np.testing.assert_allclose(d.precision_matrix.numpy(), np.linalg.inv(COV), **tol)
    np.testing.assert_allclose(d.scale_tril.numpy(), TRIL, **tol)
    np.testing.assert_allclose(d.variance.numpy(), np.diagonal(COV, axis1=-2, axis2=-1), **tol)
    np.testing.assert_allclose(d.mean.numpy(), LOC, **tol)
    np.testing.assert_allclose(d.mode.numpy(), LOC, **tol)


def test_mvn_broadcast_patterns():
    # one factor shared by a batch of values, a batch of factors against a batch of sample dims, extra dims
    shared = MultivariateNormal(_t(LOC), _t(COV[0]))
    lp = shared.log_prob(_t(X)).numpy()
    for b in range(2):
        np.testing.assert_allclose(lp[:, b], st.multivariate_normal(LOC[b], COV[0]).logpdf(X[:, b]), rtol=1e-10)
    d = MultivariateNormal(_t(LOC[0]), _t(COV[:, None]))  # batch (2, 1)
    x = RNG.normal(size=(5, 1, 3, N))
    lp = d.log_prob(_t(x)).numpy()
    assert lp.shape == (5, 2, 3)
    for b in range(2):
        np.testing.assert_allclose(lp[:, b], st.multivariate_normal(LOC[0], COV[b]).logpdf(x[:, 0]), rtol=1e-10)


def test_mvn_log_prob_never_broadcasts_the_factor(monkeypatch):
    # one triangular solve per distinct factor: sample dims go into the right-hand side's columns
    import probtorch.prims.mahalanobis as mh
    seen = []
    solve = mh._solve_triangular_impl

    def spy(A, B, upper, *args):
        seen.append((tuple(A.shape), tuple(B.shape)))
        return solve(A, B, upper, *args)

    d = MultivariateNormal(_t(LOC), scale_tril=_t(TRIL))  # 2 factors
    monkeypatch.setattr(mh, "_solve_triangular_impl", spy)
    x = RNG.normal(size=(50, 7, 2, N))
    lp = d.log_prob(_t(x)).numpy()
    # one solve against the 2 distinct factors (with the 350 sample columns, or with the identity to invert them)
    assert len(seen) == 1 and seen[0][0] == (2, N, N) and seen[0][1] in ((2, N, 350), (N, N))
    for b in range(2):
        np.testing.assert_allclose(lp[..., b], st.multivariate_normal(LOC[b], COV[b]).logpdf(x[..., b, :]),
                                   rtol=1e-10)
    seen.clear()
    shared = MultivariateNormal(_t(LOC[0]), _t(COV[0]))  # one factor for everything
    shared.log_prob(_t(x))
    assert len(seen) == 1 and seen[0][0] == (1, N, N) and seen[0][1] in ((1, N, 700), (N, N))


def test_mvn_log_prob_ill_conditioned():
    # condition number ~1e8: the many-samples path (factor inverted once) stays accurate
    rng = np.random.default_rng(3)
    Q, _ = np.linalg.qr(rng.normal(size=(N, N)))
    cov = Q @ np.diag([1e-4, 1.0, 1e4]) @ Q.T
    cov = (cov + cov.T) / 2
    x = rng.multivariate_normal(np.zeros(N), cov, size=200)
    lp = MultivariateNormal(_t(np.zeros(N)), _t(cov)).log_prob(_t(x)).numpy()
    np.testing.assert_allclose(lp, st.multivariate_normal(np.zeros(N), cov).logpdf(x), rtol=1e-8)


def test_empty_batches():
    # torch 2.13 fails to validate empty batches (its constraint reshapes with -1); these work
    d = MultivariateNormal(_t(np.zeros((0, N))), _t(np.eye(N)))
    assert d.log_prob(_t(np.zeros((0, N)))).shape == (0,) and d.sample((2,)).shape == (2, 0, N)
    assert MultivariateNormal(_t(np.zeros(N)), _t(np.eye(N))).log_prob(_t(np.zeros((5, 0, N)))).shape == (5, 0)
    lr = LowRankMultivariateNormal(_t(np.zeros(N)), _t(np.ones((N, 1))), _t(np.ones(N)))
    assert lr.log_prob(_t(np.zeros((4, 0, N)))).shape == (4, 0)
    assert Categorical(_t(np.ones((0, 3)))).sample((2,)).shape == (2, 0)


def test_mvn_log_prob_gradcheck():
    value = _t(X[:2])

    def f(loc, L):
        return MultivariateNormal(loc, scale_tril=L, validate_args=False).log_prob(value)

    loc, L = _t(LOC, requires_grad=True), _t(TRIL, requires_grad=True)
    assert gradcheck(f, (loc, L))
    assert gradgradcheck(f, (loc, L))
    # through a covariance (built symmetric, as cholesky reads one triangle) and through a precision matrix
    A = _t(_A, requires_grad=True)
    eye = _t(np.eye(N))
    assert gradcheck(lambda a: MultivariateNormal(_t(LOC), a @ a.mT + eye).log_prob(value), (A,))
    assert gradcheck(lambda a: MultivariateNormal(_t(LOC), precision_matrix=a @ a.mT + eye).log_prob(value), (A,))


def test_mvn_rsample_is_pathwise():
    loc, L = _t(LOC, requires_grad=True), _t(TRIL, requires_grad=True)

    def f(loc, L):
        probtorch.manual_seed(3)
        return MultivariateNormal(loc, scale_tril=L, validate_args=False).rsample((2,))

    assert gradcheck(f, (loc, L))
    # E[|x|^2] = |loc|^2 + tr(L L^T): its gradient is 2 loc and 2 L, estimated by the pathwise average
    probtorch.manual_seed(0)
    x = MultivariateNormal(loc, scale_tril=L).rsample((20000,))
    x.pow(2).sum(-1).mean(0).sum().backward()
    np.testing.assert_allclose(loc.grad.numpy(), 2 * LOC, atol=0.1)
    np.testing.assert_allclose(np.tril(L.grad.numpy()), 2 * TRIL, atol=0.15)


def test_mvn_sampling_law():
    probtorch.manual_seed(1)
    d = _mvn("scale_tril")
    n = 20000
    x = d.sample((n,)).numpy()
    assert x.shape == (n, 2, N)
    se = np.sqrt(np.diagonal(COV, axis1=-2, axis2=-1) / n)
    assert np.all(np.abs(x.mean(0) - LOC) < 5 * se)
    for b in range(2):
        emp = np.cov(x[:, b].T)
        # the standard error of a sample covariance entry: sqrt((S_ij^2 + S_ii S_jj) / n)
        se_cov = np.sqrt((COV[b] ** 2 + np.outer(np.diag(COV[b]), np.diag(COV[b]))) / n)
        assert np.all(np.abs(emp - COV[b]) < 5 * se_cov)
        a = np.array([1.0, -2.0, 0.5])
        proj = x[:, b] @ a
        assert st.kstest(proj, st.norm(a @ LOC[b], np.sqrt(a @ COV[b] @ a)).cdf).pvalue > 1e-4


def test_mvn_expand_and_shapes():
    d = _mvn("covariance_matrix")
    e = d.expand((3, 2))
    assert e.batch_shape == (3, 2) and e.event_shape == (N,)
    assert e.sample((4,)).shape == (4, 3, 2, N)
    np.testing.assert_allclose(e.log_prob(_t(X[0])).numpy(), np.broadcast_to(d.log_prob(_t(X[0])).numpy(), (3, 2)))
    assert e.covariance_matrix.shape == (3, 2, N, N)
    assert e.entropy().shape == (3, 2)


def test_mvn_validation():
    with pytest.raises(ValueError, match=r"covariance_matrix .*PositiveDefinite\(\)"):
        MultivariateNormal(_t(LOC), _t(-COV))
    with pytest.raises(ValueError, match=r"precision_matrix .*PositiveDefinite\(\)"):
        MultivariateNormal(_t(LOC), precision_matrix=_t(-COV))
    asym = COV.copy()
    asym[:, 0, 1] += 0.5
    with pytest.raises(ValueError, match=r"covariance_matrix .*PositiveDefinite\(\)"):
        MultivariateNormal(_t(LOC), _t(asym))
    # without validation a matrix without a Cholesky factor still cannot make a distribution
    with pytest.raises(probtorch.linalg.LinAlgError):
        MultivariateNormal(_t(LOC), _t(-COV), validate_args=False)
    with pytest.raises(ValueError, match="scale_tril"):
        MultivariateNormal(_t(LOC), scale_tril=_t(TRIL.transpose(0, 2, 1)))
    with pytest.raises(ValueError, match="Exactly one"):
        MultivariateNormal(_t(LOC), _t(COV), scale_tril=_t(TRIL))
    with pytest.raises(ValueError, match="at least one-dimensional"):
        MultivariateNormal(_t(1.0), _t(COV))
    with pytest.raises(ValueError, match="shape"):
        MultivariateNormal(_t(LOC), _t(np.eye(2)))
    with pytest.raises(ValueError):
        _mvn("scale_tril").log_prob(_t(np.ones((2, N + 1))))
    # validate_args=False accepts a non-PD scale_tril (no check, no factorization)
    MultivariateNormal(_t(LOC), scale_tril=_t(TRIL.transpose(0, 2, 1)), validate_args=False)


# ---------------------------------------------------------------------------------------------------- low rank
def _lowrank(dtype=probtorch.float64):
    return LowRankMultivariateNormal(_t(LOC, dtype), _t(W, dtype), _t(DIAG, dtype))


LR_COV = W @ W.transpose(0, 2, 1) + np.stack([np.diag(d) for d in DIAG])


@pytest.mark.parametrize("dtype", [probtorch.float32, probtorch.float64])
def test_lowrank_against_scipy(dtype):
    d = _lowrank(dtype)
    tol = dict(rtol=1e-4, atol=1e-5) if dtype is probtorch.float32 else dict(rtol=1e-10, atol=1e-12)
    lp = d.log_prob(_t(X, dtype)).numpy()
    for b in range(2):
        ref = st.multivariate_normal(LOC[b], LR_COV[b])
        np.testing.assert_allclose(lp[:, b], ref.logpdf(X[:, b]), **tol)
        np.testing.assert_allclose(d.entropy().numpy()[b], ref.entropy(), **tol)
    np.testing.assert_allclose(d.covariance_matrix.numpy(), LR_COV, **tol)
    np.testing.assert_allclose(d.precision_matrix.numpy(), np.linalg.inv(LR_COV), **tol)
    np.testing.assert_allclose(d.scale_tril.numpy(), np.linalg.cholesky(LR_COV), **tol)
    np.testing.assert_allclose(d.variance.numpy(), np.diagonal(LR_COV, axis1=-2, axis2=-1), **tol)


def test_lowrank_gradcheck_and_rsample():
    value = _t(X[:2])

    def f(loc, w, diag):
        return LowRankMultivariateNormal(loc, w, diag, validate_args=False).log_prob(value)

    args = (_t(LOC, requires_grad=True), _t(W, requires_grad=True), _t(DIAG, requires_grad=True))
    assert gradcheck(f, args)
    assert gradgradcheck(f, args)

    def g(loc, w, diag):
        probtorch.manual_seed(2)
        return LowRankMultivariateNormal(loc, w, diag).rsample((2,))

    assert gradcheck(g, args)


def test_lowrank_sampling_law_and_expand():
    probtorch.manual_seed(4)
    d = _lowrank()
    n = 20000
    x = d.sample((n,)).numpy()
    assert np.all(np.abs(x.mean(0) - LOC) < 5 * np.sqrt(d.variance.numpy() / n))
    for b in range(2):
        se_cov = np.sqrt((LR_COV[b] ** 2 + np.outer(np.diag(LR_COV[b]), np.diag(LR_COV[b]))) / n)
        assert np.all(np.abs(np.cov(x[:, b].T) - LR_COV[b]) < 5 * se_cov)
    e = d.expand((3, 2))
    assert e.sample((2,)).shape == (2, 3, 2, N)
    np.testing.assert_allclose(e.log_prob(_t(X[0])).numpy(), np.broadcast_to(d.log_prob(_t(X[0])).numpy(), (3, 2)))


def test_lowrank_validation():
    with pytest.raises(ValueError, match="cov_diag"):
        LowRankMultivariateNormal(_t(LOC), _t(W), _t(-DIAG))
    with pytest.raises(ValueError, match="cov_factor"):
        LowRankMultivariateNormal(_t(LOC), _t(W[:, :2]), _t(DIAG))
    with pytest.raises(ValueError, match="cov_diag"):
        LowRankMultivariateNormal(_t(LOC), _t(W), _t(DIAG[:, :2]))


# ---------------------------------------------------------------------------------------------------- mixtures
WEIGHTS = np.array([0.2, 0.5, 0.3])
MIX_LOC = RNG.normal(size=(3, 2))


def _mixture():
    comp = MultivariateNormal(_t(MIX_LOC), scale_tril=_t(np.eye(2) * 0.7))
    return MixtureSameFamily(Categorical(_t(WEIGHTS)), comp)


def test_mixture_log_prob_mean_variance():
    d = _mixture()
    assert d.batch_shape == () and d.event_shape == (2,)
    x = RNG.normal(size=(5, 2))
    comps = np.stack([st.multivariate_normal(m, 0.49 * np.eye(2)).logpdf(x) for m in MIX_LOC], -1)
    np.testing.assert_allclose(d.log_prob(_t(x)).numpy(), logsumexp(comps + np.log(WEIGHTS), -1), rtol=1e-10)
    mean = WEIGHTS @ MIX_LOC
    np.testing.assert_allclose(d.mean.numpy(), mean, rtol=1e-12)
    var = 0.49 + WEIGHTS @ (MIX_LOC - mean) ** 2
    np.testing.assert_allclose(d.variance.numpy(), var, rtol=1e-12)


def test_mixture_sampling_and_expand():
    probtorch.manual_seed(8)
    d = _mixture()
    n = 20000
    x = d.sample((n,)).numpy()
    assert x.shape == (n, 2)
    var = d.variance.numpy()
    assert np.all(np.abs(x.mean(0) - d.mean.numpy()) < 5 * np.sqrt(var / n))
    # first coordinate: KS against the mixture cdf
    cdf = lambda v: sum(w * st.norm(m, 0.7).cdf(v) for w, m in zip(WEIGHTS, MIX_LOC[:, 0]))  # noqa: E731
    assert st.kstest(x[:, 0], cdf).pvalue > 1e-4
    e = d.expand((4,))
    assert e.batch_shape == (4,) and e.sample((3,)).shape == (3, 4, 2)
    np.testing.assert_allclose(e.log_prob(_t(x[:4])).numpy(), d.log_prob(_t(x[:4])).numpy())


def test_mixture_batched_weights():
    # a batch of mixtures of shape (2,) whose mixing weights are shared
    comp = MultivariateNormal(_t(np.stack([MIX_LOC, -MIX_LOC])), scale_tril=_t(np.eye(2)))
    d = MixtureSameFamily(Categorical(_t(WEIGHTS)), comp)
    assert d.batch_shape == (2,)
    s = d.sample((6,))
    assert s.shape == (6, 2, 2)
    assert d.log_prob(s).shape == (6, 2)


def test_mixture_validation():
    comp = MultivariateNormal(_t(MIX_LOC), scale_tril=_t(np.eye(2)))
    with pytest.raises(ValueError, match="Categorical"):
        MixtureSameFamily(comp, comp)
    with pytest.raises(ValueError, match="component"):
        MixtureSameFamily(Categorical(_t(np.ones(4))), comp)
    with pytest.raises(ValueError, match="not compatible"):
        MixtureSameFamily(Categorical(_t(np.ones((5, 3)))),
                          MultivariateNormal(_t(np.zeros((4, 3, 2))), scale_tril=_t(np.eye(2))))


def test_discrete_mixture_of_poissons():
    from probtorch.distributions.poisson import Poisson
    rates = np.array([1.0, 6.0])
    d = MixtureSameFamily(Categorical(_t([0.3, 0.7])), Poisson(_t(rates)))
    k = np.arange(6.0)
    ref = np.log(0.3 * st.poisson(1.0).pmf(k) + 0.7 * st.poisson(6.0).pmf(k))
    np.testing.assert_allclose(d.log_prob(_t(k)).numpy(), ref, rtol=1e-10)
    np.testing.assert_allclose(d.mean.numpy(), 0.3 * 1.0 + 0.7 * 6.0)
    np.testing.assert_allclose(d.variance.numpy(), 0.3 * 1 + 0.7 * 6 + 0.3 * 0.7 * 25.0)
    with pytest.raises(ValueError, match="support"):
        d.log_prob(_t([-1.0]))
    with pytest.raises(ValueError, match="support"):
        d.log_prob(_t([0.5]))
    probtorch.manual_seed(10)
    x = d.sample((20000,)).numpy()
    assert abs(x.mean() - 4.5) < 5 * np.sqrt(d.variance.item() / 20000)


def test_mixture_of_normals_cdf():
    from probtorch.distributions import Normal
    d = MixtureSameFamily(Categorical(_t(WEIGHTS)), Normal(_t(MIX_LOC[:, 0]), _t([0.5, 1.0, 2.0])))
    x = np.linspace(-3, 3, 7)
    ref = sum(w * st.norm(m, s).cdf(x) for w, m, s in zip(WEIGHTS, MIX_LOC[:, 0], [0.5, 1.0, 2.0]))
    np.testing.assert_allclose(d.cdf(_t(x)).numpy(), ref, rtol=1e-10)
    ref_lp = logsumexp(np.stack([np.log(w) + st.norm(m, s).logpdf(x)
                                 for w, m, s in zip(WEIGHTS, MIX_LOC[:, 0], [0.5, 1.0, 2.0])]), 0)
    np.testing.assert_allclose(d.log_prob(_t(x)).numpy(), ref_lp, rtol=1e-10)


# ---------------------------------------------------------------------------------------------------- Wishart
from probtorch.distributions.wishart import Wishart  # noqa: E402

DF = np.array([4.5, 6.0])


def _wishart(kind="covariance_matrix", dtype=probtorch.float64, df=DF):
    mat = {"covariance_matrix": COV, "precision_matrix": np.linalg.inv(COV), "scale_tril": TRIL}[kind]
    return Wishart(_t(df, dtype), **{kind: _t(mat, dtype)})


@pytest.mark.parametrize("dtype", [probtorch.float32, probtorch.float64])
@pytest.mark.parametrize("kind", ["covariance_matrix", "precision_matrix", "scale_tril"])
def test_wishart_against_scipy(kind, dtype):
    d = _wishart(kind, dtype)
    tol = dict(rtol=1e-4, atol=1e-4) if dtype is probtorch.float32 else dict(rtol=1e-10, atol=1e-12)
    xs = np.stack([st.wishart(DF[b], COV[b]).rvs(3, random_state=b) for b in range(2)], 1)
    lp = d.log_prob(_t(xs, dtype)).numpy()
    for b in range(2):
        ref = st.wishart(DF[b], COV[b])
        np.testing.assert_allclose(lp[:, b], ref.logpdf(xs[:, b].transpose(1, 2, 0)), **tol)
        np.testing.assert_allclose(d.entropy().numpy()[b], ref.entropy(), **tol)
        np.testing.assert_allclose(d.mean.numpy()[b], ref.mean(), **tol)
        np.testing.assert_allclose(d.variance.numpy()[b], ref.var(), **tol)
        np.testing.assert_allclose(d.mode.numpy()[b], ref.mode() if DF[b] > N + 1 else np.nan, **tol)


def test_wishart_sampling_law_and_pathwise_gradient():
    probtorch.manual_seed(6)
    df = _t(DF, requires_grad=True)
    L = _t(TRIL, requires_grad=True)
    d = Wishart(df, scale_tril=L)
    n = 20000
    x = d.rsample((n,))
    assert x.shape == (n, 2, N, N)
    xs = x.detach().numpy()
    se = np.sqrt(d.variance.detach().numpy() / n)
    assert np.all(np.abs(xs.mean(0) - d.mean.detach().numpy()) < 5 * se)
    # the (0, 0) entry is Sigma_00 * chi2(df): KS test
    for b in range(2):
        assert st.kstest(xs[:, b, 0, 0] / COV[b, 0, 0], st.chi2(DF[b]).cdf).pvalue > 1e-4
    # E[tr X] = df tr(Sigma): d/d df = tr(Sigma), d/dL = 2 df L
    tr = probtorch.diagonal(x, dim1=-2, dim2=-1).sum(-1).mean(0).sum()
    tr.backward()
    np.testing.assert_allclose(df.grad.numpy(), np.trace(COV, axis1=-2, axis2=-1), rtol=0.05)
    np.testing.assert_allclose(np.tril(L.grad.numpy()), 2 * DF[:, None, None] * TRIL, rtol=0.05, atol=0.2)


def test_wishart_log_prob_gradcheck_and_expand():
    value = _t(np.stack([COV[1], COV[0]]))

    def f(df, L):
        return Wishart(df, scale_tril=L, validate_args=False).log_prob(value)

    args = (_t(DF, requires_grad=True), _t(TRIL, requires_grad=True))
    assert gradcheck(f, args)
    assert gradgradcheck(f, args)
    e = _wishart().expand((3, 2))
    assert e.batch_shape == (3, 2) and e.sample((2,)).shape == (2, 3, 2, N, N)
    np.testing.assert_allclose(e.log_prob(value).numpy(), np.broadcast_to(_wishart().log_prob(value).numpy(), (3, 2)))


def test_wishart_validation():
    with pytest.raises(ValueError, match="df"):
        _wishart(df=np.array([1.5, 6.0]))
    with pytest.raises(ValueError, match="df"):
        Wishart(_t([1.5, 6.0]), _t(COV), validate_args=False)
    with pytest.raises(ValueError, match="covariance_matrix"):
        Wishart(_t(DF), _t(-COV))
    with pytest.raises(ValueError, match="Exactly one"):
        Wishart(_t(DF), _t(COV), scale_tril=_t(TRIL))
    with pytest.raises(ValueError):
        _wishart().log_prob(_t(-COV))
    with pytest.warns(UserWarning, match="Low df"):
        _wishart(df=np.array([2.5, 6.0]))


def test_wishart_kl_by_bregman_divergence():
    # Wishart-Wishart goes through the exponential-family (Bregman) route; check it by Monte Carlo
    from probtorch.distributions.kl import kl_divergence
    p, q = _wishart(), Wishart(_t(DF + 1.0), _t(COV[::-1].copy()))
    exact = kl_divergence(p, q).numpy()
    probtorch.manual_seed(9)
    x = p.sample((20000,))
    lr = (p.log_prob(x) - q.log_prob(x)).numpy()
    assert np.all(np.abs(lr.mean(0) - exact) < 5 * lr.std(0) / np.sqrt(20000))


# ---------------------------------------------------------------------------------------------------- torch oracle
try:
    import torch
    td = torch.distributions
except ImportError:  # the oracle tests below skip; everything above runs without torch
    torch = td = None
needs_torch = pytest.mark.skipif(torch is None, reason="torch (the oracle) is not installed")


def _tt(x, requires_grad=False):
    return torch.tensor(np.asarray(x), dtype=torch.float64, requires_grad=requires_grad)


@needs_torch
@pytest.mark.parametrize("kind", ["covariance_matrix", "precision_matrix", "scale_tril"])
def test_mvn_values_and_gradients_vs_torch(kind):
    mat = {"covariance_matrix": COV, "precision_matrix": np.linalg.inv(COV), "scale_tril": TRIL}[kind]
    loc_o, mat_o = _t(LOC, requires_grad=True), _t(mat, requires_grad=True)
    loc_t, mat_t = _tt(LOC, True), _tt(mat, True)
    ours = MultivariateNormal(loc_o, **{kind: mat_o})
    theirs = td.MultivariateNormal(loc_t, **{kind: mat_t})
    for attr in ("mean", "mode", "variance", "stddev", "covariance_matrix", "precision_matrix", "scale_tril"):
        np.testing.assert_allclose(getattr(ours, attr).detach().numpy(), getattr(theirs, attr).detach().numpy(),
                                   rtol=1e-10, atol=1e-12)
    lp_o, lp_t = ours.log_prob(_t(X)), theirs.log_prob(_tt(X))
    np.testing.assert_allclose(lp_o.detach().numpy(), lp_t.detach().numpy(), rtol=1e-10)
    total_o = lp_o.sum() + ours.entropy().sum()
    total_t = lp_t.sum() + theirs.entropy().sum()
    go = probtorch.autograd.grad(total_o, [loc_o, mat_o])
    gt = torch.autograd.grad(total_t, [loc_t, mat_t])
    np.testing.assert_allclose(go[0].numpy(), gt[0].numpy(), rtol=1e-9, atol=1e-12)
    # torch's gradient w.r.t. a symmetric matrix parameter need not be symmetric; compare the symmetric parts
    # (only those are defined for covariance/precision), and the lower triangle for scale_tril
    a, b = go[1].numpy(), gt[1].numpy()
    if kind == "scale_tril":
        a, b = np.tril(a), np.tril(b)
    else:
        a, b = a + np.swapaxes(a, -1, -2), b + np.swapaxes(b, -1, -2)
    np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10)


@needs_torch
def test_lowrank_values_and_gradients_vs_torch():
    args_o = [_t(a, requires_grad=True) for a in (LOC, W, DIAG)]
    args_t = [_tt(a, True) for a in (LOC, W, DIAG)]
    ours, theirs = LowRankMultivariateNormal(*args_o), td.LowRankMultivariateNormal(*args_t)
    for attr in ("mean", "variance", "covariance_matrix", "precision_matrix", "scale_tril"):
        np.testing.assert_allclose(getattr(ours, attr).detach().numpy(), getattr(theirs, attr).detach().numpy(),
                                   rtol=1e-10, atol=1e-12)
    lp_o, lp_t = ours.log_prob(_t(X)), theirs.log_prob(_tt(X))
    np.testing.assert_allclose(lp_o.detach().numpy(), lp_t.detach().numpy(), rtol=1e-10)
    go = probtorch.autograd.grad(lp_o.sum() + ours.entropy().sum(), args_o)
    gt = torch.autograd.grad(lp_t.sum() + theirs.entropy().sum(), args_t)
    for a, b in zip(go, gt):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-9, atol=1e-12)


@needs_torch
def test_mixture_vs_torch():
    ours = _mixture()
    theirs = td.MixtureSameFamily(td.Categorical(_tt(WEIGHTS)),
                                  td.MultivariateNormal(_tt(MIX_LOC), scale_tril=_tt(np.eye(2) * 0.7)))
    x = RNG.normal(size=(4, 2))
    np.testing.assert_allclose(ours.log_prob(_t(x)).numpy(), theirs.log_prob(_tt(x)).numpy(), rtol=1e-10)
    np.testing.assert_allclose(ours.mean.numpy(), theirs.mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.variance.numpy(), theirs.variance.numpy(), rtol=1e-12)
    assert ours.batch_shape == theirs.batch_shape and ours.event_shape == theirs.event_shape
    assert ours.has_rsample == theirs.has_rsample


@needs_torch
@pytest.mark.parametrize("kind", ["covariance_matrix", "scale_tril"])
def test_wishart_values_and_gradients_vs_torch(kind):
    mat = {"covariance_matrix": COV, "scale_tril": TRIL}[kind]
    df_o, mat_o = _t(DF, requires_grad=True), _t(mat, requires_grad=True)
    df_t, mat_t = _tt(DF, True), _tt(mat, True)
    ours, theirs = Wishart(df_o, **{kind: mat_o}), td.Wishart(df_t, **{kind: mat_t})
    for attr in ("mean", "mode", "variance", "covariance_matrix", "precision_matrix", "scale_tril"):
        np.testing.assert_allclose(getattr(ours, attr).detach().numpy(), getattr(theirs, attr).detach().numpy(),
                                   rtol=1e-10, atol=1e-12)
    x = np.stack([COV[1], COV[0]])
    lp_o, lp_t = ours.log_prob(_t(x)), theirs.log_prob(_tt(x))
    np.testing.assert_allclose(lp_o.detach().numpy(), lp_t.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(ours.entropy().detach().numpy(), theirs.entropy().detach().numpy(), rtol=1e-10)
    go = probtorch.autograd.grad(lp_o.sum() + ours.entropy().sum(), [df_o, mat_o])
    gt = torch.autograd.grad(lp_t.sum() + theirs.entropy().sum(), [df_t, mat_t])
    np.testing.assert_allclose(go[0].numpy(), gt[0].numpy(), rtol=1e-7, atol=1e-9)
    a, b = go[1].numpy(), gt[1].numpy()
    if kind == "scale_tril":
        a, b = np.tril(a), np.tril(b)
    else:
        a, b = a + np.swapaxes(a, -1, -2), b + np.swapaxes(b, -1, -2)
    np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10)
    assert ours.has_rsample == theirs.has_rsample
