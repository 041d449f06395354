"""Constraints: regions of values a variable may take, with a vectorized membership test.

Every constraint has ``check(value)`` returning a bool Tensor of shape ``value.shape[:value.dim() - event_dim]``,
``event_dim`` (how many rightmost dims form one event and are reduced by ``check``) and ``is_discrete``.
Names and semantics follow ``torch.distributions.constraints``; ``probtorch.distributions.constraints`` re-exports
this module. ``transforms.biject_to`` / ``transform_to`` map the continuous ones to unconstrained space.

Example::

    >>> from probtorch import constraints
    >>> constraints.interval(0., 2.).check(probtorch.tensor([-1., 1., 3.]))
    tensor([False,  True, False])
"""
import numpy as np

from . import _functions  # noqa: F401  (ensures Tensor methods are bound before use)
from ._tensor import Tensor, _make

__all__ = [
    "Constraint", "boolean", "cat", "corr_cholesky", "dependent", "dependent_property", "greater_than",
    "greater_than_eq", "independent", "integer_interval", "interval", "half_open_interval", "is_dependent",
    "less_than", "lower_cholesky", "lower_triangular", "MixtureSameFamilyConstraint", "multinomial", "nonnegative",
    "nonnegative_integer", "one_hot", "positive", "positive_semidefinite", "positive_definite", "positive_integer",
    "real", "real_vector", "simplex", "square", "stack", "symmetric", "unit_interval",
]


def _as_tensor(value):
    if isinstance(value, Tensor):
        return value
    from ._functions.creation import as_tensor
    return as_tensor(value)


def _bool_tensor(arr):
    from ._functions.creation import from_numpy
    return from_numpy(np.array(arr, dtype=bool))


def _all_last(result, ndims):
    """Reduce the ``ndims`` rightmost dims of a bool tensor with logical and."""
    if ndims == 0:
        return result
    lead = tuple(result.shape[:result.dim() - ndims])
    size = 1
    for s in result.shape[result.dim() - ndims:]:
        size *= s
    a = result._data
    if a.size and a.all():  # the common case, one fast pass: numpy's per-row reduction of short rows is ~20x slower
        return _make(np.ones(lead, bool))
    # the trailing size is spelled out (not -1) so that empty batches reshape too
    return result.reshape(lead + (size,)).all(-1)


def _is_integral(value):
    with np.errstate(invalid="ignore"):  # inf % 1 is NaN (not integral): no warning needed
        return value % 1 == 0


class Constraint:
    """Base class of all constraints: a region of valid values.

    Attributes:
        is_discrete (bool): whether the region is a discrete set (default False).
        event_dim (int): number of rightmost dims that make one event; ``check`` reduces over them (default 0).
    """

    is_discrete = False
    event_dim = 0
    _repr_attrs = ()  # the attributes (bounds) that __repr__ lists as keyword arguments

    def check(self, value):
        """Return a bool Tensor of shape ``sample_shape + batch_shape``: whether each event of ``value`` is valid."""
        raise NotImplementedError

    def __repr__(self):
        # Private classes are named with a leading underscore; the repr drops it, like torch.
        args = ", ".join(f"{name}={getattr(self, name)}" for name in self._repr_attrs)
        return f"{self.__class__.__name__[1:]}({args})"


class _Dependent(Constraint):
    """Placeholder for a support that depends on other variables (e.g. ``Uniform(low, high)``).

    Args:
        is_discrete (bool, optional): static value of ``.is_discrete``; reading it raises NotImplementedError if not
            given.
        event_dim (int, optional): static value of ``.event_dim``; likewise.
    """

    def __init__(self, *, is_discrete=NotImplemented, event_dim=NotImplemented):
        self._is_discrete = is_discrete
        self._event_dim = event_dim
        super().__init__()

    @property
    def is_discrete(self):
        if self._is_discrete is NotImplemented:
            raise NotImplementedError(".is_discrete cannot be determined statically")
        return self._is_discrete

    @property
    def event_dim(self):
        if self._event_dim is NotImplemented:
            raise NotImplementedError(".event_dim cannot be determined statically")
        return self._event_dim

    def __call__(self, *, is_discrete=NotImplemented, event_dim=NotImplemented):
        """``dependent(is_discrete=True, event_dim=1)`` builds a dependent constraint with static attributes."""
        if is_discrete is NotImplemented:
            is_discrete = self._is_discrete
        if event_dim is NotImplemented:
            event_dim = self._event_dim
        return _Dependent(is_discrete=is_discrete, event_dim=event_dim)

    def check(self, x):
        raise ValueError("Cannot determine validity of dependent constraint")


