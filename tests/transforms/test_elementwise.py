"""Behaviour special to the elementwise transforms: stability at extremes, clamps, parameters, CDF transform."""
import math

import mpmath
import numpy as np
import pytest

import probtorch
from probtorch import constraints as C
from probtorch import transforms as T

torch = pytest.importorskip("torch")
TT = torch.distributions.transforms

DTYPES = [np.float32, np.float64]


def _log_sech2(x):
    """log(1 - tanh(x)^2) to high precision."""
    return float(mpmath.log(mpmath.sech(mpmath.mpf(float(x))) ** 2))


# ---------------------------------------------------------------------------------------------------------- Tanh
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("x0", [9.0, 20.0, -9.0, -20.0])
def test_tanh_log_det_stable_at_large_x(dtype, x0):
    t = T.TanhTransform()
    x = probtorch.tensor(np.array([x0], dtype))
    y = t(x)
    lad = t.log_abs_det_jacobian(x, y)
    assert lad.dtype == x.dtype
    rtol = 1e-6 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(lad.numpy(), [_log_sech2(x0)], rtol=rtol)
    # torch's form agrees here: keep its values where they are finite
    tt = TT.TanhTransform()
    xt = torch.tensor(np.array([x0], dtype))
    np.testing.assert_allclose(lad.numpy(), tt.log_abs_det_jacobian(xt, tt(xt)).numpy(), rtol=rtol)
    # and the gradient of the log-det, -2 tanh(x), is finite
    xg = probtorch.tensor(np.array([x0], dtype), requires_grad=True)
    (g,) = probtorch.autograd.grad(t.log_abs_det_jacobian(xg, t(xg)).sum(), xg)
    np.testing.assert_allclose(g.numpy(), [-2 * math.tanh(x0)], rtol=rtol)


@pytest.mark.parametrize("dtype", DTYPES)
def test_tanh_inverse_finite_where_y_rounded_to_one(dtype):
    """A SAC-style policy: y = tanh(x) rounds to ±1, then log_prob(y) needs t.inv(y) and the log-det."""
    t = T.TanhTransform()
    big = 20.0 if dtype == np.float32 else 40.0
    x = probtorch.tensor(np.array([big, -big, 0.3], dtype))
    y = t(x)
    assert y.numpy()[0] == 1 and y.numpy()[1] == -1  # rounded to the boundary
    x_back = t.inv(y)
    assert np.all(np.isfinite(x_back.numpy()))
    # the boundary maps to the largest finite preimage: atanh of the float next to ±1
    inner = np.nextafter(dtype(1), dtype(0))
    np.testing.assert_allclose(x_back.numpy()[:2], [np.arctanh(inner), -np.arctanh(inner)], rtol=1e-6)
    assert t(x_back).numpy()[0] >= inner  # still maps back to (within one ulp of) 1
    lad = t.log_abs_det_jacobian(x_back, y)
    assert np.all(np.isfinite(lad.numpy()))
    base_log_prob = -0.5 * x_back ** 2 - 0.5 * math.log(2 * math.pi)
    assert np.all(np.isfinite((base_log_prob - lad).numpy()))
    # torch gives inf / NaN here
    tt = TT.TanhTransform()
    yt = torch.tensor(y.numpy())
    assert not np.all(np.isfinite(tt.inv(yt).numpy()))
    # with cache_size=1 the exact x comes back instead
    tc = T.TanhTransform(cache_size=1)
    assert tc.inv(tc(x)) is x


@pytest.mark.parametrize("dtype", DTYPES)
def test_tanh_inverse_matches_torch_inside_and_nan_outside(dtype):
    t, tt = T.TanhTransform(), TT.TanhTransform()
    inner = np.nextafter(dtype(1), dtype(0))
    ya = np.array([-inner, -0.999, -0.5, 0.0, 0.5, 0.999, inner, 0.99999], dtype)
    np.testing.assert_allclose(t.inv(probtorch.tensor(ya)).numpy(), tt.inv(torch.tensor(ya)).numpy(),
                               rtol=1e-6 if dtype == np.float32 else 1e-14)
    out = t.inv(probtorch.tensor(np.array([1.5, -2.0, np.nan], dtype))).numpy()
    assert np.all(np.isnan(out))  # outside the codomain: no silent clamping


def test_tanh_log_det_even_and_matches_autograd_for_negative_x():
    t = T.TanhTransform()
    x = probtorch.tensor(np.linspace(-30, 30, 13))
    lad = t.log_abs_det_jacobian(x, t(x)).numpy()
    np.testing.assert_array_equal(lad, lad[::-1])
    np.testing.assert_allclose(lad, [_log_sech2(v) for v in x.numpy()], rtol=1e-13)


