"""probtorch.gradient: torch's documented examples, numpy.gradient and torch.gradient on random inputs, errors,
and derivatives of the result."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import probtorch
from probtorch.autograd import gradcheck, gradgradcheck
from probtorch.testing import assert_close

torch = pytest.importorskip("torch")


def _np(t):
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


def _same(ours, theirs, rtol=1e-6, atol=1e-6):
    assert isinstance(ours, tuple) and len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
        np.testing.assert_allclose(_np(a), _np(b), rtol=rtol, atol=atol)


def _both(data, **kw):
    """Run the same call on probtorch and torch; tensors inside `spacing` are converted too."""
    def conv(lib, sp):
        if isinstance(sp, (list, tuple)):
            return type(sp)(lib.tensor(s) if isinstance(s, np.ndarray) else s for s in sp)
        return sp
    kw_pt = dict(kw, **({"spacing": conv(probtorch, kw["spacing"])} if "spacing" in kw else {}))
    kw_th = dict(kw, **({"spacing": conv(torch, kw["spacing"])} if "spacing" in kw else {}))
    return probtorch.gradient(probtorch.tensor(data), **kw_pt), torch.gradient(torch.tensor(data), **kw_th)


# ------------------------------------------------------------------------------------------------ documented examples
def test_doc_example_uneven_coordinates():
    # x^2 sampled at -2, -1, 1, 4: the estimates at the coordinates are -3, -2, 2, 5
    t = probtorch.tensor([4., 1., 1., 16.])
    (g,) = probtorch.gradient(t, spacing=(probtorch.tensor([-2., -1., 1., 4.]),))
    assert g.tolist() == [-3., -2., 2., 5.]
    _same(*_both(np.array([4., 1., 1., 16.], np.float32), spacing=(np.array([-2., -1., 1., 4.], np.float32),)))


T24 = np.array([[1, 2, 4, 8], [10, 20, 40, 80]])


@pytest.mark.parametrize("kw", [
    {},
    {"spacing": 2.0},
    {"dim": 1},
    {"spacing": [3., 2.]},
    {"spacing": (np.array([0, 2]), np.array([0, 3, 4, 6]))},
    {"spacing": 2, "dim": 1, "edge_order": 2},
    {"spacing": 2.0, "dim": 0, "edge_order": 1},
], ids=["default", "scalar", "dim1", "list", "coords", "edge2"] + ["dim0"])
def test_doc_examples_2x4(kw):
    ours, theirs = _both(T24, **kw)
    _same(ours, theirs)
    assert all(g.dtype is probtorch.float32 for g in ours)  # integer input, float output


def test_doc_examples_values():
    t = probtorch.tensor(T24)
    d0, d1 = probtorch.gradient(t)
    assert d0.tolist() == [[9., 18., 36., 72.]] * 2
    assert d1.tolist() == [[1., 1.5, 3., 4.], [10., 15., 30., 40.]]
    (e,) = probtorch.gradient(t, spacing=2, dim=1, edge_order=2)
    assert e.tolist() == [[0.25, 0.75, 1.5, 2.5], [2.5, 7.5, 15., 25.]]
    d0, d1 = probtorch.gradient(t, spacing=[3., 2.])
    assert d0.tolist() == [[3., 6., 12., 24.]] * 2
    assert d1.tolist() == [[0.5, 0.75, 1.5, 2.], [5., 7.5, 15., 20.]]


# ------------------------------------------------------------------------------------------------ random inputs
@st.composite
def _cases(draw):
    ndim = draw(st.integers(1, 3))
    edge = draw(st.sampled_from([1, 2]))
    shape = tuple(draw(st.integers(edge + 1, 5)) for _ in range(ndim))
    seed = draw(st.integers(0, 2 ** 16))
    rng = np.random.default_rng(seed)
    data = rng.standard_normal(shape)
    if draw(st.booleans()):
        data = data + 1j * rng.standard_normal(shape)
    if draw(st.booleans()):
        dims = draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
        dim = dims[0] if len(dims) == 1 and draw(st.booleans()) else dims
    else:
        dims, dim = list(range(ndim)), None
    kind = draw(st.sampled_from(["default", "scalar", "list", "coords"]))
    if kind == "default":
        spacing = None
    elif kind == "scalar":
        spacing = float(rng.uniform(0.3, 3.0))
    elif kind == "list":
        spacing = [float(rng.uniform(0.3, 3.0)) for _ in dims]
    else:
        spacing = [np.cumsum(rng.uniform(0.2, 2.0, shape[d])) - 1.0 for d in dims]
    return data, dims, dim, spacing, edge


def _np_gradient(data, dims, spacing, edge):
    if spacing is None:
        args = ()
    elif isinstance(spacing, float):
        args = (spacing,) * len(dims)
    else:
        args = tuple(spacing)
    res = np.gradient(data, *args, axis=tuple(dims), edge_order=edge)
    return res if isinstance(res, (list, tuple)) else [res]


@settings(max_examples=40)
@given(_cases())
def test_random_against_numpy_and_torch(case):
    data, dims, dim, spacing, edge = case
    kw = {"edge_order": edge}
    if dim is not None:
        kw["dim"] = dim
    if spacing is not None:
        kw["spacing"] = spacing
    ours, theirs = _both(data, **kw)
    _same(ours, theirs, rtol=1e-10, atol=1e-12)
    for a, b in zip(ours, _np_gradient(data, dims, spacing, edge)):
        np.testing.assert_allclose(a.numpy(), b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "int16", "complex64", "complex128"])
@pytest.mark.parametrize("spacing", [None, 2, 0.5, "coords64", "coords_int"])
def test_dtypes_against_torch(dtype, spacing):
    rng = np.random.default_rng(3)
    data = (rng.standard_normal((3, 4)) * 5)
    if dtype.startswith("complex"):
        data = data + 1j * rng.standard_normal((3, 4))
    data = data.astype(dtype)
    kw = {}
    if spacing == "coords64":
        kw["spacing"] = (np.array([0., 0.5, 2.]), np.array([-1., 0., 1.5, 4.]))
    elif spacing == "coords_int":
        kw["spacing"] = (np.array([0, 1, 3]), np.array([-1, 0, 2, 5]))
    elif spacing is not None:
        kw["spacing"] = spacing
    ours, theirs = _both(data, **kw)
    _same(ours, theirs, rtol=1e-5, atol=1e-5)


def test_float32_input_with_float64_coordinates():
    ours, theirs = _both(np.array([1., 2., 4.], np.float32), spacing=[np.array([0., 1., 3.])])
    _same(ours, theirs)


def test_zero_dim_and_empty_dim_list():
    assert probtorch.gradient(probtorch.tensor(3.)) == ()
    assert probtorch.gradient(probtorch.tensor(T24), dim=[]) == ()
    assert torch.gradient(torch.tensor(3.)) == ()


def test_only_requested_dims_need_edge_order_points():
    ours, theirs = _both(np.zeros((1, 4)), dim=1)
    _same(ours, theirs)


def test_negative_dim_and_dim_order():
    _same(*_both(T24.astype(float), dim=-1))
    _same(*_both(T24.astype(float), dim=(1, 0), spacing=[1., 2.]))


# ------------------------------------------------------------------------------------------------ errors
@pytest.mark.parametrize("kw, exc, match", [
    ({"edge_order": 3}, RuntimeError, "edge_order=1 and edge_order=2"),
    ({"edge_order": 0}, RuntimeError, "edge_order=1 and edge_order=2"),
    ({"spacing": [1., 2., 3.]}, RuntimeError, "length equal to 'self.dim\\(\\) = 2'"),
    ({"spacing": [1.]}, RuntimeError, "got a list of length 1"),
    ({"spacing": [1.], "dim": [0, 1]}, RuntimeError, "spacing argument of length 1 and a dim argument of length 2"),
    ({"spacing": [1., 2.], "dim": 1}, RuntimeError, "spacing argument of length 2 and a dim argument of length 1"),
    ({"dim": [0, 0]}, RuntimeError, "dim 0 appears multiple times"),
    ({"dim": 2}, IndexError, "Dimension out of range"),
    ({"dim": -3}, IndexError, "Dimension out of range"),
])
def test_errors_like_torch(kw, exc, match):
    with pytest.raises(exc, match=match):
        probtorch.gradient(probtorch.tensor(T24), **kw)
    with pytest.raises(exc):
        torch.gradient(torch.tensor(T24), **kw)


@pytest.mark.parametrize("shape, edge", [((1,), 1), ((2,), 2), ((0, 3), 1), ((3, 2), 2)])
def test_dimension_too_small_for_edge_order(shape, edge):
    with pytest.raises(RuntimeError, match="at least edge_order\\+1"):
        probtorch.gradient(probtorch.zeros(shape), edge_order=edge)
    with pytest.raises(RuntimeError, match="at least edge_order\\+1"):
        torch.gradient(torch.zeros(shape), edge_order=edge)


@pytest.mark.parametrize("n", [2, 5])
def test_coordinates_of_wrong_length(n):
    x = np.array([1., 2., 4., 8.])
    with pytest.raises(RuntimeError, match="length 4"):
        probtorch.gradient(probtorch.tensor(x), spacing=[probtorch.arange(float(n))])
    with pytest.raises(RuntimeError):
        torch.gradient(torch.tensor(x), spacing=[torch.arange(float(n))])


def test_coordinates_must_be_one_dimensional():
    x = probtorch.tensor([1., 2., 4.])
    with pytest.raises(RuntimeError, match="one dimension, but got an element with 2 dimensions"):
        probtorch.gradient(x, spacing=[probtorch.tensor([[0., 1., 2.]])])
    with pytest.raises(RuntimeError, match="one dimension, but got an element with 2 dimensions"):
        torch.gradient(torch.tensor([1., 2., 4.]), spacing=[torch.tensor([[0., 1., 2.]])])


def test_spacing_type_errors():
    x = probtorch.tensor([1., 2., 4.])
    with pytest.raises(TypeError):
        probtorch.gradient(x, spacing=[1, probtorch.tensor([0., 1., 2.])])
    with pytest.raises(TypeError):
        probtorch.gradient(x, spacing=probtorch.tensor([0., 1., 2.]))
    with pytest.raises(TypeError):
        probtorch.gradient([1., 2., 3.])
    (g,) = probtorch.gradient(x, spacing=probtorch.tensor(2.))  # a 0-d tensor is a scalar, as in torch
    assert_close(g, probtorch.gradient(x, spacing=2.)[0])


def test_unsupported_dtypes():
    with pytest.raises(RuntimeError, match="uint8"):
        probtorch.gradient(probtorch.tensor([1, 2, 4], dtype=probtorch.uint8))
    with pytest.raises(RuntimeError):
        probtorch.gradient(probtorch.tensor([True, False, True]))


# ------------------------------------------------------------------------------------------------ derivatives
@pytest.mark.parametrize("kw", [{}, {"spacing": 0.7, "edge_order": 2}, {"dim": 1, "spacing": [1.5]}])
def test_gradcheck_uniform(kw):
    rng = np.random.default_rng(1)
    x = probtorch.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    assert gradcheck(lambda t: probtorch.gradient(t, **kw), (x,), check_forward_ad=True)
    assert gradgradcheck(lambda t: probtorch.gradient(t, **kw), (x,))


@pytest.mark.parametrize("edge", [1, 2])
def test_gradcheck_coordinates(edge):
    rng = np.random.default_rng(2)
    x = probtorch.tensor(rng.standard_normal(5), requires_grad=True)
    c = probtorch.tensor(np.cumsum(rng.uniform(0.5, 1.5, 5)), requires_grad=True)
    assert gradcheck(lambda t, s: probtorch.gradient(t, spacing=[s], edge_order=edge), (x, c), check_forward_ad=True)
    assert gradgradcheck(lambda t, s: probtorch.gradient(t, spacing=[s], edge_order=edge), (x, c))


def test_gradient_of_result_matches_torch():
    rng = np.random.default_rng(4)
    data = rng.standard_normal((3, 4))
    w = rng.standard_normal((3, 4))
    x = probtorch.tensor(data, requires_grad=True)
    xt = torch.tensor(data, requires_grad=True)
    (sum(g * probtorch.tensor(w) for g in probtorch.gradient(x, edge_order=2)).sum()).backward()
    (sum(g * torch.tensor(w) for g in torch.gradient(xt, edge_order=2)).sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-12, atol=1e-12)
