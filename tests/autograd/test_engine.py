"""The reverse-mode engine (backward, autograd.grad, hooks, retain_grad, higher order) against torch."""
import numpy as np
import pytest

import probtorch

torch = pytest.importorskip("torch")


def to_np(v):
    if hasattr(v, "detach"):
        return v.detach().numpy()
    return np.asarray(v)


def compare(got, want, rtol=1e-10, atol=1e-12):
    assert len(got) == len(want)
    for g, w in zip(got, want):
        if w is None or isinstance(w, (bool, int, str)):
            assert g == w, (g, w)
        else:
            assert g is not None
            np.testing.assert_allclose(to_np(g), to_np(w), rtol=rtol, atol=atol)


def same_error(fn, probtorch, torch, match=None, exc=RuntimeError):
    """Both libraries raise `exc`; probtorch's message contains `match` (which torch's also contains)."""
    with pytest.raises(exc) as t:
        fn(torch)
    with pytest.raises(exc) as p:
        fn(probtorch)
    if match is not None:
        assert match in str(t.value), str(t.value)
        assert match in str(p.value), str(p.value)
    return p.value


A = np.array([1.0, 2.0, 3.0])


def T(L, a=A, requires_grad=True):
    return L.tensor(a, dtype=L.float64, requires_grad=requires_grad)


def ones(L, *shape):
    return L.ones(*shape, dtype=L.float64)


# ------------------------------------------------------------------------------------------------ scenarios
def s_backward_gradient(L):
    x = T(L)
    (x * x).backward(L.tensor([1.0, 0.5, -1.0], dtype=L.float64))
    return [x.grad]


def s_backward_scalar_gradient_cast(L):
    x = T(L)
    (x * 2).sum().backward(L.tensor(3.0))  # float32 gradient for a float64 output is cast
    return [x.grad, x.grad.dtype == L.float64]


def s_backward_int_gradient_cast(L):
    x = T(L)
    (x * 2).backward(L.ones(3, dtype=L.int64))
    return [x.grad]


def s_retain_graph_twice(L):
    x = T(L)
    y = (x ** 2).sum()
    y.backward(retain_graph=True)
    y.backward()
    return [x.grad]


def s_second_backward_without_saved_tensors(L):
    x = T(L)
    y = x.reshape(3, 1).sum()  # nothing saved: a second sweep is allowed
    y.backward()
    y.backward()
    return [x.grad]


def s_backward_inputs(L):
    x, z = T(L), T(L)
    (x * z).sum().backward(inputs=[x])
    return [x.grad, z.grad]


def s_backward_inputs_nonleaf(L):
    x = T(L)
    y = x * 2
    (y * y).sum().backward(inputs=[y])
    return [y.grad, x.grad]


def s_backward_many_roots(L):
    x = T(L)
    L.autograd.backward([(x * 2).sum(), (x * x).sum()])
    return [x.grad]


def s_backward_grad_tensors(L):
    x = T(L)
    L.autograd.backward([x * 2, x.sum()], grad_tensors=[L.tensor([1.0, 2.0, 3.0], dtype=L.float64),
                                                       L.tensor(2.0, dtype=L.float64)])
    return [x.grad]


def s_accumulation(L):
    x = T(L)
    (x * x).sum().backward()
    (x * 3).sum().backward()
    g1 = x.grad.clone()
    x.grad.zero_()
    (x * 5).sum().backward()
    return [g1, x.grad]


def s_accumulate_into_given_grad(L):
    x = T(L)
    x.grad = ones(L, 3)
    (x * 2).sum().backward()
    return [x.grad]


def s_grad_basic(L):
    x = T(L)
    y = x ** 3
    return list(L.autograd.grad(y, x, grad_outputs=L.tensor([1.0, 0.0, 2.0], dtype=L.float64)))


def s_grad_leaves_dot_grad_alone(L):
    x = T(L)
    g, = L.autograd.grad((x ** 2).sum(), x)
    return [g, x.grad, g.requires_grad]


def s_grad_allow_unused(L):
    x, z = T(L), T(L)
    return list(L.autograd.grad((x * 2).sum(), [x, z], allow_unused=True))


