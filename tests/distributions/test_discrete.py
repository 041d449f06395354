"""Discrete distributions: Bernoulli, Binomial, Categorical, Geometric, NegativeBinomial, Poisson, Multinomial,
OneHotCategorical, OneHotCategoricalStraightThrough — against scipy.stats, torch (when present) and their own
sampling laws."""
import numpy as np
import pytest
import scipy.stats as st
from scipy.special import gammaln

import probtorch
from probtorch.autograd.gradcheck import gradcheck, gradgradcheck
from probtorch.distributions.bernoulli import Bernoulli
from probtorch.distributions.binomial import Binomial
from probtorch.distributions.categorical import Categorical
from probtorch.distributions.geometric import Geometric
from probtorch.distributions.multinomial import Multinomial
from probtorch.distributions.negative_binomial import NegativeBinomial
from probtorch.distributions.one_hot_categorical import OneHotCategorical
from probtorch.distributions.one_hot_categorical_straight_through import OneHotCategoricalStraightThrough
from probtorch.distributions.poisson import Poisson

P2 = np.array([0.15, 0.5, 0.85])
CAT = np.array([[0.2, 0.5, 0.3], [0.1, 0.1, 0.8]])


def _t(x, dtype=probtorch.float64, requires_grad=False):
    return probtorch.tensor(np.asarray(x), dtype=dtype, requires_grad=requires_grad)


def _cat_logpmf(p, k):
    return np.log(np.take_along_axis(p, k[..., None], -1)[..., 0])


# name -> (constructor from tensors, numpy parameters, test values, reference functions)
# each reference dict may hold logpmf(values), mean, var, entropy computed with scipy / numpy
def _cases():
    return {
        "Bernoulli": (lambda p: Bernoulli(probs=p), (P2,), np.array([0.0, 1.0, 1.0]),
                      dict(logpmf=lambda v: st.bernoulli(P2).logpmf(v), mean=P2, var=P2 * (1 - P2),
                           entropy=st.bernoulli(P2).entropy())),
        "Bernoulli_logits": (lambda l: Bernoulli(logits=l), (np.log(P2 / (1 - P2)),), np.array([1.0, 0.0, 1.0]),
                             dict(logpmf=lambda v: st.bernoulli(P2).logpmf(v), mean=P2, var=P2 * (1 - P2),
                                  entropy=st.bernoulli(P2).entropy())),
        "Binomial": (lambda n, p: Binomial(n, p), (np.array([5.0, 7.0, 3.0]), P2), np.array([2.0, 7.0, 0.0]),
                     dict(logpmf=lambda v: st.binom([5, 7, 3], P2).logpmf(v), mean=st.binom([5, 7, 3], P2).mean(),
                          var=st.binom([5, 7, 3], P2).var())),
        "Binomial_logits": (lambda n, l: Binomial(n, logits=l), (np.array([6.0, 6.0, 6.0]), np.log(P2 / (1 - P2))),
                            np.array([1.0, 6.0, 3.0]),
                            dict(logpmf=lambda v: st.binom(6, P2).logpmf(v), mean=6 * P2, var=6 * P2 * (1 - P2),
                                 entropy=st.binom(6, P2).entropy())),
        "Categorical": (lambda p: Categorical(probs=p), (CAT * 3.0,), np.array([2, 0]),
                        dict(logpmf=lambda v: _cat_logpmf(CAT, v), entropy=st.entropy(CAT.T))),
        "Categorical_logits": (lambda l: Categorical(logits=l), (np.log(CAT) + 1.5,), np.array([1, 2]),
                               dict(logpmf=lambda v: _cat_logpmf(CAT, v), entropy=st.entropy(CAT.T))),
        "Geometric": (lambda p: Geometric(p), (P2,), np.array([0.0, 3.0, 1.0]),
                      dict(logpmf=lambda v: st.geom(P2, loc=-1).logpmf(v), mean=st.geom(P2, loc=-1).mean(),
                           var=st.geom(P2, loc=-1).var(), entropy=st.geom(P2).entropy())),
        "NegativeBinomial": (lambda r, p: NegativeBinomial(r, p), (np.array([2.5, 1.0, 4.0]), P2),
                             np.array([0.0, 3.0, 11.0]),
                             dict(logpmf=lambda v: st.nbinom([2.5, 1.0, 4.0], 1 - P2).logpmf(v),
                                  mean=st.nbinom([2.5, 1.0, 4.0], 1 - P2).mean(),
                                  var=st.nbinom([2.5, 1.0, 4.0], 1 - P2).var())),
        "Poisson": (lambda r: Poisson(r), (np.array([0.5, 3.0, 12.0]),), np.array([0.0, 4.0, 9.0]),
                    dict(logpmf=lambda v: st.poisson([0.5, 3.0, 12.0]).logpmf(v), mean=[0.5, 3.0, 12.0],
                         var=[0.5, 3.0, 12.0])),
        "Multinomial": (lambda p: Multinomial(4, p), (CAT,), np.array([[1.0, 2.0, 1.0], [0.0, 0.0, 4.0]]),
                        dict(logpmf=lambda v: st.multinomial(4, CAT).logpmf(v), mean=4 * CAT,
                             var=4 * CAT * (1 - CAT), entropy=st.multinomial(4, CAT).entropy())),
        "OneHotCategorical": (lambda p: OneHotCategorical(p), (CAT,), np.eye(3)[[2, 0]],
                              dict(logpmf=lambda v: _cat_logpmf(CAT, v.argmax(-1)), mean=CAT, var=CAT * (1 - CAT),
                                   entropy=st.entropy(CAT.T))),
    }


