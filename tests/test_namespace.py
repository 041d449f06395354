"""Top-level torch compatibility names: legacy tensor types, Variable, determinism and thread settings."""
import pytest

import probtorch as pt

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("name", ["FloatTensor", "DoubleTensor", "LongTensor", "IntTensor", "BoolTensor",
                                  "ByteTensor", "ShortTensor", "CharTensor", "HalfTensor"])
def test_legacy_tensor_types_like_torch(name):
    ours, theirs = getattr(pt, name)([1, 0, 2]), getattr(torch, name)([1, 0, 2])
    assert ours.dtype.name == str(theirs.dtype).split(".")[1]
    assert ours.tolist() == theirs.tolist()
    assert isinstance(ours, getattr(pt, name))
    assert not isinstance(ours, pt.FloatTensor if name != "FloatTensor" else pt.DoubleTensor)
    assert tuple(getattr(pt, name)(2, 3).shape) == tuple(getattr(torch, name)(2, 3).shape)


def test_variable_returns_a_leaf_tensor():
    x = pt.ones(2) * 3
    v = pt.autograd.Variable(x, requires_grad=True)
    assert isinstance(v, pt.Tensor) and v.is_leaf and v.requires_grad and v.tolist() == [3.0, 3.0]


def test_settings_roundtrip():
    pt.use_deterministic_algorithms(True, warn_only=True)
    assert pt.are_deterministic_algorithms_enabled() and pt.is_deterministic_algorithms_warn_only_enabled()
    pt.use_deterministic_algorithms(False)
    assert not pt.are_deterministic_algorithms_enabled()
    before = pt.get_num_threads()
    pt.set_num_threads(1)
    assert pt.get_num_threads() == 1
    with pytest.raises(RuntimeError, match="positive"):
        pt.set_num_threads(0)
    pt.set_num_threads(before)
