"""Von Mises kernels: the sample-derivative against quadrature, and the sampler against scipy."""
import numpy as np
import pytest
import scipy.integrate as si
import scipy.special as sc
import scipy.stats as st

from probtorch._kernels.von_mises import von_mises_dz_dk, von_mises_sample


def _reference(z, k):
    """dz/dk = -(dF/dk) / f(z) with dF/dk = int_{-pi}^{z} (cos t - I1/I0) f(t) dt (plain quadrature)."""
    a = sc.i1e(k) / sc.i0e(k)
    f = lambda t: np.exp(k * (np.cos(t) - 1)) / (2 * np.pi * sc.i0e(k))  # noqa: E731
    dfdk, _ = si.quad(lambda t: (np.cos(t) - a) * f(t), -np.pi, z, epsabs=1e-14, epsrel=1e-11, limit=200)
    return -dfdk / f(z)


@pytest.mark.parametrize("k", [1e-3, 0.3, 1.0, 4.0, 30.0, 400.0])
def test_derivative_matches_quadrature(k):
    width = min(np.pi * 0.95, 3.0 / np.sqrt(k))
    z = np.linspace(-width, width, 7)
    got = von_mises_dz_dk(z, np.full_like(z, k), np.full_like(z, sc.i0e(k)))
    ref = np.array([_reference(v, k) for v in z])
    np.testing.assert_allclose(got, ref, rtol=1e-7, atol=1e-13)


@pytest.mark.parametrize("k", [1e-4, 0.5, 3.0, 100.0])
def test_sampler_law(k):
    rng = np.random.default_rng(0)
    z = von_mises_sample(np.full(4000, k), rng)
    assert np.all((z >= -np.pi) & (z < np.pi))
    assert st.kstest(z, st.vonmises(k).cdf).pvalue > 1e-3


def test_pure_python_fallback_agrees(monkeypatch):
    z, k = np.array([-1.0, 0.2, 2.5]), np.array([0.5, 3.0, 1.0])
    monkeypatch.setenv("PROBTORCH_DISABLE_NUMBA", "1")
    slow = von_mises_dz_dk(z, k, sc.i0e(k))
    monkeypatch.delenv("PROBTORCH_DISABLE_NUMBA")
    np.testing.assert_allclose(slow, von_mises_dz_dk(z, k, sc.i0e(k)), rtol=1e-13)
