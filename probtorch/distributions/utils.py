"""Helpers shared by the distributions: parameter broadcasting, lazy attributes, probs <-> logits (and the
probs-or-logits parameterisation), the covariance/precision/scale_tril choice, properties forwarded to an underlying
distribution, triangular packing."""
import numbers

import numpy as np

from .. import _dtype
from .._tensor import Tensor, _make
from .._grad_mode import enable_grad

__all__ = ["broadcast_all", "lazy_property", "logits_to_probs", "probs_to_logits", "clamp_probs",
           "tril_matrix_to_vec", "vec_to_tril_matrix"]

euler_constant = 0.57721566490153286060  # Euler-Mascheroni constant


def broadcast_all(*values):
    """Broadcast tensors and Python numbers to one shape.

    Numbers become tensors of the dtype of the first tensor argument (the default float dtype if there is none).

    Args:
        *values: Tensors or numbers.

    Returns:
        tuple of Tensors sharing one shape (broadcast views).

    Raises:
        ValueError: if an argument is neither a Tensor nor a number.
    """
    dtype = None
    for v in values:
        if isinstance(v, Tensor):
            dtype = v.dtype
            break
        if not isinstance(v, numbers.Number) and not hasattr(v, "__torch_function__"):
            raise ValueError("Input arguments must all be instances of numbers.Number, probtorch.Tensor or objects "
                             f"implementing __torch_function__; got {type(v).__name__}.")
    else:
        for v in values:
            if not isinstance(v, numbers.Number):
                raise ValueError("Input arguments must all be instances of numbers.Number, probtorch.Tensor or "
                                 f"objects implementing __torch_function__; got {type(v).__name__}.")
    if dtype is None:
        dtype = _dtype.get_default_dtype()
    out = []
    for v in values:
        if isinstance(v, Tensor):
            out.append(v)
        elif isinstance(v, numbers.Number):
            out.append(_make(np.asarray(v, dtype.np)))
        else:
            raise ValueError("Input arguments must all be instances of numbers.Number, probtorch.Tensor or objects "
                             f"implementing __torch_function__; got {type(v).__name__}.")
    shapes = [v._data.shape for v in out]
    if all(s == shapes[0] for s in shapes):
        return tuple(out)
    from .._functions.shape import broadcast_tensors
    return tuple(broadcast_tensors(*out))


def _standard_normal(shape, dtype, device=None):
    """Standard normal noise of `dtype` from the default generator (float32 is drawn as float32: half the memory
    traffic of drawing float64 and casting; large draws take the ziggurat kernel)."""
    from .._random import standard_normal
    return _make(standard_normal(shape, dtype.np))


def _sum_rightmost(value, dim):
    """Sum out the `dim` rightmost dims of `value` (identity when dim == 0)."""
    if dim == 0:
        return value
    return value.reshape(tuple(value.shape[:value.dim() - dim]) + (-1,)).sum(-1)


def logits_to_probs(logits, is_binary=False):
    """Probabilities from logits: sigmoid for a binary variable, softmax over the last dim otherwise."""
    if is_binary:
        return logits.sigmoid()
    from ..nn.functional import softmax
    return softmax(logits, -1)


def clamp_probs(probs):
    """Clamp probabilities into [eps, 1 - eps] (eps the dtype's machine epsilon), so their logs stay finite."""
    eps = _dtype.finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs, is_binary=False):
    """Logits from probabilities: log-odds for a binary variable, log-probabilities otherwise."""
    p = clamp_probs(probs)
    if is_binary:
        return p.log() - (-p).log1p()
    return p.log()


class lazy_property:
    """A cached attribute computed on first access, then stored on the instance (replacing this descriptor).

    The computation runs with gradient recording on, so derived parameters keep their graph to the inputs.
    On the class, the descriptor itself is returned (distributions use that to skip validating lazy args).
    """

    def __init__(self, wrapped):
        self.wrapped = wrapped
        self.__doc__ = wrapped.__doc__
        self.__name__ = wrapped.__name__

    def __get__(self, instance, obj_type=None):
        if instance is None:
            return _lazy_property_and_property(self.wrapped)
        with enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


