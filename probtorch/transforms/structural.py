"""Structural transforms: reinterpret dims, reshape, or apply different transforms to slices of one tensor."""
from .. import constraints
from .._tensor import Size
from .transform import Transform, _sum_rightmost

__all__ = ["CatTransform", "IndependentTransform", "ReshapeTransform", "StackTransform"]


class IndependentTransform(Transform):
    """Wrap ``base_transform`` so that ``reinterpreted_batch_ndims`` extra rightmost dims belong to the event.

    The values are the base transform's; the log-det is additionally summed over those dims.

    Args:
        base_transform (Transform): the transform to wrap.
        reinterpreted_batch_ndims (int): how many batch dims to treat as event dims.
        cache_size (int): 0 or 1 (passed on to the base transform).
    """

    def __init__(self, base_transform, reinterpreted_batch_ndims, cache_size=0):
        super().__init__(cache_size=cache_size)
        self.base_transform = base_transform.with_cache(cache_size) if cache_size else base_transform
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims

    def with_cache(self, cache_size=1):
        if self._cache_size == cache_size:
            return self
        return IndependentTransform(self.base_transform, self.reinterpreted_batch_ndims, cache_size=cache_size)

    @property
    def domain(self):
        return constraints.independent(self.base_transform.domain, self.reinterpreted_batch_ndims)

    @property
    def codomain(self):
        return constraints.independent(self.base_transform.codomain, self.reinterpreted_batch_ndims)

    @property
    def bijective(self):
        return self.base_transform.bijective

    @property
    def sign(self):
        return self.base_transform.sign

    def _call(self, x):
        if x.dim() < self.domain.event_dim:
            raise ValueError("Too few dimensions on input")
        return self.base_transform(x)

    def _inverse(self, y):
        if y.dim() < self.codomain.event_dim:
            raise ValueError("Too few dimensions on input")
        return self.base_transform.inv(y)

    def log_abs_det_jacobian(self, x, y):
        return _sum_rightmost(self.base_transform.log_abs_det_jacobian(x, y), self.reinterpreted_batch_ndims)

    def __repr__(self):
        return f"{self.__class__.__name__}({self.base_transform!r}, {self.reinterpreted_batch_ndims})"

    def forward_shape(self, shape):
        return self.base_transform.forward_shape(shape)

    def inverse_shape(self, shape):
        return self.base_transform.inverse_shape(shape)


class ReshapeTransform(Transform):
    """Reshape the rightmost ``in_shape`` dims of ``x`` to ``out_shape`` (a volume-preserving bijection).

    Args:
        in_shape (sequence of int): event shape of the input.
        out_shape (sequence of int): event shape of the output; must have as many elements.
        cache_size (int): 0 or 1.
    """

    bijective = True

    def __init__(self, in_shape, out_shape, cache_size=0):
        self.in_shape = Size(in_shape)
        self.out_shape = Size(out_shape)
        if self.in_shape.numel() != self.out_shape.numel():
            raise ValueError("in_shape, out_shape have different numbers of elements")
        super().__init__(cache_size=cache_size)

    @property
    def domain(self):
        return constraints.independent(constraints.real, len(self.in_shape))

    @property
    def codomain(self):
        return constraints.independent(constraints.real, len(self.out_shape))

    def with_cache(self, cache_size=1):
        if self._cache_size == cache_size:
            return self
        return ReshapeTransform(self.in_shape, self.out_shape, cache_size=cache_size)

    def _call(self, x):
        batch = tuple(x.shape[:x.dim() - len(self.in_shape)])
        return x.reshape(batch + tuple(self.out_shape))

    def _inverse(self, y):
        batch = tuple(y.shape[:y.dim() - len(self.out_shape)])
        return y.reshape(batch + tuple(self.in_shape))

    def log_abs_det_jacobian(self, x, y):
        batch = tuple(x.shape[:x.dim() - len(self.in_shape)])
        return x.new_zeros(batch)

    @staticmethod
    def _swap(shape, src, dst):
        shape = tuple(shape)
        if len(shape) < len(src):
            raise ValueError("Too few dimensions on input")
        cut = len(shape) - len(src)
        if shape[cut:] != tuple(src):
            raise ValueError(f"Shape mismatch: expected {Size(shape[cut:])} but got {src}")
        return Size(shape[:cut] + tuple(dst))

    def forward_shape(self, shape):
        return self._swap(shape, self.in_shape, self.out_shape)

    def inverse_shape(self, shape):
        return self._swap(shape, self.out_shape, self.in_shape)


def _parts(tseq, cache_size):
    """`tseq` as a list of Transforms, each given `cache_size` (when nonzero); AssertionError for a non-Transform."""
    tseq = list(tseq)
    if not all(isinstance(t, Transform) for t in tseq):
        raise AssertionError("All elements of tseq must be Transform instances")
    return [t.with_cache(cache_size) for t in tseq] if cache_size else tseq


def _check_dim(dim, x):
    if not -x.dim() <= dim < x.dim():
        raise AssertionError(f"dim {dim} out of range for a tensor with {x.dim()} dimensions")


