"""VonMises: pathwise rsample (implicit reparameterization in the concentration), values in [-pi, pi)."""
import math

import numpy as np

import probtorch
from probtorch.distributions import VonMises


def test_rsample_gradients():
    loc = probtorch.tensor([2.5, -1.0], dtype=probtorch.float64, requires_grad=True)
    k = probtorch.tensor([0.8, 6.0], dtype=probtorch.float64, requires_grad=True)
    x = VonMises(loc, k).rsample((5,))
    xs = x.detach().numpy()
    assert np.all((xs >= -math.pi) & (xs < math.pi))
    gl, gk = probtorch.autograd.grad(x.sum(), (loc, k))
    np.testing.assert_allclose(gl.numpy(), 5.0)  # wrapping does not change d x / d loc
    assert np.all(np.isfinite(gk.numpy()))


def test_pathwise_gradient_of_mean_resultant_length():
    """d/dk E[cos(x - loc)] = A'(k) = 1 - A/k - A^2 with A = I1/I0, estimated by rsample."""
    import scipy.special as sc
    kv = np.array([0.5, 2.0, 10.0])
    k = probtorch.tensor(kv, dtype=probtorch.float64, requires_grad=True)
    a = sc.i1e(kv) / sc.i0e(kv)
    exact = 1 - a / kv - a ** 2
    est = []
    for _ in range(10):
        x = VonMises(0.3, k).rsample((2000,))
        (g,) = probtorch.autograd.grad((x - 0.3).cos().mean(0).sum(), k)
        est.append(g.numpy())
    est = np.array(est)
    se = est.std(0, ddof=1) / math.sqrt(len(est))
    assert np.all(np.abs(est.mean(0) - exact) < 5 * se), (est.mean(0), exact, se)
