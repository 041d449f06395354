"""Tensor indexing (getitem / setitem) against torch: values, gradients to the indexed tensor and the value."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import probtorch
from probtorch.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")

shapes = st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple)


@st.composite
def index_exprs(draw, shape, advanced=True, unique=False):
    """A torch index expression for `shape`, as a function of the library (so lists/tensors are built for each),
    together with nothing else: ints, stepped slices, None, one Ellipsis, integer lists/tensors, boolean masks."""
    parts = []
    dim = 0
    used_ellipsis = False
    n_dims = len(shape)
    while dim < n_dims:
        kinds = ["int", "int0d", "slice", "none", "full"]
        if not used_ellipsis:
            kinds.append("ellipsis")
        if advanced:
            kinds += ["ilist", "itensor", "mask"]
        kind = draw(st.sampled_from(kinds))
        size = shape[dim]
        if kind in ("int", "int0d"):  # a 0-d integer tensor indexes like an int
            parts.append((kind, draw(st.integers(-size, size - 1))))
            dim += 1
        elif kind == "slice":
            start = draw(st.none() | st.integers(-size - 1, size + 1))
            stop = draw(st.none() | st.integers(-size - 1, size + 1))
            step = draw(st.none() | st.integers(1, 3))
            parts.append(("slice", slice(start, stop, step)))
            dim += 1
        elif kind == "full":
            parts.append(("slice", slice(None)))
            dim += 1
        elif kind == "none":
            parts.append(("none", None))
        elif kind == "ellipsis":
            used_ellipsis = True
            skip = draw(st.integers(0, n_dims - dim))
            parts.append(("ellipsis", Ellipsis))
            dim += skip
            if dim < n_dims:
                # everything after an Ellipsis must index exactly the trailing dims; keep it simple
                rest = [("slice", slice(None))] * (n_dims - dim)
                parts += rest
                dim = n_dims
        elif kind in ("ilist", "itensor"):
            if unique:
                k = draw(st.integers(1, size))
                vals = draw(st.permutations(list(range(size))))[:k]
            else:
                vals = draw(st.lists(st.integers(-size, size - 1), min_size=1, max_size=4))
            parts.append((kind, vals))
            dim += 1
        else:
            parts.append(("mask", draw(st.lists(st.booleans(), min_size=size, max_size=size))))
            dim += 1
    if draw(st.booleans()) and not used_ellipsis:
        parts = parts[:draw(st.integers(0, len(parts)))]  # trailing dims may be left out
    # torch broadcasts the integer-tensor indices together: give them one common length
    lens = {len(v) for k, v in parts if k in ("ilist", "itensor")}
    lens |= {int(np.sum(v)) for k, v in parts if k == "mask"}
    if len(lens) > 1:
        n = min(lens)
        fixed = []
        for k, v in parts:
            if k in ("ilist", "itensor") and len(v) != n:
                v = v[:n] if n else v[:1]
            if k == "mask" and int(np.sum(v)) != n:
                k, v = "full", slice(None)
                k = "slice"
            fixed.append((k, v))
        parts = fixed
        lens = {len(v) for k, v in parts if k in ("ilist", "itensor")} | \
            {int(np.sum(v)) for k, v in parts if k == "mask"}
        if len(lens) > 1:
            parts = [(k, v) if k not in ("ilist", "itensor") else ("slice", slice(None)) for k, v in parts]
    return parts


def build(lib, parts):
    res = []
    for kind, v in parts:
        if kind == "itensor":
            res.append(lib.tensor(v, dtype=lib.int64))
        elif kind == "int0d":
            res.append(lib.tensor(v))
        elif kind == "mask":
            res.append(lib.tensor(v, dtype=lib.bool))
        else:
            res.append(v)
    return tuple(res)


def _pair(shape, rng):
    a = rng.standard_normal(shape)
    return (probtorch.tensor(a, dtype=probtorch.float64, requires_grad=True),
            torch.tensor(a, dtype=torch.float64, requires_grad=True))


@given(st.data())
def test_getitem_matches_torch(data):
    shape = data.draw(shapes)
    parts = data.draw(index_exprs(shape))
    rng = np.random.default_rng(0)
    px, tx = _pair(shape, rng)
    try:
        tr = tx[build(torch, parts)]
    except (IndexError, RuntimeError, ValueError) as e:
        with pytest.raises(type(e)):
            px[build(probtorch, parts)]
        return
    pr = px[build(probtorch, parts)]
    assert tuple(pr.shape) == tuple(tr.shape)
    np.testing.assert_array_equal(pr.detach().numpy(), tr.detach().numpy())
    w = rng.standard_normal(tuple(tr.shape))
    (pr * probtorch.tensor(w)).sum().backward()
    (tr * torch.tensor(w)).sum().backward()
    # duplicated indices accumulate in backward
    np.testing.assert_allclose(px.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-12)


@given(st.data())
def test_getitem_basic_is_view(data):
    shape = data.draw(shapes)
    parts = data.draw(index_exprs(shape, advanced=False))
    x = probtorch.zeros(shape)
    r = x[build(probtorch, parts)]
    t = torch.zeros(shape)[build(torch, parts)]
    assert tuple(r.shape) == tuple(t.shape)
    if r.numel() and r.ndim:
        assert r._is_view and np.shares_memory(r.numpy(), x.numpy())


@given(st.data())
def test_setitem_matches_torch(data):
    shape = data.draw(shapes)
    parts = data.draw(index_exprs(shape, unique=True))
    rng = np.random.default_rng(1)
    a = rng.standard_normal(shape)
    region = torch.zeros(shape)[build(torch, parts)].shape
    kind = data.draw(st.sampled_from(["scalar", "full", "trailing"]))
    if kind == "scalar":
        v = 0.5
    elif kind == "full":
        v = rng.standard_normal(tuple(region))
    else:
        v = rng.standard_normal(tuple(region)[1:] if len(region) else ())
    res = []
    for lib in (probtorch, torch):
        x = lib.tensor(a, dtype=lib.float64, requires_grad=True)
        vt = v if kind == "scalar" else lib.tensor(v, dtype=lib.float64, requires_grad=True)
        y = x * 2  # a non-leaf, so in-place writes are allowed
        y[build(lib, parts)] = vt
        (y * y).sum().backward()
        res.append((y.detach().numpy(), x.grad.numpy(), None if kind == "scalar" else vt.grad.numpy(), y._version))
    for p, t in zip(res[0], res[1]):
        if t is None:
            continue
        np.testing.assert_allclose(p, t, rtol=1e-12, atol=1e-12)


def test_index_errors_are_index_errors():
    x = probtorch.zeros(2, 3)
    for idx in (2, -3, (0, 3), (slice(None), [0, 3]), (probtorch.tensor([2]),), (0, 0, 0)):
        with pytest.raises(IndexError):
            x[idx]
        with pytest.raises(IndexError):
            x[idx] = 1.0
    with pytest.raises(IndexError, match="out of bounds"):
        x[5]
    with pytest.raises(IndexError, match="too many indices"):
        x[0, 0, 0]
    with pytest.raises(IndexError):
        x[probtorch.tensor([0.5])]
    with pytest.raises(IndexError, match="mask"):
        x[probtorch.tensor([True, False, True])]


def test_setitem_shape_mismatch_is_runtime_error():
    x = probtorch.zeros(3, 4)
    with pytest.raises(RuntimeError, match=r"\[2, 4\]"):
        x[:] = probtorch.ones(2, 4)


def test_setitem_bumps_version_and_casts():
    x = probtorch.zeros(3, dtype=probtorch.int64)
    v0 = x._version
    x[1] = 2.7  # cast to the tensor's dtype, like torch
    assert x._version == v0 + 1 and x.tolist() == [0, 2, 0]
    x[probtorch.tensor([True, False, True])] = probtorch.tensor(5)
    assert x.tolist() == [5, 2, 5]


def test_setitem_on_leaf_requiring_grad_raises():
    x = probtorch.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        x[0] = 1.0
    with probtorch.no_grad():
        x[0] = 1.0
    assert x.tolist() == [1.0, 0.0, 0.0] and x.requires_grad


def test_index_grad_duplicates_accumulate():
    x = probtorch.arange(4.0, requires_grad=True)
    x[[0, 0, 2, 0]].sum().backward()
    assert x.grad.tolist() == [3.0, 0.0, 1.0, 0.0]


@pytest.mark.parametrize("idx", [(slice(None), [0, 2, 2]), ([1, 0], slice(1, None)),
                                 (probtorch.tensor([[True, False, True], [False, True, True]]),),
                                 (1, None, slice(None, None, 2))],
                         ids=["list", "list_slice", "mask", "basic"])
def test_index_gradcheck(idx):
    x = probtorch.randn(2, 3, dtype=probtorch.float64, requires_grad=True)
    assert gradcheck(lambda t: t[idx], (x,))
    assert gradgradcheck(lambda t: t[idx], (x,))


def test_setitem_gradcheck():
    x = probtorch.randn(3, 4, dtype=probtorch.float64, requires_grad=True)
    v = probtorch.randn(4, dtype=probtorch.float64, requires_grad=True)

    def f(x, v):
        y = x * 1
        y[[0, 2]] = v
        y[:, 1] = v[:3] * 2
        return y
    assert gradcheck(f, (x, v))
    assert gradgradcheck(f, (x, v))
