"""Ready-made parametrizations (see `parametrize`): orthogonal, spectral_norm, weight_norm."""
from enum import Enum, auto

from ..._grad_mode import no_grad
from ..._tensor import Tensor
from ..modules.module import Module
from .parametrize import register_parametrization

__all__ = ["orthogonal", "spectral_norm", "weight_norm"]


# ---------------------------------------------------------------------------------------------- orthogonal
class _OrthMaps(Enum):
    matrix_exp = auto()
    cayley = auto()
    householder = auto()


def _is_orthogonal(q):
    from ... import allclose, eye, finfo
    n, k = q.shape[-2], q.shape[-1]
    eps = 10.0 * n * finfo(q.dtype).eps
    return allclose(q.mH @ q, eye(k, dtype=q.dtype), atol=eps)


def _make_orthogonal(a):
    """The Q factor of ``a``'s QR decomposition with its columns' signs fixed so that diag(R) > 0 (unique Q)."""
    from ... import geqrf
    from ...linalg import householder_product
    x, tau = geqrf(a)
    q = householder_product(x, tau)
    return q * x.diagonal(dim1=-2, dim2=-1).sgn().unsqueeze(-2)


class _Orthogonal(Module):
    """Maps an unconstrained matrix to one with orthonormal columns (or rows, for wide matrices).

    ``matrix_exp`` / ``cayley`` apply the exponential / Cayley transform to the skew-symmetric matrix built from
    the lower triangle; ``householder`` reads the strict lower triangle as Householder reflectors. With
    ``use_trivialization`` the result is multiplied by an orthogonal buffer ``base`` (set by `right_inverse`), so
    the original tensor starts at a fixed point of the map and optimizers see a well-conditioned problem.
    """

    def __init__(self, weight, orthogonal_map, *, use_trivialization=True):
        super().__init__()
        if weight.is_complex() and orthogonal_map == _OrthMaps.householder:
            raise ValueError("The householder parametrization does not support complex tensors.")
        self.shape = weight.shape
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, X):
        from ... import cat, eye
        from ...linalg import householder_product, matrix_exp, solve
        n, k = X.shape[-2], X.shape[-1]
        transposed = n < k
        if transposed:
            X = X.mT
            n, k = k, n
        # from here on X is tall (n >= k)
        if self.orthogonal_map in (_OrthMaps.matrix_exp, _OrthMaps.cayley):
            X = X.tril()
            if n != k:
                X = cat([X, X.new_zeros(n, n - k).expand(*X.shape[:-2], -1, -1)], dim=-1)
            A = X - X.mH  # skew-Hermitian, so both maps below give a unitary matrix
            if self.orthogonal_map == _OrthMaps.matrix_exp:
                Q = matrix_exp(A)
            else:
                Id = eye(n, dtype=A.dtype)
                Q = solve(Id - 0.5 * A, Id + 0.5 * A)
            if n != k:
                Q = Q[..., :k]
        else:
            A = X.tril(diagonal=-1)
            tau = 2.0 / (1.0 + (A * A).sum(dim=-2))
            Q = householder_product(A, tau)
            # the diagonal's integer part (+-1 after right_inverse) flips column signs
            Q = Q * X.diagonal(dim1=-2, dim2=-1).int().unsqueeze(-2)
        if self.__dict__["_buffers"].get("base") is not None:
            Q = self.base @ Q
        if transposed:
            Q = Q.mT
        return Q

    def right_inverse(self, Q):
        from ... import cat, geqrf, randn, where, zeros_like
        with no_grad():
            if tuple(Q.shape) != tuple(self.shape):
                raise ValueError(f"Expected a matrix or batch of matrices of shape {self.shape}. Got a tensor of "
                                 f"shape {Q.shape}.")
            Q_init = Q
            n, k = Q.shape[-2], Q.shape[-1]
            transpose = n < k
            if transpose:
                Q = Q.mT
                n, k = k, n
            if "base" not in self.__dict__["_buffers"]:
                if self.orthogonal_map in (_OrthMaps.cayley, _OrthMaps.matrix_exp):
                    raise NotImplementedError("It is not possible to assign to the matrix exponential or the Cayley "
                                              "parametrizations when use_trivialization=False.")
                # householder: reflectors of Q's QR, diagonal set to the sign that reproduces Q's columns
                A, tau = geqrf(Q)
                d = A.diagonal(dim1=-2, dim2=-1)
                sign = where(tau == 0.0, -d.sgn(), d.sgn())
                A = A.clone()
                A.diagonal(dim1=-2, dim2=-1).copy_(sign)
                return A.mT if transpose else A
            if n == k:
                Q = Q.clone() if _is_orthogonal(Q) else _make_orthogonal(Q)
            else:
                # complete the tall matrix to a square one with random columns, then orthogonalize
                N = randn(*(tuple(Q.shape[:-2]) + (n, n - k)), dtype=Q.dtype)
                Q = _make_orthogonal(cat([Q, N], dim=-1))
            self.base = Q
            # -Id is mapped to Id by all three maps, so the parametrized value is base[..., :k] (= Q when square)
            neg_id = zeros_like(Q_init)
            neg_id.diagonal(dim1=-2, dim2=-1).fill_(-1.0)
            return neg_id