def is_dependent(constraint):
    """Whether ``constraint`` is a (possibly parametrized) dependent constraint."""
    return isinstance(constraint, _Dependent)


class _DependentProperty(property, _Dependent):
    """A ``property`` on instances that reads as a dependent constraint on the class.

    Example::

        class Uniform(Distribution):
            @constraints.dependent_property(is_discrete=False, event_dim=0)
            def support(self):
                return constraints.interval(self.low, self.high)
    """

    def __init__(self, fn=None, *, is_discrete=NotImplemented, event_dim=NotImplemented):
        property.__init__(self, fn)
        self._is_discrete = is_discrete
        self._event_dim = event_dim

    def __call__(self, fn):
        return _DependentProperty(fn, is_discrete=self._is_discrete, event_dim=self._event_dim)


class _IndependentConstraint(Constraint):
    """Treat ``reinterpreted_batch_ndims`` more rightmost dims of ``base_constraint`` as part of the event.

    An event is valid only if every entry in it is valid under the base constraint.
    """

    def __init__(self, base_constraint, reinterpreted_batch_ndims):
        if not isinstance(base_constraint, Constraint):
            raise AssertionError(f"base_constraint must be a Constraint, got {type(base_constraint).__name__}")
        if not isinstance(reinterpreted_batch_ndims, int) or isinstance(reinterpreted_batch_ndims, bool):
            raise AssertionError("reinterpreted_batch_ndims must be an int, got "
                                 f"{type(reinterpreted_batch_ndims).__name__}")
        if reinterpreted_batch_ndims < 0:
            raise AssertionError(f"reinterpreted_batch_ndims must be >= 0, got {reinterpreted_batch_ndims}")
        self.base_constraint = base_constraint
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims
        super().__init__()

    @property
    def is_discrete(self):
        return self.base_constraint.is_discrete

    @property
    def event_dim(self):
        return self.base_constraint.event_dim + self.reinterpreted_batch_ndims

    def check(self, value):
        value = _as_tensor(value)
        result = self.base_constraint.check(value)
        if result.dim() < self.reinterpreted_batch_ndims:
            raise ValueError(f"Expected value.dim() >= {self.event_dim} but got {value.dim()}")
        return _all_last(result, self.reinterpreted_batch_ndims)

    def __repr__(self):
        return f"{self.__class__.__name__[1:]}({self.base_constraint!r}, {self.reinterpreted_batch_ndims})"


class MixtureSameFamilyConstraint(Constraint):
    """Support of ``MixtureSameFamily``: checks a value against the component constraint.

    The component constraint sees one more batch dim (the mixture dim) than the mixture's value has, so the value is
    unsqueezed there before checking.
    """

    def __init__(self, base_constraint):
        if not isinstance(base_constraint, Constraint):
            raise AssertionError(f"base_constraint must be a Constraint, got {type(base_constraint).__name__}")
        self.base_constraint = base_constraint
        super().__init__()

    @property
    def is_discrete(self):
        return self.base_constraint.is_discrete

    @property
    def event_dim(self):
        return self.base_constraint.event_dim

    def check(self, value):
        value = _as_tensor(value)
        # Unsqueezing first gives torch's IndexError for values with too few dims.
        result = self.base_constraint.check(value.unsqueeze(-1 - self.event_dim))
        if value.dim() < self.event_dim:
            raise ValueError(f"Expected value.dim() >= {self.event_dim} but got {value.dim()}")
        keep = value.dim() - self.event_dim
        return result.reshape(tuple(result.shape[:keep]) + (-1,)).all(-1)

    def __repr__(self):
        return f"{self.__class__.__name__}({self.base_constraint!r})"


class _Boolean(Constraint):
    """The set {0, 1}."""

    is_discrete = True

    def check(self, value):
        value = _as_tensor(value)
        return (value == 0) | (value == 1)


