"""LKJCholesky: the onion-method sampler gives every off-diagonal correlation its marginal law (torch 2.13 gets this
wrong for d >= 3), log_prob normalization and values against torch."""
import math

import numpy as np
import pytest
import scipy.integrate as si
import scipy.stats as st

import probtorch
from probtorch.distributions import LKJCholesky


@pytest.mark.parametrize("d,eta", [(3, 0.5), (3, 1.0), (4, 2.0), (6, 1.0), (5, 3.5)])
def test_every_offdiagonal_correlation_has_the_marginal_law(d, eta):
    probtorch.manual_seed(5)
    n = 2000
    sample = LKJCholesky(d, eta).sample((n,))
    assert LKJCholesky(d, eta).support.check(sample).numpy().all()
    L = sample.numpy().astype(np.float64)
    corr = L @ np.swapaxes(L, -1, -2)
    np.testing.assert_allclose(np.diagonal(corr, axis1=-2, axis2=-1), 1.0, atol=1e-5)
    b = eta - 1 + d / 2
    marginal = st.beta(b, b, loc=-1, scale=2)
    pvalues = [st.kstest(corr[:, i, j], marginal.cdf).pvalue for i in range(d) for j in range(i)]
    assert min(pvalues) > 1e-3 / len(pvalues), pvalues


def test_log_prob_normalized_in_two_dims():
    # for d = 2 the factor is [[1, 0], [r, sqrt(1 - r^2)]]: the density over r must integrate to one
    for eta in (0.7, 1.0, 3.0):
        dist = LKJCholesky(2, probtorch.tensor(eta, dtype=probtorch.float64))

        def density(r):
            L = probtorch.tensor([[1.0, 0.0], [r, math.sqrt(1 - r * r)]], dtype=probtorch.float64)
            return math.exp(dist.log_prob(L).item())
        total, _ = si.quad(density, -1 + 1e-12, 1 - 1e-12, limit=200)
        assert abs(total - 1) < 1e-6


def test_log_prob_matches_torch_and_batches():
    torch = pytest.importorskip("torch")
    eta = np.array([0.5, 1.0, 2.5])
    d = LKJCholesky(4, probtorch.tensor(eta, dtype=probtorch.float64))
    L = d.sample((2,))
    assert tuple(L.shape) == (2, 3, 4, 4)
    ref = torch.distributions.LKJCholesky(4, torch.tensor(eta)).log_prob(torch.tensor(L.numpy()))
    np.testing.assert_allclose(d.log_prob(L).numpy(), ref.numpy(), rtol=1e-10)


def test_errors():
    with pytest.raises(ValueError, match="dim"):
        LKJCholesky(1)
    with pytest.raises(ValueError, match="concentration"):
        LKJCholesky(3, -1.0)
    assert not LKJCholesky(3).has_rsample
    with pytest.raises(NotImplementedError):
        LKJCholesky(3).rsample()
