"""Constraints: check() against torch as oracle on a table of values, plus attributes, reprs and errors."""
import numpy as np
import pytest

import probtorch
from probtorch import constraints as C

torch = pytest.importorskip("torch")
TC = torch.distributions.constraints


def _both(arr):
    arr = np.asarray(arr)
    return probtorch.tensor(arr), torch.tensor(arr)


_rng = np.random.default_rng(0)


def _values():
    """Shared probe values: scalars, vectors, matrices, batches, including boundaries, NaN and inf."""
    vals = [
        np.array(0.0), np.array(1.0), np.array(-1.0), np.array(np.nan), np.array(np.inf),
        np.array([0.0, 0.5, 1.0, 1.5, -0.5, 2.0, 3.0, np.nan, -np.inf, np.inf]),
        np.array([[0.2, 0.8], [0.5, 0.6], [1.0, 0.0], [-0.1, 1.1]]),
        np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 0.0]]),
        np.array([3.0, 0.0, 2.0, 7.0]), np.array([1.0, 2.0, 2.5, 4.0, 5.0]),
        np.eye(3), np.array([[1.0, 0.0], [0.3, 2.0]]), np.array([[1.0, 0.2], [0.3, 2.0]]),
        np.array([[1.0, 0.0], [0.6, 0.8]]), np.array([[-1.0, 0.0], [0.6, 0.8]]),
        np.array([[2.0, 1.0], [1.0, 2.0]]), np.array([[1.0, 2.0], [2.0, 1.0]]), np.array([[1.0, 1.0], [1.0, 1.0]]),
        np.stack([np.eye(2), np.array([[1.0, 2.0], [2.0, 1.0]]), np.array([[1.0, 0.0], [0.6, 0.8]])]),
        _rng.normal(size=(2, 3, 3)), _rng.normal(size=(3, 2)),
    ]
    return vals


CASES = [
    ("real", C.real, TC.real), ("positive", C.positive, TC.positive), ("nonnegative", C.nonnegative, TC.nonnegative),
    ("greater_than", C.greater_than(0.5), TC.greater_than(0.5)),
    ("greater_than_eq", C.greater_than_eq(0.5), TC.greater_than_eq(0.5)),
    ("less_than", C.less_than(1.0), TC.less_than(1.0)),
    ("interval", C.interval(-0.5, 1.5), TC.interval(-0.5, 1.5)),
    ("half_open_interval", C.half_open_interval(0.0, 1.0), TC.half_open_interval(0.0, 1.0)),
    ("unit_interval", C.unit_interval, TC.unit_interval),
    ("boolean", C.boolean, TC.boolean),
    ("integer_interval", C.integer_interval(0, 3), TC.integer_interval(0, 3)),
    ("nonnegative_integer", C.nonnegative_integer, TC.nonnegative_integer),
    ("positive_integer", C.positive_integer, TC.positive_integer),
    ("integer_less_than", C._IntegerLessThan(2), TC._IntegerLessThan(2)),
    ("real_vector", C.real_vector, TC.real_vector), ("simplex", C.simplex, TC.simplex),
    ("one_hot", C.one_hot, TC.one_hot), ("multinomial", C.multinomial(10), TC.multinomial(10)),
    ("independent_positive_1", C.independent(C.positive, 1), TC.independent(TC.positive, 1)),
    ("independent_positive_2", C.independent(C.positive, 2), TC.independent(TC.positive, 2)),
    ("independent_simplex_1", C.independent(C.simplex, 1), TC.independent(TC.simplex, 1)),
    ("lower_triangular", C.lower_triangular, TC.lower_triangular),
    ("lower_cholesky", C.lower_cholesky, TC.lower_cholesky), ("corr_cholesky", C.corr_cholesky, TC.corr_cholesky),
    ("square", C.square, TC.square), ("symmetric", C.symmetric, TC.symmetric),
    ("positive_semidefinite", C.positive_semidefinite, TC.positive_semidefinite),
    ("positive_definite", C.positive_definite, TC.positive_definite),
    ("mixture_positive", C.MixtureSameFamilyConstraint(C.positive), TC.MixtureSameFamilyConstraint(TC.positive)),
    ("mixture_simplex", C.MixtureSameFamilyConstraint(C.simplex), TC.MixtureSameFamilyConstraint(TC.simplex)),
]