class _OneHot(Constraint):
    """One-hot vectors: entries in {0, 1} along the last dim, summing to 1."""

    is_discrete = True
    event_dim = 1

    def check(self, value):
        value = _as_tensor(value)
        binary = ((value == 0) | (value == 1)).all(-1)
        return binary & value.sum(-1).eq(1)


class _IntegerInterval(Constraint):
    """Integers in ``[lower_bound, upper_bound]``."""

    is_discrete = True
    _repr_attrs = ("lower_bound", "upper_bound")

    def __init__(self, lower_bound, upper_bound):
        self.lower_bound = lower_bound
        self.upper_bound = upper_bound
        super().__init__()

    def check(self, value):
        value = _as_tensor(value)
        return _is_integral(value) & (value >= self.lower_bound) & (value <= self.upper_bound)


class _IntegerLessThan(Constraint):
    """Integers in ``(-inf, upper_bound]``."""

    is_discrete = True
    _repr_attrs = ("upper_bound",)

    def __init__(self, upper_bound):
        self.upper_bound = upper_bound
        super().__init__()

    def check(self, value):
        value = _as_tensor(value)
        return _is_integral(value) & (value <= self.upper_bound)


class _IntegerGreaterThan(Constraint):
    """Integers in ``[lower_bound, inf)``."""

    is_discrete = True
    _repr_attrs = ("lower_bound",)

    def __init__(self, lower_bound):
        self.lower_bound = lower_bound
        super().__init__()

    def check(self, value):
        value = _as_tensor(value)
        return _is_integral(value) & (value >= self.lower_bound)


class _Real(Constraint):
    """The extended real line ``[-inf, inf]``: everything but NaN."""

    def check(self, value):
        value = _as_tensor(value)
        return value == value  # NaN is the only value unequal to itself


class _GreaterThan(Constraint):
    """The open ray ``(lower_bound, inf]``."""

    _repr_attrs = ("lower_bound",)

    def __init__(self, lower_bound):
        self.lower_bound = lower_bound
        super().__init__()

    def check(self, value):
        value = _as_tensor(value)
        return value > self.lower_bound


class _GreaterThanEq(Constraint):
    """The closed ray ``[lower_bound, inf]``."""

    _repr_attrs = ("lower_bound",)

    def __init__(self, lower_bound):
        self.lower_bound = lower_bound
        super().__init__()

    def check(self, value):
        value = _as_tensor(value)
        return value >= self.lower_bound


class _LessThan(Constraint):
    """The open ray ``[-inf, upper_bound)``."""

    _repr_attrs = ("upper_bound",)

    def __init__(self, upper_bound):
        self.upper_bound = upper_bound
        super().__init__()

    def check(self, value):
        value = _as_tensor(value)
        return value < self.upper_bound


class _Interval(Constraint):
    """The closed interval ``[lower_bound, upper_bound]``."""

    _repr_attrs = ("lower_bound", "upper_bound")

    def __init__(self, lower_bound, upper_bound):
        self.lower_bound = lower_bound
        self.upper_bound = upper_bound
        super().__init__()

    def check(self, value):
        value = _as_tensor(value)
        return (value >= self.lower_bound) & (value <= self.upper_bound)


class _HalfOpenInterval(Constraint):
    """The half-open interval ``[lower_bound, upper_bound)``."""

    _repr_attrs = ("lower_bound", "upper_bound")

    def __init__(self, lower_bound, upper_bound):
        self.lower_bound = lower_bound
        self.upper_bound = upper_bound
        super().__init__()

    def check(self, value):
        value = _as_tensor(value)
        return (value >= self.lower_bound) & (value < self.upper_bound)


class _Simplex(Constraint):
    """The probability simplex along the last dim: ``x >= 0`` and ``x.sum(-1) == 1`` (to within 1e-6)."""

    event_dim = 1

    def check(self, value):
        value = _as_tensor(value)
        a = value._data
        if a.ndim == 0 or a.size == 0 or a.dtype.kind != "f":
            return (value >= 0).all(-1) & ((value.sum(-1) - 1).abs() < 1e-6)
        # the same test, cheaper for many short rows (numpy's per-row reductions cost ~15 ns a row): einsum's row
        # sums, and the per-row sign test only when some entry is negative or NaN
        valid = np.abs(np.einsum("...i->...", a) - 1) < 1e-6
        if not a.min() >= 0:
            valid &= (a >= 0).all(-1)
        return _make(valid)


