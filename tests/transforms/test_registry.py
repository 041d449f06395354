"""biject_to / transform_to: every continuous constraint maps random unconstrained x into itself; registration."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import probtorch
from probtorch import constraints as C
from probtorch import transforms as T
from probtorch.distributions import constraint_registry as R

torch = pytest.importorskip("torch")
TC = torch.distributions.constraints
TR = torch.distributions.constraint_registry


def _pair(name, ours, theirs, event=()):
    return dict(name=name, ours=ours, theirs=theirs, event=event)


CONSTRAINTS = [
    _pair("real", C.real, TC.real), _pair("positive", C.positive, TC.positive),
    _pair("nonnegative", C.nonnegative, TC.nonnegative),
    _pair("greater_than", C.greater_than(1.5), TC.greater_than(1.5)),
    _pair("greater_than_eq", C.greater_than_eq(-2.0), TC.greater_than_eq(-2.0)),
    _pair("less_than", C.less_than(3.0), TC.less_than(3.0)),
    _pair("interval", C.interval(-1.0, 2.0), TC.interval(-1.0, 2.0)),
    _pair("half_open_interval", C.half_open_interval(0.0, 5.0), TC.half_open_interval(0.0, 5.0)),
    _pair("unit_interval", C.unit_interval, TC.unit_interval),
    _pair("interval_tensor", C.interval(probtorch.tensor([0.0, -3.0]), probtorch.tensor([1.0, 4.0])),
          TC.interval(torch.tensor([0.0, -3.0]), torch.tensor([1.0, 4.0])), event=(2,)),
    _pair("real_vector", C.real_vector, TC.real_vector, event=(3,)),
    _pair("independent_positive", C.independent(C.positive, 1), TC.independent(TC.positive, 1), event=(3,)),
    _pair("independent_interval_2", C.independent(C.interval(0.0, 2.0), 2), TC.independent(TC.interval(0.0, 2.0), 2),
          event=(2, 3)),
    _pair("independent_0", C.independent(C.positive, 0), TC.independent(TC.positive, 0)),
    _pair("simplex", C.simplex, TC.simplex, event=(4,)),
    _pair("corr_cholesky", C.corr_cholesky, TC.corr_cholesky, event=(3, 3)),
    _pair("cat", C.cat([C.positive, C.real, C.unit_interval], -1, [1, 2, 1]),
          TC.cat([TC.positive, TC.real, TC.unit_interval], -1, [1, 2, 1]), event=(4,)),
    _pair("stack", C.stack([C.positive, C.interval(0.0, 2.0)], -1), TC.stack([TC.positive, TC.interval(0.0, 2.0)], -1),
          event=(2,)),
]
TRANSFORM_ONLY = [
    _pair("lower_cholesky", C.lower_cholesky, TC.lower_cholesky, event=(3, 3)),
    _pair("positive_definite", C.positive_definite, TC.positive_definite, event=(3, 3)),
    _pair("positive_semidefinite", C.positive_semidefinite, TC.positive_semidefinite, event=(3, 3)),
]


def _unconstrained(t, event, batch, seed, dtype):
    shape = tuple(batch) + tuple(t.inverse_shape(event))
    return np.random.default_rng(seed).normal(size=shape).astype(dtype) * 2


@pytest.mark.parametrize("registry,torch_registry,cases", [
    ("biject_to", "biject_to", CONSTRAINTS), ("transform_to", "transform_to", CONSTRAINTS + TRANSFORM_ONLY)])
@settings(max_examples=8)
@given(batch=st.sampled_from([(), (2,), (2, 3)]), seed=st.integers(0, 2 ** 16),
       dtype=st.sampled_from([np.float32, np.float64]))
def test_registry_maps_into_constraint(registry, torch_registry, cases, batch, seed, dtype):
    for c in cases:
        t = getattr(T, registry)(c["ours"])
        tt = getattr(TR, torch_registry)(c["theirs"])
        assert type(t).__name__ == type(tt).__name__, c["name"]
        assert t.codomain.event_dim == tt.codomain.event_dim
        xa = _unconstrained(t, c["event"], batch, seed, dtype)
        x = probtorch.tensor(xa)
        assert bool(t.domain.check(x).all())
        y = t(x)
        assert bool(c["ours"].check(y).all()), (c["name"], y)
        yt = tt(torch.tensor(xa))
        tol = dict(rtol=1e-4, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-7, atol=1e-7)
        np.testing.assert_allclose(y.numpy(), yt.numpy(), **tol, err_msg=c["name"])
        if registry == "biject_to":
            assert t.bijective
            lad = t.log_abs_det_jacobian(x, y)
            assert np.all(np.isfinite(lad.numpy()))
            np.testing.assert_allclose(lad.numpy(), np.broadcast_to(tt.log_abs_det_jacobian(torch.tensor(xa), yt)
                                                                    .numpy(), lad.shape), **tol, err_msg=c["name"])


def test_unit_interval_special_case():
    assert isinstance(T.biject_to(C.unit_interval), T.SigmoidTransform)
    assert isinstance(T.biject_to(C.interval(0, 1)), T.SigmoidTransform)
    t = T.biject_to(C.interval(probtorch.tensor(0.0), probtorch.tensor(1.0)))
    assert isinstance(t, T.ComposeTransform)
    assert T.biject_to(C.real) is T.identity_transform
    # keyed by class, as torch: positive is a greater_than(0), so it gets exp followed by a shift by 0
    assert isinstance(T.biject_to(C.independent(C.positive, 0)).base_transform, T.ComposeTransform)
    assert repr(T.biject_to(C.positive)) == repr(TR.biject_to(TC.positive))


@pytest.mark.parametrize("c", [C.boolean, C.integer_interval(0, 3), C.nonnegative_integer, C.positive_integer,
                               C.one_hot, C.multinomial(3), C.dependent, C.lower_triangular, C.square, C.symmetric])
def test_unregistered_constraints_raise(c):
    for reg in (T.biject_to, T.transform_to):
        with pytest.raises(NotImplementedError, match="Cannot transform"):
            reg(c)


@pytest.mark.parametrize("c", [C.lower_cholesky, C.positive_definite, C.positive_semidefinite])
def test_non_bijective_only_in_transform_to(c):
    with pytest.raises(NotImplementedError, match="Cannot transform"):
        T.biject_to(c)
    assert not T.transform_to(c).bijective


def test_simplex_biject_vs_transform():
    assert isinstance(T.biject_to(C.simplex), T.StickBreakingTransform)
    assert isinstance(T.transform_to(C.simplex), T.SoftmaxTransform)


def test_user_registration():
    class _Band(C.Constraint):
        def __init__(self, width):
            self.width = width

        def check(self, value):
            return value.abs() < self.width

    reg = T.ConstraintRegistry()
    with pytest.raises(NotImplementedError, match="Cannot transform _Band constraints"):
        reg(_Band(2.0))

    @reg.register(_Band)
    def _band_factory(constraint):
        return T.ComposeTransform([T.TanhTransform(), T.AffineTransform(0.0, constraint.width)])

    t = reg(_Band(2.0))
    x = probtorch.randn(5)
    assert bool(_Band(2.0).check(t(x)).all())
    # registering on an instance registers its class; the factory is returned unchanged
    f = reg.register(_Band(1.0), lambda c: T.AffineTransform(0.0, 1.0))
    assert callable(f) and isinstance(reg(_Band(7.0)), T.AffineTransform)
    for bad in (3, "real", int):
        with pytest.raises(TypeError, match="Expected constraint to be either a Constraint subclass or instance"):
            reg.register(bad, lambda c: None)
    # the global registries accept user constraints too, without disturbing the built-in ones
    T.biject_to.register(_Band, _band_factory)
    assert isinstance(T.biject_to(_Band(1.0)), T.ComposeTransform)
    assert isinstance(T.biject_to(C.positive), T.ComposeTransform)


def test_torch_import_path_reexports():
    assert R.biject_to is T.biject_to and R.transform_to is T.transform_to
    assert R.ConstraintRegistry is T.ConstraintRegistry
    from probtorch.distributions import transforms as DT
    from probtorch.distributions import constraints as DC
    for name in torch.distributions.transforms.__all__:
        assert getattr(DT, name) is getattr(T, name)
    for name in TC.__all__:
        assert getattr(DC, name) is getattr(C, name)
    assert set(T.__all__) >= set(torch.distributions.transforms.__all__)