CASES = _cases()


@pytest.mark.parametrize("dtype", [probtorch.float32, probtorch.float64])
@pytest.mark.parametrize("name", sorted(CASES))
def test_against_scipy(name, dtype):
    ctor, params, values, ref = CASES[name]
    d = ctor(*[_t(p, dtype) for p in params])
    tol = dict(rtol=2e-5, atol=1e-5) if dtype is probtorch.float32 else dict(rtol=1e-10, atol=1e-10)
    lp = d.log_prob(_t(values, dtype))
    assert lp.dtype is dtype
    np.testing.assert_allclose(lp.numpy(), ref["logpmf"](values), **tol)
    for attr, key in (("mean", "mean"), ("variance", "var")):
        if key in ref:
            np.testing.assert_allclose(getattr(d, attr).numpy(), ref[key], **tol)
    if "entropy" in ref:
        np.testing.assert_allclose(d.entropy().numpy(), ref["entropy"], **tol)


@pytest.mark.parametrize("name", sorted(CASES))
def test_log_prob_gradcheck(name):
    ctor, params, values, _ = CASES[name]
    value = _t(values)
    inputs = [_t(p, requires_grad=(i == len(params) - 1)) for i, p in enumerate(params)]

    def f(*args):
        return ctor(*args, ).log_prob(value)

    assert gradcheck(lambda x: f(*inputs[:-1], x), (inputs[-1],))
    assert gradgradcheck(lambda x: f(*inputs[:-1], x), (inputs[-1],))


@pytest.mark.parametrize("d", [Bernoulli(_t(P2)), Binomial(4, _t(P2)), Categorical(_t(CAT)),
                               OneHotCategorical(_t(CAT))], ids=lambda d: type(d).__name__)
def test_enumerate_support_sums_to_one(d):
    support = d.enumerate_support()
    assert support.shape == (support.shape[0],) + tuple(d.batch_shape) + tuple(d.event_shape)
    total = probtorch.exp(d.log_prob(support)).sum(0)
    np.testing.assert_allclose(total.numpy(), 1.0, rtol=1e-12)
    flat = d.enumerate_support(expand=False)
    assert flat.shape == (support.shape[0],) + (1,) * len(d.batch_shape) + tuple(d.event_shape)


