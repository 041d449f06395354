"""probtorch.testing: assert_close tolerances/messages and make_tensor ranges/dtypes/seeding."""
import math

import numpy as np
import pytest

import probtorch
from probtorch.testing import assert_close, make_tensor, default_tolerances


def test_assert_close_default_tolerances_by_dtype():
    assert default_tolerances(probtorch.float32) == (1.3e-6, 1e-5)
    assert default_tolerances(probtorch.float64) == (1e-7, 1e-7)
    assert default_tolerances(probtorch.int64) == (0.0, 0.0)
    x = probtorch.tensor([1.0, 2.0])
    assert_close(x, probtorch.tensor([1.0 + 5e-6, 2.0]))
    with pytest.raises(AssertionError, match="not close"):
        assert_close(x, probtorch.tensor([1.0 + 5e-5, 2.0]))
    xd = probtorch.tensor([1.0, 2.0], dtype=probtorch.float64)
    with pytest.raises(AssertionError, match="Mismatched elements: 1 / 2"):
        assert_close(xd, probtorch.tensor([1.0 + 5e-6, 2.0], dtype=probtorch.float64))


def test_assert_close_checks_shape_dtype_nan_inf():
    with pytest.raises(AssertionError, match="shape"):
        assert_close(probtorch.zeros(2), probtorch.zeros(3))
    with pytest.raises(AssertionError, match="dtype"):
        assert_close(probtorch.zeros(2), probtorch.zeros(2, dtype=probtorch.float64))
    assert_close(probtorch.zeros(2), probtorch.zeros(2, dtype=probtorch.float64), check_dtype=False)
    nan = probtorch.tensor([math.nan, 1.0])
    with pytest.raises(AssertionError):
        assert_close(nan, nan.clone())
    assert_close(nan, nan.clone(), equal_nan=True)
    assert_close(probtorch.tensor([math.inf, -math.inf]), probtorch.tensor([math.inf, -math.inf]))
    with pytest.raises(AssertionError):
        assert_close(probtorch.tensor([math.inf]), probtorch.tensor([-math.inf]))
    with pytest.raises(AssertionError, match="equal"):
        assert_close(probtorch.tensor([1, 2]), probtorch.tensor([1, 3]))
    with pytest.raises(ValueError, match="atol"):
        assert_close(1.0, 1.0, rtol=1e-3)
    assert_close(1.0, 1.0 + 1e-9)
    assert_close([1, (2.0, probtorch.ones(2))], [1, (2.0, np.ones(2, np.float32))])
    assert_close(probtorch.zeros(0, 3), np.zeros((0, 3), np.float32))


def test_assert_close_accepts_torch_oracle():
    torch = pytest.importorskip("torch")
    x = make_tensor(3, 4, dtype=probtorch.float64, seed=0)
    assert_close(x, torch.tensor(x.numpy()))
    with pytest.raises(AssertionError):
        assert_close(x, torch.tensor(x.numpy()) * (1 + 1e-5))


@pytest.mark.parametrize("dtype", [probtorch.float32, probtorch.float64, probtorch.int64, probtorch.int32,
                                   probtorch.uint8, probtorch.bool, probtorch.complex64])
def test_make_tensor_dtype_shape_range(dtype):
    t = make_tensor(50, 4, dtype=dtype, seed=3)
    assert t.dtype is dtype and t.shape == (50, 4)
    a = t.numpy()
    if dtype is probtorch.bool:
        assert set(np.unique(a)) == {False, True}
    elif dtype.is_complex:
        assert np.all(np.abs(a.real) <= 9) and np.all(np.abs(a.imag) <= 9)
    else:
        lo = 0 if dtype is probtorch.uint8 else -9
        assert a.min() >= lo and a.max() <= 9
        assert a.max() > a.min()
    t2 = make_tensor((50, 4), dtype=dtype, low=1, high=3, seed=3) if dtype is not probtorch.bool else t
    if dtype is not probtorch.bool and not dtype.is_complex:
        assert t2.numpy().min() >= 1 and t2.numpy().max() <= 3


def test_make_tensor_seed_grad_and_exclude_zero():
    a = make_tensor(5, dtype=probtorch.float64, seed=7)
    b = make_tensor(5, dtype=probtorch.float64, seed=7)
    assert np.array_equal(a.numpy(), b.numpy())
    probtorch.manual_seed(1)
    c = make_tensor(5)
    probtorch.manual_seed(1)
    assert np.array_equal(c.numpy(), make_tensor(5).numpy())
    g = make_tensor(2, 2, dtype=probtorch.float64, requires_grad=True, seed=0)
    assert g.requires_grad and g.is_leaf
    z = make_tensor(200, dtype=probtorch.int64, low=-1, high=2, exclude_zero=True, seed=0)
    assert not np.any(z.numpy() == 0)
    nc = make_tensor(3, 4, seed=0, noncontiguous=True)
    assert not nc.is_contiguous()
    assert np.array_equal(nc.numpy(), make_tensor(3, 4, seed=0).numpy())
    with pytest.raises(ValueError, match="low"):
        make_tensor(2, low=3, high=1)
    assert make_tensor(2).dtype is probtorch.get_default_dtype()


def test_check_grads_passes_and_catches_wrong_rules():
    from probtorch.autograd.gradcheck import GradcheckError
    from probtorch.testing import check_grads
    x = make_tensor(3, dtype=probtorch.float64, low=0.5, high=2, requires_grad=True, seed=0)
    assert check_grads(lambda t: (t.log() * t.sin()).sum(), (x,))

    class WrongSecond(probtorch.autograd.Function):
        # exp with a first derivative that is right in value but wrong as a function (its derivative is 0)
        @staticmethod
        def forward(ctx, t):
            out = t.exp()
            ctx.save_for_backward(out)
            return out

        @staticmethod
        def backward(ctx, g):
            out, = ctx.saved_tensors
            return g * out.detach()

    assert check_grads(WrongSecond.apply, (x,), order=1)
    with pytest.raises(GradcheckError):
        check_grads(WrongSecond.apply, (x,), order=2)
    with pytest.raises(ValueError, match="order"):
        check_grads(lambda t: t, (x,), order=3)


def test_make_tensor_positional_form():
    a = make_tensor((2, 3), probtorch.float64, -1.0, 1.0, True, 5)
    b = make_tensor(2, 3, dtype=probtorch.float64, low=-1.0, high=1.0, requires_grad=True, seed=5)
    assert a.shape == (2, 3) and a.dtype is probtorch.float64 and a.requires_grad
    assert np.array_equal(a.detach().numpy(), b.detach().numpy())
    assert np.all(np.abs(a.detach().numpy()) <= 1.0)
    assert make_tensor([4], probtorch.int32, seed=1).dtype is probtorch.int32
    assert make_tensor(probtorch.Size([2, 2])).shape == (2, 2)
    with pytest.raises(TypeError):
        make_tensor((2,), probtorch.float32, 0, 1, False, 0, "extra")