def s_grad_materialize(L):
    x, z = T(L), T(L)
    return list(L.autograd.grad((x * 2).sum(), [x, z], materialize_grads=True))


def s_grad_nonleaf_input(L):
    x = T(L)
    y = x * 2
    return list(L.autograd.grad((y * 3).sum(), y))


def s_grad_many_outputs(L):
    x = T(L)
    y = (x * 2).sum()
    return list(L.autograd.grad([y, x * x], [x], grad_outputs=[L.tensor(1.0, dtype=L.float64), ones(L, 3)]))


def s_grad_batched(L):
    x = T(L)
    return list(L.autograd.grad(x * x, x, L.eye(3, dtype=L.float64), is_grads_batched=True))


def s_hook_leaf_observe(L):
    x = T(L)
    seen = []
    x.register_hook(lambda g: seen.append(g.clone()))
    (x * x).sum().backward()
    return [x.grad, seen[0]]


def s_hook_leaf_replace(L):
    x = T(L)
    x.register_hook(lambda g: g + 1)
    (x * x).sum().backward()
    return [x.grad]


def s_hook_nonleaf_replace(L):
    x = T(L)
    y = x * 2
    y.register_hook(lambda g: g * 10)
    (y * y).sum().backward()
    return [x.grad]


def s_hook_remove(L):
    x = T(L)
    y = x * 2
    h = y.register_hook(lambda g: g * 10)
    h.remove()
    (y * y).sum().backward()
    return [x.grad]


def s_hook_order(L):
    x = T(L)
    y = x * 1
    y.register_hook(lambda g: g + 1)
    y.register_hook(lambda g: g * 3)
    y.sum().backward()
    return [x.grad]


def s_hook_on_one_use(L):
    x = T(L)
    y = x * 2
    x.register_hook(lambda g: g * 0)
    z = x * 3
    (y + z).sum().backward()
    return [x.grad]


def s_hook_in_grad(L):
    x = T(L)
    y = x * 2
    y.register_hook(lambda g: g * 2)
    return list(L.autograd.grad((y * y).sum(), x))


def s_retain_grad(L):
    x = T(L)
    y = x * 2
    y.retain_grad()
    z = y * 2
    z.retain_grad()
    (z ** 2).sum().backward()
    return [y.grad, z.grad, x.grad, y.retains_grad, x.retains_grad]


def s_retain_grad_sees_hooked_grad(L):
    x = T(L)
    y = x * 2
    y.register_hook(lambda g: None)
    y.retain_grad()
    y.register_hook(lambda g: g * 2)
    y.sum().backward()
    return [y.grad, x.grad]


def s_retain_grad_accumulates(L):
    x = T(L)
    y = x * 2
    y.retain_grad()
    (y * y).sum().backward(retain_graph=True)
    (y * y).sum().backward()
    return [y.grad]


def s_hessian(L):
    x = T(L)
    y = (x ** 3).sum() + x[0] * x[1]
    g, = L.autograd.grad(y, x, create_graph=True)
    return [L.stack([L.autograd.grad(g[i], x, retain_graph=True)[0] for i in range(3)])]


def s_third_order(L):
    x = T(L)
    y = (x.sin() * x ** 2).sum()
    g, = L.autograd.grad(y, x, create_graph=True)
    h, = L.autograd.grad(g.sum(), x, create_graph=True)
    t, = L.autograd.grad(h.sum(), x)
    return [g, h, t]


def s_gradient_penalty(L):
    x = T(L)
    w = L.tensor([0.5, -1.0, 2.0], dtype=L.float64, requires_grad=True)
    y = (x.sin() * w).sum() + (x * w).tanh().sum()
    g, = L.autograd.grad(y, x, create_graph=True)
    penalty = (g.norm() - 1) ** 2
    penalty.backward()
    return [g, x.grad, w.grad]


def s_backward_create_graph(L):
    x = T(L)
    (x ** 3).sum().backward(create_graph=True)
    gx = x.grad
    req = gx.requires_grad
    x.grad = None
    (gx * gx).sum().backward()
    return [gx, x.grad, req]