def _moments_ok(x, mean, var):
    n = x.shape[0]
    se_mean = np.sqrt(var / n)
    assert np.all(np.abs(x.mean(0) - mean) < 5 * se_mean + 1e-12), (x.mean(0), mean)
    # the sample variance has standard error about var * sqrt(2 / n) (plus kurtosis terms: take 3x that)
    assert np.all(np.abs(x.var(0) - var) < 5 * 3 * var * np.sqrt(2.0 / n) + 1e-12), (x.var(0), var)


SAMPLING = {
    "Bernoulli": (lambda: Bernoulli(_t(P2)), lambda i: st.bernoulli(P2[i])),
    "Binomial": (lambda: Binomial(_t([5.0, 7.0, 3.0]), _t(P2)), lambda i: st.binom([5, 7, 3][i], P2[i])),
    "Geometric": (lambda: Geometric(_t(P2)), lambda i: st.geom(P2[i], loc=-1)),
    "NegativeBinomial": (lambda: NegativeBinomial(_t([2.5, 1.0, 4.0]), _t(P2)),
                         lambda i: st.nbinom([2.5, 1.0, 4.0][i], 1 - P2[i])),
    "Poisson": (lambda: Poisson(_t([0.5, 3.0, 12.0])), lambda i: st.poisson([0.5, 3.0, 12.0][i])),
    "Categorical": (lambda: Categorical(_t(CAT)), lambda i: st.randint(0, 1)),  # reference pmf below
}


def _chisquare(samples, pmf, kmax):
    """Chi-square goodness of fit with the upper tail (and rare cells) pooled into one cell."""
    n = samples.size
    ks = np.arange(kmax + 1)
    exp = n * pmf(ks)
    obs = np.array([(samples == k).sum() for k in ks], float)
    exp = np.append(exp, n - exp.sum())
    obs = np.append(obs, n - obs.sum())
    keep = exp >= 5
    # pool the cells with small expectations into one
    exp = np.append(exp[keep], exp[~keep].sum())
    obs = np.append(obs[keep], obs[~keep].sum())
    if exp[-1] < 5:
        exp[-2] += exp[-1]
        obs[-2] += obs[-1]
        exp, obs = exp[:-1], obs[:-1]
    return st.chisquare(obs, exp).pvalue


@pytest.mark.parametrize("name", sorted(SAMPLING))
def test_sample_moments_and_chisquare(name):
    probtorch.manual_seed(1234)
    make, ref = SAMPLING[name]
    d = make()
    x = d.sample((20000,))
    assert x.shape == (20000,) + tuple(d.batch_shape)
    assert not x.requires_grad
    x = x.numpy().astype(float)
    if name == "Categorical":
        mean = (CAT * np.arange(3)).sum(-1)
        var = (CAT * np.arange(3) ** 2).sum(-1) - mean ** 2
        _moments_ok(x, mean, var)
        for i in range(2):
            assert _chisquare(x[:, i], lambda k: CAT[i][k], 2) > 1e-4
        return
    _moments_ok(x, d.mean.numpy(), d.variance.numpy())
    for i in range(3):
        kmax = int(ref(i).ppf(0.999))
        assert _chisquare(x[:, i], ref(i).pmf, kmax) > 1e-4


def test_multinomial_and_one_hot_sampling():
    probtorch.manual_seed(7)
    d = Multinomial(6, _t(CAT))
    x = d.sample((20000,))
    assert x.shape == (20000, 2, 3)
    assert np.all(x.numpy().sum(-1) == 6)
    _moments_ok(x.numpy(), d.mean.numpy(), d.variance.numpy())
    o = OneHotCategorical(_t(CAT)).sample((20000,)).numpy()
    assert np.all(o.sum(-1) == 1) and set(np.unique(o)) <= {0.0, 1.0}
    _moments_ok(o, CAT, CAT * (1 - CAT))
    assert _chisquare(o[:, 1].argmax(-1), lambda k: CAT[1][k], 2) > 1e-4


