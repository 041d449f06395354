"""Tensor factories against torch: tensor/as_tensor/from_numpy (dtype inference, memory sharing), zeros/ones/full/
empty (+ _like), arange/linspace/logspace/eye and friends."""
import math

import numpy as np
import pytest

import probtorch
from probtorch.testing import assert_close
from testing_helpers import assert_same, torch


@pytest.mark.parametrize("data", [
    1, 2.5, True, 1 + 2j, [], [1, 2, 3], [1.0, 2], [True, False], [True, 2], [True, 2.5], [[1, 2], [3, 4]],
    [[1.5], [2.0]], [1, 2j], [[[]]], [[], []], (1, 2), [(1, 2), (3, 4)], -0.0, [math.inf, -math.inf],
    np.float32(1.5), np.int32(3), [np.float64(1.0), 2], np.bool_(True), range(4), [range(2), range(2)],
    [np.array([1.0, 2.0]), np.array([3.0, 4.0])], np.array(3.5), [[1, 2.5], (3, 4)], [np.int32(1), 2.5],
    [True, np.int8(3)], 2 ** 40, [1e40], math.nan,
])
def test_tensor_dtype_inference_matches_torch(data):
    assert_same(probtorch.tensor(data), torch.tensor(data), equal_nan=True, what=repr(data))


@pytest.mark.parametrize("np_dtype", [np.float16, np.float32, np.float64, np.int8, np.int16, np.int32, np.int64,
                                      np.uint8, np.bool_, np.complex64, np.complex128])
def test_tensor_from_ndarray_keeps_dtype_and_copies(np_dtype):
    a = np.arange(6).reshape(2, 3).astype(np_dtype)
    t = probtorch.tensor(a)
    assert_same(t, torch.tensor(a))
    a[0, 0] = 1
    assert t[0, 0].item() == 0  # a copy


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "bool", "uint8", "complex64"])
def test_tensor_with_explicit_dtype_matches_torch(dtype):
    data = [[0, 1.7, -2.2], [3, 0.0, 1]]
    if dtype in ("bool", "uint8"):
        data = [[0, 1, 2], [3, 0, 1]]
    assert_same(probtorch.tensor(data, dtype=getattr(probtorch, dtype)), torch.tensor(data, dtype=getattr(torch, dtype)))


def test_tensor_of_tensors_and_requires_grad():
    parts = [probtorch.tensor(1.5), probtorch.tensor(2.5)]
    t = probtorch.tensor(parts)
    assert t.tolist() == [1.5, 2.5] and t.dtype is probtorch.float32
    r = probtorch.tensor([1.0, 2.0], requires_grad=True)
    assert r.requires_grad and r.is_leaf and r.grad_fn is None
    with pytest.raises(RuntimeError, match="floating point"):
        probtorch.tensor([1, 2], requires_grad=True)
    src = probtorch.tensor([1.0, 2.0])
    copy = probtorch.tensor(src)
    copy[0] = 5.0
    assert src[0].item() == 1.0


def test_tensor_ragged_raises_value_error():
    with pytest.raises(ValueError):
        torch.tensor([[1, 2], [3]])
    with pytest.raises(ValueError):
        probtorch.tensor([[1, 2], [3]])


def test_tensor_bad_element_raises_type_error():
    with pytest.raises(TypeError):
        probtorch.tensor(["a"])
    with pytest.raises(TypeError):
        probtorch.tensor([object()])


def test_as_tensor_shares_memory_when_dtype_matches():
    a = np.array([1.0, 2.0, 3.0])
    t = probtorch.as_tensor(a)
    assert t.dtype is probtorch.float64
    a[0] = 10.0
    assert t[0].item() == 10.0
    t2 = probtorch.as_tensor(a, dtype=probtorch.float32)  # a cast copies
    a[1] = 20.0
    assert t2[1].item() == 2.0
    x = probtorch.tensor([1.0])
    assert probtorch.as_tensor(x) is x
    assert probtorch.as_tensor(x, dtype=probtorch.float64).dtype is probtorch.float64
    assert_same(probtorch.as_tensor([1, 2.5]), torch.as_tensor([1, 2.5]))
    assert_same(probtorch.asarray([1, 2.5]), torch.asarray([1, 2.5]))


def test_from_numpy_shares_memory_both_ways():
    a = np.zeros((2, 3), np.float32)
    t = probtorch.from_numpy(a)
    a[0, 1] = 4.0
    assert t[0, 1].item() == 4.0
    t[1, 2] = 7.0
    assert a[1, 2] == 7.0
    t.add_(1.0)
    assert a[0, 0] == 1.0
    assert t.numpy() is a or np.shares_memory(t.numpy(), a)
    for np_dtype in (np.float64, np.int64, np.int32, np.uint8, np.bool_, np.complex128):
        assert_same(probtorch.from_numpy(np.ones(3, np_dtype)), torch.from_numpy(np.ones(3, np_dtype)))


