"""Generic checks over the continuous rows of the examples table (tests/distributions/dist_examples.py), in float32
and float64: shapes and expand, log_prob/cdf/icdf/moments/entropy against scipy.stats, sampling laws (moments
within 5 standard errors, Kolmogorov-Smirnov at a fixed seed), rsample gradients (inverse-CDF path and the
gradient of the mean), log_prob gradcheck/gradgradcheck, validation errors, and values against torch."""
import math
import warnings

import numpy as np
import pytest
import scipy.stats as st

import probtorch
import probtorch.distributions as D
from probtorch.autograd.gradcheck import gradcheck, gradgradcheck

from dist_examples import CONTINUOUS

DTYPES = [probtorch.float32, probtorch.float64]
ROWS = [pytest.param(ex, id=ex.id) for ex in CONTINUOUS]


def _tensors(ex, dtype, requires_grad=False, full=False):
    out = {}
    batch = np.broadcast_shapes(*[np.shape(v) for v in ex.params.values() if isinstance(v, np.ndarray)]) \
        if full else None
    for k, v in ex.params.items():
        if isinstance(v, np.ndarray):
            arr = np.array(np.broadcast_to(v, batch)) if full and ex.make is None else v
            out[k] = probtorch.tensor(arr, dtype=dtype, requires_grad=requires_grad)
        else:
            out[k] = v
    return out


def _build(ex, t, module=D):
    if ex.make is not None:
        return ex.make(module, t)
    return getattr(module, ex.cls)(**t)


def _np(x):
    return np.asarray(x.detach().numpy(), np.float64)


def _tol(ex, dtype):
    return dict(rtol=1e-9, atol=1e-10) if dtype == probtorch.float64 else dict(rtol=ex.tol32, atol=ex.tol32)


def _try(fn):
    try:
        return fn()
    except NotImplementedError:
        return None


def _rows_where(pred):
    """The rows a test applies to, decided at collection (so no test is skipped at run time)."""
    return [r for r in ROWS if pred(r.values[0], _build(r.values[0], _tensors(r.values[0], probtorch.float64)))]


def _grid(lo, hi, n, d):
    """n probabilities in [lo, hi] along a leading dim, broadcast over the batch."""
    batch = tuple(d.batch_shape)
    return np.linspace(lo, hi, n).reshape((n,) + (1,) * len(batch)) * np.ones(batch)


def _values(ex, d, n=()):
    """Points in the support, drawn from the distribution itself at float64."""
    probtorch.manual_seed(1)
    d64 = _build(ex, _tensors(ex, probtorch.float64))
    return d64.sample(n)


# ------------------------------------------------------------------------------------------------ shapes
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("ex", ROWS)
def test_shapes_and_expand(ex, dtype):
    d = _build(ex, _tensors(ex, dtype))
    batch, event = tuple(d.batch_shape), tuple(d.event_shape)
    x = d.sample((4,))
    assert tuple(x.shape) == (4,) + batch + event and x.dtype == dtype and not x.requires_grad
    if d.has_rsample:
        assert tuple(d.rsample((2, 1)).shape) == (2, 1) + batch + event
    assert tuple(d.log_prob(x).shape) == (4,) + batch
    e = d.expand((3,) + batch)
    assert tuple(e.batch_shape) == (3,) + batch and tuple(e.event_shape) == event
    assert type(e) is type(d) and e._validate_args == d._validate_args
    assert tuple(e.sample((2,)).shape) == (2, 3) + batch + event
    np.testing.assert_allclose(_np(e.log_prob(x[0])), np.broadcast_to(_np(d.log_prob(x[0])), (3,) + batch),
                               rtol=1e-6)
    assert repr(d).startswith(ex.cls)


