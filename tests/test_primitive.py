"""The primitive mechanism: saved-value bookkeeping, release, promotion and rule composition."""
import numpy as np
import pytest

import probtorch as pt
from probtorch._primitive import Primitive

torch = pytest.importorskip("torch")


def _both(fn):
    """Run fn(lib) for probtorch and torch; return (probtorch result or exception type, torch's)."""
    out = []
    for lib in (pt, torch):
        try:
            out.append(fn(lib))
        except RuntimeError:
            out.append(RuntimeError)
    return out


@pytest.mark.parametrize("case", ["mul_other_modified", "mul_self_modified", "matmul_data_modified",
                                  "matmul_weight_modified", "div_numerator_modified", "div_denominator_modified"])
def test_version_checks_match_torch(case):
    """An input modified in place after use breaks backward only when the needed gradient reads it."""
    def run(lib):
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        c = lib.tensor([3.0, 4.0])
        if case == "mul_other_modified":
            y, mod = a * c, c
        elif case == "mul_self_modified":
            a2 = a * 1
            y, mod = a2 * c, a2
        elif case == "matmul_data_modified":
            W = lib.tensor([[1.0], [2.0]], requires_grad=True)
            y, mod = c.reshape(1, 2) @ W, c
        elif case == "matmul_weight_modified":
            W = lib.tensor([[1.0], [2.0]])
            a2 = a.reshape(1, 2) * 1
            y, mod = a2 @ W, W
        elif case == "div_numerator_modified":
            a2 = a * 1
            y, mod = a2 / c, a2
        else:
            y, mod = a / c, c
        with lib.no_grad():
            mod.mul_(2)
        y.sum().backward()
        return a.grad.tolist()
    ours, theirs = _both(run)
    assert ours == theirs


def test_second_backward_through_released_value_free_node():
    """Nodes that saved no values (expand, sum, add) still run after their graph was released."""
    def run(lib):
        x = lib.tensor([2.0], requires_grad=True)
        y = x.expand(3) + 1
        y.sum().backward()
        (y * 2).sum().backward()
        return x.grad.tolist()
    ours, theirs = _both(run)
    assert ours == theirs == [9.0]


def test_second_backward_through_saved_values_raises():
    x = pt.tensor([2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_promotion_fast_path_agrees_with_result_type():
    dts = [pt.float32, pt.float64, pt.int64, pt.int32, pt.bool]
    scalars = [2, 2.5, True]
    for da in dts:
        a = pt.ones(2, dtype=da)
        for s in scalars:
            assert (a + s).dtype == pt.result_type(a, s), (da, s)
            assert (s * a).dtype == pt.result_type(s, a), (da, s)
        for db in dts:
            b = pt.ones(2, dtype=db)
            if da is pt.bool and db is pt.bool:
                continue
            assert (a * b).dtype == pt.result_type(a, b)


def test_user_primitive_gets_higher_order_gradients():
    cube = Primitive("cube", lambda x: x ** 3, elementwise=True, dtype_rule="float")
    cube.defpartials(lambda out, x: (3 * x * x,))
    x = pt.tensor([1.5, -2.0], dtype=pt.float64, requires_grad=True)
    assert pt.autograd.gradcheck(cube, (x,)) and pt.autograd.gradgradcheck(cube, (x,))
    (g,) = pt.autograd.grad(cube(x).sum(), x, create_graph=True)
    (h,) = pt.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(h.numpy(), 6 * x.detach().numpy())


def test_broadcast_gradients_reduce_to_input_shapes():
    a = pt.randn(3, 1, dtype=pt.float64, requires_grad=True)
    b = pt.randn(4, dtype=pt.float32, requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.shape == (3, 1) and a.grad.dtype is pt.float64
    assert b.grad.shape == (4,) and b.grad.dtype is pt.float32
