"""The numba kernels against slow, obviously correct numpy twins; the lazy import; the fallbacks."""
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from probtorch._kernels import _jit
from probtorch._kernels import index as K
from probtorch._kernels import index_add_at

pytest.importorskip("numba")


def add_at_3d_reference(out, lin, src):
    """The twin of K.add_at_3d: one element at a time."""
    P, N, R = src.shape
    for p in range(P):
        for n in range(N):
            for r in range(R):
                out[p, lin[n], r] += src[p, n, r]


@pytest.fixture
def always_kernel(monkeypatch):
    """Send even tiny inputs through the compiled path."""
    monkeypatch.setattr(K, "_MIN_KERNEL_SIZE", 0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64, np.complex128])
def test_add_at_3d_matches_reference(dtype):
    rng = np.random.default_rng(0)
    lin = rng.integers(0, 4, 9)  # repeated positions
    src = (rng.standard_normal((2, 9, 3)) * 10).astype(dtype)
    got = np.zeros((2, 4, 3), dtype)
    ref = np.zeros((2, 4, 3), dtype)
    K.add_at_3d(got, lin, src)
    add_at_3d_reference(ref, lin, src)
    np.testing.assert_array_equal(got, ref)
    assert K.add_at_3d.py is not None  # the undecorated function stays reachable


def test_add_at_3d_keeps_inf_and_nan():
    out = np.zeros((1, 2, 1))
    K.add_at_3d(out, np.array([0, 0, 1]), np.array([np.inf, 1.0, np.nan]).reshape(1, 3, 1))
    assert out[0, 0, 0] == np.inf and np.isnan(out[0, 1, 0])


def _cases():
    rng = np.random.default_rng(1)
    i = rng.integers(-4, 4, 7)
    j = rng.integers(0, 3, 7)
    g = np.ogrid[0:5, 0:3]
    return [
        ("rows", (4, 3), (i,), (7, 3)),
        ("rows_2d_index", (4, 3), (i.reshape(7, 1),), (7, 1, 3)),
        ("cols", (3, 4), (slice(None), i), (3, 7)),
        ("middle", (2, 4, 3), (slice(None), i), (2, 7, 3)),
        ("pair", (4, 3), (i, j), (7,)),
        ("pair_broadcast_src", (4, 3), (i, j), ()),
        ("pair_with_int", (2, 4, 3), (slice(None), i, 1), (2, 7)),
        ("scatter_along", (4, 3), (rng.integers(0, 4, (5, 3)), g[1]), (5, 3)),
        ("bool_mask", (4, 3), (np.array([True, False, True, True]),), (3, 3)),
        ("trailing_slice", (4, 3, 2), (i, slice(None)), (7, 3, 2)),
        # forms the kernel does not cover: np.add.at handles them
        ("ellipsis", (2, 4), (Ellipsis, i), (2, 7)),
        ("step_slice", (4, 4), (slice(None, None, 2), i), (2, 7)),
        ("split_arrays", (4, 3, 4), (i, slice(None), i), (7, 3)),
        ("newaxis", (4, 3), (None, i), (1, 7, 3)),
    ]


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
@pytest.mark.parametrize("name,shape,idx,src_shape", _cases(), ids=[c[0] for c in _cases()])
def test_index_add_at_matches_np_add_at(always_kernel, name, shape, idx, src_shape, dtype):
    rng = np.random.default_rng(2)
    src = (rng.standard_normal(src_shape) * 10).astype(dtype)
    got = np.zeros(shape, dtype)
    ref = np.zeros(shape, dtype)
    index_add_at(got, idx, src)
    np.add.at(ref, idx, src)
    np.testing.assert_allclose(got, ref, rtol=1e-6 if dtype == np.float32 else 1e-14)


def test_index_add_at_non_contiguous_out(always_kernel):
    i = np.array([0, 2, 2, 1])
    src = np.arange(12.0).reshape(4, 3)
    got = np.zeros((3, 4)).T  # Fortran order
    ref = np.zeros((4, 3))
    index_add_at(got, (i,), src)
    np.add.at(ref, (i,), src)
    np.testing.assert_array_equal(got, ref)


def test_index_add_at_out_of_bounds(always_kernel):
    with pytest.raises(IndexError, match="out of bounds"):
        index_add_at(np.zeros((3, 2)), (np.array([0, 3]),), np.ones((2, 2)))
    with pytest.raises(IndexError, match="out of bounds"):
        index_add_at(np.zeros((3, 2)), (np.array([0, -4]),), np.ones((2, 2)))


