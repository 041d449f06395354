"""The standard-gamma sampling primitive: its law for concentrations on both sides of 1 (the a < 1 elements take
the boosted path G(a + 1) U^(1/a)), dtypes and shapes."""
import numpy as np
import pytest
import scipy.stats as st

import probtorch
from probtorch.prims.gamma import standard_gamma_log


@pytest.mark.parametrize("dtype", [probtorch.float32, probtorch.float64])
def test_law_for_mixed_concentrations(dtype):
    probtorch.manual_seed(0)
    conc = np.array([0.05, 0.3, 0.99, 1.0, 2.5, 40.0])
    a = probtorch.tensor(np.repeat(conc[:, None], 4000, 1), dtype=dtype)
    lx = standard_gamma_log(a)
    assert lx.dtype is dtype and lx.shape == a.shape
    x = np.exp(lx.numpy().astype(np.float64))
    for i, c in enumerate(conc):
        assert st.kstest(x[i], st.gamma(c).cdf).pvalue > 1e-3


def test_scalar_and_empty_shapes():
    probtorch.manual_seed(0)
    assert standard_gamma_log(probtorch.tensor(0.5)).shape == ()
    assert standard_gamma_log(probtorch.tensor(2.0)).shape == ()
    assert standard_gamma_log(probtorch.zeros((0, 3)) + 0.5).shape == (0, 3)


def test_non_contiguous_concentration():
    probtorch.manual_seed(0)
    base = probtorch.tensor(np.tile([0.2, 3.0], (3000, 1)), dtype=probtorch.float64)
    lx = standard_gamma_log(base.mT).numpy()  # a transposed view: rows are 0.2 and 3.0
    assert st.kstest(np.exp(lx[0]), st.gamma(0.2).cdf).pvalue > 1e-3
    assert st.kstest(np.exp(lx[1]), st.gamma(3.0).cdf).pvalue > 1e-3


def test_incomplete_gamma_gradients_at_zero_are_zero():
    # P(a, 0) = 0 and the quantile of p = 0 is 0 for every a: their a-derivatives are 0 (not 0 * inf = NaN)
    from probtorch.prims.gamma import gammainc, gammaincinv
    a = probtorch.tensor([0.4, 2.0, 30.0], dtype=probtorch.float64, requires_grad=True)
    zero = probtorch.zeros(3, dtype=probtorch.float64)
    (ga,) = probtorch.autograd.grad(gammainc(a, zero).sum(), [a])
    (gi,) = probtorch.autograd.grad(gammaincinv(a, zero).sum(), [a])
    assert np.all(ga.numpy() == 0) and np.all(gi.numpy() == 0)
    # elsewhere unchanged: central differences of scipy
    import scipy.special as sc
    x = probtorch.tensor([0.3, 1.5, 28.0], dtype=probtorch.float64)
    (ga,) = probtorch.autograd.grad(gammainc(a, x).sum(), [a])
    an, xn, h = a.detach().numpy(), x.numpy(), 1e-6
    np.testing.assert_allclose(ga.numpy(), (sc.gammainc(an + h, xn) - sc.gammainc(an - h, xn)) / (2 * h), rtol=1e-6)