def s_leaf_flags(L):
    x = T(L)
    y = x.sum()
    return [y.detach().requires_grad, x.is_leaf, y.is_leaf, (x * 2).is_leaf, T(L, requires_grad=False).is_leaf,
            (T(L, requires_grad=False) * 2).is_leaf, (T(L, requires_grad=False) * 2).requires_grad]


def s_requires_grad_off(L):
    x = T(L)
    x.requires_grad_(False)
    return [x.requires_grad, (x * 2).grad_fn is None]


def s_grad_fn_graph(L):
    x = T(L)
    y = (x * 2).sum()
    nf = y.grad_fn.next_functions
    return [len(nf), nf[0][0] is not None, type(nf[0][0].next_functions[0][0]).__name__]


def s_shared_subgraph(L):
    x = T(L)
    a = x.exp()
    b = a * a + a.sin()
    c = (b * a).sum() + a.sum()
    c.backward()
    return [x.grad]


def s_unused_branch(L):
    x = T(L)
    z = T(L)
    y = x * 2
    _ = z * 3  # not part of the loss
    y.sum().backward()
    return [x.grad, z.grad]


def s_post_accumulate_hook(L):
    x = T(L)
    seen = []
    x.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.clone()))
    (x * 4).sum().backward()
    return [seen[0]]


SCENARIOS = [v for k, v in sorted(globals().items()) if k.startswith("s_")]


@pytest.mark.parametrize("fn", SCENARIOS, ids=[f.__name__[2:] for f in SCENARIOS])
def test_matches_torch(fn):
    compare(fn(probtorch), fn(torch))


# ------------------------------------------------------------------------------------------------ errors
def e_second_backward(L):
    x = T(L)
    y = (x ** 2).sum()
    y.backward()
    y.backward()


def e_second_backward_mul(L):
    x = T(L)
    y = (x * 2).sum()
    y.backward()
    y.backward()


def e_second_grad(L):
    x = T(L)
    y = (x.exp()).sum()
    L.autograd.grad(y, x)
    L.autograd.grad(y, x)


def e_nonscalar(L):
    (T(L) * 2).backward()


def e_shape_mismatch(L):
    (T(L) * 2).backward(ones(L, 2))


def e_shape_mismatch_scalar(L):
    T(L).sum().backward(ones(L, 1))


def e_grad_shape_mismatch(L):
    x = T(L)
    L.autograd.grad(x * 2, x, grad_outputs=ones(L, 2, 3))


def e_no_grad_fn(L):
    T(L, requires_grad=False).sum().backward()


def e_unused(L):
    x, z = T(L), T(L)
    L.autograd.grad((x * 2).sum(), [x, z])


def e_input_without_grad(L):
    x = T(L)
    L.autograd.grad((x * 2).sum(), x.detach())


def e_empty_inputs(L):
    x = T(L)
    (x * 2).sum().backward(inputs=[])


def e_int_requires_grad(L):
    L.tensor([1, 2]).requires_grad_()


def e_nonleaf_requires_grad_off(L):
    (T(L) * 2).requires_grad_(False)


def e_hook_without_grad(L):
    T(L, requires_grad=False).register_hook(lambda g: g)


def e_retain_grad_without_grad(L):
    T(L, requires_grad=False).retain_grad()


@pytest.mark.parametrize("fn,match", [
    (e_second_backward, "Trying to backward through the graph a second time"),
    (e_second_backward_mul, "Trying to backward through the graph a second time"),
    (e_second_grad, "Trying to backward through the graph a second time"),
    (e_nonscalar, "grad can be implicitly created only for scalar outputs"),
    (e_shape_mismatch, "Mismatch in shape: grad_output[0] has a shape of"),
    (e_shape_mismatch_scalar, "Mismatch in shape"),
    (e_grad_shape_mismatch, "Mismatch in shape"),
    (e_no_grad_fn, "does not require grad and does not have a grad_fn"),
    (e_unused, "appears to not have been used in the graph"),
    (e_input_without_grad, "does not require grad"),
    (e_empty_inputs, "cannot be empty"),
    (e_int_requires_grad, "only Tensors of floating point"),
    (e_nonleaf_requires_grad_off, "you can only change requires_grad flags of leaf variables"),
    (e_hook_without_grad, "cannot register a hook on a tensor that doesn't require gradient"),
    (e_retain_grad_without_grad, "can't retain_grad on Tensor that has requires_grad=False"),
], ids=lambda v: v.__name__[2:] if callable(v) else "")
def test_errors_match_torch(fn, match):
    same_error(fn, probtorch, torch, match)