@settings(max_examples=25)
@given(st.integers(1, 5), st.integers(1, 4), st.integers(0, 12), st.integers(0, 2 ** 31 - 1))
def test_index_add_at_random(n, m, k, seed):
    K_min = K._MIN_KERNEL_SIZE
    K._MIN_KERNEL_SIZE = 0
    try:
        rng = np.random.default_rng(seed)
        idx = rng.integers(-n, n, k)
        src = rng.standard_normal((2, k, m))
        got, ref = np.zeros((2, n, m)), np.zeros((2, n, m))
        index_add_at(got, (slice(None), idx), src)
        np.add.at(ref, (slice(None), idx), src)
        np.testing.assert_allclose(got, ref, rtol=1e-14, atol=1e-14)
    finally:
        K._MIN_KERNEL_SIZE = K_min


def test_disabled_numba_falls_back(monkeypatch):
    monkeypatch.setenv("PROBTORCH_DISABLE_NUMBA", "1")
    assert not _jit.available()
    calls = []
    monkeypatch.setattr(K, "add_at_3d", lambda *a: calls.append(a))
    out = np.zeros((4, 3))
    index_add_at(out, (np.array([1, 1]),), np.ones((2, 3)))
    assert not calls
    np.testing.assert_array_equal(out[1], [2, 2, 2])


def test_large_input_uses_kernel(monkeypatch):
    calls = []
    real = K.add_at_3d
    monkeypatch.setattr(K, "add_at_3d", lambda *a: (calls.append(1), real(*a)))
    i = np.random.default_rng(3).integers(0, 10, 1000)
    out, ref = np.zeros((10, 8)), np.zeros((10, 8))
    src = np.ones((1000, 8))
    index_add_at(out, (i,), src)
    np.add.at(ref, (i,), src)
    assert calls
    np.testing.assert_array_equal(out, ref)


def test_scatter_primitives_through_kernel():
    torch = pytest.importorskip("torch")
    import probtorch
    rng = np.random.default_rng(4)
    x = rng.standard_normal((50, 8))
    i = rng.integers(0, 50, 600)
    src = rng.standard_normal((600, 8))
    got = probtorch.index_add(probtorch.tensor(x), 0, probtorch.tensor(i), probtorch.tensor(src))
    ref = torch.index_add(torch.tensor(x), 0, torch.tensor(i), torch.tensor(src))
    np.testing.assert_allclose(got.numpy(), ref.numpy(), rtol=1e-12)
    # the gradient of advanced indexing with repeated indices accumulates
    p = probtorch.tensor(x, requires_grad=True)
    t = torch.tensor(x, requires_grad=True)
    (gp,) = probtorch.autograd.grad(p[i].sum(), p)
    (gt,) = torch.autograd.grad(t[torch.tensor(i)].sum(), t)
    np.testing.assert_array_equal(gp.numpy(), gt.numpy())


def test_import_probtorch_does_not_import_numba():
    code = "import probtorch, sys; assert 'numba' not in sys.modules, 'numba imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def cum_extreme_index_reference(d, is_max):
    """The twin of scan.cum_extreme_index_2d, one element at a time in Python."""
    out = np.zeros(d.shape, np.int64)
    for i in range(d.shape[0]):
        best, cur = None, 0
        for k in range(d.shape[1]):
            x = d[i, k]
            if k == 0 or x != x or x == best or (x > best if is_max else x < best):
                best, cur = x, k
            out[i, k] = cur
    return out


@pytest.mark.parametrize("is_max", [True, False])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64, np.uint8])
def test_cum_extreme_index_matches_reference(is_max, dtype):
    from probtorch._kernels import scan
    rng = np.random.default_rng(6)
    d = rng.integers(0, 4, (5, 9)).astype(dtype)  # many ties
    if d.dtype.kind == "f":
        d[1, 3] = np.nan
        d[2, 0] = np.nan
        d[2, 5] = np.nan
        d[3, 4] = np.inf
        d[4, 2] = -np.inf
    got = scan.cum_extreme_index(d, is_max)
    np.testing.assert_array_equal(got, cum_extreme_index_reference(d, is_max))


