"""Tensor repr against torch's: the same text up to the module name in dtype=..."""
import math

import pytest

import probtorch

torch = pytest.importorskip("torch")

CASES = [
    lambda m: m.tensor([0.1748, -0.5485]),
    lambda m: m.tensor([1.0, 2.0], requires_grad=True),
    lambda m: m.tensor([1, -2, 3]),
    lambda m: m.tensor([True, False]),
    lambda m: m.tensor(1.5),
    lambda m: m.tensor(3),
    lambda m: m.tensor(True),
    lambda m: m.tensor([]),
    lambda m: m.zeros(0, 3),
    lambda m: m.zeros(0, 3, dtype=m.int64),
    lambda m: m.tensor([], dtype=m.int32),
    lambda m: m.tensor([], dtype=m.float64),
    lambda m: m.tensor([1e-5, 1.0]),
    lambda m: m.tensor([1.0, 1e10]),
    lambda m: m.tensor([math.nan, 1.5, math.inf]),
    lambda m: m.tensor([math.nan, -math.inf]),
    lambda m: m.tensor([1.0, 2.0], dtype=m.float64),
    lambda m: m.arange(30.0).reshape(3, 10) * 1.5,
    lambda m: m.arange(2000.0),
    lambda m: m.arange(3000).reshape(30, 100),
    lambda m: m.arange(1500.0).reshape(3, 500) / 7,
    lambda m: m.tensor([[1, 2], [3, 4]], dtype=m.int32),
    lambda m: m.tensor([[1, 2], [3, 4]], dtype=m.uint8),
    lambda m: m.tensor(1e-7),
    lambda m: m.tensor(-0.0),
    lambda m: m.arange(24.0).reshape(2, 3, 4),
    lambda m: m.arange(16).reshape(2, 2, 2, 2),
    lambda m: m.tensor([123456.789, 1.0]),
    lambda m: m.tensor([1e8, 1.0]),
    lambda m: m.tensor([0.0, 0.0]),
    lambda m: m.tensor([-1e-5, 0.0]),
    lambda m: m.tensor([[True, False, True]]),
    lambda m: m.tensor([1.5, 2.25], dtype=m.float16),
    lambda m: m.tensor([1 + 2j, 3 - 1j]),
    lambda m: m.tensor([1.5 + 2j, -3 - 1.25j]),
    lambda m: m.tensor([[1 + 1j, 2.5 - 3j], [0j, 1e-5j]]),
    lambda m: m.tensor([1e10 + 1j]),
    lambda m: m.tensor([complex("nan+1j"), 2 + 2j]),
    lambda m: m.arange(40.0) - 20,
    lambda m: m.tensor([[0.5, -100.25], [3.0, 7.125]]),
]


@pytest.mark.parametrize("k", range(len(CASES)))
def test_repr_matches_torch(k):
    fn = CASES[k]
    assert repr(fn(probtorch)) == repr(fn(torch)).replace("torch.", "probtorch.")


def test_repr_float64_default_dtype_matches_torch():
    old = torch.get_default_dtype()
    probtorch.set_default_dtype(probtorch.float64)
    torch.set_default_dtype(torch.float64)
    try:
        for fn in (lambda m: m.tensor([1.5, 2.0]), lambda m: m.tensor([1.5], dtype=m.float32),
                   lambda m: m.tensor([1j]), lambda m: m.zeros(0, 2)):
            assert repr(fn(probtorch)) == repr(fn(torch)).replace("torch.", "probtorch.")
    finally:
        torch.set_default_dtype(old)


@pytest.mark.parametrize("expr, name", [
    (lambda x: x * 2, "MulBackward0"), (lambda x: x + 1, "AddBackward0"), (lambda x: x.exp(), "ExpBackward0"),
    (lambda x: x / 3, "DivBackward0"), (lambda x: x.sum(), "SumBackward0"), (lambda x: x.sin(), "SinBackward0"),
    (lambda x: x.double(), "ToCopyBackward0"), (lambda x: x.pow(2), "PowBackward0"),
])
def test_grad_fn_names_in_repr(expr, name):
    p = expr(probtorch.tensor([1.0, 2.0], requires_grad=True))
    t = expr(torch.tensor([1.0, 2.0], requires_grad=True))
    assert type(t.grad_fn).__name__ == name
    assert p.grad_fn.name() == name
    assert repr(p) == repr(t).replace("torch.", "probtorch.")


@pytest.mark.parametrize("value, spec", [(1.5, ".2f"), (1.5, ""), (3, ">4d"), (True, ""), (2.0 / 3, ".3e")])
def test_format_spec_of_0d_tensor_matches_torch(value, spec):
    assert format(probtorch.tensor(value), spec) == format(torch.tensor(value), spec)


def test_format_spec_of_nd_tensor():
    assert f"{probtorch.tensor([1.0, 2.0])}" == "tensor([1., 2.])"
    with pytest.raises(TypeError):
        torch.tensor([1.5]).__format__(".2f")
    with pytest.raises(TypeError):
        format(probtorch.tensor([1.5]), ".2f")


@pytest.mark.parametrize("opts", [dict(precision=2), dict(threshold=5), dict(edgeitems=1, threshold=4),
                                  dict(linewidth=30), dict(profile="short"), dict(profile="full"),
                                  dict(sci_mode=True), dict(sci_mode=False), dict(precision=6, sci_mode=True)])
def test_set_printoptions_matches_torch(opts):
    cases = [lambda m: m.tensor([0.123456, -2.5, 1e-5]), lambda m: m.arange(12.0).reshape(3, 4) / 3,
             lambda m: m.arange(20), lambda m: m.tensor([1.0, 2.0]), lambda m: m.arange(2000.0)]
    try:
        probtorch.set_printoptions(**opts)
        torch.set_printoptions(**opts)
        for fn in cases:
            assert repr(fn(probtorch)) == repr(fn(torch)).replace("torch.", "probtorch."), opts
    finally:
        probtorch.set_printoptions(profile="default")
        torch.set_printoptions(profile="default")
    assert repr(probtorch.tensor([0.5])) == "tensor([0.5000])"


def test_set_printoptions_rejects_unknown_profile():
    with pytest.raises(ValueError, match="profile"):
        probtorch.set_printoptions(profile="verbose")