class CatTransform(Transform):
    """Apply ``tseq[i]`` to consecutive slices of lengths ``lengths[i]`` along ``dim``, compatible with ``cat``.

    Args:
        tseq (sequence of Transform): the transforms.
        dim (int): the dim the slices are taken along.
        lengths (sequence of int, optional): slice lengths (default all 1).
        cache_size (int): 0 or 1, applied to every part.

    Example::

        x = probtorch.cat([x0, x1], dim=0)   # x0 in real, x1 positive in the output
        t = CatTransform([identity_transform, ExpTransform()], dim=0, lengths=[x0.size(0), x1.size(0)])
    """

    def __init__(self, tseq, dim=0, lengths=None, cache_size=0):
        super().__init__(cache_size=cache_size)
        self.transforms = _parts(tseq, cache_size)
        self.lengths = [1] * len(self.transforms) if lengths is None else list(lengths)
        if len(self.lengths) != len(self.transforms):
            raise AssertionError(f"lengths ({len(self.lengths)}) must match the number of transforms "
                             f"({len(self.transforms)})")
        self.dim = dim

    @property
    def event_dim(self):
        return max(t.event_dim for t in self.transforms)

    @property
    def length(self):
        return sum(self.lengths)

    def with_cache(self, cache_size=1):
        if self._cache_size == cache_size:
            return self
        return CatTransform(self.transforms, self.dim, self.lengths, cache_size)

    def _apply(self, x, inverse):
        from .._functions.shape import cat
        _check_dim(self.dim, x)
        if x.size(self.dim) != self.length:
            raise AssertionError(f"x.size({self.dim}) = {x.size(self.dim)} must equal length {self.length}")
        out, start = [], 0
        for t, length in zip(self.transforms, self.lengths):
            piece = x.narrow(self.dim, start, length)
            out.append(t.inv(piece) if inverse else t(piece))
            start = start + length
        return cat(out, self.dim)

    def _call(self, x):
        return self._apply(x, False)

    def _inverse(self, y):
        return self._apply(y, True)

    def log_abs_det_jacobian(self, x, y):
        from .._functions.shape import cat
        _check_dim(self.dim, x)
        if x.size(self.dim) != self.length or y.size(self.dim) != self.length:
            raise AssertionError(f"x.size({self.dim}) and y.size({self.dim}) must equal length {self.length}")
        terms, start = [], 0
        for t, length in zip(self.transforms, self.lengths):
            term = t.log_abs_det_jacobian(x.narrow(self.dim, start, length), y.narrow(self.dim, start, length))
            terms.append(_sum_rightmost(term, self.event_dim - t.event_dim))
            start = start + length
        # If the cat dim is a batch dim the per-slice log-dets are joined along it; inside the event they add up.
        dim = self.dim if self.dim < 0 else self.dim - x.dim()
        dim = dim + self.event_dim
        if dim < 0:
            return cat(terms, dim)
        total = terms[0]
        for term in terms[1:]:
            total = total + term
        return total

    @property
    def bijective(self):
        return all(t.bijective for t in self.transforms)

    @property
    def domain(self):
        return constraints.cat([t.domain for t in self.transforms], self.dim, self.lengths)

    @property
    def codomain(self):
        return constraints.cat([t.codomain for t in self.transforms], self.dim, self.lengths)


class StackTransform(Transform):
    """Apply ``tseq[i]`` to ``x.select(dim, i)`` and stack the results along ``dim``, compatible with ``stack``.

    Args:
        tseq (sequence of Transform): one transform per index along ``dim``.
        dim (int): the stacking dim.
        cache_size (int): 0 or 1, applied to every part.
    """

    def __init__(self, tseq, dim=0, cache_size=0):
        super().__init__(cache_size=cache_size)
        self.transforms = _parts(tseq, cache_size)
        self.dim = dim

    def with_cache(self, cache_size=1):
        if self._cache_size == cache_size:
            return self
        return StackTransform(self.transforms, self.dim, cache_size)

    def _slices(self, z):
        _check_dim(self.dim, z)
        if z.size(self.dim) != len(self.transforms):
            raise AssertionError(f"Expected size {len(self.transforms)} along dim {self.dim} "
                                 f"but got {z.size(self.dim)}")
        return [z.select(self.dim, i) for i in range(z.size(self.dim))]

    def _call(self, x):
        from .._functions.shape import stack
        return stack([t(xi) for t, xi in zip(self.transforms, self._slices(x))], self.dim)

    def _inverse(self, y):
        from .._functions.shape import stack
        return stack([t.inv(yi) for t, yi in zip(self.transforms, self._slices(y))], self.dim)

    def log_abs_det_jacobian(self, x, y):
        from .._functions.shape import stack
        terms = [t.log_abs_det_jacobian(xi, yi)
                 for t, xi, yi in zip(self.transforms, self._slices(x), self._slices(y))]
        return stack(terms, self.dim)

    @property
    def bijective(self):
        return all(t.bijective for t in self.transforms)

    @property
    def domain(self):
        return constraints.stack([t.domain for t in self.transforms], self.dim)

    @property
    def codomain(self):
        return constraints.stack([t.codomain for t in self.transforms], self.dim)