class _Multinomial(Constraint):
    """Nonnegative count vectors whose total is at most ``upper_bound``.

    Like torch this checks ``value.sum(-1) <= upper_bound`` rather than equality, and does not check integrality.
    """

    is_discrete = True
    event_dim = 1

    def __init__(self, upper_bound):
        self.upper_bound = upper_bound

    def check(self, x):
        x = _as_tensor(x)
        return (x >= 0).all(-1) & (x.sum(-1) <= self.upper_bound)


class _LowerTriangular(Constraint):
    """Square-or-not matrices with zeros above the diagonal."""

    event_dim = 2

    def check(self, value):
        value = _as_tensor(value)
        return _all_last(value.tril() == value, 2)


class _LowerCholesky(Constraint):
    """Lower-triangular matrices with a strictly positive diagonal."""

    event_dim = 2

    def check(self, value):
        value = _as_tensor(value)
        lower = _all_last(value.tril() == value, 2)
        positive_diag = (value.diagonal(dim1=-2, dim2=-1) > 0).all(-1)
        return lower & positive_diag


class _CorrCholesky(Constraint):
    """Cholesky factors of correlation matrices: lower Cholesky with rows of unit Euclidean norm."""

    event_dim = 2

    def check(self, value):
        value = _as_tensor(value)
        from ._dtype import finfo
        # Unit row norm within a tolerance that grows with the row length (10 is a fudge factor, as in torch).
        tol = finfo(value.dtype).eps * value.size(-1) * 10
        v = value.detach()
        row_norm = (v * v).sum(-1).sqrt()
        unit_rows = ((row_norm - 1.0).abs() <= tol).all(-1)
        return _LowerCholesky().check(value) & unit_rows


class _Square(Constraint):
    """Square matrices (a shape-only condition)."""

    event_dim = 2

    def check(self, value):
        value = _as_tensor(value)
        if value.dim() < 2:
            raise IndexError(f"square constraint expects value.dim() >= 2 but got {value.dim()}")
        return _bool_tensor(np.full(tuple(value.shape[:-2]), value.shape[-2] == value.shape[-1]))


class _Symmetric(_Square):
    """Square matrices equal to their transpose (entries within ``atol=1e-6``)."""

    def check(self, value):
        square = super().check(value)
        if not bool(square.all()):
            return square
        value = _as_tensor(value)
        arr = value.detach()._data
        if np.array_equal(arr, np.swapaxes(arr, -1, -2)):  # exactly symmetric (the usual case): skip the tolerances
            return _bool_tensor(np.ones(arr.shape[:-2], dtype=bool))
        from ._functions.math import isclose
        return _all_last(isclose(value, value.mT, atol=1e-6), 2)


class _PositiveSemidefinite(_Symmetric):
    """Symmetric matrices with nonnegative eigenvalues."""

    def check(self, value):
        sym = super().check(value)
        if not bool(sym.all()):
            return sym
        arr = _as_tensor(value).detach()._data
        return _bool_tensor((np.linalg.eigvalsh(arr) >= 0).all(-1))


class _PositiveDefinite(_Symmetric):
    """Symmetric matrices with positive eigenvalues: those with a Cholesky factorization."""

    def check(self, value):
        sym = super().check(value)
        if not bool(sym.all()):
            return sym
        arr = _as_tensor(value).detach()._data
        batch = arr.shape[:-2]
        try:  # the common case, every matrix valid: one batched factorization
            np.linalg.cholesky(arr)
            return _bool_tensor(np.ones(batch, dtype=bool))
        except np.linalg.LinAlgError:
            pass
        flat = arr.reshape((-1,) + arr.shape[-2:])
        ok = np.empty(flat.shape[0], dtype=bool)
        for i, m in enumerate(flat):
            # Cholesky succeeds exactly when the (symmetric) matrix is positive definite, like cholesky_ex's info==0.
            try:
                np.linalg.cholesky(m)
                ok[i] = True
            except np.linalg.LinAlgError:
                ok[i] = False
        return _bool_tensor(ok.reshape(batch))


