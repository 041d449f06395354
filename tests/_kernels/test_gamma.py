"""The standard-gamma sample-derivative kernel against an mpmath twin (slow, obviously correct)."""
import math

import mpmath
import numpy as np
import pytest
import scipy.special as sc

from probtorch._kernels.gamma import standard_gamma_dlogx


def _reference(lx, a):
    """d log x / d a = -(dP(a, x)/da) / (x p(x)) at x = exp(lx), with P the regularized lower incomplete gamma."""
    mpmath.mp.dps = 40
    a = mpmath.mpf(a)
    x = mpmath.exp(mpmath.mpf(lx))
    dp = mpmath.diff(lambda s: mpmath.gammainc(s, 0, x, regularized=True), a)
    x_density = mpmath.exp(a * mpmath.log(x) - x - mpmath.loggamma(a))
    return float(-dp / x_density)


def _points(a):
    """log-sample points spread over the bulk and both tails of Gamma(a, 1)."""
    if a < 1:
        # P(a, x) ~ x^a / Gamma(a + 1) for small x: quantiles u in [1e-6, 1 - 1e-9] span these log x
        lu = np.log(np.array([1e-6, 1e-2, 0.3, 0.7]))
        lx = (lu + math.lgamma(a + 1)) / a
        return np.concatenate([lx, np.log([0.5, 2.0, 8.0, 30.0])])
    z = np.array([-6.0, -3.0, -1.0, 0.0, 0.5, 1.0, 3.0, 8.0])
    x = a + np.sqrt(a) * z
    return np.log(x[x > 0])


@pytest.mark.parametrize("a", [1e-3, 0.05, 0.5, 1.0, 2.5, 9.0, 60.0, 1e3, 1e4])
def test_matches_mpmath(a):
    lx = _points(a)
    got = standard_gamma_dlogx(lx, np.full_like(lx, a))
    ref = np.array([_reference(v, a) for v in lx])
    np.testing.assert_allclose(got, ref, rtol=1e-9)
    assert np.all(got > 0)  # a gamma sample grows with its concentration


def test_underflowed_samples_stay_finite():
    # with a = 1e-3 a sample below 1e-308 is common: its log is what the kernel needs, and the derivative is finite
    lx = np.array([-5000.0, -1e5])
    got = standard_gamma_dlogx(lx, np.full(2, 1e-3))
    assert np.all(np.isfinite(got))
    # leading term for tiny x: d log x / da = (psi(a + 1) - log x) / a
    np.testing.assert_allclose(got, (sc.digamma(1 + 1e-3) - lx) / 1e-3, rtol=1e-6)


def test_nan_and_bad_inputs():
    got = standard_gamma_dlogx(np.array([np.nan, 0.0, 0.0, np.inf]), np.array([1.0, -1.0, np.nan, 2.0]))
    assert np.all(np.isnan(got))


def test_zero_sample_is_infinite_at_once():
    # log x = -inf: the leading term (psi(a + 1) - log x) / a is infinite (the series must not spin on inf * 0)
    got = standard_gamma_dlogx(np.full(3, -np.inf), np.array([1e-3, 0.5, 30.0]))
    assert np.all(got == np.inf)


def test_agrees_with_quantile_finite_differences():
    rng = np.random.default_rng(0)
    a = rng.uniform(0.2, 20, 200)
    u = rng.uniform(0.01, 0.99, 200)
    x = sc.gammaincinv(a, u)
    h = 1e-6 * a
    ref = (np.log(sc.gammaincinv(a + h, u)) - np.log(sc.gammaincinv(a - h, u))) / (2 * h)
    np.testing.assert_allclose(standard_gamma_dlogx(np.log(x), a), ref, rtol=1e-6)


def test_pure_python_fallback_agrees(monkeypatch):
    monkeypatch.setenv("PROBTORCH_DISABLE_NUMBA", "1")
    lx = np.log(np.array([0.01, 0.7, 3.0, 40.0]))
    a = np.array([0.3, 1.0, 2.0, 35.0])
    slow = standard_gamma_dlogx(lx, a)
    monkeypatch.delenv("PROBTORCH_DISABLE_NUMBA")
    np.testing.assert_array_equal(slow, standard_gamma_dlogx(lx, a))


def test_float32_tolerance_is_float32_accurate():
    rng = np.random.default_rng(0)
    a = rng.uniform(0.01, 30, 20000)
    x = sc.gammaincinv(a, rng.uniform(0.001, 0.999, 20000))
    keep = x > 0
    full = standard_gamma_dlogx(np.log(x[keep]), a[keep])
    loose = standard_gamma_dlogx(np.log(x[keep]), a[keep], 1e-8)
    np.testing.assert_allclose(loose, full, rtol=3e-8)


def test_float32_inputs_and_threads_give_the_serial_float64_values():
    # float32 arrays are read as they are (no float64 copies) and the arithmetic stays float64: the same numbers as
    # casting first; the threaded call (rows split over the pool) equals the per-piece serial calls exactly
    import probtorch
    rng = np.random.default_rng(1)
    a = rng.uniform(0.05, 40, 20000).astype(np.float32)
    lx = np.log(rng.standard_gamma(a.astype(np.float64))).astype(np.float32)
    ref = standard_gamma_dlogx(lx.astype(np.float64), a.astype(np.float64), 1e-8)
    old = probtorch.get_num_threads()
    try:
        probtorch.set_num_threads(2)
        got = standard_gamma_dlogx(lx, a, 1e-8, np.float32)
        assert got.dtype == np.float32 and got.shape == a.shape
        np.testing.assert_array_equal(got, ref.astype(np.float32))
        pieces = np.concatenate([standard_gamma_dlogx(lx[i:i + 1000], a[i:i + 1000], 1e-8)
                                 for i in range(0, a.size, 1000)])
        np.testing.assert_array_equal(standard_gamma_dlogx(lx, a, 1e-8), pieces)
    finally:
        probtorch.set_num_threads(old)
    half = standard_gamma_dlogx(lx[:3].astype(np.float16), a[:3].astype(np.float16), 1e-8, np.float16)
    assert half.dtype == np.float16
