"""Custom autograd.Function: ctx.save_for_backward, needs_input_grad, mark_non_differentiable, mark_dirty,
set_materialize_grads, setup_context, once_differentiable and double backward, against torch."""
import numpy as np
import pytest

import probtorch
from probtorch.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")

A = np.array([1.0, 2.0, 3.0])


def T(L, requires_grad=True):
    return L.tensor(A, dtype=L.float64, requires_grad=requires_grad)


def compare(got, want):
    assert len(got) == len(want)
    for g, w in zip(got, want):
        if w is None or isinstance(w, (bool, int, str)):
            assert g == w, (g, w)
        else:
            np.testing.assert_allclose(g.detach().numpy(), w.detach().numpy(), rtol=1e-12, atol=1e-12)


def cube_fn(L):
    class Cube(L.autograd.Function):
        """k x^3 with a backward written in Tensor ops, so it can be differentiated again."""

        @staticmethod
        def forward(ctx, x, k):
            ctx.save_for_backward(x)
            ctx.k = k
            return x ** 3 * k

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * 3 * x ** 2 * ctx.k, None
    return Cube


def s_first_order(L):
    x = T(L)
    y = cube_fn(L).apply(x, 2.0)
    y.sum().backward()
    return [y, x.grad, type(y.grad_fn).__name__]


def s_double_backward(L):
    x = T(L)
    y = cube_fn(L).apply(x, 2.0).sum()
    g, = L.autograd.grad(y, x, create_graph=True)
    h, = L.autograd.grad((g * g).sum(), x, create_graph=True)
    h.sum().backward()
    return [g, h, x.grad]