def orthogonal(module, name="weight", orthogonal_map=None, *, use_trivialization=True):
    """Constrain the matrix (or batch of matrices) ``module.<name>`` to have orthonormal columns or rows.

    Args:
        module (Module): changed in place and returned.
        name (str): the parameter or buffer.
        orthogonal_map (str, optional): ``"matrix_exp"``, ``"cayley"`` or ``"householder"``; default
            ``"matrix_exp"`` for square or complex matrices, ``"householder"`` otherwise.
        use_trivialization (bool): keep an orthogonal ``base`` buffer and parametrize around it (dynamic
            trivialization); without it, assigning to the weight works only for ``householder``.

    Example::

        >>> m = orthogonal(nn.Linear(5, 3))
        >>> w = m.weight
        >>> bool(probtorch.allclose(w @ w.T, probtorch.eye(3), atol=1e-5))
        True
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if weight.ndim < 2:
        raise ValueError(f"Expected a matrix or batch of matrices. Got a tensor of {weight.ndim} dimensions.")
    if orthogonal_map is None:
        square = weight.shape[-2] == weight.shape[-1]
        orthogonal_map = "matrix_exp" if square or weight.is_complex() else "householder"
    orth_enum = getattr(_OrthMaps, orthogonal_map, None)
    if orth_enum is None:
        raise ValueError('orthogonal_map has to be one of "matrix_exp", "cayley", "householder". '
                         f"Got: {orthogonal_map}")
    orth = _Orthogonal(weight, orth_enum, use_trivialization=use_trivialization)
    register_parametrization(module, name, orth, unsafe=True)
    return module


# ---------------------------------------------------------------------------------------------- weight_norm
class _WeightNorm(Module):
    """``(g, v) -> g * v / ||v||``, the norm taken over every dim but ``dim`` (all dims when ``dim == -1``)."""

    def __init__(self, dim=0):
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g, weight_v):
        from .weight_norm import _norm_except_dim
        return weight_v * (weight_g / _norm_except_dim(weight_v, self.dim))

    def right_inverse(self, weight):
        from .weight_norm import _norm_except_dim
        return _norm_except_dim(weight, self.dim), weight


def weight_norm(module, name="weight", dim=0):
    """Parametrize ``module.<name>`` as ``g * v / ||v||``; ``g`` and ``v`` are stored as ``original0`` and
    ``original1`` of ``module.parametrizations.<name>``.

    Args:
        module (Module): changed in place and returned.
        name (str): the parameter.
        dim (int or None): the dim keeping its own magnitude; ``None`` (or ``-1``) for one magnitude overall.

    Example::

        >>> m = weight_norm(nn.Linear(20, 40))
        >>> m.parametrizations.weight.original0.shape
        probtorch.Size([40, 1])
    """
    register_parametrization(module, name, _WeightNorm(dim), unsafe=True)
    return module


# ---------------------------------------------------------------------------------------------- spectral_norm
class _SpectralNorm(Module):
    """``W -> W / sigma(W)``, ``sigma`` the largest singular value estimated by power iteration on buffers
    ``_u`` and ``_v`` (refined in training mode only). A 1-D weight is simply divided by its norm."""

    def __init__(self, weight, n_power_iterations=1, dim=0, eps=1e-12):
        from ...nn.functional import normalize
        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [-{ndim}, {ndim - 1}] but got "
                             f"{dim})")
        if n_power_iterations <= 0:
            raise ValueError("Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            with no_grad():
                mat = self._reshape_weight_to_matrix(weight)
                h, w = mat.shape
                # random starting vectors from probtorch's default generator (u first, then v)
                u = mat.new_empty(h).normal_(0, 1)
                v = mat.new_empty(w).normal_(0, 1)
            self.register_buffer("_u", normalize(u, dim=0, eps=self.eps))
            self.register_buffer("_v", normalize(v, dim=0, eps=self.eps))
            # start from a good estimate so that the first forward calls are already accurate
            self._power_method(mat, 15)

    def _reshape_weight_to_matrix(self, weight):
        if self.dim != 0:
            weight = weight.permute(self.dim, *[d for d in range(weight.ndim) if d != self.dim])
        return weight.flatten(1)

    def _power_method(self, mat, n_power_iterations):
        from ... import mv
        from ...nn.functional import normalize
        with no_grad():
            mat = mat.detach()
            for _ in range(n_power_iterations):
                # in place, so that the estimates persist in the buffers between calls
                self._u.copy_(normalize(mv(mat, self._v), dim=0, eps=self.eps))
                self._v.copy_(normalize(mv(mat.mH, self._u), dim=0, eps=self.eps))

    def forward(self, weight):
        from ... import mv, vdot
        from ...nn.functional import normalize
        if weight.ndim == 1:
            return normalize(weight, dim=0, eps=self.eps)
        mat = self._reshape_weight_to_matrix(weight)
        if self.training:
            self._power_method(mat, self.n_power_iterations)
        # copies, so later in-place refinement of the buffers cannot alter this graph
        u = self._u.clone()
        v = self._v.clone()
        sigma = vdot(u, mv(mat, v))
        return weight / sigma

    def right_inverse(self, value):
        # any W with sigma(W) = 1 is its own preimage; this is the natural choice
        return value


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """Parametrize ``module.<name>`` as itself divided by its spectral norm (power-iteration estimate).

    Args:
        module (Module): changed in place and returned.
        name (str): the parameter or buffer.
        n_power_iterations (int): power-iteration steps per training-mode access (positive).
        eps (float): floor of the norms in the vector normalizations.
        dim (int, optional): the output-channel dim; default 1 for ConvTranspose1d/2d/3d, 0 otherwise.

    Example::

        >>> m = spectral_norm(nn.Linear(20, 40))
        >>> m.parametrizations.weight[0]._u.shape
        probtorch.Size([40])
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if dim is None:
        from ..modules.conv import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
        dim = 1 if isinstance(module, (ConvTranspose1d, ConvTranspose2d, ConvTranspose3d)) else 0
    register_parametrization(module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module
