"""In-place operations and views: version counters, saved-tensor checks, gradients through views, like torch."""
import numpy as np
import pytest

import probtorch

torch = pytest.importorskip("torch")

A = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
B = np.array([[2.0, 1.0, 1.0], [1.0, 3.0, 1.0], [1.0, 1.0, 4.0]])


def _np(x):
    return x.detach().numpy() if hasattr(x, "detach") else np.asarray(x)


# Each scenario runs with lib = torch and lib = probtorch and returns arrays to compare.
def s_nonleaf_chain(L):
    x = L.tensor(A, requires_grad=True)
    y = x * 2
    y.add_(1)
    y.mul_(3)
    y.pow_(2)
    y.sum().backward()
    return [y, x.grad]


def s_nonleaf_exp_then_inplace(L):
    x = L.tensor(A, requires_grad=True)
    y = x * 1
    z = y.exp()  # saves its output, not y
    y.add_(1)
    (z * y).sum().backward()
    return [x.grad]


def s_clone_view_mul(L):
    a = L.tensor(A, requires_grad=True)
    b = a.clone()
    b[0].mul_(3)
    b.sum().backward()
    return [b, a.grad]


def s_clone_view_mul_square(L):
    a = L.tensor(A, requires_grad=True)
    b = a.clone()
    b[0].mul_(3)
    (b * b).sum().backward()
    return [b, a.grad]


def s_diagonal_add(L):
    a = L.tensor(B, requires_grad=True)
    x = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = a * 1
    b.diagonal().add_(x)
    (b ** 2).sum().backward()
    return [b, a.grad, x.grad]


def s_view_of_view(L):
    a = L.tensor(A, requires_grad=True)
    b = a * 1
    b.t()[1].mul_(a[0, 0] + 1)
    (b * b).sum().backward()
    return [b, a.grad]


def s_base_modified_after_view(L):
    x = L.tensor(A, requires_grad=True)
    y = x * 1
    v = y[0]
    y.mul_(2)  # v's grad_fn follows y's new history
    (v * v).sum().backward()
    return [v, x.grad]


def s_sibling_views(L):
    x = L.tensor(A, requires_grad=True)
    w = L.tensor([1.0, -1.0, 2.0], requires_grad=True)
    y = x * 1
    r0, r1 = y[0], y[1]
    r0.mul_(w)
    (r1 * r0).sum().backward()
    return [y, x.grad, w.grad]


def s_setitem_view_chain(L):
    x = L.tensor(A, requires_grad=True)
    y = x * 1
    y.view(3, 2)[1:, 0] = L.tensor([7.0, 8.0], dtype=L.float64)
    (y * y).sum().backward()
    return [y, x.grad]


def s_copy_broadcast_cast(L):
    src = L.tensor([1.0, 2.0, 3.0], dtype=L.float64, requires_grad=True)
    y = L.zeros(2, 3) * 1  # float32
    y.copy_(src)
    (y * y).sum().backward()
    return [y, src.grad, str(y.dtype).split(".")[-1] == "float32"]


def s_copy_overwrites_history(L):
    x = L.tensor(A, requires_grad=True)
    y = x * 1
    y.copy_(L.tensor([1.0, 2.0, 3.0], dtype=L.float64))
    y.sum().backward()
    return [y, x.grad]


def s_inplace_with_grad_arg_into_plain(L):
    x = L.tensor([1.0, 2.0, 3.0], dtype=L.float64, requires_grad=True)
    buf = L.zeros(2, 3, dtype=L.float64)
    buf[1] = x * 2
    buf.add_(x)
    (buf ** 2).sum().backward()
    return [buf, x.grad, buf.requires_grad]


def s_zero_fill(L):
    x = L.tensor(A, requires_grad=True)
    y = x * 3
    y[:, 0].zero_()
    y[1].fill_(2.0)
    (y * x).sum().backward()
    return [y, x.grad]


def s_masked_fill_inplace(L):
    x = L.tensor(A, requires_grad=True)
    y = x.sin()
    y.masked_fill_(L.tensor(A > 3), 0.0)
    y.sum().backward()
    return [y, x.grad]


def s_index_add_inplace(L):
    x = L.tensor(A, requires_grad=True)
    s = L.tensor(A[:1] * 2, requires_grad=True)
    y = x * 1
    y.index_add_(0, L.tensor([1]), s)
    (y * y).sum().backward()
    return [y, x.grad, s.grad]


def s_no_grad_inplace_on_leaf(L):
    x = L.tensor(A, requires_grad=True)
    with L.no_grad():
        x.mul_(2)
    (x * x).sum().backward()
    return [x, x.grad, x._version, x.is_leaf]


