"""IndependentTransform, ReshapeTransform, CatTransform, StackTransform: shapes, errors, event dims, caching."""
import numpy as np
import pytest

import probtorch
from probtorch import transforms as T

torch = pytest.importorskip("torch")
TT = torch.distributions.transforms


def test_reshape_shapes_and_errors():
    t = T.ReshapeTransform((2, 3), (6,))
    assert tuple(t.forward_shape((4, 2, 3))) == (4, 6) and tuple(t.inverse_shape((4, 6))) == (4, 2, 3)
    x = probtorch.randn(4, 2, 3)
    y = t(x)
    assert tuple(y.shape) == (4, 6)
    np.testing.assert_array_equal(t.log_abs_det_jacobian(x, y).numpy(), np.zeros(4, np.float32))
    assert t.domain.event_dim == 2 and t.codomain.event_dim == 1 and t.bijective
    with pytest.raises(ValueError, match="different numbers of elements"):
        T.ReshapeTransform((2, 3), (5,))
    with pytest.raises(ValueError, match="Too few dimensions"):
        t.forward_shape((3,))
    with pytest.raises(ValueError, match="Shape mismatch"):
        t.forward_shape((3, 3))
    with pytest.raises(ValueError, match="Shape mismatch"):
        TT.ReshapeTransform((2, 3), (6,)).forward_shape((3, 3))
    assert t.with_cache(1).in_shape == t.in_shape and t.with_cache(1)._cache_size == 1
    with pytest.raises(NotImplementedError):
        t.sign


def test_independent_transform():
    base = T.AffineTransform(0.0, probtorch.tensor([2.0, -3.0]))
    t = T.IndependentTransform(base, 1)
    assert repr(t) == "IndependentTransform(AffineTransform(), 1)"
    assert t.domain.event_dim == 1 and t.codomain.event_dim == 1 and t.bijective
    np.testing.assert_array_equal(t.sign.numpy(), [1.0, -1.0])
    x = probtorch.randn(5, 2)
    lad = t.log_abs_det_jacobian(x, t(x))
    np.testing.assert_allclose(lad.numpy(), np.full(5, np.log(6.0)), rtol=1e-6)
    with pytest.raises(ValueError, match="Too few dimensions on input"):
        T.IndependentTransform(T.ExpTransform(), 2)(probtorch.randn(3))
    with pytest.raises(ValueError, match="Too few dimensions on input"):
        T.IndependentTransform(T.ExpTransform(), 2).inv(probtorch.rand(3))
    tc = t.with_cache(1)
    assert tc.base_transform._cache_size == 1 and tc.inv(tc(x)) is x
    # an already-cached base is kept as is
    cached_base = T.ExpTransform(cache_size=1)
    assert T.IndependentTransform(cached_base, 1).base_transform is cached_base
    assert tuple(T.IndependentTransform(T.StickBreakingTransform(), 1).forward_shape((2, 3))) == (2, 4)


def test_cat_log_det_joins_batch_dims_and_sums_event_dims():
    x = probtorch.randn(2, 5, dtype=probtorch.float64)
    parts = [T.ExpTransform(), T.AffineTransform(0.0, 3.0)]
    elementwise = T.CatTransform(parts, dim=-1, lengths=[2, 3])
    lad = elementwise.log_abs_det_jacobian(x, elementwise(x))
    assert tuple(lad.shape) == (2, 5)
    np.testing.assert_allclose(lad.numpy()[:, :2], x.numpy()[:, :2])
    np.testing.assert_allclose(lad.numpy()[:, 2:], np.log(3.0))
    event = T.CatTransform([T.IndependentTransform(T.ExpTransform(), 1), T.AffineTransform(0.0, 3.0)], -1, [2, 3])
    assert event.event_dim == 1
    lad = event.log_abs_det_jacobian(x, event(x))
    assert tuple(lad.shape) == (2,)
    np.testing.assert_allclose(lad.numpy(), x.numpy()[:, :2].sum(-1) + 3 * np.log(3.0))
    tt = TT.CatTransform([TT.IndependentTransform(TT.ExpTransform(), 1), TT.AffineTransform(0.0, 3.0)], -1, [2, 3])
    xt = torch.tensor(x.numpy())
    np.testing.assert_allclose(lad.numpy(), tt.log_abs_det_jacobian(xt, tt(xt)).numpy())


def test_cat_errors_and_caching():
    t = T.CatTransform([T.ExpTransform(), T.SigmoidTransform()], dim=0)
    assert t.lengths == [1, 1] and t.length == 2
    with pytest.raises(AssertionError):
        t(probtorch.randn(3))
    with pytest.raises(AssertionError):
        T.CatTransform([T.ExpTransform()], dim=3)(probtorch.randn(2))
    with pytest.raises(AssertionError):
        T.CatTransform([T.ExpTransform()], lengths=[1, 2])
    with pytest.raises(AssertionError):
        T.CatTransform([T.ExpTransform(), "exp"])
    tc = t.with_cache(1)
    assert all(p._cache_size == 1 for p in tc.transforms)
    x = probtorch.randn(2)
    y = tc(x)
    assert tc.inv(y) is x
    # the parts saw slices: their caches hold those, and the inverse re-joins them
    np.testing.assert_allclose(t.inv(y).numpy(), x.numpy(), rtol=1e-5)


def test_stack_errors_caching_and_log_det():
    t = T.StackTransform([T.ExpTransform(), T.AffineTransform(1.0, -2.0)], dim=1)
    x = probtorch.randn(3, 2, dtype=probtorch.float64)
    y = t(x)
    np.testing.assert_allclose(y.numpy()[:, 0], np.exp(x.numpy()[:, 0]))
    lad = t.log_abs_det_jacobian(x, y)
    assert tuple(lad.shape) == (3, 2)
    np.testing.assert_allclose(lad.numpy()[:, 1], np.log(2.0))
    with pytest.raises(AssertionError):
        t(probtorch.randn(3, 3))
    with pytest.raises(AssertionError):
        t(probtorch.randn(3))
    with pytest.raises(AssertionError):
        T.StackTransform([T.ExpTransform(), None])
    tc = t.with_cache(1)
    assert all(p._cache_size == 1 for p in tc.transforms) and tc.inv(tc(x)) is x
    assert t.bijective and not T.StackTransform([T.AbsTransform()]).bijective