# ------------------------------------------------------------------------------------------------ scipy
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("ex", [r for r in ROWS if r.values[0].scipy is not None])
def test_against_scipy(ex, dtype):
    d = _build(ex, _tensors(ex, dtype))
    ref = ex.scipy(ex.params)
    x = _values(ex, d, (5,))
    tol = _tol(ex, dtype)
    xd = x.to(dtype)
    np.testing.assert_allclose(_np(d.log_prob(xd)), ref.logpdf(_np(xd)), rtol=max(tol["rtol"], 1e-7),
                               atol=tol["atol"])
    cdf = _try(lambda: d.cdf(xd))
    if cdf is not None:
        np.testing.assert_allclose(_np(cdf), ref.cdf(_np(xd)), rtol=max(tol["rtol"], 1e-7), atol=tol["atol"])
    u = probtorch.tensor(_grid(0.05, 0.95, 5, d), dtype=dtype)
    q = _try(lambda: d.icdf(u))
    if q is not None:
        np.testing.assert_allclose(_np(q), ref.ppf(_np(u)), rtol=max(tol["rtol"], 1e-7), atol=tol["atol"] * 10)
    if "moments" not in ex.skip:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for name, r in (("mean", ref.mean()), ("variance", ref.var())):
                ours = np.broadcast_to(_np(getattr(d, name)), r.shape)
                np.testing.assert_allclose(ours, r, rtol=max(tol["rtol"], 1e-7), atol=tol["atol"], equal_nan=True)
    if "entropy" not in ex.skip:
        h = _try(d.entropy)
        if h is not None:
            np.testing.assert_allclose(_np(h), np.broadcast_to(ref.entropy(), tuple(d.batch_shape)),
                                       rtol=max(tol["rtol"], 1e-7), atol=tol["atol"])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("ex", [r for r in ROWS if r.values[0].scipy is not None])
def test_kolmogorov_smirnov(ex, dtype):
    d = _build(ex, _tensors(ex, dtype))
    probtorch.manual_seed(2)
    n = 3000
    x = _np(d.sample((n,))).reshape(n, -1)
    u = ex.scipy(ex.params).cdf(x.reshape((n,) + tuple(d.batch_shape))).reshape(n, -1)
    for j in range(u.shape[1]):
        p = st.kstest(u[:, j], "uniform").pvalue
        assert p > 1e-3, (j, p)