def s_data_write(L):
    x = L.tensor(A, requires_grad=True)
    d = x.data
    d.add_(1)
    return [x, x._version, d._version, x.requires_grad, d.requires_grad]


def s_detach_shares_storage(L):
    x = L.tensor(A, requires_grad=True)
    d = x.detach()
    d.add_(1)
    return [x, x._version, d._version, d.requires_grad]


def s_versions(L):
    x = L.zeros(3)
    v0 = x._version
    x.add_(1)
    x[0] = 2
    x.mul_(2)
    v = x[1:]
    v.sub_(1)
    return [x, x._version - v0, v._version - v0, x.unsqueeze(0)._version - v0]


def s_int_inplace(L):
    x = L.tensor([1, 2, 3])
    x.mul_(2)
    x.add_(L.tensor([1, 1, 1], dtype=L.int32))
    return [x, str(x.dtype).split(".")[-1] == "int64"]


def s_out_argument(L):
    x = L.tensor(A)
    out = L.empty(2, 3, dtype=L.float64)
    r = L.add(x, 1, out=out)
    out2 = L.empty(4, 3, dtype=L.float64)
    L.cat([x, x], out=out2)
    out3 = L.empty(2, 2, 3, dtype=L.float64)
    L.stack([x, x], out=out3)
    return [out, r is out, out2, out3]


def s_iadd_operators(L):
    x = L.tensor(A, requires_grad=True)
    y = x * 1
    z = y
    y += 1
    y *= x
    y -= 2
    y /= 3
    y.sum().backward()
    return [y, z is y, x.grad]


def s_retain_grad_follows_inplace(L):
    x = L.tensor(A, requires_grad=True)
    y = x * 2
    y.retain_grad()
    y.mul_(3)
    (y * y).sum().backward()
    return [y.grad, x.grad]


def s_hook_before_inplace_sees_old_version(L):
    x = L.tensor(A, requires_grad=True)
    y = x * 2
    before, after = [], []
    y.register_hook(lambda g: before.append(g.clone()))
    y.mul_(3)
    y.register_hook(lambda g: after.append(g.clone()))
    (y * y).sum().backward()
    return [before[0], after[0], x.grad]


def s_retain_grad_on_view_after_base_write(L):
    x = L.tensor(A, requires_grad=True)
    y = x * 2
    v = y[:, :2]
    v.retain_grad()
    y.mul_(3)
    (v * v).sum().backward()
    return [v.grad, x.grad]


def s_retain_grad_after_setitem(L):
    x = L.tensor(A, requires_grad=True)
    y = x * 2
    y.retain_grad()
    y[0, 1] = 5.0
    (y * y).sum().backward()
    return [y.grad, x.grad]


C = np.arange(12.0).reshape(3, 4) / 3


def s_iadd_row(L):
    x = L.tensor(C, requires_grad=True)
    y = x * 1
    v = L.tensor([1., 2., 3., 4.], dtype=L.float64, requires_grad=True)
    y[1] += v
    (y * y).sum().backward()
    return [y, x.grad, v.grad, y._version]


def s_iadd_advanced(L):
    x = L.tensor(C, requires_grad=True)
    y = x * 1
    v = L.tensor([1., 2.], dtype=L.float64, requires_grad=True)
    y[[0, 2], 1] += v
    (y * y).sum().backward()
    return [y, x.grad, v.grad]


def s_imul_mask(L):
    x = L.tensor(C, requires_grad=True)
    y = x * 1
    y[y > 1] *= 2
    (y * y).sum().backward()
    return [y, x.grad]


def s_isub_column_from_column(L):
    x = L.tensor(C, requires_grad=True)
    y = x * 1
    y[:, 0] -= y[:, 1]
    (y * y).sum().backward()
    return [y, x.grad]


def s_swap_rows(L):
    x = L.tensor(C, requires_grad=True)
    y = x * 1
    y[0], y[1] = y[1].clone(), y[0].clone()
    (y * L.arange(4.)).sum().backward()
    return [y, x.grad]


def s_shift_columns(L):
    x = L.tensor(C, requires_grad=True)
    y = x.clone()
    y[..., 1:] = y[..., :-1].clone()
    (y ** 2).sum().backward()
    return [y, x.grad]


def s_write_from_own_view(L):
    x = L.tensor(C, requires_grad=True)
    y = x * 1
    z = y[1:]
    y[0] = z[0] * 2
    (y ** 2).sum().backward()
    return [y, x.grad]