def test_cum_extreme_index_shapes_and_fallback(monkeypatch):
    from probtorch._kernels import scan
    assert scan.cum_extreme_index(np.zeros((2, 0)), True).shape == (2, 0)
    assert scan.cum_extreme_index(np.zeros(()), True) is None
    assert scan.cum_extreme_index(np.zeros(3, bool), True) is None
    d = np.random.default_rng(7).standard_normal((2, 3, 4))
    got = scan.cum_extreme_index(d, True)
    np.testing.assert_array_equal(got.reshape(6, 4), cum_extreme_index_reference(d.reshape(6, 4), True))
    monkeypatch.setenv("PROBTORCH_DISABLE_NUMBA", "1")
    assert scan.cum_extreme_index(d, True) is None


@pytest.mark.parametrize("disable", ["0", "1"])
def test_cummax_cummin_against_torch_with_and_without_kernel(monkeypatch, disable):
    torch = pytest.importorskip("torch")
    import probtorch
    monkeypatch.setenv("PROBTORCH_DISABLE_NUMBA", disable)
    x = np.round(np.random.default_rng(8).standard_normal((3, 40)), 1)
    x[1, 7] = np.nan
    for name, dim in (("cummax", 1), ("cummin", 0), ("cummin", -1)):
        v, i = getattr(probtorch, name)(probtorch.tensor(x), dim)
        vt, it = getattr(torch, name)(torch.tensor(x), dim)
        np.testing.assert_array_equal(i.numpy(), it.numpy())
        np.testing.assert_array_equal(v.numpy(), vt.numpy())


def trsm_reference(A, B, lower, unit):
    """The twin of triangular.trsm_batched: substitution one matrix at a time, with numpy row operations."""
    out = np.zeros(B.shape, np.result_type(A, B))
    n = A.shape[-1]
    for b in range(A.shape[0]):
        order = range(n) if lower else range(n - 1, -1, -1)
        for i in order:
            cols = slice(0, i) if lower else slice(i + 1, n)
            s = B[b, i] - A[b, i, cols] @ out[b, cols]
            out[b, i] = s if unit else s / A[b, i, i]
    return out


@pytest.mark.parametrize("lower", [True, False])
@pytest.mark.parametrize("unit", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_trsm_batched_matches_reference(lower, unit, dtype):
    from probtorch._kernels import triangular
    rng = np.random.default_rng(10)
    A = (rng.standard_normal((6, 5, 5)) + 4 * np.eye(5)).astype(dtype)  # the other triangle is garbage, not read
    B = rng.standard_normal((6, 5, 3)).astype(dtype)
    got = triangular.solve_triangular_batched(A, B, not lower, unit)
    np.testing.assert_allclose(got, trsm_reference(A, B, lower, unit), rtol=1e-5 if dtype == np.float32 else 1e-13)


def test_trsm_batched_zero_pivot_gives_inf():
    from probtorch._kernels import triangular
    A = np.stack([np.eye(2), np.array([[0.0, 0.0], [1.0, 1.0]])])
    with np.errstate(divide="ignore", invalid="ignore"):
        got = triangular.solve_triangular_batched(A, np.ones((2, 2, 1)), False, False)
    np.testing.assert_array_equal(got[0], np.ones((2, 1)))
    assert np.isinf(got[1, 0, 0]) and not np.isfinite(got[1, 1, 0])


@pytest.mark.parametrize("disable", ["0", "1"])
def test_many_small_triangular_solves_against_torch(monkeypatch, disable):
    torch = pytest.importorskip("torch")
    import probtorch
    monkeypatch.setenv("PROBTORCH_DISABLE_NUMBA", disable)
    rng = np.random.default_rng(11)
    A = rng.standard_normal((30, 4, 4)) + 4 * np.eye(4)
    B = rng.standard_normal((30, 4, 2))
    for upper in (False, True):
        got = probtorch.linalg.solve_triangular(probtorch.tensor(A), probtorch.tensor(B), upper=upper).numpy()
        ref = torch.linalg.solve_triangular(torch.tensor(A), torch.tensor(B), upper=upper).numpy()
        np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-14)


def test_index_add_at_casting_like_np_add_at(always_kernel):
    # np.add.at casts each added element to out's dtype (float into int truncates); so does the kernel path
    idx = (np.array([0, 1, 1]),)
    src = np.full((3, 3), 1.7)
    for dtype in (np.int64, np.float32):
        got, ref = np.zeros((4, 3), dtype), np.zeros((4, 3), dtype)
        index_add_at(got, idx, src)
        np.add.at(ref, idx, src)
        np.testing.assert_array_equal(got, ref)
