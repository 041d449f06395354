"""probtorch.gradient: derivatives of sampled values by finite differences (torch.gradient / numpy.gradient).

Built from differentiable Tensor ops (slices, arithmetic, cat), so the result can itself be differentiated.
"""
import numbers

from .. import _dtype
from .._tensor import Tensor

__all__ = ["gradient"]


def gradient(input, *, spacing=1, dim=None, edge_order=1):
    r"""Estimate the derivative of a function sampled on a grid, along one or more dimensions.

    Interior points use second-order accurate central differences; the two edge points use one-sided differences
    of first or second order (`edge_order`). With samples :math:`f_i` at coordinates :math:`x_i` and neighbour
    distances :math:`h_l = x_i - x_{i-1}`, :math:`h_r = x_{i+1} - x_i`, the interior estimate is

    .. math::
        f'(x_i) \approx \frac{h_l^2 f_{i+1} - h_r^2 f_{i-1} + (h_r^2 - h_l^2) f_i}{h_l h_r (h_l + h_r)},

    which is :math:`(f_{i+1} - f_{i-1}) / 2h` for even spacing.

    Args:
        input (Tensor): the sampled values; integer tensors give results in the default float dtype.
        spacing (scalar, list of scalars, or list of 1-D Tensors): the distance between samples (one value for
            every dimension, or one per dimension) or the coordinates of the samples along each dimension.
            When `dim` is given, the list matches `dim`; otherwise it has one entry per dimension of `input`.
        dim (int or list of ints, optional): the dimensions to differentiate along; all of them by default.
        edge_order (int): 1 or 2, the accuracy order of the differences at the edges.

    Returns:
        tuple of Tensors: one derivative per differentiated dimension, each shaped like `input`.

    Example::

        >>> probtorch.gradient(probtorch.tensor([4., 1., 1., 16.]), spacing=(probtorch.tensor([-2., -1., 1., 4.]),))
        (tensor([-3., -2.,  2.,  5.]),)
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"gradient(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if input.dtype is _dtype.uint8:
        raise RuntimeError("probtorch.gradient does not support uint8 input.")
    if input.dtype is _dtype.bool:
        raise RuntimeError("probtorch.gradient does not support bool input: differences of booleans are not defined.")
    if edge_order not in (1, 2) or isinstance(edge_order, bool):
        raise RuntimeError("probtorch.gradient only supports edge_order=1 and edge_order=2.")
    ndim = input.ndim
    dims = _dims(dim, ndim)
    specs = _spacings(spacing, dims, dim is not None, ndim)
    for d in dims:
        if input.shape[d] < edge_order + 1:
            raise RuntimeError("probtorch.gradient expected each dimension size to be at least edge_order+1")
    return tuple(_along(input, d, s, edge_order) for d, s in zip(dims, specs))


def _dims(dim, ndim):
    if dim is None:
        return list(range(ndim))
    single = isinstance(dim, numbers.Integral)
    items = [dim] if single else list(dim)
    n = max(ndim, 1)
    res = []
    for d in items:
        if not isinstance(d, numbers.Integral) or isinstance(d, bool):
            raise TypeError(f"gradient(): argument 'dim' must be an int or a list of ints, but got "
                            f"{type(d).__name__}")
        if not -n <= d < n:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {d})")
        d = int(d) % n
        if d in res:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
        res.append(d)
    return res


def _is_scalar(s):
    return isinstance(s, numbers.Number) or (isinstance(s, Tensor) and s.ndim == 0)


def _scalar(s):
    return s.item() if isinstance(s, Tensor) else s


def _spacings(spacing, dims, dim_given, ndim):
    """One ("step", h) or ("coords", tensor) per differentiated dimension."""
    if spacing is None:
        spacing = 1
    if _is_scalar(spacing):
        return [("step", _scalar(spacing))] * len(dims)
    if isinstance(spacing, Tensor):
        raise TypeError("gradient(): argument 'spacing' must be a scalar, a list of scalars or a list of 1-D "
                        f"coordinate Tensors, not a {spacing.ndim}-D Tensor")
    items = list(spacing)
    tensors = [isinstance(s, Tensor) for s in items]
    if any(tensors) and not all(tensors):
        bad = tensors.index(False)
        raise TypeError(f"gradient(): expected Tensor as element {bad} in argument 'spacing', but got "
                        f"{type(items[bad]).__name__}")
    if len(items) != len(dims):
        if dim_given:
            raise RuntimeError("probtorch.gradient expected spacing to be unspecified, a scalar or it's spacing and "
                               "dim arguments to have the same length, but got a spacing argument of length "
                               f"{len(items)} and a dim argument of length {len(dims)}.")
        raise RuntimeError("probtorch.gradient expected spacing to be unspecified, a scalar, or a list of length "
                           f"equal to 'self.dim() = {ndim}', since dim argument was not given, but got a list of "
                           f"length {len(items)}")
    if not any(tensors):
        for s in items:
            if not isinstance(s, numbers.Number):
                raise TypeError(f"gradient(): spacing entries must be numbers or Tensors, not {type(s).__name__}")
        return [("step", s) for s in items]
    for s in items:
        if s.ndim != 1:
            raise RuntimeError("probtorch.gradient expected each element of spacing to have one dimension, but got "
                               f"an element with {s.ndim} dimensions!")
    return [("coords", s) for s in items]


def _result_dtype(input, coords=None):
    dt = input.dtype if coords is None else _dtype.promote_types(input.dtype, coords.dtype)
    if not (dt.is_floating_point or dt.is_complex):
        dt = _dtype.get_default_dtype()
    return dt


def _along(input, d, spec, edge_order):
    kind, s = spec
    n = input.shape[d]
    if kind == "step":
        f = input.to(_result_dtype(input))
        h = s

        def part(a, b):
            return f.narrow(d, a, b - a)
        interior = (part(2, n) - part(0, n - 2)) / (2 * h)
        if edge_order == 1:
            first = (part(1, 2) - part(0, 1)) / h
            last = (part(n - 1, n) - part(n - 2, n - 1)) / h
        else:
            first = (-1.5 * part(0, 1) + 2 * part(1, 2) - 0.5 * part(2, 3)) / h
            last = (0.5 * part(n - 3, n - 2) - 2 * part(n - 2, n - 1) + 1.5 * part(n - 1, n)) / h
        return _cat(first, interior, last, d)
    if s.shape[0] != n:
        raise RuntimeError(f"probtorch.gradient expected the coordinates along dimension {d} to have length {n} "
                           f"(the size of that dimension), but got {s.shape[0]}")
    dt = _result_dtype(input, s)
    f = input.to(dt)
    x = s.to(dt)
    lead = (1,) * (input.ndim - d - 1)

    def part(a, b):
        return f.narrow(d, a, b - a)

    def col(v):  # coefficients along `d`, broadcast over the trailing dimensions
        return v.reshape((v.shape[0],) + lead)
    dx = x[1:] - x[:-1]
    hl, hr = dx[:-1], dx[1:]
    interior = (col(-hr / (hl * (hl + hr))) * part(0, n - 2) + col((hr - hl) / (hl * hr)) * part(1, n - 1)
                + col(hl / (hr * (hl + hr))) * part(2, n))
    if edge_order == 1:
        first = (part(1, 2) - part(0, 1)) / dx[0]
        last = (part(n - 1, n) - part(n - 2, n - 1)) / dx[-1]
    else:
        a, b = dx[0], dx[1]   # one-sided second-order stencils on unequal steps (the Lagrange derivative)
        first = (-(2 * a + b) / (a * (a + b)) * part(0, 1) + (a + b) / (a * b) * part(1, 2)
                 - a / (b * (a + b)) * part(2, 3))
        a, b = dx[-2], dx[-1]
        last = (b / (a * (a + b)) * part(n - 3, n - 2) - (a + b) / (a * b) * part(n - 2, n - 1)
                + (2 * b + a) / (b * (a + b)) * part(n - 1, n))
    return _cat(first, interior, last, d)


def _cat(first, interior, last, d):
    from .shape import cat
    return cat([first, interior, last], d)
