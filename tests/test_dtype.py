"""dtypes and type promotion against torch: promote_types, result_type over tensors / 0-dim tensors / Python
scalars (hypothesis), what ops actually return, can_cast, finfo/iinfo, and the default dtype."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import probtorch

torch = pytest.importorskip("torch")

NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64", "complex64",
         "complex128"]


def pt_dt(name):
    return getattr(probtorch, name)


def th_dt(name):
    return getattr(torch, name)


def th_name(d):
    return str(d).replace("torch.", "")


@pytest.mark.parametrize("a", NAMES)
@pytest.mark.parametrize("b", NAMES)
def test_promote_types_matches_torch(a, b):
    assert probtorch.promote_types(pt_dt(a), pt_dt(b)).name == th_name(torch.promote_types(th_dt(a), th_dt(b)))


@pytest.mark.parametrize("a", NAMES)
@pytest.mark.parametrize("b", NAMES)
def test_can_cast_matches_torch(a, b):
    assert probtorch.can_cast(pt_dt(a), pt_dt(b)) == torch.can_cast(th_dt(a), th_dt(b))


# An operand: ("t", dtype, ndim) for a tensor (ndim 0 or 1) or ("s", python value) for a scalar.
_operand = st.one_of(
    st.tuples(st.just("t"), st.sampled_from(NAMES), st.sampled_from([0, 1])),
    st.tuples(st.just("s"), st.sampled_from([True, 3, -2, 2.5, 1 + 2j, 300, -200])),
)


def _build(op, lib):
    if op[0] == "s":
        return op[1]
    _, name, ndim = op
    shape = (2,) if ndim else ()
    if lib is torch:
        return torch.ones(shape, dtype=th_dt(name))
    return probtorch.ones(shape, dtype=pt_dt(name))


def _check_result_type(ops):
    # torch.result_type takes exactly two operands, at least one a tensor; fold longer lists the same way
    # probtorch does in one call and compare with torch's pairwise answer on the same categories.
    pt_args = [_build(o, probtorch) for o in ops]
    th_args = [_build(o, torch) for o in ops]
    if not any(o[0] == "t" for o in ops):
        return
    if any(o[0] == "t" and o[1] == "float16" for o in ops) and any(o[0] == "s" and isinstance(o[1], complex)
                                                                 for o in ops):
        return  # torch answers complex32, a dtype probtorch does not have
    expected = th_name(torch.result_type(*th_args))
    assert probtorch.result_type(*pt_args).name == expected, ops


@settings(max_examples=150)
@given(_operand, _operand)
def test_result_type_two_operands_matches_torch(a, b):
    _check_result_type([a, b])


@settings(max_examples=60)
@given(_operand, _operand, st.sampled_from(["float32", "float64"]))
def test_result_type_under_default_dtype(a, b, default):
    probtorch.set_default_dtype(pt_dt(default))
    old = torch.get_default_dtype()
    torch.set_default_dtype(th_dt(default))
    try:
        _check_result_type([a, b])
    finally:
        torch.set_default_dtype(old)
        probtorch.set_default_dtype(probtorch.float32)


@settings(max_examples=80)
@given(_operand, _operand)
def test_add_and_mul_result_dtype_matches_torch(a, b):
    """What binary ops actually return (not just result_type): the promotion reaches the kernels."""
    if not (a[0] == "t" or b[0] == "t"):
        return
    if "float16" in (a[1], b[1]) and (isinstance(a[1], complex) or isinstance(b[1], complex)):
        return  # complex32 in torch
    pa, pb = _build(a, probtorch), _build(b, probtorch)
    ta, tb = _build(a, torch), _build(b, torch)
    for name in ("add", "mul"):
        try:
            expected = getattr(torch, name)(ta, tb)
        except (RuntimeError, TypeError):
            continue
        got = getattr(probtorch, name)(pa, pb) if isinstance(pa, probtorch.Tensor) else getattr(probtorch, name)(
            pb, pa)
        assert got.dtype.name == th_name(expected.dtype), (name, a, b)
        assert tuple(got.shape) == tuple(expected.shape)
        np.testing.assert_array_equal(got.numpy(), expected.numpy())  # integer overflow wraps as in torch


@pytest.mark.parametrize("case, expected", [
    ((("t", "int64", 1), ("s", 2.5)), "float32"),  # int tensor + float scalar -> default float
    ((("t", "float32", 1), ("t", "float64", 0)), "float32"),  # 0-dim does not upcast same category
    ((("t", "int32", 1), ("t", "int64", 0)), "int32"),
    ((("t", "int32", 1), ("t", "float64", 0)), "float64"),  # a 0-dim of a higher category counts
    ((("t", "float16", 1), ("s", 2.5)), "float16"),
    ((("t", "bool", 1), ("s", 3)), "int64"),
    ((("t", "uint8", 1), ("s", -2)), "uint8"),
    ((("t", "float32", 1), ("s", 1 + 2j)), "complex64"),
    ((("t", "float64", 1), ("s", 1 + 2j)), "complex128"),
    ((("t", "int64", 0), ("s", 2.5)), "float32"),
    ((("t", "bool", 0), ("t", "uint8", 0)), "uint8"),
])
def test_result_type_known_cases(case, expected):
    assert probtorch.result_type(*[_build(o, probtorch) for o in case]).name == expected
    assert th_name(torch.result_type(*[_build(o, torch) for o in case])) == expected


def test_set_default_dtype_effects():
    probtorch.set_default_dtype(probtorch.float64)
    assert probtorch.get_default_dtype() is probtorch.float64
    assert probtorch.tensor(1.5).dtype is probtorch.float64
    assert probtorch.tensor([1, 2]).dtype is probtorch.int64
    assert probtorch.tensor(1j).dtype is probtorch.complex128
    assert probtorch.zeros(2).dtype is probtorch.float64
    assert probtorch.arange(0.0, 1.0, 0.5).dtype is probtorch.float64
    assert probtorch.linspace(0, 1, 3).dtype is probtorch.float64
    assert probtorch.rand(2).dtype is probtorch.float64
    assert (probtorch.tensor([1, 2]) * 0.5).dtype is probtorch.float64
    assert (probtorch.tensor([1, 2]) / 2).dtype is probtorch.float64
    assert (probtorch.ones(2, dtype=probtorch.float32) + 2.5).dtype is probtorch.float32
    assert probtorch.tensor([1, 2]).sqrt().dtype is probtorch.float64
    probtorch.set_default_dtype(probtorch.float32)
    assert probtorch.tensor(1.5).dtype is probtorch.float32
    assert probtorch.tensor(1j).dtype is probtorch.complex64
    assert (probtorch.tensor([1, 2]) / 2).dtype is probtorch.float32


@pytest.mark.parametrize("bad", [probtorch.int64, probtorch.bool, probtorch.complex64, "float32", None])
def test_set_default_dtype_rejects_non_float(bad):
    with pytest.raises(TypeError):
        probtorch.set_default_dtype(bad)
    assert probtorch.get_default_dtype() is probtorch.float32


@pytest.mark.parametrize("name", ["float16", "float32", "float64"])
def test_finfo_matches_torch(name):
    a, b = probtorch.finfo(pt_dt(name)), torch.finfo(th_dt(name))
    for attr in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution"):
        assert getattr(a, attr) == getattr(b, attr), attr
    assert a.dtype == b.dtype


def test_finfo_default_is_default_dtype():
    assert probtorch.finfo().eps == torch.finfo(torch.float32).eps
    probtorch.set_default_dtype(probtorch.float64)
    assert probtorch.finfo().eps == torch.finfo(torch.float64).eps


@pytest.mark.parametrize("name", ["uint8", "int8", "int16", "int32", "int64"])
def test_iinfo_matches_torch(name):
    a, b = probtorch.iinfo(pt_dt(name)), torch.iinfo(th_dt(name))
    assert (a.bits, a.min, a.max, a.dtype) == (b.bits, b.min, b.max, b.dtype)


def test_dtype_properties_and_aliases():
    assert probtorch.float is probtorch.float32 and probtorch.double is probtorch.float64
    assert probtorch.long is probtorch.int64 and probtorch.int is probtorch.int32 and probtorch.half is probtorch.float16
    assert probtorch.cfloat is probtorch.complex64 and probtorch.cdouble is probtorch.complex128
    for name in NAMES:
        a, b = pt_dt(name), th_dt(name)
        assert a.is_floating_point == b.is_floating_point, name
        assert a.is_complex == b.is_complex, name
        assert a.is_signed == b.is_signed, name
        assert a.itemsize == b.itemsize, name
    assert repr(probtorch.float32) == "probtorch.float32"
    assert probtorch.complex64.to_real() is probtorch.float32
    assert probtorch.float64.to_complex() is probtorch.complex128


def test_dtype_pickles_to_the_same_object():
    import pickle
    for name in NAMES:
        assert pickle.loads(pickle.dumps(pt_dt(name))) is pt_dt(name)


def test_tensor_dtype_roundtrip_through_to():
    x = probtorch.tensor([1.7, -2.2])
    for name in NAMES:
        y = x.to(pt_dt(name))
        t = torch.tensor([1.7, -2.2]).to(th_dt(name))
        assert y.dtype is pt_dt(name)
        np.testing.assert_array_equal(y.numpy(), t.numpy())


def test_unsupported_numpy_dtype_raises():
    with pytest.raises(TypeError, match="can't convert"):
        probtorch.from_numpy(np.array(["a"]))