def test_from_numpy_rejects_non_arrays_and_negative_strides():
    with pytest.raises(TypeError, match="expected np.ndarray"):
        probtorch.from_numpy([1, 2])
    a = np.arange(4.0)[::-1]
    with pytest.raises(ValueError):
        torch.from_numpy(a)
    with pytest.raises(ValueError, match="negative"):
        probtorch.from_numpy(a)


@pytest.mark.parametrize("fn", ["zeros", "ones", "empty"])
@pytest.mark.parametrize("size", [(2, 3), ((2, 3),), ([4],), (0,), ((),), (1, 0, 2)])
def test_basic_factories_shape_and_dtype(fn, size):
    p, t = getattr(probtorch, fn)(*size), getattr(torch, fn)(*size)
    assert tuple(p.shape) == tuple(t.shape) and p.dtype is probtorch.float32
    if fn != "empty":
        assert_same(p, t)
    for dt in ("int64", "bool", "float64", "complex64"):
        p = getattr(probtorch, fn)(*size, dtype=getattr(probtorch, dt))
        assert p.dtype is getattr(probtorch, dt) and tuple(p.shape) == tuple(t.shape)


def test_factories_accept_size_objects_and_requires_grad():
    x = probtorch.zeros(probtorch.Size([2, 3]), requires_grad=True)
    assert x.shape == (2, 3) and x.requires_grad and x.is_leaf
    with pytest.raises(RuntimeError, match="negative dimension"):
        probtorch.zeros(2, -1)


@pytest.mark.parametrize("fill", [1, 2.5, True, 1 + 1j, -3, np.float64(0.5)])
def test_full_dtype_inference_matches_torch(fill):
    assert_same(probtorch.full((2, 2), fill), torch.full((2, 2), fill))
    assert_same(probtorch.full([3], 2.7, dtype=probtorch.int64), torch.full([3], 2.7, dtype=torch.int64))
    if isinstance(fill, complex):
        with pytest.raises(RuntimeError):
            torch.full([3], fill, dtype=torch.float64)
        with pytest.raises(RuntimeError, match="cannot be converted"):
            probtorch.full([3], fill, dtype=probtorch.float64)
    else:
        assert_same(probtorch.full([3], fill, dtype=probtorch.float64), torch.full([3], fill, dtype=torch.float64))


def test_full_with_tensor_fill_value():
    assert_same(probtorch.full((2,), probtorch.tensor(3)), torch.full((2,), torch.tensor(3)))


