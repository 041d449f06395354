"""Compiled lgamma / digamma for float32 against their scipy twins (the reference)."""
import numpy as np
import pytest
import scipy.special as sc

import probtorch as pt
from probtorch._kernels import special as K

pytestmark = pytest.mark.skipif(not K.available(), reason="numba unavailable")

RNG = np.random.default_rng(0)
X = np.concatenate([RNG.uniform(1e-30, 1e-3, 2000), RNG.uniform(1e-3, 10, 4000), RNG.gamma(2.0, size=4000),
                    np.logspace(-38, 38, 3000), [1.0, 2.0, 8.0, 7.999999, 8.000001, 1e-45]]).astype(np.float32)
SPECIAL = np.array([0.0, -0.0, -1.0, -2.5, -1e-3, np.inf, -np.inf, np.nan], np.float32)


@pytest.mark.parametrize("name,kernel,reference", [("lgamma", K.lgamma_positive, sc.gammaln),
                                                   ("digamma", K.digamma_positive, sc.psi)])
def test_kernel_matches_scipy_on_positive_floats(name, kernel, reference):
    ours = kernel(X, lambda v: reference(v.astype(np.float64)).astype(np.float32))
    with np.errstate(over="ignore"):  # lgamma of the largest floats overflows float32, as it should
        ref = reference(X.astype(np.float64)).astype(np.float32)  # float64 truth rounded to float32
    assert ours.dtype == np.float32
    assert np.array_equal(np.isinf(ours), np.isinf(ref))
    fin = np.isfinite(ref)
    # compare at float32 resolution, relative to max(1, |value|)
    err = np.abs(ours[fin].astype(np.float64) - ref[fin]) / np.maximum(1.0, np.abs(ref[fin]))
    assert err.max() < 4 * np.finfo(np.float32).eps, (name, X[fin][err.argmax()])


@pytest.mark.parametrize("fn,reference", [(pt.lgamma, sc.gammaln), (pt.digamma, sc.psi)])
def test_primitives_use_the_kernel_and_agree_on_special_values(fn, reference):
    x = np.concatenate([X, SPECIAL]).astype(np.float32)
    assert K.usable(x)
    ours = fn(pt.tensor(x)).numpy()
    small = np.concatenate([fn(pt.tensor(x[i:i + 100])).numpy() for i in range(0, x.size, 100)])  # scipy path
    np.testing.assert_allclose(ours, small, rtol=4e-7, atol=4e-7, equal_nan=True)


def test_gradients_through_the_fast_path():
    x = pt.tensor(RNG.uniform(0.5, 5.0, 5000).astype(np.float32), requires_grad=True)
    pt.lgamma(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), sc.psi(x.detach().numpy().astype(np.float64)), rtol=1e-5, atol=1e-6)