def test_shape_mismatch_message_names_both_shapes():
    x = probtorch.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"\[2, 3\].*\[3\]"):
        (x * 2).backward(probtorch.ones(2, 3))


def test_unused_message_names_index():
    x, z = probtorch.ones(3, requires_grad=True), probtorch.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="index 1"):
        probtorch.autograd.grad((x * 2).sum(), [x, z])


def test_released_graph_keeps_no_values():
    x = probtorch.ones(1000, requires_grad=True)
    y = (x.exp() * 2).sum()
    y.backward()
    node = y.grad_fn
    while node is not None:  # every node freed its tensors (values) after the sweep
        saved = node.saved
        assert saved is None or all(not hasattr(s, "_data") for s in saved)
        nxt = [n for n, _ in node.next_functions if n is not None and hasattr(n, "saved")]
        node = nxt[0] if nxt else None


def test_gradcheck_catches_wrong_rule():
    class Wrong(probtorch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * x

        @staticmethod
        def backward(ctx, g):
            return g  # should be 2 x g

    x = probtorch.tensor(A, dtype=probtorch.float64, requires_grad=True)
    assert not probtorch.autograd.gradcheck(Wrong.apply, (x,), raise_exception=False)
    with pytest.raises(RuntimeError, match="Jacobian mismatch"):
        probtorch.autograd.gradcheck(Wrong.apply, (x,))


# ------------------------------------------------------------------------------------------------ more engine cases


def s_backward_on_leaf(L):
    x = T(L)
    x.backward(L.tensor([1., 2., 3.], dtype=L.float64))
    return [x.grad]


def s_grad_wrt_intermediate_scalar(L):
    x = T(L)
    y = x * 2
    return list(L.autograd.grad(y.sum(), y))


def s_grad_of_tensor_wrt_itself(L):
    x = T(L)
    y = x * 2
    return list(L.autograd.grad(y, y, L.ones(3, dtype=L.float64)))


def s_backward_inputs_unrelated_leaf(L):
    x = T(L)
    z = T(L)
    y = (x * 2).sum()
    y.backward(inputs=[z])
    return [x.grad, z.grad]


def s_grad_repeated_input(L):
    x = T(L)
    y = (x * 2).sum()
    return list(L.autograd.grad(y, [x, x]))


def s_grad_intermediate_then_leaf(L):
    x = T(L)
    y = x.exp()
    z = y.sum()
    g1 = L.autograd.grad(z, y, retain_graph=False)[0]
    g2 = L.autograd.grad(z, x)[0]
    return [g1, g2]


def s_grad_twice_nothing_saved(L):
    x = T(L)
    y = x * 2
    z = y.sum()
    L.autograd.grad(z, y)
    g2 = L.autograd.grad(z, x)[0]
    return [g2]


def s_two_leaf_hooks_chain(L):
    x = T(L)
    h = x.register_hook(lambda g: g * 2)
    x.register_hook(lambda g: g + 1)
    (x * 1).sum().backward()
    return [x.grad]


def s_create_graph_linear_has_graph(L):
    x = T(L)
    y = x * 1
    g, = L.autograd.grad(y.sum(), x, create_graph=True)
    return [g.requires_grad, g.grad_fn is None]


def s_create_graph_pow(L):
    x = T(L)
    y = (x ** 2)
    g, = L.autograd.grad(y.sum(), x, create_graph=True)
    return [g.requires_grad]


def s_detach_requires_grad_new_leaf(L):
    x = T(L)
    y = x.detach().requires_grad_()
    (y * 2).sum().backward()
    return [y.grad, x.grad]


def s_retain_grad_idempotent(L):
    x = T(L)
    y = x.clone()
    y.retain_grad()
    y.retain_grad()
    (y * 2).sum().backward()
    return [y.grad]


def s_retain_grad_on_leaf_noop(L):
    x = T(L)
    x.retain_grad()
    (x * 2).sum().backward()
    return [x.grad, x.retains_grad]


def s_retain_grad_reset(L):
    x = T(L)
    y = x * 2
    y.retain_grad()
    (y * 2).sum().backward(retain_graph=True)
    y.grad = None
    (y * 3).sum().backward()
    return [y.grad]


def s_create_graph_accumulation_new_tensor(L):
    x = T(L)
    (x * 2).sum().backward(create_graph=True)
    g = x.grad
    (x * 3).sum().backward()
    return [x.grad, g, x.grad is g]


def s_accumulation_in_place(L):
    x = T(L)
    (x * 2).sum().backward()
    g = x.grad
    (x * 3).sum().backward()
    return [x.grad, x.grad is g]


def s_retain_grad_on_view(L):
    x = T(L)
    y = x * 2
    z = y.view(3, 1)
    z.retain_grad()
    (z * z).sum().backward()
    return [z.grad, x.grad]


def s_scalar_from_indexing(L):
    x = T(L)
    y = x[0] * x[1]
    y.backward()
    return [x.grad]


def s_hook_not_called_when_unused(L):
    x = T(L)
    hh = []
    y = x * 2
    y.register_hook(lambda g: hh.append(1))
    (x * 3).sum().backward()
    return [len(hh), x.grad]


def s_no_grad_result_is_constant(L):
    x = T(L)
    w = T(L)
    with L.no_grad():
        y = x * w
    z = (y * w).sum()
    z.backward()
    return [w.grad, x.grad]


def s_grad_outputs_none(L):
    x = T(L)
    y = x.sum()
    return list(L.autograd.grad(y, x, grad_outputs=None))


def s_grad_outputs_tuple_of_none(L):
    x = T(L)
    return list(L.autograd.grad((x*x).sum(), (x,), (None,)))


def s_grad_wrt_grad_outputs(L):
    x = T(L)
    y = x * 2
    v = L.ones(3, dtype=L.float64, requires_grad=True)
    g, = L.autograd.grad(y, x, v, create_graph=True)
    g.sum().backward()
    return [v.grad]


def s_dtype_cast_in_graph(L):
    x = T(L)
    y = x.float() * 2
    y.sum().backward()
    return [x.grad, str(x.grad.dtype)[-7:]]


def s_float32_leaf_float64_graph(L):
    x = L.tensor([1., 2.], requires_grad=True)
    y = x.double() ** 2
    y.sum().backward()
    return [x.grad, str(x.grad.dtype)[-7:]]


def e_hook_changes_size(L):
    x = T(L)
    y = x * 2
    y.register_hook(lambda g: g[:2])
    y.sum().backward()


def test_hook_changing_size_raises_like_torch():
    same_error(e_hook_changes_size, probtorch, torch, "has changed the size of value")


SCENARIOS_MORE = [v for k, v in sorted(globals().items()) if k.startswith("s_") and v not in SCENARIOS]


@pytest.mark.parametrize("fn", SCENARIOS_MORE, ids=[f.__name__[2:] for f in SCENARIOS_MORE])
def test_more_matches_torch(fn):
    compare(fn(probtorch), fn(torch))


def s_node_prehook_replaces_output_grad(L):
    x = T(L)
    y = x * x
    y.grad_fn.register_prehook(lambda go: (go[0] * 10,))
    y.sum().backward()
    return [x.grad]


def s_node_hook_sees_and_replaces_input_grads(L):
    x = T(L)
    w = T(L)
    y = x * w
    seen = []

    def hook(gi, go):
        seen.append([None if g is None else g.clone() for g in gi] + [go[0].clone()])
        return (gi[0] * 3, gi[1])
    y.grad_fn.register_hook(hook)
    y.sum().backward()
    return seen[0] + [x.grad, w.grad]


def s_node_hook_removed(L):
    x = T(L)
    y = x * 2
    h = y.grad_fn.register_prehook(lambda go: (go[0] * 10,))
    h.remove()
    y.sum().backward()
    return [x.grad]


SCENARIOS_NODE_HOOKS = [s_node_prehook_replaces_output_grad, s_node_hook_sees_and_replaces_input_grads,
                        s_node_hook_removed]


@pytest.mark.parametrize("fn", SCENARIOS_NODE_HOOKS, ids=[f.__name__[2:] for f in SCENARIOS_NODE_HOOKS])
def test_node_hooks_match_torch(fn):
    compare(fn(probtorch), fn(torch))


# ------------------------------------------------------------------------------------------------ random graphs
from hypothesis import given, strategies as st  # noqa: E402

_UNARY = ["sin", "exp_small", "square", "tanh", "neg", "flip", "cumsum", "roll", "detach"]
_BINARY = ["add", "mul", "sub", "cat_split", "where", "max"]


@st.composite
def programs(draw):
    """A random DAG over three leaves of shape (4,): each step applies an op to earlier values (reuse allowed)."""
    steps = []
    n_values = 3
    for _ in range(draw(st.integers(1, 8))):
        if draw(st.booleans()):
            steps.append((draw(st.sampled_from(_UNARY)), draw(st.integers(0, n_values - 1))))
        else:
            steps.append((draw(st.sampled_from(_BINARY)), draw(st.integers(0, n_values - 1)),
                          draw(st.integers(0, n_values - 1))))
        n_values += 1
    return steps


def _run_program(L, steps, leaves):
    vals = list(leaves)
    for st_ in steps:
        op, a = st_[0], vals[st_[1]]
        b = vals[st_[2]] if len(st_) > 2 else None
        if op == "sin":
            r = a.sin()
        elif op == "exp_small":
            r = (a * 0.3).exp()
        elif op == "square":
            r = a * a
        elif op == "tanh":
            r = a.tanh()
        elif op == "neg":
            r = -a
        elif op == "flip":
            r = a.flip(0)
        elif op == "cumsum":
            r = a.cumsum(0)
        elif op == "roll":
            r = a.roll(1, 0)
        elif op == "detach":
            r = a.detach() * 2
        elif op == "add":
            r = a + b
        elif op == "mul":
            r = a * b
        elif op == "sub":
            r = a - b
        elif op == "cat_split":
            r = L.cat([a[:2], b[2:]])
        elif op == "where":
            r = L.where(a > 0, a, b)
        else:
            r = L.maximum(a, b + 0.05)  # offset keeps ties away, where the subgradient is a convention
        vals.append(r)
    return vals


@given(programs())
def test_random_graphs_first_and_second_order_match_torch(steps):
    rng = np.random.default_rng(11)
    data = [rng.standard_normal(4) for _ in range(3)]
    res = []
    for L in (probtorch, torch):
        leaves = [L.tensor(d, dtype=L.float64, requires_grad=True) for d in data]
        vals = _run_program(L, steps, leaves)
        out = sum((v * (k + 1)).sum() for k, v in enumerate(vals[3:]))
        if not isinstance(out, (probtorch.Tensor, torch.Tensor)) or not out.requires_grad:
            res.append(None)
            continue
        g = L.autograd.grad(out, leaves, create_graph=True, allow_unused=True)
        used = [x for x in g if x is not None and x.requires_grad]
        hv = None
        if used:
            s = sum((x * x).sum() for x in used)
            hv = L.autograd.grad(s, leaves, allow_unused=True)
        res.append((out.detach().numpy(), [None if x is None else x.detach().numpy() for x in g],
                    None if hv is None else [None if x is None else x.numpy() for x in hv]))
    got, want = res
    if want is None:
        assert got is None
        return
    np.testing.assert_allclose(got[0], want[0], rtol=1e-12)
    for a, b in zip(got[1], want[1]):
        if b is None:
            assert a is None or not a.any()
        else:
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    if want[2] is None:
        assert got[2] is None or all(a is None or not a.any() for a in got[2])
    else:
        for a, b in zip(got[2], want[2]):
            if b is None:
                assert a is None or not a.any()
            else:
                np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