# ------------------------------------------------------------------------------------------------ sampling law
@pytest.mark.parametrize("ex", ROWS)
def test_sample_moments_and_entropy(ex):
    d = _build(ex, _tensors(ex, probtorch.float64))
    probtorch.manual_seed(3)
    n = 20000
    x = d.sample((n,))
    s = _np(x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mean = _try(lambda: _np(d.mean))
        var = _try(lambda: _np(d.variance))
        if mean is not None and var is not None and "moments" not in ex.skip:
            mean = np.broadcast_to(mean, s.shape[1:])
            var = np.broadcast_to(var, s.shape[1:])
            ok = np.isfinite(var) & np.isfinite(mean)
            se = np.sqrt(np.where(ok, var, 1) / n)
            assert np.all(np.abs(s.mean(0) - mean)[ok] < 5 * se[ok])
            # the variance estimate's standard error from the sample's fourth central moment
            m4 = ((s - s.mean(0)) ** 4).mean(0)
            ok4 = ok
            if ex.scipy is not None:
                kurt = np.broadcast_to(ex.scipy(ex.params).stats(moments="k"), s.shape[1:])
                ok4 = ok & np.isfinite(kurt)
            se_v = np.sqrt(np.abs(m4 - var ** 2) / n)
            assert np.all(np.abs(s.var(0) - var)[ok4] < 5 * se_v[ok4] + 1e-12)
    h = _try(d.entropy)
    if h is not None:
        lp = _np(d.log_prob(x))
        se = lp.std(0) / math.sqrt(n)
        np.testing.assert_array_less(np.abs(-lp.mean(0) - _np(h)), 5 * se + 1e-9)


@pytest.mark.parametrize("ex", _rows_where(lambda ex, d: not ex.params.get("dim") and not len(d.event_shape)
                                          and _try(lambda: d.mode) is not None))
def test_mode_is_a_local_maximum(ex):
    """log_prob at the mode is at least log_prob at nearby points of the support (catches wrong mode formulas)."""
    d = _build(ex, _tensors(ex, probtorch.float64, full=True), )
    mode = d.mode
    d._validate_args = False
    if hasattr(d, "base_dist"):
        d.base_dist._validate_args = False
    m = _np(mode)
    ok = np.isfinite(m)
    safe = np.where(ok, m, 0.5)
    lp = _np(d.log_prob(probtorch.tensor(safe)))
    for step in (1e-3, -1e-3):
        moved = probtorch.tensor(safe + step * np.maximum(np.abs(safe), 1))
        inside = ok & _np(d.support.check(moved)).astype(bool)
        with np.errstate(all="ignore"):
            lq = _np(d.log_prob(moved))
        assert np.all((lp >= lq - 1e-12)[inside]), (step, m, lp, lq)


# ------------------------------------------------------------------------------------------------ gradients
@pytest.mark.parametrize("ex", ROWS)
def test_log_prob_gradcheck(ex):
    t = _tensors(ex, probtorch.float64, requires_grad=True)
    names = [k for k, v in t.items() if isinstance(v, probtorch.Tensor)]
    d0 = _build(ex, _tensors(ex, probtorch.float64))
    x = _values(ex, d0, (2,))

    def f(*ps):
        tt = dict(t)
        tt.update(zip(names, ps))
        return _build(ex, tt).log_prob(x)

    inputs = tuple(t[k] for k in names)
    assert gradcheck(f, inputs)
    assert gradgradcheck(f, inputs)


@pytest.mark.parametrize("ex", [r for r in ROWS if r.values[0].quantile_path])
def test_rsample_follows_inverse_cdf_path(ex):
    """d sample / d param, per sample, equals the derivative of scipy's ppf(u; param) at u = cdf(sample)."""
    t = _tensors(ex, probtorch.float64, requires_grad=True, full=True)
    d = _build(ex, t)
    x = d.rsample()
    names = [k for k, v in t.items() if isinstance(v, probtorch.Tensor)]
    grads = probtorch.autograd.grad(x.sum(), [t[k] for k in names])
    full = {k: np.array(np.broadcast_to(v, tuple(d.batch_shape))) for k, v in ex.params.items()}
    xs = _np(x)
    u = ex.scipy(full).cdf(xs)
    for k, g in zip(names, grads):
        h = 1e-6 * np.maximum(np.abs(full[k]), 1.0)
        up, dn = dict(full), dict(full)
        up[k] = full[k] + h
        dn[k] = full[k] - h
        ref = (ex.scipy(up).ppf(u) - ex.scipy(dn).ppf(u)) / (2 * h)
        np.testing.assert_allclose(_np(g), ref, rtol=1e-4, atol=1e-6, err_msg=k)


@pytest.mark.parametrize("ex", _rows_where(lambda ex, d: "mean_grad" not in ex.skip and d.has_rsample
                                          and _try(lambda: d.mean) is not None))
def test_rsample_gradient_of_the_mean(ex):
    """The Monte Carlo average of d sample / d param matches d mean / d param within 5 standard errors."""
    t = _tensors(ex, probtorch.float64, requires_grad=True)
    names = [k for k, v in t.items() if isinstance(v, probtorch.Tensor)]
    params = [t[k] for k in names]
    mean = _build(ex, t).mean
    exact = probtorch.autograd.grad(mean.sum(), params, allow_unused=True)
    chunks = []
    for _ in range(16):
        x = _build(ex, t).rsample((500,))
        g = probtorch.autograd.grad(x.mean(0).sum(), params, allow_unused=True)
        chunks.append([np.zeros(p.shape) if gi is None else _np(gi) for gi, p in zip(g, params)])
    for j, k in enumerate(names):
        c = np.stack([ch[j] for ch in chunks])
        se = c.std(0, ddof=1) / math.sqrt(len(c))
        ref = np.zeros(params[j].shape) if exact[j] is None else _np(exact[j])
        assert np.all(np.abs(c.mean(0) - ref) <= 5 * se + 1e-9 * (1 + np.abs(ref))), (k, c.mean(0), ref, se)


# ------------------------------------------------------------------------------------------------ validation
@pytest.mark.parametrize("ex", [r for r in ROWS if r.values[0].bad is not None])
def test_bad_parameter_raises_naming_it(ex):
    name, value = ex.bad
    params = dict(ex.params)
    params[name] = np.array(np.broadcast_to(value, np.shape(params[name]) if np.ndim(value) == 0 else np.shape(value)))
    t = {k: probtorch.tensor(v, dtype=probtorch.float64) if isinstance(v, np.ndarray) else v
         for k, v in params.items()}
    with pytest.raises(ValueError, match=f"parameter {name} .*of shape"):
        _build(ex, t)
    kw = dict(t)
    if ex.make is None:
        getattr(D, ex.cls)(**kw, validate_args=False)


@pytest.mark.parametrize("ex", [r for r in ROWS if r.values[0].outside is not None])
def test_log_prob_outside_support_raises(ex):
    d = _build(ex, _tensors(ex, probtorch.float64))
    v = probtorch.tensor(np.broadcast_to(ex.outside, tuple(d.batch_shape) + tuple(d.event_shape)).copy(),
                         dtype=probtorch.float64)
    with pytest.raises(ValueError, match="support"):
        d.log_prob(v)


# ------------------------------------------------------------------------------------------------ torch oracle
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("ex", ROWS)
def test_against_torch(ex, dtype):
    torch = pytest.importorskip("torch")
    tdt = torch.float32 if dtype == probtorch.float32 else torch.float64
    d = _build(ex, _tensors(ex, dtype))
    tt = {k: torch.tensor(v, dtype=tdt) if isinstance(v, np.ndarray) else v for k, v in ex.params.items()}
    td = _build(ex, tt, torch.distributions)
    assert tuple(td.batch_shape) == tuple(d.batch_shape) and tuple(td.event_shape) == tuple(d.event_shape)
    assert td.has_rsample == d.has_rsample or ex.cls == "VonMises"
    x = _values(ex, d, (3,)).to(dtype)
    tx = torch.tensor(_np(x), dtype=tdt)
    tol = dict(rtol=1e-6, atol=1e-9) if dtype == probtorch.float64 else dict(rtol=ex.tol32, atol=ex.tol32)
    try:
        ref = td.log_prob(tx).numpy()
    except RuntimeError as e:
        # torch 2.13 bug: GeneralizedPareto compares against a float32 zero and fails for float64 parameters
        assert ex.cls == "GeneralizedPareto" and dtype == probtorch.float64, e
        return
    np.testing.assert_allclose(_np(d.log_prob(x)), ref, **tol)
    u = probtorch.tensor(_grid(0.1, 0.9, 3, d), dtype=dtype)
    for name, ours, theirs in (("cdf", lambda: d.cdf(x), lambda: td.cdf(tx)),
                               ("icdf", lambda: d.icdf(u), lambda: td.icdf(torch.tensor(_np(u), dtype=tdt))),
                               ("entropy", d.entropy, td.entropy)):
        try:
            ref = theirs().numpy()
        except NotImplementedError:
            continue
        if ex.cls == "ContinuousBernoulli" and name in ("cdf", "icdf"):
            # torch replaces these by the uniform law for probs within lims of 1/2; we keep a 2nd-order expansion
            np.testing.assert_allclose(_np(ours()), ref, err_msg=name, rtol=1e-3, atol=1e-3)
            continue
        np.testing.assert_allclose(_np(ours()), ref, err_msg=name, **tol)
    for name in ("mean", "variance", "mode", "stddev"):
        if name in ex.torch_differs:
            continue
        try:
            ref = getattr(td, name).numpy()
        except NotImplementedError:
            continue
        np.testing.assert_allclose(_np(getattr(d, name)), ref, err_msg=name, equal_nan=True, **tol)


# torch 2.13 cannot evaluate GeneralizedPareto.log_prob with float64 parameters: that row is checked by gradcheck
@pytest.mark.parametrize("ex", [r for r in ROWS if r.values[0].cls != "GeneralizedPareto"])
def test_log_prob_gradients_against_torch(ex):
    torch = pytest.importorskip("torch")
    t = _tensors(ex, probtorch.float64, requires_grad=True)
    names = [k for k, v in t.items() if isinstance(v, probtorch.Tensor)]
    x = _values(ex, _build(ex, _tensors(ex, probtorch.float64)), (3,))
    ours = probtorch.autograd.grad(_build(ex, t).log_prob(x).sum(), [t[k] for k in names])
    tt = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) if isinstance(v, np.ndarray) else v
          for k, v in ex.params.items()}
    theirs = torch.autograd.grad(_build(ex, tt, torch.distributions).log_prob(torch.tensor(_np(x))).sum(),
                                 [tt[k] for k in names])
    # torch's log-Bessel function for VonMises is a polynomial fit good to ~1e-7; ours is scipy's i0e
    rtol = 1e-5 if ex.cls == "VonMises" else 1e-6
    for k, a, b in zip(names, ours, theirs):
        np.testing.assert_allclose(_np(a), b.numpy(), rtol=rtol, atol=1e-9, err_msg=k)


@pytest.mark.parametrize("ex", _rows_where(lambda ex, d: isinstance(d, D.ExponentialFamily)))
def test_bregman_entropy_matches_closed_form(ex):
    """For exponential families, the entropy from the log-normalizer (autograd) equals the closed form."""
    d = _build(ex, _tensors(ex, probtorch.float64))
    np.testing.assert_allclose(_np(D.ExponentialFamily.entropy(d)), _np(d.entropy()), rtol=1e-9, atol=1e-12)