def s_two_outputs_needs_input_grad(L):
    class F(L.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            ctx.save_for_backward(x, y)
            ctx.flags = ctx.needs_input_grad
            return x * y, x + y

        @staticmethod
        def backward(ctx, ga, gb):
            x, y = ctx.saved_tensors
            return (ga * y + gb if ctx.needs_input_grad[0] else None,
                    ga * x + gb if ctx.needs_input_grad[1] else None)
    x, z = T(L), T(L, requires_grad=False)
    a, b = F.apply(x, z)
    (a * b).sum().backward()
    return [x.grad, a.requires_grad, b.grad_fn is not None, a.grad_fn.__class__.__name__]


def s_non_differentiable_output(L):
    class MaxWithIndex(L.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            idx = x.argmax()
            ctx.mark_non_differentiable(idx)
            ctx.save_for_backward(x, idx)
            return x.max(), idx

        @staticmethod
        def backward(ctx, g, gi):
            x, idx = ctx.saved_tensors
            out = L.zeros_like(x)
            out[idx] = g
            return out
    x = T(L)
    m, i = MaxWithIndex.apply(x)
    m.backward()
    return [x.grad, i.requires_grad, m.requires_grad]


def s_non_differentiable_float_output(L):
    class F(L.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x * 2
            ctx.mark_non_differentiable(y)
            return y, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            return g2 * 3
    x = T(L)
    a, b = F.apply(x)
    b.sum().backward()
    return [a.requires_grad, b.requires_grad, x.grad]


def s_forward_runs_without_grad(L):
    class F(L.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.enabled = L.is_grad_enabled()
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2
    x = T(L)
    y = F.apply(x)
    return [y.grad_fn.__class__.__name__.endswith("Backward"), L.is_grad_enabled()]


def s_mark_dirty(L):
    class Double_(L.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2
    x = T(L)
    y = x * 1
    z = Double_.apply(y)
    (z * z).sum().backward()
    return [x.grad, z is y, y._version]


def s_setup_context(L):
    class F(L.autograd.Function):
        @staticmethod
        def forward(x, k):
            return x * k

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.k = inputs[1]

        @staticmethod
        def backward(ctx, g):
            return g * ctx.k, None
    x = T(L)
    F.apply(x, 3.0).sum().backward()
    return [x.grad]


def s_materialize_grads_off(L):
    class F(L.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x.clone(), x.clone()

        @staticmethod
        def backward(ctx, g1, g2):
            return g1 if g2 is None else g1 + g2
    x = T(L)
    a, b = F.apply(x)
    a.sum().backward()
    return [x.grad]


def s_materialize_grads_on(L):
    class F(L.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.clone(), x.clone()

        @staticmethod
        def backward(ctx, g1, g2):
            return g1 + 2 * g2
    x = T(L)
    a, b = F.apply(x)
    a.sum().backward()
    return [x.grad]


def s_identity_forward(L):
    class F(L.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 5
    x = T(L)
    y = F.apply(x)
    y.sum().backward()
    return [x.grad, y is x]


def s_broadcast_gradient_reduced(L):
    class F(L.autograd.Function):
        @staticmethod
        def forward(ctx, x, b):
            return x + b

        @staticmethod
        def backward(ctx, g):
            return g, g  # g has x's shape; b's gradient is summed down to b's shape
    x = L.ones(2, 3, dtype=L.float64, requires_grad=True)
    b = L.ones(3, dtype=L.float64, requires_grad=True)
    F.apply(x, b).sum().backward()
    return [x.grad, b.grad]


def s_once_differentiable(L):
    class F(L.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.exp()

        @staticmethod
        @L.autograd.function.once_differentiable
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * x.exp()
    x = T(L)
    g, = L.autograd.grad(F.apply(x).sum(), x, create_graph=True)
    try:
        g.sum().backward()
        second = "no error"
    except RuntimeError as e:
        second = "twice" in str(e)
    g1, = L.autograd.grad(F.apply(x).sum(), x)
    return [g, second, g1]


def s_hooks_on_function_output(L):
    x = T(L)
    y = cube_fn(L).apply(x, 1.0)
    y.register_hook(lambda g: g * 2)
    y.retain_grad()
    y.sum().backward()
    return [y.grad, x.grad]


def exp_fn(L):
    class Exp(L.autograd.Function):
        """Saves its output; double backward runs through the saved output's graph."""

        @staticmethod
        def forward(ctx, x):
            r = x.exp()
            ctx.save_for_backward(r)
            return r

        @staticmethod
        def backward(ctx, g):
            r, = ctx.saved_tensors
            return g * r
    return Exp


def s_saved_output_double_backward(L):
    x = T(L)
    y = exp_fn(L).apply(x)
    g, = L.autograd.grad(y.sum(), x, create_graph=True)
    h, = L.autograd.grad((g * g).sum(), x)
    return [g, h]


def s_two_inputs_double_backward(L):
    class Mul(L.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a * b

        @staticmethod
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            return g * b, g * a
    x, w = T(L), T(L) * 1
    g, = L.autograd.grad(Mul.apply(x, w).sum(), x, create_graph=True)
    g.sum().backward()
    return [g, x.grad]


def s_next_functions_skip_non_tensors(L):
    class Scale(L.autograd.Function):
        @staticmethod
        def forward(ctx, a, k):
            return a * k

        @staticmethod
        def backward(ctx, g):
            return g * 2, None
    x = T(L)
    y = Scale.apply(x, 2)
    y.sum().backward()
    return [x.grad, len(y.grad_fn.next_functions)]


SCENARIOS = [v for k, v in sorted(globals().items()) if k.startswith("s_")]


@pytest.mark.parametrize("fn", SCENARIOS, ids=[f.__name__[2:] for f in SCENARIOS])
def test_matches_torch(fn):
    compare(fn(probtorch), fn(torch))


def e_too_many_grads(L):
    class F(L.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.clone()

        @staticmethod
        def backward(ctx, g):
            return g, g
    F.apply(T(L)).sum().backward()


def e_wrong_shape(L):
    class F(L.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.clone()

        @staticmethod
        def backward(ctx, g):
            return g[:2]
    F.apply(T(L)).sum().backward()


def e_saved_modified(L):
    class F(L.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * 2

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * 2
    y = T(L) * 1
    z = F.apply(y)
    y.add_(1)
    z.sum().backward()


def e_backward_twice(L):
    y = cube_fn(L).apply(T(L), 1.0).sum()
    y.backward()
    y.backward()


def e_saved_output_modified(L):
    y = exp_fn(L).apply(T(L))
    y.add_(1)
    y.sum().backward()


@pytest.mark.parametrize("fn,match", [
    (e_saved_output_modified, "modified by an inplace operation"),
    (e_too_many_grads, "returned an incorrect number of gradients (expected 1, got 2)"),
    (e_wrong_shape, "returned an invalid gradient at index 0 - got [2] but expected shape compatible with [3]"),
    (e_saved_modified, "modified by an inplace operation"),
    (e_backward_twice, "Trying to backward through the graph a second time"),
], ids=lambda v: v.__name__[2:] if callable(v) else "")
def test_errors_match_torch(fn, match):
    with pytest.raises(RuntimeError) as t:
        fn(torch)
    with pytest.raises(RuntimeError) as p:
        fn(probtorch)
    assert match in str(t.value) and match in str(p.value)


def test_gradcheck_and_gradgradcheck_of_custom_function():
    Cube = cube_fn(probtorch)
    x = probtorch.tensor(A, dtype=probtorch.float64, requires_grad=True)
    assert gradcheck(lambda t: Cube.apply(t, 2.0), (x,))
    assert gradgradcheck(lambda t: Cube.apply(t, 2.0), (x,))


def test_double_backward_through_function_in_composed_graph():
    Cube = cube_fn(probtorch)
    x = probtorch.tensor(A, dtype=probtorch.float64, requires_grad=True)
    w = probtorch.tensor([0.5, -1.0, 2.0], dtype=probtorch.float64, requires_grad=True)
    f = lambda x, w: (Cube.apply(x.sin() * w, 1.5) + x * w).tanh()  # noqa: E731
    assert gradcheck(f, (x, w))
    assert gradgradcheck(f, (x, w))
