"""LowerCholeskyTransform, PositiveDefiniteTransform, CorrCholeskyTransform: structure, shapes, errors, extremes."""
import numpy as np
import pytest

import probtorch
from probtorch import constraints as C
from probtorch import transforms as T
from probtorch.transforms.matrix import _tril_to_vec, _vec_to_tril

torch = pytest.importorskip("torch")
TT = torch.distributions.transforms


def test_tril_vec_round_trip_matches_row_major_order():
    v = probtorch.arange(1.0, 7.0)
    m = _vec_to_tril(v, 4, diag=-1)
    expected = np.zeros((4, 4))
    expected[np.tril_indices(4, -1)] = np.arange(1, 7)
    np.testing.assert_array_equal(m.numpy(), expected)
    np.testing.assert_array_equal(_tril_to_vec(m, diag=-1).numpy(), v.numpy())
    m3 = _vec_to_tril(probtorch.arange(1.0, 7.0), 3, diag=0)
    np.testing.assert_array_equal(m3.numpy()[np.tril_indices(3)], np.arange(1, 7))


def test_lower_cholesky_transform():
    t = T.LowerCholeskyTransform()
    x = probtorch.randn(2, 3, 3)
    y = t(x)
    assert bool(C.lower_cholesky.check(y).all())
    np.testing.assert_allclose(np.diagonal(y.numpy(), axis1=-2, axis2=-1), np.exp(np.diagonal(x.numpy(), 0, -2, -1)),
                               rtol=1e-6)
    assert not t.bijective
    np.testing.assert_allclose(t.inv(y).numpy(), np.tril(x.numpy()), rtol=1e-5, atol=1e-6)
    with pytest.raises(NotImplementedError):
        t.log_abs_det_jacobian(x, y)
    assert t == T.LowerCholeskyTransform() and t != T.PositiveDefiniteTransform()


def test_positive_definite_transform():
    t = T.PositiveDefiniteTransform()
    x = probtorch.randn(4, 3, 3, dtype=probtorch.float64)
    y = t(x)
    assert bool(C.positive_definite.check(y).all())
    np.testing.assert_allclose(y.numpy(), np.swapaxes(y.numpy(), -1, -2))
    # the pseudo-inverse recovers the lower-triangular part of x
    np.testing.assert_allclose(t.inv(y).numpy(), np.tril(x.numpy()), rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(t.inv(y).numpy(), TT.PositiveDefiniteTransform().inv(torch.tensor(y.numpy())).numpy(),
                               rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_corr_cholesky_rows_unit_norm_and_finite_at_extremes(dtype):
    t = T.CorrCholeskyTransform()
    xa = np.array([[20.0, -20.0, 9.0, -9.0, 30.0, 0.5], [0.0] * 6], dtype)
    x = probtorch.tensor(xa)
    y = t(x)
    assert bool(C.corr_cholesky.check(y).all())
    np.testing.assert_allclose(np.linalg.norm(y.numpy().astype(np.float64), axis=-1), 1.0,
                               rtol=10 * np.finfo(dtype).eps * 4)
    np.testing.assert_allclose(y.numpy()[1], np.eye(4))  # x = 0 is the identity correlation
    lad = t.log_abs_det_jacobian(x, y)
    assert np.all(np.isfinite(lad.numpy()))


def test_corr_cholesky_shapes_and_errors():
    t = T.CorrCholeskyTransform()
    assert tuple(t.forward_shape((2, 6))) == (2, 4, 4) and tuple(t.inverse_shape((2, 4, 4))) == (2, 6)
    assert tuple(t.forward_shape((0,))) == (1, 1)
    with pytest.raises(ValueError, match="flattend lower-diagonal"):
        t.forward_shape((5,))
    with pytest.raises(ValueError, match="flattend lower-diagonal"):
        t(probtorch.randn(5))
    with pytest.raises(ValueError, match="not square"):
        t.inverse_shape((3, 4))
    with pytest.raises(ValueError, match="Too few dimensions"):
        t.inverse_shape((3,))
    with pytest.raises(ValueError, match="Too few dimensions"):
        t.forward_shape(())