@pytest.mark.parametrize("name,ours,theirs", CASES, ids=[c[0] for c in CASES])
def test_check_matches_torch(name, ours, theirs):
    assert ours.event_dim == theirs.event_dim
    assert ours.is_discrete == theirs.is_discrete
    assert repr(ours) == repr(theirs)
    compared = 0
    for arr in _values():
        for dtype in (np.float32, np.float64):
            a, b = _both(arr.astype(dtype))
            try:
                expected = theirs.check(b)
            except Exception as e:  # torch rejects this value: so must we, with the same exception type
                with pytest.raises(type(e)):
                    ours.check(a)
                continue
            got = ours.check(a)
            assert got.dtype == probtorch.bool
            assert tuple(got.shape) == tuple(expected.shape), (name, arr)
            np.testing.assert_array_equal(got.numpy(), expected.numpy(), err_msg=f"{name} on {arr}")
            compared += 1
    assert compared > 0


def test_tensor_bounds_broadcast():
    low, high = np.array([0.0, 1.0, 2.0]), np.array([1.0, 2.0, 5.0])
    x = np.array([[0.5, 0.5, 3.0], [1.0, 2.0, 5.0]])
    got = C.interval(probtorch.tensor(low), probtorch.tensor(high)).check(probtorch.tensor(x))
    exp = TC.interval(torch.tensor(low), torch.tensor(high)).check(torch.tensor(x))
    np.testing.assert_array_equal(got.numpy(), exp.numpy())
    got = C.greater_than(probtorch.tensor(low)).check(probtorch.tensor(x))
    np.testing.assert_array_equal(got.numpy(), (x > low))


def test_cat_and_stack():
    x = np.array([[1.0, -1.0, 0.5, 2.0], [-1.0, 3.0, 0.2, 0.1]])
    ours = C.cat([C.positive, C.real, C.unit_interval], dim=-1, lengths=[1, 1, 2])
    theirs = TC.cat([TC.positive, TC.real, TC.unit_interval], dim=-1, lengths=[1, 1, 2])
    np.testing.assert_array_equal(ours.check(probtorch.tensor(x)).numpy(), theirs.check(torch.tensor(x)).numpy())
    assert ours.event_dim == 0 and not ours.is_discrete
    ours = C.stack([C.positive, C.real], dim=0)
    theirs = TC.stack([TC.positive, TC.real], dim=0)
    np.testing.assert_array_equal(ours.check(probtorch.tensor(x[:, :2].T)).numpy(),
                                  theirs.check(torch.tensor(x[:, :2].T)).numpy())
    for dim in (-1, -2, 0, 1):
        for cs, tcs in (([C.simplex, C.simplex], [TC.simplex, TC.simplex]), ([C.real], [TC.real])):
            assert C.stack(cs, dim).event_dim == TC.stack(tcs, dim).event_dim
    assert C.cat([C.boolean, C.real]).is_discrete
    with pytest.raises(AssertionError):
        C.cat([C.real], lengths=[1, 2])
    with pytest.raises(AssertionError):
        C.cat([C.real, 3])
    with pytest.raises(AssertionError):
        C.stack([C.real], dim=3).check(probtorch.zeros(2))


def test_dependent():
    assert C.is_dependent(C.dependent) and not C.is_dependent(C.real)
    with pytest.raises(ValueError, match="dependent"):
        C.dependent.check(probtorch.zeros(1))
    with pytest.raises(NotImplementedError):
        C.dependent.event_dim
    with pytest.raises(NotImplementedError):
        C.dependent.is_discrete
    d = C.dependent(is_discrete=True, event_dim=1)
    assert d.is_discrete is True and d.event_dim == 1 and C.is_dependent(d)
    d2 = d(event_dim=2)
    assert d2.is_discrete is True and d2.event_dim == 2

    class Box:
        def __init__(self, low):
            self.low = low

        @C.dependent_property(is_discrete=False, event_dim=0)
        def support(self):
            return C.greater_than(self.low)

        @C.dependent_property
        def other(self):
            return C.real

    assert C.is_dependent(Box.support) and Box.support.event_dim == 0 and Box.support.is_discrete is False
    assert Box(2.0).support.lower_bound == 2.0
    assert C.is_dependent(Box.other) and Box(1.0).other is C.real
    with pytest.raises(NotImplementedError):
        Box.other.event_dim


def test_independent_errors_and_repr():
    with pytest.raises(AssertionError):
        C.independent(C.real, -1)
    with pytest.raises(AssertionError):
        C.independent("real", 1)
    with pytest.raises(ValueError, match="Expected value.dim"):
        C.independent(C.real, 2).check(probtorch.zeros(3))
    assert repr(C.independent(C.interval(0.0, 1.0), 1)) == repr(TC.independent(TC.interval(0.0, 1.0), 1))
    assert repr(C.dependent) == "Dependent()"
    assert repr(C.integer_interval(0, 2)) == repr(TC.integer_interval(0, 2))


