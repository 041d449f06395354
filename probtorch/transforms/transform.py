"""The Transform contract: a (usually bijective) map with an inverse, a log-det-jacobian and a one-slot cache.

``Transform`` is the base class, ``_InverseTransform`` the lazily built inverse view, ``ComposeTransform`` the chain
of parts with event-dim bookkeeping, and ``identity_transform`` the empty chain. Semantics follow
``torch.distributions.transforms``.
"""
import weakref

from .. import constraints

__all__ = ["Transform", "ComposeTransform", "identity_transform"]


def _sum_rightmost(value, dim):
    """Sum the ``dim`` rightmost dims of ``value`` (``dim == 0`` returns it unchanged)."""
    if dim == 0:
        return value
    return value.reshape(tuple(value.shape[:value.dim() - dim]) + (-1,)).sum(-1)


class Transform:
    """An invertible (or pseudo-invertible) map ``y = t(x)`` with a computable ``log|det dy/dx|``.

    Subclasses declare ``domain`` and ``codomain`` (constraints), ``bijective`` and, when bijective and univariate,
    ``sign``; they implement ``_call`` and/or ``_inverse``, and bijective ones ``log_abs_det_jacobian``.

    Caching: with ``cache_size=1`` the transform remembers the latest pair ``(x, y)``, keyed by object identity, so
    ``t.inv(t(x)) is x`` and ``t(t.inv(y)) is y``. This lets a sample keep its gradient path when an inverse would be
    costly or inexact, but it also means the cache does not notice in-place changes of the transform's parameters or
    of ``x`` (see the tests for what a user then sees).

    Args:
        cache_size (int): 0 (no cache) or 1 (cache the latest value). Other values raise ValueError.

    Attributes:
        domain (Constraint): the valid inputs.
        codomain (Constraint): the valid outputs.
        bijective (bool): whether the map is one-to-one and onto its codomain. A non-bijective transform only
            satisfies ``t(t.inv(t(x))) == t(x)`` and ``t.inv(t(t.inv(y))) == t.inv(y)``.
        sign (int or Tensor): sign of the derivative, for bijective univariate transforms.

    Example::

        >>> t = ExpTransform(cache_size=1)
        >>> x = probtorch.randn(3, requires_grad=True)
        >>> y = t(x)
        >>> t.inv(y) is x          # the cached pair: no log(), and the graph back to x is kept
        True
        >>> t.log_abs_det_jacobian(x, y).sum().backward()
    """

    bijective = False

    def __init__(self, cache_size=0):
        if cache_size == 0:
            pass
        elif cache_size == 1:
            self._cached_x_y = None, None
        else:
            raise ValueError("cache_size must be 0 or 1")
        self._cache_size = cache_size
        self._inv = None
        super().__init__()

    def __getstate__(self):
        # The weak reference to the inverse cannot be pickled or deep-copied; it is rebuilt on demand.
        state = self.__dict__.copy()
        state["_inv"] = None
        return state

    @property
    def event_dim(self):
        if self.domain.event_dim == self.codomain.event_dim:
            return self.domain.event_dim
        raise ValueError("Please use either .domain.event_dim or .codomain.event_dim")

    @property
    def inv(self):
        """The inverse transform, with ``t.inv.inv is t``. It is held weakly, so it lives as long as a user holds it."""
        inv = None if self._inv is None else self._inv()
        if inv is None:
            inv = _InverseTransform(self)
            self._inv = weakref.ref(inv)
        return inv

    @property
    def sign(self):
        """Sign of the derivative (+1 or -1, or a Tensor) for bijective univariate transforms."""
        raise NotImplementedError

    def with_cache(self, cache_size=1):
        """This transform with the given cache size (``self`` if it already has it)."""
        if self._cache_size == cache_size:
            return self
        if type(self).__init__ is Transform.__init__:
            return type(self)(cache_size=cache_size)
        raise NotImplementedError(f"{type(self)}.with_cache is not implemented")

    def __eq__(self, other):
        return self is other

    def __ne__(self, other):
        return not self.__eq__(other)

    # Defining __eq__ makes instances unhashable, as in torch.
    __hash__ = None

    def __call__(self, x):
        """Apply the transform to ``x``, returning the cached output if ``x`` is the cached input."""
        if self._cache_size == 0:
            return self._call(x)
        x_old, y_old = self._cached_x_y
        if x is x_old:
            return y_old
        y = self._call(x)
        self._cached_x_y = x, y
        return y

    def _inv_call(self, y):
        """Apply the inverse to ``y``, returning the cached input if ``y`` is the cached output."""
        if self._cache_size == 0:
            return self._inverse(y)
        x_old, y_old = self._cached_x_y
        if y is y_old:
            return x_old
        x = self._inverse(y)
        self._cached_x_y = x, y
        return x

    def _call(self, x):
        """The forward map (implemented by subclasses)."""
        raise NotImplementedError

    def _inverse(self, y):
        """The (pseudo-)inverse map (implemented by subclasses)."""
        raise NotImplementedError

    def log_abs_det_jacobian(self, x, y):
        """``log|det dy/dx|`` at the pair ``(x, y)``, summed over the transform's event dims."""
        raise NotImplementedError

    def __repr__(self):
        return self.__class__.__name__ + "()"

    def forward_shape(self, shape):
        """Output shape for an input of ``shape``."""
        return shape

    def inverse_shape(self, shape):
        """Input shape for an output of ``shape``."""
        return shape