# ------------------------------------------------------------------------------------------------------- Sigmoid
@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_clamped_by_dtype_eps(dtype):
    t, tt = T.SigmoidTransform(), TT.SigmoidTransform()
    xa = np.array([-200.0, -100.0, -20.0, 0.0, 20.0, 40.0, 100.0], dtype)
    y = t(probtorch.tensor(xa))
    yt = tt(torch.tensor(xa))
    np.testing.assert_array_equal(y.numpy(), yt.numpy())
    fi = np.finfo(dtype)
    assert y.numpy().max() <= 1 - fi.eps and y.numpy().min() >= fi.tiny
    x_back = t.inv(y)
    assert np.all(np.isfinite(x_back.numpy()))
    np.testing.assert_allclose(x_back.numpy(), tt.inv(yt).numpy(), rtol=1e-6)
    lad = t.log_abs_det_jacobian(probtorch.tensor(xa), y)
    np.testing.assert_allclose(lad.numpy(), tt.log_abs_det_jacobian(torch.tensor(xa), yt).numpy(), rtol=1e-6)
    assert np.all(np.isfinite(lad.numpy()))
    # inverse of the boundary values themselves stays finite
    assert np.all(np.isfinite(t.inv(probtorch.tensor(np.array([0.0, 1.0], dtype))).numpy()))


# ------------------------------------------------------------------------------------------------------ Softplus
def test_softplus_inverse_accurate_for_tiny_and_large_y():
    t = T.SoftplusTransform()
    ya = np.array([1e-30, 1e-8, 0.5, 30.0, 300.0])
    x = t.inv(probtorch.tensor(ya)).numpy()
    expected = [float(mpmath.log(mpmath.expm1(mpmath.mpf(v)))) for v in ya]
    np.testing.assert_allclose(x, expected, rtol=1e-13)
    np.testing.assert_allclose(t(probtorch.tensor(x)).numpy(), ya, rtol=1e-13)


# --------------------------------------------------------------------------------------------------------- Power
def test_power_log_det_finite_where_torch_underflows():
    t, tt = T.PowerTransform(3.0), TT.PowerTransform(3.0)
    xa = np.array([1e-30, 1e-3, 2.0], np.float32)
    lad = t.log_abs_det_jacobian(probtorch.tensor(xa), t(probtorch.tensor(xa))).numpy()
    expected = [float(mpmath.log(3) + 2 * mpmath.log(mpmath.mpf(float(v)))) for v in xa]
    np.testing.assert_allclose(lad, expected, rtol=1e-6)
    torch_lad = tt.log_abs_det_jacobian(torch.tensor(xa), tt(torch.tensor(xa))).numpy()
    assert not np.isfinite(torch_lad[0])  # x^3 underflowed to 0 in torch's log|p y / x|
    np.testing.assert_allclose(lad[1:], torch_lad[1:], rtol=1e-6)


def test_power_sign_shapes_and_equality():
    t = T.PowerTransform(probtorch.tensor([2.0, -1.0, 0.5]))
    np.testing.assert_array_equal(t.sign.numpy(), [1.0, -1.0, 1.0])
    assert tuple(t.forward_shape((4, 1))) == (4, 3) and tuple(t.inverse_shape(())) == (3,)
    assert t == T.PowerTransform(probtorch.tensor([2.0, -1.0, 0.5])) and t != T.ExpTransform()
    assert t.with_cache(1).exponent is t.exponent and t.with_cache(1)._cache_size == 1
    assert repr(t) == "PowerTransform()"


# -------------------------------------------------------------------------------------------------------- Affine
def test_affine_tensor_scale_with_fewer_dims_than_event():
    """log|det| of x -> s x over an event of 3 entries is 3 log|s| (torch counts a 0-d tensor scale once)."""
    for scale in (probtorch.tensor(2.0), 2.0, probtorch.tensor([2.0])):
        t = T.AffineTransform(0.0, scale, event_dim=1)
        x = probtorch.randn(4, 3)
        lad = t.log_abs_det_jacobian(x, t(x))
        assert tuple(lad.shape) == (4,)
        np.testing.assert_allclose(lad.numpy(), np.full(4, 3 * np.log(2.0)), rtol=1e-6)
    t = T.AffineTransform(0.0, probtorch.tensor([2.0, 3.0]), event_dim=2)
    lad = t.log_abs_det_jacobian(probtorch.zeros(5, 3, 2), None)
    np.testing.assert_allclose(lad.numpy(), np.full(5, 3 * np.log(6.0)), rtol=1e-6)