def test_zero_probability_categories_are_never_drawn():
    probtorch.manual_seed(3)
    p = _t([[0.0, 0.5, 0.0, 0.5], [1.0, 0.0, 0.0, 0.0]])
    x = Categorical(p).sample((5000,)).numpy()
    assert set(np.unique(x[:, 0])) == {1, 3} and set(np.unique(x[:, 1])) == {0}
    # as torch: probabilities are clamped to [eps, 1 - eps] before the log
    lp = Categorical(p).log_prob(_t([0, 1]).long()).numpy()
    np.testing.assert_allclose(lp, np.log(np.finfo(np.float64).eps))


def test_categorical_many_categories_uses_binary_search_path():
    # 20000 draws x 3 rows x 2000 categories exceeds the comparison table's budget: the searchsorted path
    probtorch.manual_seed(12)
    p = np.random.default_rng(0).uniform(size=(3, 2000))
    p /= p.sum(-1, keepdims=True)
    x = Categorical(_t(p)).sample((20000,)).numpy()
    bins = np.array_split(np.arange(2000), 20)
    for b in range(3):
        counts = np.bincount(x[:, b], minlength=2000)
        obs = [counts[i].sum() for i in bins]
        exp = [20000 * p[b, i].sum() for i in bins]
        assert st.chisquare(obs, exp).pvalue > 1e-4


def test_scalar_parameters_sample_zero_dim_tensors():
    import probtorch.distributions as D
    for d in [D.Poisson(3.0), D.Bernoulli(0.3), D.Geometric(0.3), D.Binomial(5, _t(0.3)),
              D.NegativeBinomial(3.0, _t(0.4)), D.Categorical(_t([0.2, 0.8])), D.RelaxedBernoulli(0.5, 0.3)]:
        for shape in ((), (2,)):
            s = d.sample(shape)
            assert s.shape == shape and isinstance(s._data, np.ndarray), (type(d).__name__, shape)
            assert s.dtype is (probtorch.int64 if isinstance(d, Categorical) else d.mean.dtype
                               if not isinstance(d, D.RelaxedBernoulli) else d.probs.dtype)


def test_expand_shapes_and_values():
    for d in [Bernoulli(_t(P2)), Bernoulli(logits=_t(P2)), Binomial(5, _t(P2)), Geometric(_t(P2)),
              NegativeBinomial(2.0, _t(P2)), Poisson(_t(P2)), Categorical(_t(CAT[0])), OneHotCategorical(_t(CAT[0])),
              Multinomial(3, _t(CAT[0]))]:
        batch = (2,) + tuple(d.batch_shape)
        e = d.expand(batch)
        assert type(e) is type(d) and e.batch_shape == batch and e.event_shape == d.event_shape
        s = e.sample((4,))
        assert s.shape == (4,) + batch + tuple(d.event_shape)
        np.testing.assert_allclose(e.log_prob(s).numpy(), d.log_prob(s).numpy())
        np.testing.assert_allclose(e.mean.numpy(), np.broadcast_to(d.mean.numpy(), e.mean.shape))


def test_mode():
    np.testing.assert_array_equal(Bernoulli(_t([0.2, 0.5, 0.7])).mode.numpy(), [0.0, np.nan, 1.0])
    np.testing.assert_array_equal(Binomial(_t([10.0, 3.0]), _t([0.33, 0.5])).mode.numpy(), [3.0, 2.0])
    np.testing.assert_array_equal(Categorical(_t(CAT)).mode.numpy(), [1, 2])
    np.testing.assert_array_equal(OneHotCategorical(_t(CAT)).mode.numpy(), np.eye(3)[[1, 2]])
    np.testing.assert_array_equal(Poisson(_t([0.3, 3.7])).mode.numpy(), [0.0, 3.0])
    np.testing.assert_array_equal(NegativeBinomial(_t([5.0, 0.5]), _t([0.5, 0.5])).mode.numpy(), [4.0, 0.0])
    np.testing.assert_array_equal(Geometric(_t(P2)).mode.numpy(), [0.0, 0.0, 0.0])