def s_inplace_view_ops(L):
    x = L.tensor(A, requires_grad=True)
    y = x * 2
    y.t_()
    y.unsqueeze_(0)
    y.squeeze_(0)
    y.transpose_(0, 1)
    (y * y).sum().backward()
    return [y, x.grad, list(y.shape), y._version]


def s_unfold_view_write(L):
    x = L.tensor(np.arange(1.0, 8.0), requires_grad=True)
    y = x * 1
    w = y.unfold(0, 3, 2)
    w[1].mul_(2)
    (y * y).sum().backward()
    return [y, x.grad]


SCENARIOS = [v for k, v in sorted(globals().items()) if k.startswith("s_")]


@pytest.mark.parametrize("fn", SCENARIOS, ids=[f.__name__[2:] for f in SCENARIOS])
def test_matches_torch(fn):
    got, want = fn(probtorch), fn(torch)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        if isinstance(w, (bool, int)):
            assert g == w
        else:
            np.testing.assert_allclose(_np(g), _np(w), rtol=1e-6, atol=1e-12)


# ------------------------------------------------------------------------------------------------ errors like torch
def e_saved_tensor_modified(L):
    x = L.tensor(A, requires_grad=True)
    y = x * 1
    z = y * y
    y.add_(1)
    z.sum().backward()


def e_saved_output_modified(L):
    x = L.tensor(A, requires_grad=True)
    y = x.exp()
    y.add_(1)
    y.sum().backward()


def e_self_mul_self(L):
    x = L.tensor(A, requires_grad=True)
    y = x * 2
    y.add_(1)
    y.mul_(y)
    y.sum().backward()


def e_saved_through_view(L):
    x = L.tensor(A, requires_grad=True)
    y = x * 1
    z = y.sin()
    y[0].mul_(2)
    z.sum().backward()


def e_leaf_inplace(L):
    x = L.tensor(A, requires_grad=True)
    x.add_(1)


def e_leaf_view_inplace(L):
    x = L.tensor(A, requires_grad=True)
    x[0].add_(1)


def e_leaf_reshape_inplace(L):
    x = L.tensor(A, requires_grad=True)
    x.view(3, 2).zero_()


def e_leaf_setitem(L):
    x = L.tensor(A, requires_grad=True)
    x[0] = 1.0


def e_int_from_float(L):
    x = L.tensor([1, 2, 3])
    x.add_(1.5)


def e_broadcast_out(L):
    x = L.zeros(3)
    x.add_(L.ones(2, 3))


def e_expanded_write(L):
    x = L.zeros(3).expand(2, 3)
    x.add_(1)


@pytest.mark.parametrize("fn,match", [
    (e_saved_tensor_modified, "modified by an inplace operation"),
    (e_saved_output_modified, "modified by an inplace operation"),
    (e_self_mul_self, "modified by an inplace operation"),
    (e_saved_through_view, "modified by an inplace operation"),
    (e_leaf_inplace, "leaf Variable that requires grad"),
    (e_leaf_view_inplace, "view of a leaf Variable"),
    (e_leaf_reshape_inplace, "view of a leaf Variable"),
    (e_leaf_setitem, "leaf Variable"),
    (e_int_from_float, "can't be cast"),
    (e_broadcast_out, "doesn't match the broadcast shape"),
    (e_expanded_write, "single memory location"),
], ids=lambda v: v.__name__[2:] if callable(v) else "")
def test_errors_match_torch(fn, match):
    with pytest.raises(RuntimeError) as texc:
        fn(torch)
    with pytest.raises(RuntimeError, match=match):
        fn(probtorch)
    assert match in str(texc.value) or match.replace("Variable", "tensor") in str(texc.value)


def test_saved_tensor_message_names_versions():
    x = probtorch.tensor(A, requires_grad=True)
    y = x * 1
    z = y * y
    y.add_(1)
    with pytest.raises(RuntimeError, match=r"\[float64 \[2, 3\]\].*version 1; expected version 0"):
        z.sum().backward()


def test_modification_after_backward_is_fine():
    x = probtorch.tensor(A, requires_grad=True)
    y = x * 1
    z = (y * y).sum()
    z.backward()
    y.add_(1)  # the graph is already freed; nothing checks y any more
    np.testing.assert_allclose(x.grad.numpy(), 2 * A)


def test_inplace_gradcheck_through_views():
    from probtorch.autograd import gradcheck, gradgradcheck
    a = probtorch.tensor(B, requires_grad=True)
    x = probtorch.tensor([1.0, 2.0, 3.0], dtype=probtorch.float64, requires_grad=True)

    def f(a, x):
        b = a * 1
        b.diagonal().mul_(x)
        b[0].add_(x)
        b.t()[2].sub_(x * x)
        return b
    assert gradcheck(f, (a, x))
    assert gradgradcheck(f, (a, x))