class _lazy_property_and_property(lazy_property, property):
    """What `lazy_property` returns on the class: a property too, so tools that look for properties find it."""

    def __init__(self, wrapped):
        property.__init__(self, wrapped)
        self.wrapped = wrapped
        self.__name__ = wrapped.__name__


class _ProbsOrLogits:
    """Mixin for a distribution given by exactly one of ``probs`` and ``logits``.

    The one given is stored under its name; the other is derived from it on first access (`lazy_property`).
    Binary distributions use sigmoid / log-odds; a class with ``_is_binary = False`` uses softmax / log over the
    last dim. ``expand`` passes ``("probs", "logits")`` to ``_expand_params``, which copies whichever are held.
    """

    _is_binary = True

    def _set_probs_or_logits(self, probs, logits, *others):
        """Store whichever of `probs` and `logits` is given (numbers become tensors), broadcast with `others`.

        Returns:
            list: `others` broadcast to the parameter's shape.

        Raises:
            ValueError: unless exactly one of `probs` and `logits` is given.
        """
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        name, value = ("probs", probs) if probs is not None else ("logits", logits)
        *others, value = broadcast_all(*others, value)
        setattr(self, name, value)
        return others

    @property
    def _param(self):
        """The parameter held: probs or logits (once both are computed, either: they share shape and dtype)."""
        d = self.__dict__
        return d["probs"] if "probs" in d else d["logits"]

    @lazy_property
    def logits(self):
        return probs_to_logits(self.probs, is_binary=self._is_binary)

    @lazy_property
    def probs(self):
        return logits_to_probs(self.logits, is_binary=self._is_binary)


def _one_matrix_parameter(covariance_matrix, precision_matrix, scale_tril):
    """The one matrix parameter given (MultivariateNormal, Wishart), as ``(name, value)``.

    Raises:
        ValueError: unless exactly one of the three is given.
    """
    given = [(name, value) for name, value in (("scale_tril", scale_tril), ("covariance_matrix", covariance_matrix),
                                               ("precision_matrix", precision_matrix)) if value is not None]
    if len(given) != 1:
        raise ValueError("Exactly one of covariance_matrix or precision_matrix or scale_tril may be specified.")
    return given[0]


def _forwarded(owner, name):
    """A read-only property returning ``self.<owner>.<name>``, for a distribution built around another one
    (e.g. ``probs = _forwarded("_categorical", "probs")``)."""
    def get(self):
        return getattr(getattr(self, owner), name)
    get.__name__ = name
    get.__doc__ = f"The ``{name}`` of the underlying ``{owner}``."
    return property(get)


def tril_matrix_to_vec(mat, diag=0):
    """The entries of the lower triangle of `mat` (offset `diag`), row by row, as the last dim."""
    n = mat.shape[-1]
    if not -n <= diag < n:
        raise ValueError(f"diag ({diag}) provided is outside [{-n}, {n - 1}].")
    rows, cols = np.tril_indices(n, diag)
    keep = rows < mat.shape[-2]
    return mat[..., _make(rows[keep]), _make(cols[keep])]


def vec_to_tril_matrix(vec, diag=0):
    """Inverse of `tril_matrix_to_vec` for square matrices: the last dim fills the lower triangle row by row."""
    m = vec.shape[-1]
    n = _solve_tril_n(m, diag)
    rows, cols = np.tril_indices(n, diag)
    lead = tuple(vec.shape[:-1])
    from .._functions.creation import zeros
    flat = _make(rows * n + cols)
    idx = flat.expand(lead + (len(rows),)) if lead else flat
    return zeros(lead + (n * n,), dtype=vec.dtype).scatter(-1, idx, vec).reshape(lead + (n, n))


def _solve_tril_n(m, diag):
    """The size n of the square matrix whose lower triangle (offset diag) holds m entries."""
    for n in range(max(1, -diag), 2 * int(m ** 0.5) + abs(diag) + 3):
        if len(np.tril_indices(n, diag)[0]) == m:
            return n
    raise ValueError(f"a vector of length {m} does not fill the lower triangle (offset {diag}) of a square matrix")
