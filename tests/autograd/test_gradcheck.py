"""gradcheck / gradgradcheck: they accept correct rules and reject wrong first and second derivatives."""
import warnings

import numpy as np
import pytest

import probtorch
from probtorch.autograd import gradcheck, gradgradcheck, Function


def _x(*shape):
    return probtorch.randn(*shape, dtype=probtorch.float64, requires_grad=True)


class WrongFirst(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * x  # should be 2 x g


class WrongSecond(Function):
    """Right first derivative, computed so that its own derivative is wrong (the rule detaches x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * 3 * x.detach() ** 2


def test_accepts_correct_rules():
    x, y = _x(2, 3), _x(3)
    f = lambda a, b: (a.sin() * b).logsumexp(-1)  # noqa: E731
    assert gradcheck(f, (x, y))
    assert gradgradcheck(f, (x, y))


def test_rejects_wrong_first_derivative():
    x = _x(3)
    assert not gradcheck(WrongFirst.apply, (x,), raise_exception=False)
    with pytest.raises(RuntimeError, match="Jacobian mismatch for output 0 with respect to input 0"):
        gradcheck(WrongFirst.apply, (x,))


def test_rejects_wrong_second_derivative():
    x = _x(3)
    assert gradcheck(WrongSecond.apply, (x,))
    assert not gradgradcheck(WrongSecond.apply, (x,), raise_exception=False)


def test_non_contiguous_input():
    x = probtorch.randn(3, 4, dtype=probtorch.float64).t().requires_grad_()
    assert not x.is_contiguous()
    assert gradcheck(lambda t: (t * t.exp()).sum(0), (x,))
    assert gradgradcheck(lambda t: (t * t.exp()).sum(0), (x,))


def test_several_outputs_and_integer_outputs_ignored():
    x = _x(4)
    assert gradcheck(lambda t: (t.sort().values, t.argmax(), t.cumsum(0)), (x,))


def test_non_tensor_and_constant_inputs():
    x = _x(3)
    c = probtorch.randn(3, dtype=probtorch.float64)
    assert gradcheck(lambda t, k, d: t * k + d, (x, 2.5, c))


def test_warns_for_single_precision_and_needs_an_input():
    x = probtorch.randn(3, requires_grad=True)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        gradcheck(lambda t: t * 2, (x,), atol=1e-2, rtol=1e-2, eps=1e-3)
    assert any("not a double precision" in str(m.message) for m in w)
    with pytest.raises(ValueError, match="requires_grad=True"):
        gradcheck(lambda t: t * 2, (probtorch.randn(3, dtype=probtorch.float64),))


def test_matches_torch_on_a_known_failure():
    torch = pytest.importorskip("torch")

    class TWrong(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * x

        @staticmethod
        def backward(ctx, g):
            return g

    xt = torch.tensor(np.arange(1.0, 4.0), requires_grad=True)
    xp = probtorch.tensor(np.arange(1.0, 4.0), requires_grad=True)
    assert torch.autograd.gradcheck(TWrong.apply, (xt,), raise_exception=False) is False
    assert gradcheck(WrongFirst.apply, (xp,), raise_exception=False) is False