# ------------------------------------------------------------------------------------------------ random view chains
from hypothesis import given, strategies as st  # noqa: E402


@st.composite
def view_chains(draw):
    """A base shape and a chain of view operations valid for it (described as data, applied to either library)."""
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)))
    ops = []
    cur = list(shape)
    for _ in range(draw(st.integers(1, 4))):
        kinds = ["select", "slice", "unsqueeze", "permute"]
        if len(cur) >= 2:
            kinds += ["transpose", "diagonal"]
        if 1 in cur:
            kinds.append("squeeze")
        if len(cur) == 0:
            kinds = ["unsqueeze"]
        if len(cur) == 1:
            kinds = [k for k in kinds if k != "select"] or ["unsqueeze"]
        kind = draw(st.sampled_from(kinds))
        if kind == "select":
            d = draw(st.integers(0, len(cur) - 1))
            i = draw(st.integers(-cur[d], cur[d] - 1))
            ops.append(("select", d, i))
            cur.pop(d)
        elif kind == "slice":
            d = draw(st.integers(0, len(cur) - 1))
            a = draw(st.integers(0, cur[d] - 1))
            b = draw(st.integers(a + 1, cur[d]))
            step = draw(st.integers(1, 2))
            ops.append(("slice", d, a, b, step))
            cur[d] = len(range(a, b, step))
        elif kind == "unsqueeze":
            d = draw(st.integers(0, len(cur)))
            ops.append(("unsqueeze", d))
            cur.insert(d, 1)
        elif kind == "permute":
            perm = draw(st.permutations(list(range(len(cur)))))
            ops.append(("permute", tuple(perm)))
            cur = [cur[p] for p in perm]
        elif kind == "transpose":
            i, j = draw(st.lists(st.integers(0, len(cur) - 1), min_size=2, max_size=2, unique=True))
            ops.append(("transpose", i, j))
            cur[i], cur[j] = cur[j], cur[i]
        elif kind == "diagonal":
            off = draw(st.integers(-1, 1))
            ops.append(("diagonal", off))
            n = max(min(cur[0] - max(-off, 0), cur[1] - max(off, 0)), 0)
            cur = cur[2:] + [n]
        else:
            ops.append(("squeeze",))
            cur = [c for c in cur if c != 1]
        if 0 in cur:
            break
    return shape, ops


def _apply_view(t, op):
    kind = op[0]
    if kind == "select":
        return t.select(op[1], op[2])
    if kind == "slice":
        return t[(slice(None),) * op[1] + (slice(op[2], op[3], op[4]),)]
    if kind == "unsqueeze":
        return t.unsqueeze(op[1])
    if kind == "permute":
        return t.permute(*op[1])
    if kind == "transpose":
        return t.transpose(op[1], op[2])
    if kind == "diagonal":
        return t.diagonal(op[1])
    return t.squeeze()


@given(view_chains(), st.sampled_from(["add", "mul", "copy", "zero", "setitem", "div_scalar"]), st.integers(0, 3))
def test_inplace_through_view_chain_matches_torch(chain, how, sibling_len):
    shape, ops = chain
    rng = np.random.default_rng(3)
    base_vals = rng.standard_normal(shape)
    results = []
    w_vals = None
    for L in (probtorch, torch):
        x = L.tensor(base_vals, dtype=L.float64, requires_grad=True)
        y = x * 1.5
        sibling = y
        for op in ops[:sibling_len]:
            sibling = _apply_view(sibling, op)  # made before the write: its grad_fn must follow y's new history
        v = y
        for op in ops:
            v = _apply_view(v, op)
        if w_vals is None:
            w_vals = rng.standard_normal(tuple(v.shape))
        w = L.tensor(w_vals, dtype=L.float64, requires_grad=True)
        if how == "add":
            v.add_(w)
        elif how == "mul":
            v.mul_(w)
        elif how == "copy":
            v.copy_(w)
        elif how == "zero":
            v.zero_()
        elif how == "setitem":
            v[...] = w
        else:
            v.div_(2.0)
        loss = (y * y).sum() + (sibling ** 3).sum() + (v * 2).sum()
        loss.backward()
        results.append((y.detach().numpy().copy(), x.grad.numpy(), None if w.grad is None else w.grad.numpy(),
                        y._version, v._version))
    got, want = results
    np.testing.assert_allclose(got[0], want[0], rtol=1e-12)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-10, atol=1e-12)
    if want[2] is None:
        assert got[2] is None or not np.any(got[2])
    else:
        np.testing.assert_allclose(got[2], want[2], rtol=1e-10, atol=1e-12)
    assert got[3] == want[3] and got[4] == want[4]