def test_edge_values():
    # a sure success, a zero rate, zero-count categories of probability zero
    assert Geometric(_t([1.0])).log_prob(_t([0.0])).item() == 0.0
    assert Poisson(_t([0.0])).log_prob(_t([0.0])).item() == 0.0
    assert Poisson(_t([0.0])).log_prob(_t([2.0])).item() == -np.inf
    assert abs(Multinomial(2, _t([0.0, 1.0])).log_prob(_t([0.0, 2.0])).item()) < 1e-12
    assert NegativeBinomial(_t([0.0]), _t([0.5])).log_prob(_t([0.0])).item() == 0.0
    np.testing.assert_allclose(Binomial(3, _t([1.0, 0.0])).log_prob(_t([3.0, 0.0])).numpy(), 0.0, atol=1e-12)


def test_validate_args_errors():
    with pytest.raises(ValueError, match="probs"):
        Bernoulli(_t([0.5, 1.5]))
    with pytest.raises(ValueError, match="rate"):
        Poisson(_t([-1.0]))
    with pytest.raises(ValueError, match="probs"):
        Geometric(_t([0.0, 0.5]))
    with pytest.raises(ValueError, match="total_count"):
        Binomial(_t([2.5]), _t([0.5]))
    with pytest.raises(ValueError, match="probs"):
        Categorical(_t([[0.5, -0.1, 0.6]]))
    with pytest.raises(ValueError, match="Either `probs` or `logits`"):
        Bernoulli(_t(P2), _t(P2))
    with pytest.raises(ValueError, match="at least one-dimensional"):
        Categorical(_t(0.3))
    with pytest.raises(NotImplementedError, match="inhomogeneous total_count"):
        Multinomial(_t(3.0), _t(CAT))
    with pytest.raises(ValueError):
        Bernoulli(_t(P2)).log_prob(_t([0.0, 0.5, 1.0]))
    with pytest.raises(ValueError):
        Poisson(_t([1.0])).log_prob(_t([-1.0]))
    with pytest.raises(ValueError):
        Binomial(3, _t(P2)).log_prob(_t([4.0, 1.0, 1.0]))
    with pytest.raises(ValueError):
        Categorical(_t(CAT)).log_prob(_t([3, 0]).long())
    with pytest.raises(ValueError):
        OneHotCategorical(_t(CAT)).log_prob(_t([[1.0, 1.0, 0.0], [0.0, 0.0, 1.0]]))
    with pytest.raises(NotImplementedError, match="Inhomogeneous total count"):
        Binomial(_t([2.0, 3.0]), _t([0.5, 0.5])).entropy()
    # validate_args=False skips both kinds of check
    Bernoulli(_t([0.5, 1.5]), validate_args=False).log_prob(_t([0.5, 0.0]))
    Poisson(_t([1.0]), validate_args=False).log_prob(_t([-1.0]))


def test_straight_through_gradient():
    probtorch.manual_seed(0)
    logits = _t(np.log(CAT), requires_grad=True)
    d = OneHotCategoricalStraightThrough(logits=logits)
    assert d.has_rsample
    s = d.rsample((5,))
    assert s.shape == (5, 2, 3) and np.all(s.detach().numpy().sum(-1) == 1)
    w = np.arange(6.0).reshape(2, 3)
    (s * _t(w)).sum().backward()
    # the straight-through gradient is that of sum_sample <w, probs> = 5 <w, softmax(logits)>
    p = CAT
    expected = 5 * p * (w - (w * p).sum(-1, keepdims=True))
    np.testing.assert_allclose(logits.grad.numpy(), expected, rtol=1e-10)


def test_lazy_probs_logits_round_trip():
    d = Bernoulli(logits=_t([-1.0, 2.0]))
    np.testing.assert_allclose(d.probs.numpy(), 1 / (1 + np.exp([1.0, -2.0])))
    c = Categorical(probs=_t(CAT * 2))
    np.testing.assert_allclose(c.logits.numpy(), np.log(CAT))
    np.testing.assert_allclose(Categorical(logits=c.logits).probs.numpy(), CAT)


