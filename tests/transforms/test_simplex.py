"""StickBreakingTransform and SoftmaxTransform: stability at large inputs, accurate inverse, edge shapes."""
import mpmath
import numpy as np
import pytest

import probtorch
from probtorch import transforms as T

torch = pytest.importorskip("torch")
TT = torch.distributions.transforms

mpmath.mp.dps = 50


def _mp_stick(x):
    """y and log|det J| of the stick-breaking map, in 50-digit arithmetic."""
    k = len(x)
    left, ys, lad = mpmath.mpf(1), [], mpmath.mpf(0)
    for i, xi in enumerate(x):
        z = 1 / (1 + mpmath.exp(-(mpmath.mpf(float(xi)) - mpmath.log(k - i))))
        ys.append(z * left)
        lad += mpmath.log(z * left * (1 - z))
        left *= 1 - z
    ys.append(left)
    return ys, lad


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("xa", [[50.0, -50.0, 30.0], [-40.0, -60.0, -30.0], [20.0, 20.0, 20.0, 20.0], [0.0, -80.0]])
def test_stick_breaking_stable_for_large_inputs(dtype, xa):
    t = T.StickBreakingTransform()
    x = probtorch.tensor(np.array(xa, dtype))
    y = t(x)
    lad = t.log_abs_det_jacobian(x, y)
    ys, mp_lad = _mp_stick(xa)
    assert np.all(np.isfinite(y.numpy())) and np.all(y.numpy() >= 0)
    assert abs(float(y.numpy().astype(np.float64).sum()) - 1) < 1e-6
    tiny = np.finfo(dtype).tiny
    expected = np.array([float(v) for v in ys])
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    mask = expected > tiny  # entries below the smallest normal number may flush towards 0
    np.testing.assert_allclose(y.numpy()[mask], expected[mask], rtol=rtol)
    assert np.isfinite(lad.numpy())
    np.testing.assert_allclose(lad.numpy(), float(mp_lad), rtol=rtol)


def test_stick_breaking_gradient_finite_for_large_inputs():
    x = probtorch.tensor([60.0, -70.0, 25.0], requires_grad=True)
    t = T.StickBreakingTransform()
    y = t(x)
    (g,) = probtorch.autograd.grad(t.log_abs_det_jacobian(x, y) + y[0], x)
    assert np.all(np.isfinite(g.numpy()))


def test_stick_breaking_inverse_accurate_when_mass_is_in_front():
    ya = np.array([1 - 2e-9, 1e-9, 6e-10, 4e-10])
    t = T.StickBreakingTransform()
    x = t.inv(probtorch.tensor(ya)).numpy()
    k = len(ya) - 1
    expected = [float(mpmath.log(mpmath.mpf(ya[i])) - mpmath.log(mpmath.fsum(ya[i + 1:])) + mpmath.log(k - i))
                for i in range(k)]
    np.testing.assert_allclose(x, expected, rtol=1e-10)
    # torch's 1 - cumsum(y) loses digits here
    xt = TT.StickBreakingTransform().inv(torch.tensor(ya)).numpy()
    assert np.max(np.abs(xt - expected)) > 100 * np.max(np.abs(x - expected))


def test_stick_breaking_inverse_is_scale_free_and_round_trips():
    t = T.StickBreakingTransform()
    x = probtorch.randn(4, 3, dtype=probtorch.float64)
    y = t(x)
    np.testing.assert_allclose(t.inv(y * 3).numpy(), x.numpy(), rtol=1e-10, atol=1e-12)


def test_stick_breaking_empty_event_and_shapes():
    t = T.StickBreakingTransform()
    x = probtorch.zeros(2, 0)
    y = t(x)
    np.testing.assert_array_equal(y.numpy(), np.ones((2, 1), np.float32))
    np.testing.assert_array_equal(t.log_abs_det_jacobian(x, y).numpy(), np.zeros(2, np.float32))
    assert tuple(t.inv(y).shape) == (2, 0)
    assert tuple(t.forward_shape((5, 3))) == (5, 4) and tuple(t.inverse_shape((5, 4))) == (5, 3)
    for f in (t.forward_shape, t.inverse_shape):
        with pytest.raises(ValueError, match="Too few dimensions"):
            f(())
    y = t(probtorch.zeros(3))
    np.testing.assert_allclose(y.numpy(), np.full(4, 0.25), rtol=1e-6)  # x = 0 is the uniform point


def test_softmax_transform():
    t = T.SoftmaxTransform()
    x = probtorch.tensor([[1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0]])
    y = t(x)
    assert np.all(np.isfinite(y.numpy()))
    np.testing.assert_allclose(y.numpy()[0], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(y.numpy(), TT.SoftmaxTransform()(torch.tensor(x.numpy())).numpy(), rtol=1e-6)
    assert not t.bijective
    np.testing.assert_allclose(t(t.inv(y[1:])).numpy(), y[1:].numpy(), rtol=1e-6)
    with pytest.raises(NotImplementedError):
        t.log_abs_det_jacobian(x, y)
    with pytest.raises(ValueError, match="Too few dimensions"):
        t.forward_shape(())
    assert tuple(t.forward_shape((2, 3))) == (2, 3)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_stick_breaking_round_trip_at_large_inputs(dtype):
    """Tail sums keep the information in the small entries: x -> y -> x holds even when y[0] rounds to 1."""
    t = T.StickBreakingTransform()
    for xa in ([25.0, 3.0, -2.0], [-30.0, 40.0, -2.0], [15.0, 15.0, 15.0]):
        x = probtorch.tensor(np.array(xa, dtype))
        np.testing.assert_allclose(t.inv(t(x)).numpy(), xa, rtol=1e-5 if dtype == np.float32 else 1e-10)
    # torch loses it in float32 (1 - cumsum(y[:-1]) cancels to 0 and is clamped)
    tt = TT.StickBreakingTransform()
    if dtype == np.float32:
        xt = torch.tensor(np.array([25.0, 3.0, -2.0], dtype))
        assert np.abs(tt.inv(tt(xt)).numpy() - xt.numpy()).max() > 1