# ------------------------------------------------------------------------------------------------ random programs
_OUT_OF_PLACE = {
    "sin": lambda L, a, b: a.sin(),
    "exp": lambda L, a, b: (a * 0.3).exp(),
    "tanh": lambda L, a, b: a.tanh(),
    "mul": lambda L, a, b: a * b,
    "add": lambda L, a, b: a + b,
    "max": lambda L, a, b: L.maximum(a, b + 0.05),
    "cumsum": lambda L, a, b: a.cumsum(0),
    "view": lambda L, a, b: a[1:],
    "flip": lambda L, a, b: a.flip(0),
}
def _fit(L, b, n):
    """`b` cut or tiled to length n."""
    while b.shape[0] < n:
        b = L.cat([b, b])
    return b[:n]


_IN_PLACE = {
    "add_": lambda L, t, b: t.add_(_fit(L, b, t.shape[0])),
    "mul_": lambda L, t, b: t.mul_(_fit(L, b, t.shape[0])),
    "sin_": lambda L, t, b: t.sin_(),
    "exp_": lambda L, t, b: t.exp_(),
    "zero_": lambda L, t, b: t.zero_(),
    "setitem": lambda L, t, b: t.__setitem__(0, b[-1] * 2),
}


@st.composite
def inplace_programs(draw):
    steps, n = [], 2
    for _ in range(draw(st.integers(2, 7))):
        if n > 2 and draw(st.integers(0, 2)) == 0:
            steps.append((draw(st.sampled_from(sorted(_IN_PLACE))), draw(st.integers(2, n - 1)),
                          draw(st.integers(0, n - 1))))
        else:
            steps.append((draw(st.sampled_from(sorted(_OUT_OF_PLACE))), draw(st.integers(0, n - 1)),
                          draw(st.integers(0, n - 1))))
            n += 1
    return steps


def _run_inplace_program(L, steps, data):
    leaves = [L.tensor(d, dtype=L.float64, requires_grad=True) for d in data]
    vals = list(leaves)
    for op, i, j in steps:
        if op in _IN_PLACE:
            _IN_PLACE[op](L, vals[i], vals[j])
        else:
            a, b = vals[i], _fit(L, vals[j], vals[i].shape[0])
            vals.append(_OUT_OF_PLACE[op](L, a, b))
    out = sum((v * (k + 1)).sum() for k, v in enumerate(vals[2:]))
    return [x.numpy() for x in L.autograd.grad(out, leaves, allow_unused=True, materialize_grads=True)]


@given(inplace_programs())
def test_random_inplace_programs_match_torch(steps):
    """Whenever torch can differentiate a program with in-place writes, probtorch gives the same gradients (it
    keeps private copies of some saved values, so it may succeed where torch reports a modified saved tensor)."""
    data = [np.linspace(-1.0, 1.2, 4), np.linspace(0.5, -0.7, 4)]
    try:
        want = _run_inplace_program(torch, steps, data)
    except RuntimeError as e:
        assert "inplace" in str(e) or "in-place" in str(e)
        return
    got = _run_inplace_program(probtorch, steps, data)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("fn", [
    lambda L: L.ones(4) + L.ones(3),
    lambda L: L.ones(2, 4, requires_grad=True) * L.ones(3, 1, 3),
    lambda L: (L.ones(4) * 1).add_(L.ones(3)),
    lambda L: L.where(L.ones(2) > 0, L.ones(3), 0.0),
])
def test_broadcast_errors_match_torch(fn):
    with pytest.raises(RuntimeError) as t:
        fn(torch)
    with pytest.raises(RuntimeError) as p:
        fn(probtorch)
    assert str(p.value) == str(t.value)


def test_row_writes_into_a_buffer_keep_no_copy_of_the_buffer():
    # x[i] = f(v) in a loop records one slice write per row: the graph must hold row-sized pieces, not a copy of
    # the whole buffer per write (which grew memory quadratically)
    import tracemalloc
    n, m = 100, 2000
    v = probtorch.ones(m, dtype=probtorch.float64, requires_grad=True)
    x = probtorch.zeros(n, m, dtype=probtorch.float64)
    tracemalloc.start()
    try:
        for i in range(n):
            x[i] = v * i
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * x.numel() * 8  # a few buffers' worth at most (one copy per write was ~n buffers)
    x.sum().backward()
    np.testing.assert_allclose(v.grad.numpy(), np.full(m, n * (n - 1) / 2))