def _constraint_list(cseq):
    """`cseq` as a list, checked to hold only Constraints (AssertionError otherwise, like torch)."""
    cseq = list(cseq)
    if not all(isinstance(c, Constraint) for c in cseq):
        raise AssertionError("All elements of cseq must be Constraint instances")
    return cseq


def _check_dim(dim, value):
    if not -value.dim() <= dim < value.dim():
        raise AssertionError(f"dim {dim} out of range for value with {value.dim()} dimensions")


class _Cat(Constraint):
    """Apply constraints ``cseq`` to consecutive slices along ``dim`` of lengths ``lengths`` (as ``cat`` joins them)."""

    def __init__(self, cseq, dim=0, lengths=None):
        self.cseq = _constraint_list(cseq)
        self.lengths = [1] * len(self.cseq) if lengths is None else list(lengths)
        if len(self.lengths) != len(self.cseq):
            raise AssertionError(f"lengths ({len(self.lengths)}) must match cseq ({len(self.cseq)})")
        self.dim = dim
        super().__init__()

    @property
    def is_discrete(self):
        return any(c.is_discrete for c in self.cseq)

    @property
    def event_dim(self):
        return max(c.event_dim for c in self.cseq)

    def check(self, value):
        value = _as_tensor(value)
        _check_dim(self.dim, value)
        from ._functions.shape import cat as _cat
        event_dim = self.event_dim
        pieces, start = [], 0
        for c, length in zip(self.cseq, self.lengths):
            # Bring every piece's result to the common batch shape value.shape[:-event_dim].
            pieces.append(_all_last(c.check(value.narrow(self.dim, start, length)), event_dim - c.event_dim))
            start = start + length
        dim = (self.dim if self.dim < 0 else self.dim - value.dim()) + event_dim
        if dim < 0:  # the cat dim is a batch dim: join the results along it
            return _cat(pieces, dim)
        # The cat dim lies inside the event: an event is valid when every piece of it is.
        result = pieces[0]
        for piece in pieces[1:]:
            result = result & piece
        return result


class _Stack(Constraint):
    """Apply constraint ``cseq[i]`` to ``value.select(dim, i)`` (as ``stack`` joins them)."""

    def __init__(self, cseq, dim=0):
        self.cseq = _constraint_list(cseq)
        self.dim = dim
        super().__init__()

    @property
    def is_discrete(self):
        return any(c.is_discrete for c in self.cseq)

    @property
    def event_dim(self):
        dim = max(c.event_dim for c in self.cseq)
        # torch's rule, kept for compatibility: a negative stacking dim with self.dim + event_dim < 0 counts as one
        # more event dim (check itself still stacks the per-slice results along dim).
        if self.dim + dim < 0:
            dim += 1
        return dim

    def check(self, value):
        value = _as_tensor(value)
        _check_dim(self.dim, value)
        from ._functions.shape import stack as _stack
        parts = [value.select(self.dim, i) for i in range(value.size(self.dim))]
        return _stack([c.check(v) for v, c in zip(parts, self.cseq)], self.dim)


# Public instances and factories, with torch's names.
dependent = _Dependent()
dependent_property = _DependentProperty
independent = _IndependentConstraint
boolean = _Boolean()
one_hot = _OneHot()
nonnegative_integer = _IntegerGreaterThan(0)
positive_integer = _IntegerGreaterThan(1)
integer_interval = _IntegerInterval
real = _Real()
real_vector = independent(real, 1)
positive = _GreaterThan(0.0)
nonnegative = _GreaterThanEq(0.0)
greater_than = _GreaterThan
greater_than_eq = _GreaterThanEq
less_than = _LessThan
multinomial = _Multinomial
unit_interval = _Interval(0.0, 1.0)
interval = _Interval
half_open_interval = _HalfOpenInterval
simplex = _Simplex()
lower_triangular = _LowerTriangular()
lower_cholesky = _LowerCholesky()
corr_cholesky = _CorrCholesky()
square = _Square()
symmetric = _Symmetric()
positive_semidefinite = _PositiveSemidefinite()
positive_definite = _PositiveDefinite()
cat = _Cat
stack = _Stack