def test_base_constraint_abstract():
    with pytest.raises(NotImplementedError):
        C.Constraint().check(probtorch.zeros(1))
    assert C.Constraint.event_dim == 0 and C.Constraint.is_discrete is False


def test_all_torch_names_present():
    for name in TC.__all__:
        assert hasattr(C, name), name
    assert set(C.__all__) == set(TC.__all__)


def test_integer_dtypes_and_lists():
    got = C.nonnegative_integer.check(probtorch.tensor([0, 3, -1]))
    np.testing.assert_array_equal(got.numpy(), [True, True, False])
    got = C.boolean.check(probtorch.tensor([True, False]))
    np.testing.assert_array_equal(got.numpy(), [True, True])


from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=25)
@given(seed=st.integers(0, 2 ** 16), shape=st.sampled_from([(), (3,), (2, 4), (2, 3, 3)]),
       dtype=st.sampled_from([np.float32, np.float64, np.int64]),
       idx=st.integers(0, len(CASES) - 1))
def test_check_matches_torch_on_random_values(seed, shape, dtype, idx):
    name, ours, theirs = CASES[idx]
    rng = np.random.default_rng(seed)
    # Mix of integers, reals, boundary values and probability vectors so each constraint sees hits and misses.
    pool = np.array([0.0, 1.0, -1.0, 0.5, 2.0, 3.0, 10.0, 1e-7, -0.0])
    arr = np.where(rng.random(shape) < 0.5, rng.choice(pool, size=shape), rng.normal(size=shape) * 2)
    if rng.random() < 0.3 and len(shape) > 0:
        e = rng.exponential(size=shape)
        arr = e / e.sum(-1, keepdims=True)
    arr = arr.astype(dtype)
    try:
        expected = theirs.check(torch.tensor(arr))
    except Exception as e:
        with pytest.raises(type(e)):
            ours.check(probtorch.tensor(arr))
        return
    got = ours.check(probtorch.tensor(arr))
    np.testing.assert_array_equal(got.numpy(), expected.numpy(), err_msg=name)


def test_cat_with_event_dims_reduces_each_event():
    """Pieces with event dims are reduced to the common batch shape (torch would cat batch-shaped results)."""
    c = C.cat([C.simplex, C.simplex], dim=-1, lengths=[2, 2])
    value = probtorch.tensor([[0.5, 0.5, 0.2, 0.8], [0.5, 0.5, 0.3, 0.8], [1.0, 0.0, 0.0, 1.0]])
    assert c.event_dim == 1
    np.testing.assert_array_equal(c.check(value).numpy(), [True, False, True])
    mixed = C.cat([C.positive, C.independent(C.unit_interval, 1)], dim=-1, lengths=[1, 2])
    assert mixed.event_dim == 1
    np.testing.assert_array_equal(mixed.check(probtorch.tensor([[1.0, 0.5, 0.5], [1.0, 0.5, 1.5],
                                                                [-1.0, 0.5, 0.5]])).numpy(), [True, False, False])
    # a cat dim left of the event joins the per-slice results along it
    batch_cat = C.cat([C.simplex, C.independent(C.positive, 1)], dim=0, lengths=[1, 2])
    value = probtorch.tensor([[0.5, 0.5], [1.0, 2.0], [-1.0, 2.0]])
    np.testing.assert_array_equal(batch_cat.check(value).numpy(), [True, True, False])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_simplex_fast_check_equals_its_definition(dtype):
    rng = np.random.default_rng(5)
    x = rng.dirichlet(np.ones(4), size=(50, 30)).astype(dtype)
    x[0, :5, 0] += rng.choice([-2e-6, -5e-7, 5e-7, 2e-6], 5)  # sums just inside / outside the 1e-6 tolerance
    x[1, 3] = [1.5, -0.5, 0.0, 0.0]  # sums to one with a negative entry
    x[2, 4, 1] = np.nan
    x[3, 5] = [0.0, 0.0, 1.0, 0.0]
    t = probtorch.tensor(x)
    expected = (t >= 0).all(-1) & ((t.sum(-1) - 1).abs() < 1e-6)
    got = probtorch.distributions.constraints.simplex.check(t)
    assert got.shape == expected.shape and got.dtype == probtorch.bool
    np.testing.assert_array_equal(got.numpy(), expected.numpy())
    assert not got[1, 3] and not got[2, 4] and got[3, 5]