def test_score_function_gradient_of_bernoulli():
    # d/dp E[x] = 1 estimated by REINFORCE: mean of x * d log p(x)/dp
    probtorch.manual_seed(11)
    p = _t([0.3], requires_grad=True)
    d = Bernoulli(p)
    x = d.sample((40000,))
    (d.log_prob(x) * x).mean().backward()
    se = np.sqrt(np.var(x.numpy() / 0.3) / 40000)
    assert abs(p.grad.item() - 1.0) < 5 * se


# -------------------------------------------------------------------------------------------------- relaxed
from probtorch.distributions.relaxed_bernoulli import LogitRelaxedBernoulli, RelaxedBernoulli  # noqa: E402
from probtorch.distributions.relaxed_categorical import ExpRelaxedCategorical, RelaxedOneHotCategorical  # noqa: E402

TEMP = 0.7
LOGITS2 = np.log(P2 / (1 - P2))


def test_logit_relaxed_bernoulli_is_logistic():
    # x = (logits + logistic noise) / tau is Logistic(logits / tau, 1 / tau)
    d = LogitRelaxedBernoulli(_t(TEMP), _t(P2))
    x = np.array([-2.0, 0.3, 4.0])
    ref = st.logistic(LOGITS2 / TEMP, 1 / TEMP)
    np.testing.assert_allclose(d.log_prob(_t(x)).numpy(), ref.logpdf(x), rtol=1e-10)
    probtorch.manual_seed(21)
    s = d.rsample((20000,)).numpy()
    for i in range(3):
        assert st.kstest(s[:, i], st.logistic(LOGITS2[i] / TEMP, 1 / TEMP).cdf).pvalue > 1e-4


def test_relaxed_bernoulli_density_and_law():
    d = RelaxedBernoulli(_t(TEMP), logits=_t(LOGITS2))
    assert d.batch_shape == (3,) and d.has_rsample
    y = np.array([0.1, 0.5, 0.97])
    z = np.log(y / (1 - y))
    ref = st.logistic(LOGITS2 / TEMP, 1 / TEMP).logpdf(z) - np.log(y * (1 - y))
    np.testing.assert_allclose(d.log_prob(_t(y)).numpy(), ref, rtol=1e-9)
    probtorch.manual_seed(22)
    s = d.sample((20000,)).numpy()
    assert np.all((s > 0) & (s < 1))
    for i in range(3):
        assert st.kstest(np.log(s[:, i] / (1 - s[:, i])), st.logistic(LOGITS2[i] / TEMP, 1 / TEMP).cdf).pvalue > 1e-4
    e = d.expand((2, 3))
    assert type(e) is RelaxedBernoulli and e.sample((4,)).shape == (4, 2, 3)
    np.testing.assert_allclose(e.temperature.numpy(), TEMP)


def test_relaxed_one_hot_reduces_to_relaxed_bernoulli_for_two_classes():
    y = np.array([0.1, 0.5, 0.97])
    two = RelaxedOneHotCategorical(_t(TEMP), logits=_t(np.stack([np.zeros(3), LOGITS2], -1)))
    one = RelaxedBernoulli(_t(TEMP), logits=_t(LOGITS2))
    # the simplex density is taken w.r.t. the last coordinate's Lebesgue measure: the same law
    np.testing.assert_allclose(two.log_prob(_t(np.stack([1 - y, y], -1))).numpy(), one.log_prob(_t(y)).numpy(),
                               rtol=1e-9)