class _InverseTransform(Transform):
    """The inverse of a transform, built by ``Transform.inv``; its own ``inv`` is the original (held strongly)."""

    def __init__(self, transform):
        super().__init__(cache_size=transform._cache_size)
        self._inv = transform

    def __getstate__(self):
        # Unlike a forward transform's weak link, the link back to the original is what this object is.
        return self.__dict__.copy()

    @property
    def domain(self):
        return self._inv.codomain

    @property
    def codomain(self):
        return self._inv.domain

    @property
    def bijective(self):
        return self._inv.bijective

    @property
    def sign(self):
        return self._inv.sign

    @property
    def inv(self):
        return self._inv

    def with_cache(self, cache_size=1):
        return self.inv.with_cache(cache_size).inv

    def __eq__(self, other):
        if not isinstance(other, _InverseTransform):
            return False
        return self._inv == other._inv

    def __repr__(self):
        return f"{self.__class__.__name__}({self._inv!r})"

    def __call__(self, x):
        # The forward transform owns the cache, so both directions share one slot.
        return self._inv._inv_call(x)

    def log_abs_det_jacobian(self, x, y):
        return -self._inv.log_abs_det_jacobian(y, x)

    def forward_shape(self, shape):
        return self._inv.inverse_shape(shape)

    def inverse_shape(self, shape):
        return self._inv.forward_shape(shape)


class ComposeTransform(Transform):
    """Apply ``parts`` in order: ``y = parts[-1](...parts[0](x))``.

    The composite's domain and codomain carry the largest event dim any part needs (wrapping the first part's domain
    and the last part's codomain in ``independent`` as required), and the log-det sums each part's log-det after
    reducing it over the composite's extra event dims. Caching lives in the parts: ``ComposeTransform(parts,
    cache_size=1)`` calls ``with_cache(1)`` on every part, and a chain caches only if every part does.

    Args:
        parts (list of Transform): the transforms to chain.
        cache_size (int): 0 or 1, applied to every part.

    Example::

        >>> t = ComposeTransform([AffineTransform(0., 2.), StickBreakingTransform()])
        >>> t.domain.event_dim, t.codomain.event_dim      # the affine part is lifted to the vector event
        (1, 1)
        >>> t.log_abs_det_jacobian(x, t(x)).shape == x.shape[:-1]
        True
    """

    def __init__(self, parts, cache_size=0):
        parts = list(parts)
        if cache_size:
            parts = [part.with_cache(cache_size) for part in parts]
        super().__init__(cache_size=cache_size)
        self.parts = parts

    def __eq__(self, other):
        if not isinstance(other, ComposeTransform):
            return False
        return self.parts == other.parts

    @property
    def domain(self):
        if not self.parts:
            return constraints.real
        # Walk backwards: the event dim each part must see at its input so the last codomain's event fits.
        event_dim = self.parts[-1].codomain.event_dim
        for part in reversed(self.parts):
            event_dim = max(part.domain.event_dim, event_dim - part.codomain.event_dim + part.domain.event_dim)
        domain = self.parts[0].domain
        if event_dim > domain.event_dim:
            domain = constraints.independent(domain, event_dim - domain.event_dim)
        return domain

    @property
    def codomain(self):
        if not self.parts:
            return constraints.real
        event_dim = self.parts[0].domain.event_dim
        for part in self.parts:
            event_dim = max(part.codomain.event_dim, event_dim - part.domain.event_dim + part.codomain.event_dim)
        codomain = self.parts[-1].codomain
        if event_dim > codomain.event_dim:
            codomain = constraints.independent(codomain, event_dim - codomain.event_dim)
        return codomain

    @property
    def bijective(self):
        return all(p.bijective for p in self.parts)

    @property
    def sign(self):
        sign = 1
        for p in self.parts:
            sign = sign * p.sign
        return sign

    @property
    def inv(self):
        inv = None if self._inv is None else self._inv()
        if inv is None:
            inv = ComposeTransform([p.inv for p in reversed(self.parts)])
            self._inv = weakref.ref(inv)
            inv._inv = weakref.ref(self)
        return inv

    def with_cache(self, cache_size=1):
        if self._cache_size == cache_size:
            return self
        return ComposeTransform(self.parts, cache_size=cache_size)

    def __call__(self, x):
        for part in self.parts:
            x = part(x)
        return x

    def log_abs_det_jacobian(self, x, y):
        if not self.parts:
            from .._functions.creation import zeros_like
            return zeros_like(x)
        # Intermediate values; free when the parts are cached (each part returns its cached output).
        xs = [x]
        for part in self.parts[:-1]:
            xs.append(part(xs[-1]))
        xs.append(y)
        total = None
        event_dim = self.domain.event_dim
        for part, xi, yi in zip(self.parts, xs[:-1], xs[1:]):
            term = _sum_rightmost(part.log_abs_det_jacobian(xi, yi), event_dim - part.domain.event_dim)
            total = term if total is None else total + term
            event_dim += part.codomain.event_dim - part.domain.event_dim
        return total

    def forward_shape(self, shape):
        for part in self.parts:
            shape = part.forward_shape(shape)
        return shape

    def inverse_shape(self, shape):
        for part in reversed(self.parts):
            shape = part.inverse_shape(shape)
        return shape

    def __repr__(self):
        inner = ",\n    ".join(repr(p) for p in self.parts)
        return f"{self.__class__.__name__}(\n    {inner}\n)"


identity_transform = ComposeTransform([])