@pytest.mark.parametrize("fn", ["zeros_like", "ones_like", "empty_like", "rand_like", "randn_like"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_like_factories(fn, dtype):
    base = probtorch.ones(2, 3, dtype=getattr(probtorch, dtype))
    out = getattr(probtorch, fn)(base)
    assert out.shape == (2, 3) and out.dtype is base.dtype and not out.requires_grad
    out = getattr(probtorch, fn)(base, dtype=probtorch.float16)
    assert out.dtype is probtorch.float16
    assert getattr(probtorch, fn)(base, requires_grad=True).requires_grad


def test_full_like_and_like_values():
    base = probtorch.tensor([[1, 2], [3, 4]])
    assert_same(probtorch.full_like(base, 7), torch.full_like(torch.tensor([[1, 2], [3, 4]]), 7))
    assert_same(probtorch.full_like(base, 2.7), torch.full_like(torch.tensor([[1, 2], [3, 4]]), 2.7))
    assert_same(probtorch.zeros_like(base), torch.zeros_like(torch.tensor([[1, 2], [3, 4]])))
    assert_same(probtorch.ones_like(base, dtype=probtorch.float64),
                torch.ones_like(torch.tensor([[1, 2], [3, 4]]), dtype=torch.float64))


@pytest.mark.parametrize("args", [(5,), (2, 7), (1, 2.5, 0.5), (0, 1, 0.1), (-3, 3), (10, 0, -3), (0.5,), (0,),
                                  (3, 3), (1, 10, 4), (0, -1, -0.25), (-2.5, 2.5, 1), (0, 1, 0.3)])
def test_arange_matches_torch(args):
    assert_same(probtorch.arange(*args), torch.arange(*args))


@pytest.mark.parametrize("dtype", ["float64", "int32", "int64", "float32"])
def test_arange_dtype_matches_torch(dtype):
    assert_same(probtorch.arange(0, 5, 2, dtype=getattr(probtorch, dtype)),
                torch.arange(0, 5, 2, dtype=getattr(torch, dtype)))
    assert_same(probtorch.arange(probtorch.tensor(4)), torch.arange(torch.tensor(4)))


def test_arange_errors():
    with pytest.raises(RuntimeError, match="step must be nonzero"):
        probtorch.arange(0, 5, 0)
    with pytest.raises(RuntimeError, match="inconsistent"):
        probtorch.arange(0, 5, -1)


@pytest.mark.parametrize("args", [(0, 1, 5), (-2, 3, 1), (3, -1, 4), (0, 10, 0), (1, 1, 3), (0.5, 2.5, 7)])
def test_linspace_matches_torch(args):
    assert_same(probtorch.linspace(*args), torch.linspace(*args))
    assert_same(probtorch.linspace(*args, dtype=probtorch.float64), torch.linspace(*args, dtype=torch.float64))


def test_linspace_int_dtype_and_errors():
    assert_same(probtorch.linspace(0, 10, 4, dtype=probtorch.int64), torch.linspace(0, 10, 4, dtype=torch.int64))
    with pytest.raises(RuntimeError, match="non-negative"):
        probtorch.linspace(0, 1, -1)


@pytest.mark.parametrize("args, kw", [((0, 2, 5), {}), ((-1, 1, 3), {"base": 2.0}), ((0, 3, 1), {}),
                                      ((1, 0, 4), {"base": math.e})])
def test_logspace_matches_torch(args, kw):
    assert_same(probtorch.logspace(*args, **kw), torch.logspace(*args, **kw), rtol=1e-6, atol=1e-6)
    assert_same(probtorch.logspace(*args, **kw, dtype=probtorch.float64),
                torch.logspace(*args, **kw, dtype=torch.float64))


@pytest.mark.parametrize("args", [(3,), (2, 4), (4, 2), (0,), (1, 1)])
def test_eye_matches_torch(args):
    assert_same(probtorch.eye(*args), torch.eye(*args))
    assert_same(probtorch.eye(*args, dtype=probtorch.int64), torch.eye(*args, dtype=torch.int64))
    assert_same(probtorch.eye(*args, dtype=probtorch.bool), torch.eye(*args, dtype=torch.bool))


def test_scalar_tensor_and_helpers():
    assert_same(probtorch.scalar_tensor(3), torch.scalar_tensor(3))
    assert_same(probtorch.scalar_tensor(True, dtype=probtorch.int64), torch.scalar_tensor(True, dtype=torch.int64))
    assert probtorch.is_tensor(probtorch.ones(1)) and not probtorch.is_tensor(np.ones(1))
    assert probtorch.numel(probtorch.ones(2, 3)) == 6


@pytest.mark.parametrize("args", [(3, 3), (4, 3, 1), (3, 4, -1), (2, 5, 2), (0, 0)])
def test_tril_triu_indices_match_torch(args):
    assert_same(probtorch.tril_indices(*args), torch.tril_indices(*args))
    assert_same(probtorch.triu_indices(*args), torch.triu_indices(*args))


def test_complex_and_polar_match_torch():
    re, im = np.array([1.0, -2.0]), np.array([0.5, 3.0])
    assert_same(probtorch.complex(probtorch.tensor(re), probtorch.tensor(im)),
                torch.complex(torch.tensor(re), torch.tensor(im)))
    r, th = np.array([1.0, 2.0], np.float32), np.array([0.0, 1.0], np.float32)
    assert_same(probtorch.polar(probtorch.tensor(r), probtorch.tensor(th)),
                torch.polar(torch.tensor(r), torch.tensor(th)), rtol=1e-6, atol=1e-6)


def test_range_includes_end():
    with pytest.warns(UserWarning):
        expected = torch.range(0, 2, 0.5)
    assert_close(probtorch.range(0, 2, 0.5), expected)


@pytest.mark.parametrize("fn", [
    lambda m: m.eye(-1), lambda m: m.eye(2, -1), lambda m: m.arange(0, math.inf), lambda m: m.arange(math.nan),
    lambda m: m.zeros((2, "a")), lambda m: m.ones(2.5), lambda m: m.logspace(0, 1, -1),
    lambda m: m.tril_indices(-1, 2), lambda m: m.triu_indices(2, -3), lambda m: m.empty(2, dtype="float"),
    lambda m: m.linspace(0, 1, -2), lambda m: m.arange(0, 3, 0), lambda m: m.full((2,), 1j, dtype=m.float32),
])
def test_factory_argument_errors_match_torch(fn):
    with pytest.raises(Exception) as expected:
        fn(torch)
    with pytest.raises(expected.type):
        fn(probtorch)