def test_relaxed_one_hot_gumbel_max_law_and_low_temperature():
    probtorch.manual_seed(23)
    d = RelaxedOneHotCategorical(_t(0.5), probs=_t(CAT))
    s = d.rsample((20000,)).numpy()
    assert s.shape == (20000, 2, 3)
    np.testing.assert_allclose(s.sum(-1), 1.0, rtol=1e-12)
    # the argmax of a Gumbel-softmax draw is an exact categorical draw, at any temperature
    for i in range(2):
        assert _chisquare(s[:, i].argmax(-1), lambda k: CAT[i][k], 2) > 1e-4
    cold = ExpRelaxedCategorical(_t(1e-3), probs=_t(CAT)).rsample((100,)).numpy()
    assert np.all(np.isfinite(cold))
    # near a tie of two Gumbel scores a cold draw can still straddle two corners; almost all are near one-hot
    assert np.mean(np.exp(cold).max(-1) > 0.99) > 0.95
    e = d.expand((4, 2))
    assert type(e) is RelaxedOneHotCategorical and e.sample((3,)).shape == (3, 4, 2, 3)


def test_relaxed_rsample_gradcheck():
    def f_bern(logits, temp):
        probtorch.manual_seed(4)
        return RelaxedBernoulli(temp, logits=logits).rsample((2,))

    def f_cat(logits, temp):
        probtorch.manual_seed(4)
        return RelaxedOneHotCategorical(temp, logits=logits).rsample((2,))

    temp = _t(TEMP, requires_grad=True)
    assert gradcheck(f_bern, (_t(LOGITS2, requires_grad=True), temp))
    assert gradcheck(f_cat, (_t(np.log(CAT), requires_grad=True), temp))
    assert gradgradcheck(f_cat, (_t(np.log(CAT), requires_grad=True), temp))
    lp = lambda logits, temp: ExpRelaxedCategorical(temp, logits=logits).log_prob(_t(np.log(CAT[::-1])))  # noqa
    assert gradcheck(lp, (_t(np.log(CAT), requires_grad=True), temp))


def test_relaxed_validation():
    with pytest.raises(ValueError, match="probs"):
        RelaxedBernoulli(_t(TEMP), _t([0.5, 1.5]))
    with pytest.raises(ValueError):
        RelaxedBernoulli(_t(TEMP), _t(P2)).log_prob(_t([0.5, 1.5, 0.2]))
    with pytest.raises(ValueError, match="probs"):
        RelaxedOneHotCategorical(_t(TEMP), _t([[0.5, -0.5, 1.0]]))
    with pytest.raises(ValueError):
        RelaxedOneHotCategorical(_t(TEMP), _t(CAT)).log_prob(_t([[0.5, 0.6, 0.1], [0.2, 0.2, 0.6]]))


# -------------------------------------------------------------------------------------------------- torch oracle
try:
    import torch
    td = torch.distributions
except ImportError:  # the oracle tests below skip; everything above runs without torch
    torch = td = None
needs_torch = pytest.mark.skipif(torch is None, reason="torch (the oracle) is not installed")


def _pair(name, params, dtype=np.float64):
    ctor = CASES[name][0]
    ours = ctor(*[_t(p, requires_grad=True) for p in params])
    tparams = [torch.tensor(np.asarray(p, dtype), requires_grad=True) for p in params]
    return ours, tparams


TORCH_CTORS = {
    "Bernoulli": lambda p: td.Bernoulli(probs=p), "Bernoulli_logits": lambda l: td.Bernoulli(logits=l),
    "Binomial": lambda n, p: td.Binomial(n, p), "Binomial_logits": lambda n, l: td.Binomial(n, logits=l),
    "Categorical": lambda p: td.Categorical(probs=p), "Categorical_logits": lambda l: td.Categorical(logits=l),
    "Geometric": lambda p: td.Geometric(p), "NegativeBinomial": lambda r, p: td.NegativeBinomial(r, p),
    "Poisson": lambda r: td.Poisson(r), "Multinomial": lambda p: td.Multinomial(4, p),
    "OneHotCategorical": lambda p: td.OneHotCategorical(p),
}