def test_affine_parameter_broadcasting_and_batch_log_det():
    loc = probtorch.tensor([[0.0], [1.0]])
    scale = probtorch.tensor([1.0, -2.0, 3.0])
    t = T.AffineTransform(loc, scale)
    x = probtorch.randn(3)
    y = t(x)
    assert tuple(y.shape) == (2, 3) == tuple(t.forward_shape((3,))) == tuple(t.inverse_shape((3,)))
    lad = t.log_abs_det_jacobian(x, y)
    np.testing.assert_allclose(lad.numpy(), np.log(np.abs(scale.numpy())) * np.ones((2, 3)), rtol=1e-6)
    np.testing.assert_array_equal(t.sign.numpy(), [1.0, -1.0, 1.0])


def test_affine_scalar_sign_dtype_and_repr():
    assert T.AffineTransform(0.0, 2.0).sign == 1 and T.AffineTransform(0.0, -0.1).sign == -1
    assert T.AffineTransform(0.0, 0.0).sign == 0
    x = probtorch.randn(3)
    assert T.AffineTransform(1.0, 2.0)(x).dtype == probtorch.float32
    assert T.AffineTransform(1.0, 2.0, event_dim=1).domain.event_dim == 1
    assert repr(T.AffineTransform(1.0, 2.0)) == "AffineTransform()"
    assert T.AffineTransform(1.0, 2.0, event_dim=1).with_cache(1).event_dim == 1


def test_affine_gradients_wrt_parameters_match_torch():
    la, sa, xa = np.array([0.3, -1.0]), np.array([1.5, -0.7]), np.array([[0.2, 0.4], [1.0, -2.0]])
    loc, scale = probtorch.tensor(la, requires_grad=True), probtorch.tensor(sa, requires_grad=True)
    t = T.AffineTransform(loc, scale)
    x = probtorch.tensor(xa)
    y = t(x)
    (t.inv(y * 1.5) ** 2 + t.log_abs_det_jacobian(x, y)).sum().backward()
    lt, st = torch.tensor(la, requires_grad=True), torch.tensor(sa, requires_grad=True)
    tt = TT.AffineTransform(lt, st)
    xt = torch.tensor(xa)
    yt = tt(xt)
    (tt.inv(yt * 1.5) ** 2 + tt.log_abs_det_jacobian(xt, yt)).sum().backward()
    np.testing.assert_allclose(loc.grad.numpy(), lt.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(scale.grad.numpy(), st.grad.numpy(), rtol=1e-12)


# -------------------------------------------------------------------------------------------------- Exp and Abs
def test_exp_log_det_exact_beyond_overflow():
    t = T.ExpTransform()
    x = probtorch.tensor([100.0, -200.0])
    np.testing.assert_array_equal(t.log_abs_det_jacobian(x, t(x)).numpy(), x.numpy())


def test_abs_pseudo_inverse():
    t = T.AbsTransform()
    x = probtorch.tensor([-2.0, 0.0, 3.0])
    assert not t.bijective
    np.testing.assert_array_equal(t.inv(t(x)).numpy(), [2.0, 0.0, 3.0])
    with pytest.raises(NotImplementedError):
        t.sign
    with pytest.raises(NotImplementedError):
        t.log_abs_det_jacobian(x, t(x))


# ------------------------------------------------------------------------------------------------ CDF transform
def test_cdf_transform_with_probtorch_normal_matches_torch():
    D = pytest.importorskip("probtorch.distributions")
    dist = D.Normal(probtorch.tensor(0.5), probtorch.tensor(2.0))
    t = T.CumulativeDistributionTransform(dist)
    tt = TT.CumulativeDistributionTransform(torch.distributions.Normal(torch.tensor(0.5), torch.tensor(2.0)))
    assert t.domain is dist.support and t.codomain is C.unit_interval and t.sign == 1 and t.bijective
    xa = np.array([-3.0, 0.0, 0.5, 4.0], np.float32)
    x = probtorch.tensor(xa)
    y = t(x)
    yt = tt(torch.tensor(xa))
    np.testing.assert_allclose(y.numpy(), yt.numpy(), rtol=1e-5)
    np.testing.assert_allclose(t.inv(y).numpy(), xa, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(t.log_abs_det_jacobian(x, y).numpy(),
                               tt.log_abs_det_jacobian(torch.tensor(xa), yt).numpy(), rtol=1e-5)
    tc = t.with_cache(1)
    assert tc.distribution is dist and tc.inv(tc(x)) is x
