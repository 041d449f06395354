"""TransformedDistribution: change of variables, monotone cdf/icdf through decreasing maps, shapes and errors."""
import numpy as np
import pytest
import scipy.stats as st

import probtorch
from probtorch.distributions import (Normal, TransformedDistribution, Gumbel, LogNormal, Independent, Exponential,
                                     GeneralizedPareto, ContinuousBernoulli)
from probtorch.transforms import AffineTransform, ExpTransform, StickBreakingTransform

F64 = probtorch.float64


def test_decreasing_chain_cdf_icdf():
    base = Exponential(probtorch.tensor([1.0, 2.0], dtype=F64))
    d = TransformedDistribution(base, [AffineTransform(1.0, -2.0)])  # y = 1 - 2 x, decreasing
    y = probtorch.tensor([[0.5, -3.0], [-1.0, 0.9]], dtype=F64)
    ref = st.expon(scale=1 / np.array([1.0, 2.0]))
    np.testing.assert_allclose(d.cdf(y).numpy(), ref.sf((1 - y.numpy()) / 2), rtol=1e-12)
    np.testing.assert_allclose(d.log_prob(y).numpy(), ref.logpdf((1 - y.numpy()) / 2) - np.log(2), rtol=1e-12)
    u = probtorch.tensor([0.2, 0.7], dtype=F64)
    np.testing.assert_allclose(d.cdf(d.icdf(u)).numpy(), u.numpy(), rtol=1e-12)


def test_event_dims_and_expand():
    base = Normal(probtorch.zeros(2, 3, dtype=F64), 1.0)
    d = TransformedDistribution(base, StickBreakingTransform())
    assert d.batch_shape == (2,) and d.event_shape == (4,)
    assert isinstance(d.base_dist, Independent)
    x = d.sample((5,))
    assert x.shape == (5, 2, 4) and d.log_prob(x).shape == (5, 2)
    e = d.expand((7, 2))
    assert e.batch_shape == (7, 2) and e.sample().shape == (7, 2, 4)
    assert d.support.event_dim == 1


def test_log_normal_is_transformed_and_matches_scipy():
    d = LogNormal(probtorch.tensor(0.3, dtype=F64), probtorch.tensor(0.8, dtype=F64))
    assert isinstance(d, TransformedDistribution) and isinstance(d.transforms[0], ExpTransform)
    x = probtorch.tensor([0.1, 1.0, 4.0], dtype=F64)
    np.testing.assert_allclose(d.log_prob(x).numpy(), st.lognorm(0.8, scale=np.exp(0.3)).logpdf(x.numpy()),
                               rtol=1e-12)


def test_errors():
    with pytest.raises(ValueError, match="Transform"):
        TransformedDistribution(Normal(0.0, 1.0), [ExpTransform(), 3])
    with pytest.raises(ValueError, match="Transform"):
        TransformedDistribution(Normal(0.0, 1.0), "exp")
    with pytest.raises(ValueError, match="at least 1"):
        TransformedDistribution(Normal(0.0, 1.0), StickBreakingTransform())
    with pytest.raises(ValueError, match="parameter scale"):
        Gumbel(0.0, -1.0)


def test_generalized_pareto_float64_and_zero_shape():
    # torch 2.13 fails here (it compares against a float32 zero); we must not
    loc = probtorch.tensor([0.0, 0.0], dtype=F64)
    scale = probtorch.tensor([1.5, 1.5], dtype=F64)
    xi = probtorch.tensor([0.0, 1e-7], dtype=F64, requires_grad=True)
    d = GeneralizedPareto(loc, scale, xi)
    v = probtorch.tensor([0.7, 0.7], dtype=F64)
    lp, cdf = d.log_prob(v), d.cdf(v)
    assert lp.dtype == F64 and cdf.dtype == F64
    ref = st.genpareto(np.array([0.0, 1e-7]), 0.0, 1.5)
    np.testing.assert_allclose(lp.detach().numpy(), ref.logpdf(0.7), rtol=1e-12)
    np.testing.assert_allclose(cdf.detach().numpy(), ref.cdf(0.7), rtol=1e-12)
    # the derivative in the shape at 0 is z^2/2 - z (not zero): continuous across the threshold
    (g,) = probtorch.autograd.grad(lp.sum(), xi)
    z = 0.7 / 1.5
    np.testing.assert_allclose(g.numpy(), -(z - z * z / 2), rtol=1e-5)


def test_continuous_bernoulli_near_one_half_against_mpmath():
    import mpmath
    mpmath.mp.dps = 40
    probs = np.array([0.4995, 0.5, 0.5008])
    d = ContinuousBernoulli(probtorch.tensor(probs, dtype=F64))
    x = np.array([0.1, 0.5, 0.9])
    lam = [mpmath.mpf(p) for p in probs]

    def cdf(l, v):
        if l == mpmath.mpf(0.5):
            return mpmath.mpf(v)
        v = mpmath.mpf(v)
        return (l ** v * (1 - l) ** (1 - v) + l - 1) / (2 * l - 1)

    ref = np.array([float(cdf(l, v)) for l, v in zip(lam, x)])
    np.testing.assert_allclose(d.cdf(probtorch.tensor(x, dtype=F64)).numpy(), ref, rtol=1e-9)
    u = probtorch.tensor(ref, dtype=F64)
    np.testing.assert_allclose(d.icdf(u).numpy(), x, rtol=1e-9)
