"""The Distribution base class, ExponentialFamily and distributions.utils."""

import numpy as np
import pytest

import probtorch
from probtorch import constraints
from probtorch.distributions import Distribution, ExponentialFamily
from probtorch.distributions.utils import (broadcast_all, lazy_property, logits_to_probs, probs_to_logits,
                                           clamp_probs, tril_matrix_to_vec, vec_to_tril_matrix)


class _Pos(Distribution):
    arg_constraints = {"rate": constraints.positive}
    support = constraints.positive

    def __init__(self, rate, validate_args=None):
        (self.rate,) = broadcast_all(rate)
        super().__init__(self.rate.shape, validate_args=validate_args)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return self.rate.log() - self.rate * value


class _Exp(ExponentialFamily):
    """Exponential(rate) written only through its exponential-family pieces."""
    arg_constraints = {"rate": constraints.positive}

    def __init__(self, rate):
        (self.rate,) = broadcast_all(rate)
        super().__init__(self.rate.shape)

    @property
    def _natural_params(self):
        return (-self.rate,)

    def _log_normalizer(self, x):
        return -(-x).log()

    @property
    def _mean_carrier_measure(self):
        return 0


def test_shapes_and_extended_shape():
    d = _Pos(probtorch.ones(2, 3))
    assert d.batch_shape == (2, 3) and d.event_shape == ()
    assert d._extended_shape((4,)) == (4, 2, 3)
    assert isinstance(d._extended_shape(), probtorch.Size)


def test_bad_parameter_names_param_constraint_and_shape():
    with pytest.raises(ValueError, match=r"parameter rate \(Tensor of shape \(2,\)\).*GreaterThan\(lower_bound=0"):
        _Pos(probtorch.tensor([1.0, -1.0]))
    _Pos(probtorch.tensor([1.0, -1.0]), validate_args=False)


def test_validate_sample():
    d = _Pos(probtorch.ones(3))
    with pytest.raises(ValueError, match="within the support"):
        d.log_prob(probtorch.tensor([1.0, -2.0, 1.0]))
    with pytest.raises(ValueError, match="not broadcastable"):
        d.log_prob(probtorch.ones(4))
    with pytest.raises(ValueError, match="must be a Tensor"):
        d.log_prob(1.0)
    assert d.log_prob(probtorch.ones(5, 1)).shape == (5, 3)
    _Pos(probtorch.ones(3), validate_args=False).log_prob(probtorch.tensor([1.0, -2.0, 1.0]))


def test_set_default_validate_args():
    try:
        Distribution.set_default_validate_args(False)
        _Pos(probtorch.tensor(-1.0))
    finally:
        Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        _Pos(probtorch.tensor(-1.0))
    with pytest.raises(ValueError):
        Distribution.set_default_validate_args("yes")


def test_not_implemented_and_defaults():
    d = _Pos(1.0)
    for name in ("mean", "mode", "variance"):
        with pytest.raises(NotImplementedError, match=name):
            getattr(d, name)
    with pytest.raises(NotImplementedError, match="rsample"):
        d.rsample()
    with pytest.raises(NotImplementedError):
        d.expand((2,))
    with pytest.raises(NotImplementedError, match="custom .expand"):
        d._get_checked_instance(Distribution)
    assert repr(d) == "_Pos(rate: 1.0)"
    assert repr(_Pos(probtorch.ones(2))) == "_Pos(rate: probtorch.Size([2]))"
    assert not d.has_rsample and not d.has_enumerate_support


def test_sample_n_warns():
    class _U(_Pos):
        def rsample(self, sample_shape=()):
            return probtorch.rand(self._extended_shape(sample_shape))
    with pytest.warns(UserWarning, match="sample_n"):
        assert _U(1.0).sample_n(3).shape == (3,)


def test_exponential_family_entropy_and_its_gradient():
    rate = probtorch.tensor([0.5, 2.0], dtype=probtorch.float64, requires_grad=True)
    h = _Exp(rate).entropy()
    np.testing.assert_allclose(h.detach().numpy(), 1 - np.log([0.5, 2.0]), rtol=1e-12)
    (g,) = probtorch.autograd.grad(h.sum(), rate)
    np.testing.assert_allclose(g.numpy(), -1 / np.array([0.5, 2.0]), rtol=1e-12)
    np.testing.assert_allclose(_Exp(rate).perplexity().detach().numpy(), np.exp(1 - np.log([0.5, 2.0])))


def test_broadcast_all():
    a, b = broadcast_all(probtorch.ones(2, 1, dtype=probtorch.float64), 3)
    assert a.shape == b.shape == (2, 1) and b.dtype == probtorch.float64
    a, b = broadcast_all(1.0, 2)
    assert a.dtype == probtorch.get_default_dtype() and a.shape == ()
    a, b = broadcast_all(probtorch.ones(3), probtorch.zeros(2, 1))
    assert a.shape == b.shape == (2, 3)
    with pytest.raises(ValueError, match="numbers.Number"):
        broadcast_all(probtorch.ones(2), "x")


def test_probs_logits_roundtrip():
    x = probtorch.tensor([[0.3, -1.0, 2.0]], dtype=probtorch.float64)
    p = logits_to_probs(x)
    np.testing.assert_allclose(p.numpy().sum(-1), 1)
    np.testing.assert_allclose(logits_to_probs(probs_to_logits(p)).numpy(), p.numpy(), rtol=1e-12)
    pb = logits_to_probs(x, is_binary=True)
    np.testing.assert_allclose(probs_to_logits(pb, is_binary=True).numpy(), x.numpy(), rtol=1e-10)
    c = clamp_probs(probabilities := probtorch.tensor([0.0, 1.0]))
    assert 0 < c[0].item() and c[1].item() < 1 and probabilities.dtype == c.dtype


def test_tril_vec_roundtrip():
    m = probtorch.arange(32.0).reshape(2, 4, 4)
    for diag in (0, -1, -2):
        v = tril_matrix_to_vec(m, diag)
        assert v.shape[-1] == len(np.tril_indices(4, diag)[0])
        np.testing.assert_array_equal(vec_to_tril_matrix(v, diag).numpy(), np.tril(m.numpy(), diag))


def test_lazy_property_caches_and_keeps_graph():
    calls = []

    class A:
        def __init__(self, x):
            self.x = x

        @lazy_property
        def y(self):
            calls.append(1)
            return self.x * 2

    x = probtorch.ones(2, requires_grad=True)
    a = A(x)
    with probtorch.no_grad():
        y = a.y
    assert y.requires_grad and a.y is y and len(calls) == 1
    assert isinstance(A.__dict__["y"], lazy_property) and isinstance(A.y, lazy_property)