@needs_torch
@pytest.mark.parametrize("name", sorted(CASES))
def test_values_and_gradients_vs_torch(name):
    ctor, params, values, _ = CASES[name]
    ours_params = [_t(p, requires_grad=True) for p in params]
    theirs_params = [torch.tensor(np.asarray(p, np.float64), requires_grad=True) for p in params]
    ours, theirs = ctor(*ours_params), TORCH_CTORS[name](*theirs_params)
    assert ours.batch_shape == theirs.batch_shape and ours.event_shape == theirs.event_shape
    assert ours.has_enumerate_support == theirs.has_enumerate_support and ours.has_rsample == theirs.has_rsample
    for attr in ("mean", "mode", "variance", "stddev"):
        try:
            expected = getattr(theirs, attr).detach().numpy()
        except NotImplementedError:
            with pytest.raises(NotImplementedError):
                getattr(ours, attr)
            continue
        np.testing.assert_allclose(getattr(ours, attr).detach().numpy(), expected, rtol=1e-10, atol=1e-12)
    for method in ("entropy", "enumerate_support"):
        try:
            expected = getattr(theirs, method)().detach().numpy()
        except NotImplementedError:
            with pytest.raises(NotImplementedError):
                getattr(ours, method)()
            continue
        # torch's Multinomial entropy goes through eps-clamped probabilities (off by ~1e-8); ours matches scipy
        # to 1e-10 (test_against_scipy)
        np.testing.assert_allclose(getattr(ours, method)().detach().numpy(), expected, rtol=1e-7, atol=1e-12)
    tv = torch.tensor(values) if values.dtype.kind == "f" else torch.tensor(values).long()
    ov = _t(values) if values.dtype.kind == "f" else _t(values).long()
    lp_t, lp_o = theirs.log_prob(tv), ours.log_prob(ov)
    np.testing.assert_allclose(lp_o.detach().numpy(), lp_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    g_t = torch.autograd.grad(lp_t.sum(), [p for p in theirs_params], allow_unused=True)
    g_o = probtorch.autograd.grad(lp_o.sum(), ours_params, allow_unused=True)
    for a, b in zip(g_o, g_t):
        if b is None:
            assert a is None or np.allclose(a.numpy(), 0)
        else:
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-9, atol=1e-12)


@needs_torch
def test_relaxed_vs_torch():
    from torch.distributions.relaxed_bernoulli import LogitRelaxedBernoulli as TLogit
    from torch.distributions.relaxed_categorical import ExpRelaxedCategorical as TExp
    y = np.array([0.1, 0.5, 0.97])
    v = np.array([[0.2, 0.3, 0.5], [0.3, 0.3, 0.4]])
    t_temp = torch.tensor(TEMP, dtype=torch.float64)
    pairs = [(RelaxedBernoulli(_t(TEMP), _t(P2)), td.RelaxedBernoulli(t_temp, torch.tensor(P2)), y),
             (LogitRelaxedBernoulli(_t(TEMP), logits=_t(LOGITS2)), TLogit(t_temp, logits=torch.tensor(LOGITS2)),
              np.log(y)),
             (RelaxedOneHotCategorical(_t(TEMP), _t(CAT)), td.RelaxedOneHotCategorical(t_temp, torch.tensor(CAT)), v),
             (ExpRelaxedCategorical(_t(TEMP), _t(CAT)), TExp(t_temp, torch.tensor(CAT)), np.log(v))]
    for ours, theirs, x in pairs:
        assert ours.batch_shape == theirs.batch_shape and ours.event_shape == theirs.event_shape
        np.testing.assert_allclose(ours.log_prob(_t(x)).numpy(), theirs.log_prob(torch.tensor(x)).numpy(),
                                   rtol=1e-10)
        np.testing.assert_allclose(ours.probs.numpy(), theirs.probs.numpy(), rtol=1e-12)
        np.testing.assert_allclose(ours.logits.numpy(), theirs.logits.numpy(), rtol=1e-12)
        assert ours.rsample((2,)).shape == theirs.rsample((2,)).shape
