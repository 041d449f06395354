"""Tensor basics (construction, metadata, conversions, autograd flags) against torch."""
import copy
import pickle

import numpy as np
import pytest

import probtorch

torch = pytest.importorskip("torch")


def _same(fn):
    got, want = fn(probtorch), fn(torch)
    assert got == want, (got, want)


@pytest.mark.parametrize("fn", [
    lambda L: (str(L.Tensor([1, 2]).dtype).split(".")[-1], tuple(L.Tensor([1, 2]).shape)),
    lambda L: tuple(L.Tensor(2, 3).shape),
    lambda L: tuple(L.Tensor().shape),
    lambda L: tuple(L.Tensor(L.Size([2, 1])).shape),
    lambda L: L.Tensor((2, 3)).tolist(),
    lambda L: str(L.Tensor(np.arange(3)).dtype).split(".")[-1],
    lambda L: isinstance(L.tensor(1), L.Tensor),
    lambda L: (L.zeros(2, 3).stride(), L.zeros(2, 3).t().stride(), L.zeros(2, 3).stride(-1)),
    lambda L: (L.zeros(2, 3).t().is_contiguous(), L.zeros(2, 3).t().contiguous().is_contiguous()),
    lambda L: (L.zeros(2, 3).dim(), L.zeros(2, 3).numel(), L.zeros(2, 3).size(1), L.zeros(2, 3).size(-2)),
    lambda L: (L.zeros(2, 3, dtype=L.float64).element_size(), L.zeros(2, dtype=L.int32).element_size()),
    lambda L: (L.tensor(2.5).item(), int(L.tensor(3)), float(L.tensor([2.0])), bool(L.tensor([1]))),
    lambda L: [t.tolist() for t in L.arange(6).reshape(2, 3)],
    lambda L: [1, 2, 3][L.tensor(1)],
    lambda L: len(L.zeros(4, 2)),
    lambda L: L.zeros(2, 3).shape[1:].numel(),
    lambda L: (L.zeros(2).is_floating_point(), L.zeros(2, dtype=L.int64).is_floating_point()),
    lambda L: (L.ones(2, requires_grad=True) * 2).is_leaf,
    lambda L: (L.ones(2, requires_grad=True) * 2).requires_grad_(True).requires_grad,
    lambda L: (L.ones(2, requires_grad=True).detach().requires_grad, L.ones(2, requires_grad=True).detach().is_leaf),
    lambda L: (L.arange(6).view(2, 3)[:, 1:].storage_offset(), L.arange(6)[4:].storage_offset(),
               L.ones(3).nbytes, L.ones(3, dtype=L.float64).itemsize),
    lambda L: (lambda t: (t.data_ptr() == t[0].data_ptr(), t.data_ptr() == t.clone().data_ptr()))(L.ones(2, 2)),
])
def test_matches_torch(fn):
    _same(fn)


@pytest.mark.parametrize("fn", [
    lambda L: len(L.tensor(1.0)),
    lambda L: iter(L.tensor(1.0)),
    lambda L: L.zeros(3).item(),
    lambda L: bool(L.zeros(3)),
    lambda L: [1, 2][L.tensor([0, 1])],
    lambda L: [1, 2][L.tensor(1.0)],
    lambda L: L.ones(2, requires_grad=True).numpy(),
    lambda L: L.zeros(2).size(2),
    lambda L: (L.ones(2, requires_grad=True) * 2).requires_grad_(False),
    lambda L: L.ones(2, dtype=L.int64).requires_grad_(),
    lambda L: copy.deepcopy(L.ones(2, requires_grad=True) * 2),
])
def test_errors_match_torch(fn):
    with pytest.raises(Exception) as t:
        fn(torch)
    with pytest.raises(Exception) as p:
        fn(probtorch)
    assert issubclass(p.type, t.type), (p.value, t.value)


def test_default_dtype_governs_legacy_constructor():
    probtorch.set_default_dtype(probtorch.float64)
    assert probtorch.Tensor([1, 2]).dtype is probtorch.float64
    assert probtorch.Tensor(2).dtype is probtorch.float64


def test_deepcopy_and_pickle_of_leaf():
    x = probtorch.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    y = copy.deepcopy(x)
    assert y is not x and y.requires_grad and y.grad.tolist() == [3.0, 3.0]
    y.detach().add_(1)
    assert x.tolist() == [1.0, 2.0]
    z = pickle.loads(pickle.dumps(x))
    assert z.tolist() == [1.0, 2.0] and z.requires_grad


def test_data_and_detach_storage_and_versions():
    x = probtorch.tensor([1.0, 2.0], requires_grad=True)
    d, e = x.data, x.detach()
    d.add_(1)
    assert x.tolist() == [2.0, 3.0] and x._version == 0 and d._version == 1  # .data: own version counter
    e.add_(1)
    assert x.tolist() == [3.0, 4.0] and x._version == 1 and e._version == 1  # detach: shared counter
    x.data = probtorch.zeros(3)
    assert x.shape == (3,) and x.requires_grad


def test_retain_grad_and_hooks_need_grad():
    x = probtorch.ones(2)
    with pytest.raises(RuntimeError, match="can't retain_grad"):
        x.retain_grad()
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        x.register_hook(lambda g: g)


@pytest.mark.parametrize("value", [lambda L: L.ones(2), lambda L: L.ones(3, dtype=L.float64), lambda L: [1.0, 2.0, 3.0]])
def test_grad_assignment_is_checked_like_torch(value):
    with pytest.raises(Exception) as t:
        torch.ones(3, requires_grad=True).grad = value(torch)
    with pytest.raises(Exception) as p:
        probtorch.ones(3, requires_grad=True).grad = value(probtorch)
    assert p.type is t.type
    if p.type is RuntimeError:
        assert str(p.value).split(" to a tensor")[0] == str(t.value).split(" to a tensor")[0].replace("double",
                                                                                                      "float64")


def test_grad_assignment_and_deletion():
    x = probtorch.ones(3, requires_grad=True)
    x.grad = probtorch.full((3,), 2.0)
    (x * 3).sum().backward()
    assert x.grad.tolist() == [5.0, 5.0, 5.0]
    del x.grad
    assert x.grad is None
