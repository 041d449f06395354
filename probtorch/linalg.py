"""probtorch.linalg: matrix products, factorizations, solves and norms with torch's names and semantics.

Every function works on stacks of matrices ``(*batch, m, n)`` and is differentiable to any order: the
factorizations are primitives (``probtorch.prims.linalg``) whose rules are written in Tensor ops, the rest is
composed from them.
"""
import collections
import math
import string

import numpy as np

from . import _dtype
from ._tensor import Tensor, _make
from .prims import linalg as L
from .prims.linalg import LinAlgError
from ._functions.reduction import vector_norm, amax, amin
from ._functions import shape as _shape

__all__ = ["LinAlgError", "matmul", "dot", "inner", "vecdot", "cholesky", "cholesky_ex", "inv", "inv_ex", "det",
           "slogdet", "logdet", "solve", "solve_triangular", "cholesky_solve", "cholesky_inverse", "triangular_solve",
           "eigh", "eigvalsh", "qr", "svd", "svdvals", "matrix_exp", "matrix_power", "vector_norm", "matrix_norm",
           "norm", "multi_dot", "einsum", "diagonal", "vander", "cross", "pinv", "matrix_rank", "cond", "lu_factor",
           "lu_factor_ex", "lu", "lu_solve", "lu_unpack", "lstsq", "solve_ex", "tensorinv", "tensorsolve",
           "householder_product", "ldl_factor", "ldl_factor_ex", "ldl_solve", "eig", "eigvals"]

_slogdet_t = collections.namedtuple("linalg_slogdet", ["sign", "logabsdet"])
_cholesky_ex_t = collections.namedtuple("linalg_cholesky_ex", ["L", "info"])
_inv_ex_t = collections.namedtuple("linalg_inv_ex", ["inverse", "info"])
_eigh_t = collections.namedtuple("linalg_eigh", ["eigenvalues", "eigenvectors"])
_qr_t = collections.namedtuple("linalg_qr", ["Q", "R"])
_svd_t = collections.namedtuple("linalg_svd", ["U", "S", "Vh"])
_triangular_solve_t = collections.namedtuple("triangular_solve", ["solution", "cloned_coefficient"])
_lu_factor_t = collections.namedtuple("linalg_lu_factor", ["LU", "pivots"])
_lu_factor_ex_t = collections.namedtuple("linalg_lu_factor_ex", ["LU", "pivots", "info"])
_lu_t = collections.namedtuple("linalg_lu", ["P", "L", "U"])
_lu_unpack_t = collections.namedtuple("lu_unpack", ["P", "L", "U"])
_lstsq_t = collections.namedtuple("linalg_lstsq", ["solution", "residuals", "rank", "singular_values"])
_solve_ex_t = collections.namedtuple("linalg_solve_ex", ["result", "info"])

_TORCH_NAMES = {"float16": "Half", "float32": "Float", "float64": "Double", "complex64": "ComplexFloat",
                "complex128": "ComplexDouble", "int8": "Char", "int16": "Short", "int32": "Int", "int64": "Long",
                "uint8": "Byte", "bool": "Bool", "bfloat16": "BFloat16"}


def _tname(dt):
    return _TORCH_NAMES.get(dt.name, dt.name)


def _check(A, fname, *, square=True, name="A"):
    """torch's argument checks for a stack of (square) floating matrices."""
    if not isinstance(A, Tensor):
        raise TypeError(f"{fname}(): argument '{name}' must be Tensor, not {type(A).__name__}")
    if A.ndim < 2:
        raise RuntimeError(f"{fname}: The input tensor {name} must have at least 2 dimensions.")
    if not (A.is_floating_point() or A.is_complex()):
        raise RuntimeError(f"{fname}: Expected a floating point or complex tensor as input. Got {_tname(A.dtype)}")
    if square and A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"{fname}: {name} must be batches of square matrices, but they are {A.shape[-2]} by "
                           f"{A.shape[-1]} matrices")


def _same_dtype(A, B, fname):
    if A.dtype is not B.dtype:
        raise RuntimeError(f"{fname}: Expected A and B to have the same dtype, but found A of type {_tname(A.dtype)} "
                           f"and B of type {_tname(B.dtype)} instead")


def _out(res, out):
    if out is None:
        return res
    if isinstance(res, tuple):
        for o, r in zip(out, res):
            _out(r, o)
        return out
    if tuple(out.shape) != tuple(res.shape):
        out.resize_(res.shape)
    out.copy_(res)
    return out


# ------------------------------------------------------------------------------------------------ products
def matmul(input, other, *, out=None):
    """Matrix product with torch's rules for 1-D operands and broadcast batch dims."""
    if not isinstance(other, Tensor) or not isinstance(input, Tensor):
        raise TypeError("matmul(): argument 'other' (position 2) must be Tensor")
    if input.ndim == 0 or other.ndim == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {input.ndim}D and "
                           f"{other.ndim}D")
    if input.dtype is not other.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {input.dtype.name} != "
                           f"{other.dtype.name}")
    a = input.unsqueeze(0) if input.ndim == 1 else input
    b = other.unsqueeze(-1) if other.ndim == 1 else other
    if a.shape[-1] != b.shape[-2]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a.shape[-2]}x{a.shape[-1]} and "
                           f"{b.shape[-2]}x{b.shape[-1]})")
    res = L.matmul(a, b)
    if input.ndim == 1:
        res = res.squeeze(-2)
    if other.ndim == 1:
        res = res.squeeze(-1)
    return _out(res, out)


def dot(input, other):
    """Inner product of two 1-D tensors."""
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    if input.shape[0] != other.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{input.shape[0]}] and src "
                           f"[{other.shape[0]}] to have the same number of elements, but got {input.shape[0]} and "
                           f"{other.shape[0]} elements respectively")
    return matmul(input, other)


def inner(input, other):
    """Sum of products over the last dimension of both inputs."""
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    return _shape.tensordot(input, other, ([-1], [-1]))


def vecdot(x, y, *, dim=-1):
    """Dot product of vectors along `dim`, with broadcasting (conjugating x, as torch)."""
    return (x.conj() * y).sum(dim)


def multi_dot(tensors, *, out=None):
    """Product of a chain of matrices, bracketed to minimise the number of scalar multiplications.

    The first tensor may be 1-D (a row vector) and the last 1-D (a column vector); the others must be 2-D.
    """
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    first_vec, last_vec = tensors[0].ndim == 1, tensors[-1].ndim == 1
    mats = list(tensors)
    if first_vec:
        mats[0] = mats[0].unsqueeze(0)
    if last_vec:
        mats[-1] = mats[-1].unsqueeze(-1)
    for i, t in enumerate(mats):
        if t.ndim != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {tensors[i].ndim}D")
    for i in range(len(mats) - 1):
        if mats[i].shape[1] != mats[i + 1].shape[0]:
            raise RuntimeError(f"multi_dot(): tensors {i} and {i + 1} with shapes {list(tensors[i].shape)} and "
                               f"{list(tensors[i + 1].shape)} cannot be multiplied")
    dims = [mats[0].shape[0]] + [t.shape[1] for t in mats]
    n = len(mats)
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = math.inf
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k

    def build(i, j):
        if i == j:
            return mats[i]
        k = split[i][j]
        return matmul(build(i, k), build(k + 1, j))

    res = build(0, n - 1)
    if first_vec:
        res = res.squeeze(0)
    if last_vec:
        res = res.squeeze(-1)
    return _out(res, out)


# ------------------------------------------------------------------------------------------------ cholesky
def cholesky_ex(A, *, upper=False, check_errors=False, out=None):
    """Cholesky factor and `info` (0, or the order of the first leading minor that is not positive-definite).

    Raises LinAlgError only when ``check_errors=True``; failed factors hold LAPACK's partial result.
    """
    _check(A, "linalg.cholesky_ex")
    # upper=True reads A's upper triangle, which is the lower triangle of A^T
    Lf, info = L.cholesky(A.mT if upper else A, check_errors=check_errors)
    return _out(_cholesky_ex_t(Lf.mT if upper else Lf, info), out)


def cholesky(A, *, upper=False, out=None):
    """Cholesky factor of a symmetric positive-definite A = L L^T (or U^T U with ``upper=True``).

    Only the lower triangle of A is read (the upper one with ``upper=True``). Raises LinAlgError naming the first
    leading minor that is not positive-definite.

    Example::

        >>> A = probtorch.tensor([[4.0, 2.0], [2.0, 3.0]])
        >>> probtorch.linalg.cholesky(A)
    """
    _check(A, "linalg.cholesky")
    # upper=True reads A's upper triangle, which is the lower triangle of A^T
    Lf = L.cholesky(A.mT if upper else A)[0]
    return _out(Lf.mT if upper else Lf, out)


def cholesky_(input, upper=False):
    """torch.cholesky (legacy spelling of linalg.cholesky with a positional `upper`)."""
    return cholesky(input, upper=upper)


def cholesky_solve(B, L_, upper=False, *, out=None):
    """Solve A X = B given the Cholesky factor of A (lower by default, upper with ``upper=True``)."""
    _check(B, "cholesky_solve", square=False, name="B")
    _check(L_, "cholesky_solve", name="A")
    _same_dtype(L_, B, "cholesky_solve")
    if upper:
        Y = L.solve_triangular(L_.mH, B, upper=False)
        return _out(L.solve_triangular(L_, Y, upper=True), out)
    Y = L.solve_triangular(L_, B, upper=False)
    return _out(L.solve_triangular(L_.mH, Y, upper=True), out)


def cholesky_inverse(L_, upper=False, *, out=None):
    """The inverse of A from its Cholesky factor."""
    _check(L_, "cholesky_inverse", name="input")
    from ._functions.creation import eye
    eye_ = eye(L_.shape[-1], dtype=L_.dtype)
    return _out(cholesky_solve(eye_, L_, upper), out)


# ------------------------------------------------------------------------------------------------ inverse, solves
def inv_ex(A, *, check_errors=False, out=None):
    """The inverse of A and `info` (0, or the 1-based index of the first zero pivot of its LU factorization)."""
    _check(A, "linalg.inv_ex")
    Ai, info = L.inv(A, check_errors=check_errors)
    return _out(_inv_ex_t(Ai, info), out)


def inv(A, *, out=None):
    """The inverse of each square matrix in A; raises LinAlgError for a singular matrix."""
    _check(A, "linalg.inv")
    return _out(L.inv(A)[0], out)


def _is_vector_rhs(A, B):
    return B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))


def solve(A, B, *, left=True, out=None):
    """The solution X of A X = B (or X A = B with ``left=False``), batch dims broadcast.

    B is taken as a (batch of) vector(s) when it is 1-D or has A's shape without the last dimension.

    Example::

        >>> A = probtorch.tensor([[3.0, 1.0], [1.0, 2.0]])
        >>> probtorch.linalg.solve(A, probtorch.tensor([9.0, 8.0]))  # tensor([2., 3.])
    """
    _check(A, "linalg.solve")
    if not isinstance(B, Tensor):
        raise TypeError(f"linalg.solve(): argument 'B' must be Tensor, not {type(B).__name__}")
    _same_dtype(A, B, "linalg.solve")
    vec = _is_vector_rhs(A, B)
    Bm = B.unsqueeze(-1) if vec else B
    if not left:
        Bm = Bm.mT if not vec else Bm
        A = A.mT
    if Bm.shape[-2] != A.shape[-1]:
        shape_b = f"{Bm.shape[-2]}x{Bm.shape[-1]}"
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({A.shape[-2]}x{A.shape[-1]} and {shape_b})")
    X = L.solve(A, Bm)
    if vec:
        X = X.squeeze(-1)
    elif not left:
        X = X.mT
    return _out(X, out)


def solve_triangular(A, B, *, upper, left=True, unitriangular=False, out=None):
    """The solution X of A X = B (or X A = B) for triangular A; only A's `upper`/lower triangle is read.

    With ``unitriangular=True`` A's diagonal is taken to be ones.

    Example::

        >>> L = probtorch.tensor([[2.0, 0.0], [1.0, 1.0]])
        >>> probtorch.linalg.solve_triangular(L, probtorch.tensor([[2.0], [3.0]]), upper=False)  # [[1.], [2.]]
    """
    _check(A, "linalg.solve_triangular")
    if not isinstance(B, Tensor) or B.ndim < 2:
        raise RuntimeError("linalg.solve_triangular: The input tensor B must have at least 2 dimensions.")
    n = A.shape[-1]
    if (B.shape[-2] if left else B.shape[-1]) != n:
        eq = "AX = B" if left else "XA = B"
        raise RuntimeError(f"linalg.solve_triangular: Incompatible shapes of A and B for the equation {eq} "
                           f"({A.shape[-2]}x{A.shape[-1]} and {B.shape[-2]}x{B.shape[-1]})")
    if left:
        return _out(L.solve_triangular(A, B, upper=upper, unitriangular=unitriangular), out)
    # X A = B  <=>  A^T X^T = B^T, and A^T has the other triangle
    X = L.solve_triangular(A.mT, B.mT, upper=not upper, unitriangular=unitriangular)
    return _out(X.mT, out)


def triangular_solve(b, A, upper=True, transpose=False, unitriangular=False, *, out=None):
    """Legacy torch.triangular_solve: (A^-1 b or A^-T b, a copy of A)."""
    _check(A, "triangular_solve")
    if not isinstance(b, Tensor) or b.ndim < 2:
        raise RuntimeError("torch.triangular_solve: Expected b to have at least 2 dimensions, but it has "
                           f"{getattr(b, 'ndim', 0)} dimensions instead")
    if transpose:
        X = L.solve_triangular(A.mT, b, upper=not upper, unitriangular=unitriangular)
    else:
        X = L.solve_triangular(A, b, upper=upper, unitriangular=unitriangular)
    return _out(_triangular_solve_t(X, A.clone()), out)


# ------------------------------------------------------------------------------------------------ determinants
def det(A, *, out=None):
    """Determinant of each square matrix in A."""
    _check(A, "linalg.det")
    return _out(L.det(A), out)


def slogdet(A, *, out=None):
    """(sign, log|det A|) for each square matrix in A; for a singular matrix (0, -inf).

    Example::

        >>> sign, logabsdet = probtorch.linalg.slogdet(probtorch.tensor([[-2.0, 0.0], [0.0, 3.0]]))
        >>> # sign = -1., logabsdet = log(6)
    """
    _check(A, "linalg.slogdet")
    s, la = L.slogdet(A)
    # a real sign is piecewise constant; a complex one (a phase) is differentiable, as in torch
    return _out(_slogdet_t(s if A.is_complex() else s.detach(), la), out)


def logdet(input):
    """log det A: NaN where det A < 0, -inf where it is 0 (torch.logdet)."""
    _check(input, "logdet", name="input")
    s, la = L.slogdet(input)
    if input.is_complex():  # log det = log|det| + i arg det
        return la + s.log()
    from ._functions.math import where
    return where(s.detach() < 0, math.nan, la)


# ------------------------------------------------------------------------------------------------ spectral
def eigh(A, UPLO="L", *, out=None):
    """Eigenvalues (ascending) and orthonormal eigenvectors of symmetric A, read from the `UPLO` triangle.

    The gradient is symmetric; at repeated eigenvalues the eigenvector term is dropped (torch returns NaN there).

    Example::

        >>> w, V = probtorch.linalg.eigh(probtorch.tensor([[2.0, 1.0], [1.0, 2.0]]))  # w = tensor([1., 3.])
    """
    _check(A, "linalg.eigh")
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    w, V = L.eigh(A, UPLO=UPLO)
    return _out(_eigh_t(w, V), out)


def eigvalsh(A, UPLO="L", *, out=None):
    """Eigenvalues (ascending) of symmetric A."""
    _check(A, "linalg.eigvalsh")
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return _out(L.eigh(A, UPLO=UPLO)[0], out)


def qr(A, mode="reduced", *, out=None):
    """QR factorization A = Q R; `mode` is "reduced", "complete" or "r" (R only, Q empty)."""
    _check(A, "linalg.qr", square=False)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', "
                           "or 'complete'")
    Q, R = L.qr(A, mode=mode)
    return _out(_qr_t(Q, R), out)


def svd(A, full_matrices=True, *, driver=None, out=None):
    """Singular value decomposition A = U diag(S) Vh with singular values descending."""
    _check(A, "linalg.svd", square=False)
    U, S, Vh = L.svd(A, full_matrices=full_matrices)
    return _out(_svd_t(U, S, Vh), out)


def svdvals(A, *, driver=None, out=None):
    """Singular values of A, descending."""
    _check(A, "linalg.svdvals", square=False)
    return _out(L.svd(A, full_matrices=False)[1], out)


def pinv(A, *, atol=None, rtol=None, hermitian=False, out=None):
    """Moore-Penrose pseudo-inverse from the SVD, dropping singular values below max(atol, rtol * s_max)."""
    _check(A, "linalg.pinv", square=False)
    from ._functions.math import where
    if hermitian:
        w, V = L.eigh(A)
        s = w.abs()
        U = V * w.sgn().unsqueeze(-2)
        Vh = V.mH
    else:
        U, s, Vh = L.svd(A, full_matrices=False)
    thr = _rank_tol(A, s, atol, rtol)
    keep = s > thr
    sinv = where(keep, 1.0 / where(keep, s, 1.0), 0.0)
    return _out((Vh.mH * sinv.unsqueeze(-2)) @ U.mH, out)


def _rank_tol(A, s, atol, rtol):
    smax = amax(s, -1, keepdim=True).detach() if s.shape[-1] else s.new_zeros(tuple(s.shape[:-1]) + (1,))
    if rtol is None:
        eps = _dtype.finfo(A.dtype).eps
        rtol = max(A.shape[-2:]) * eps if atol is None or atol == 0 else 0.0
    tol = smax * rtol
    if atol is not None:
        from ._functions.math import maximum
        tol = maximum(tol, atol if isinstance(atol, Tensor) else s.new_full(tuple(tol.shape), float(atol)))
    return tol


def matrix_rank(A, *, atol=None, rtol=None, hermitian=False, out=None):
    """Number of singular values above max(atol, rtol * s_max)."""
    _check(A, "linalg.matrix_rank", square=False)
    s = (L.eigh(A)[0].abs() if hermitian else L.svd(A, full_matrices=False)[1]).detach()
    return _out((s > _rank_tol(A, s, atol, rtol)).sum(-1), out)


# ------------------------------------------------------------------------------------------------ matrix functions
def matrix_exp(A):
    """The matrix exponential of each square matrix in A (scipy's Pade approximation with scaling and squaring).

    Example::

        >>> probtorch.linalg.matrix_exp(probtorch.tensor([[0.0, 1.0], [-1.0, 0.0]]))  # a rotation by 1 radian
    """
    _check(A, "linalg.matrix_exp")
    return L.matrix_exp(A)


def matrix_power(A, n, *, out=None):
    """A^n for an integer n by repeated squaring (n < 0 inverts A first; n = 0 gives the identity)."""
    if not isinstance(A, Tensor) or A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        shape = list(A.shape) if isinstance(A, Tensor) else None
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, but got shape {shape}")
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError(f"matrix_power(): argument 'n' must be int, not {type(n).__name__}")
    if n == 0:
        from ._functions.creation import eye
        return _out(eye(A.shape[-1], dtype=A.dtype).expand(A.shape).clone(), out)
    if n < 0:
        A, n = inv(A), -n
    res, base = None, A
    while n:
        if n & 1:
            res = base if res is None else matmul(res, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    return _out(res, out)


def cond(A, p=None, *, out=None):
    """Condition number of A in the norm `p` (the 2-norm by default)."""
    _check(A, "linalg.cond", square=p not in (None, 2, -2))
    if p in (None, 2, -2):
        s = svdvals(A)
        r = s[..., 0] / s[..., -1]
        return _out(r if p != -2 else 1.0 / r, out)
    return _out(matrix_norm(A, p) * matrix_norm(inv(A), p), out)


# ------------------------------------------------------------------------------------------------ norms
def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, out=None):
    """Matrix norm over the two dims `dim`: "fro", "nuc", 1, -1, 2, -2, inf or -inf."""
    if dtype is not None:
        A = A.to(dtype)
    _check(A, "linalg.matrix_norm", square=False)
    if not isinstance(dim, (tuple, list)) or len(dim) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {dim}")
    d0, d1 = (d % A.ndim for d in dim)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[1]})")
    if ord == "fro":
        return _out(vector_norm(A, 2, (d0, d1), keepdim), out)
    if ord in ("nuc", 2, -2):
        s = svdvals(_shape.movedim(A, (d0, d1), (-2, -1)))
        # an empty matrix has nuclear and spectral norm 0 (torch refuses ord=-2 there, as amin does)
        r = s.sum(-1) if ord == "nuc" or (ord == 2 and s.shape[-1] == 0) else (amax(s, -1) if ord == 2 else
                                                                                 amin(s, -1))
        if keepdim:
            r = r.unsqueeze(min(d0, d1)).unsqueeze(max(d0, d1))
        return _out(r, out)
    if ord in (1, -1, math.inf, -math.inf):
        # 1-norm: the largest column sum of |A|; inf-norm: the largest row sum
        summed, reduced = (d0, d1) if ord in (1, -1) else (d1, d0)
        sums = vector_norm(A, 1, summed, keepdim=True)
        if sums.shape[reduced] == 0:
            r = sums.sum(reduced, keepdim=True)
        else:
            r = amax(sums, reduced, keepdim=True) if ord > 0 else amin(sums, reduced, keepdim=True)
        if not keepdim:
            r = r.squeeze((d0, d1))
        return _out(r, out)
    raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None, out=None):
    """A vector norm (1-D input, or an int `dim`) or a matrix norm (2-D input, or a 2-tuple `dim`).

    With ``ord=None`` and ``dim=None`` it is the 2-norm of all elements.
    """
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None and len(dim) == 1:
        return _out(vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype), out)
    if dim is None:
        if ord is None:
            return _out(vector_norm(A, 2, None, keepdim, dtype=dtype), out)
        if A.ndim == 1:
            return _out(vector_norm(A, ord, None, keepdim, dtype=dtype), out)
        if A.ndim != 2:
            raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got "
                               f"{A.ndim}D.")
        dim = (0, 1)
    if len(dim) == 2:
        return _out(matrix_norm(A, "fro" if ord is None else ord, dim, keepdim, dtype=dtype), out)
    raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {list(dim)}")


# ------------------------------------------------------------------------------------------------ einsum
def _parse_sublist(args):
    """einsum(op0, sub0, op1, sub1, ..., [out]) -> (equation, operands)."""
    args = list(args)
    ops, subs = [], []
    while len(args) >= 2:
        ops.append(args.pop(0))
        subs.append(args.pop(0))
    out_sub = args[0] if args else None

    def letters(sub):
        s = ""
        for v in sub:
            if v is Ellipsis:
                s += "..."
            elif isinstance(v, int) and 0 <= v < 52:
                s += string.ascii_letters[v]
            else:
                raise ValueError("einsum(): subscript in subscript list is not within the valid range [0, 52)")
        return s

    eq = ",".join(letters(s) for s in subs)
    if out_sub is not None:
        eq += "->" + letters(out_sub)
    return eq, ops


def einsum(*args):
    """Sum of products of the operands' elements over the labels in `equation` (Einstein summation).

    ``einsum("ij,jk->ik", a, b)``; operands may also come as one list, or in the sublist form
    ``einsum(a, [0, 1], b, [1, 2], [0, 2])``. "..." stands for broadcast dimensions; without "->" the output has
    the labels seen once, in alphabetical order, after the broadcast dimensions. Size-1 dimensions broadcast.

    Example::

        >>> a, b = probtorch.randn(2, 3), probtorch.randn(3, 4)
        >>> probtorch.einsum("ij,jk->ik", a, b)      # a @ b
        >>> probtorch.einsum("ii", probtorch.eye(3))  # the trace, 3.
    """
    if not args:
        raise TypeError("einsum(): must specify the equation string and at least one operand, or at least one "
                        "operand and its subscripts list")
    if isinstance(args[0], str):
        equation, operands = args[0], list(args[1:])
        if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
            operands = list(operands[0])
    else:
        equation, operands = _parse_sublist(args)
    equation = equation.replace(" ", "")
    for i, op in enumerate(operands):
        if not isinstance(op, Tensor):
            raise TypeError(f"einsum(): operand {i} must be a Tensor, not {type(op).__name__}")
    for op in operands[1:]:
        if op.dtype is not operands[0].dtype:
            raise RuntimeError(f"expected scalar type {_tname(operands[0].dtype)} but found {_tname(op.dtype)}")
    explicit = "->" in equation
    lhs, rhs = equation.split("->") if explicit else (equation, None)
    subs = lhs.split(",")
    if len(subs) < len(operands):
        raise ValueError("einsum(): more operands were provided than specified in the equation")
    if len(subs) > len(operands):
        raise ValueError("einsum(): fewer operands were provided than specified in the equation")
    used = set(c for c in equation if c.isalpha())
    for c in equation:
        if not (c.isalpha() and c.isascii()) and c not in ",.->":
            raise ValueError(f"einsum(): invalid subscript given at index {equation.index(c)} in the equation string, "
                             "subscripts must be in [a-zA-Z]")
    # give the broadcast ("...") dimensions labels of their own, right-aligned across operands
    ell_nd = 0
    for i, (s, op) in enumerate(zip(subs, operands)):
        nlab = len(s.replace("...", ""))
        if "..." in s:
            ell_nd = max(ell_nd, op.ndim - nlab)
        elif nlab != op.ndim:
            raise ValueError(f"einsum(): the number of subscripts in the equation ({nlab}) does not match the number "
                             f"of dimensions ({op.ndim}) for operand {i} and no ellipsis was given")
    free = [c for c in string.ascii_letters if c not in used]
    if ell_nd > len(free):
        raise ValueError("einsum(): too many dimensions for the available subscript letters")
    ell = "".join(free[:ell_nd])
    full = []
    for s, op in zip(subs, operands):
        if "..." in s:
            nd = op.ndim - len(s.replace("...", ""))
            s = s.replace("...", ell[ell_nd - nd:] if nd else "")
        full.append(s)
    if explicit:
        if "..." in rhs:
            rhs = rhs.replace("...", ell)
        seen = set()
        for c in rhs:
            if c in seen:
                raise ValueError(f"einsum(): output subscript {c} appears more than once in the output")
            seen.add(c)
            if c not in "".join(full):
                raise ValueError(f"einsum(): output subscript {c} does not appear in the equation for any input "
                                 "operand")
    else:
        counts = collections.Counter("".join(full).translate({ord(c): None for c in ell}))
        rhs = ell + "".join(sorted(c for c, k in counts.items() if k == 1))
    # one size per label; size-1 dimensions broadcast
    sizes = {}
    for i, (s, op) in enumerate(zip(full, operands)):
        for c, d in zip(s, op.shape):
            prev = sizes.get(c)
            if prev is None or prev == 1:
                sizes[c] = d
            elif d != 1 and d != prev:
                raise RuntimeError(f"einsum(): subscript {c} has size {d} for operand {i} which does not broadcast "
                                   f"with previously seen size {prev}")
    ops = []
    for s, op in zip(full, operands):
        target = tuple(sizes[c] for c in s)
        if tuple(op.shape) != target:
            for c in set(s):
                if s.count(c) > 1 and len({op.shape[k] for k, cc in enumerate(s) if cc == c}) > 1:
                    raise RuntimeError(f"einsum(): subscript {c} is repeated for operand with sizes that differ")
            op = op.expand(target)
        ops.append(op)
    if len(ops) == 1 and set(full[0]) == set(rhs):
        return _einsum_view(ops[0], full[0], rhs)
    return L.einsum(*ops, equation=",".join(full) + "->" + rhs)


def _einsum_view(x, sub, rhs):
    """A single operand with nothing summed: diagonals and a permutation, a view of x as in torch."""
    sub = list(sub)
    while len(set(sub)) < len(sub):
        c = next(c for c in sub if sub.count(c) > 1)
        p = sub.index(c)
        q = sub.index(c, p + 1)
        x = _shape.diagonal(x, 0, p, q)
        sub = [d for k, d in enumerate(sub) if k not in (p, q)] + [c]
    return x.permute(*[sub.index(c) for c in rhs])


# ------------------------------------------------------------------------------------------------ assorted
def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """The `offset` diagonal of each matrix over (dim1, dim2), as a view (last dimension)."""
    return _shape.diagonal(A, offset, dim1, dim2)


def vander(x, *, N=None):
    """Vandermonde matrix with increasing powers: (*, n) -> (*, n, N), column k holding x**k."""
    if x.ndim < 1:
        raise RuntimeError("linalg.vander: x must have at least one dimension.")
    N = x.shape[-1] if N is None else N
    if N <= 1:
        raise RuntimeError("N must be greater than 1.")
    # repeated products rather than x ** k: exact for integers and free of 0 * inf in the gradient at x = 0
    cols = [x.new_ones(tuple(x.shape)), x]
    for _ in range(N - 2):
        cols.append(cols[-1] * x)
    return _shape.stack(cols, -1)


def cross(input, other, *, dim=-1, out=None):
    """Cross product of 3-vectors along `dim`, with broadcasting."""
    if input.ndim != other.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    if input.shape[dim] != 3 or other.shape[dim] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {input.shape[dim]} and "
                           f"{other.shape[dim]}")
    shape = _shape.broadcast_shapes(input.shape, other.shape)
    a, b = input.expand(shape), other.expand(shape)
    return _out(_shape.cross(a, b, dim % len(shape)), out)


# ------------------------------------------------------------------------------------------------ lu
def _check_pivot(pivot, fname):
    if not pivot:
        raise RuntimeError(f"{fname}: LU without pivoting is not implemented on the CPU")


def lu_factor_ex(A, *, pivot=True, check_errors=False, out=None):
    """Packed LU factorization with partial pivoting: (LU, pivots, info); pivots are 1-based row swaps.

    `info` is 0, or the 1-based index of the first zero on U's diagonal (the factorization still completes).
    """
    _check(A, "linalg.lu_factor_ex", square=False)
    _check_pivot(pivot, "linalg.lu_factor_ex")
    LU, piv, info = L.lu_factor(A)
    if check_errors:
        _raise_lu(info, A.ndim > 2, "linalg.lu_factor_ex")
    return _out(_lu_factor_ex_t(LU, piv, info), out)


def _raise_lu(info, batched, fname):
    flat = info.numpy().reshape(-1)
    if flat.any():
        k = int(np.flatnonzero(flat)[0])
        i = int(flat[k])
        prefix = f"(Batch element {k}): " if batched else ""
        raise LinAlgError(f"torch.{fname}: {prefix}U[{i},{i}] is zero and using it on lu_solve would result in a "
                          "division by zero. If you still want to perform the factorization, consider calling "
                          "linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)")


def lu_factor(A, *, pivot=True, out=None):
    """Packed LU factorization with partial pivoting: (LU, pivots). Raises LinAlgError when U is singular."""
    _check(A, "linalg.lu_factor", square=False)
    _check_pivot(pivot, "linalg.lu_factor")
    LU, piv, info = L.lu_factor(A)
    _raise_lu(info, A.ndim > 2, "linalg.lu_factor")
    return _out(_lu_factor_t(LU, piv), out)


def _permutation_matrix(pivots, m, dtype):
    perm = L.lu_permutation(pivots, m)
    # P^T A = A[perm], so P^T is the identity with its rows in `perm` order
    Pt = np.eye(m, dtype=dtype.np)[perm]
    return _make(np.ascontiguousarray(np.swapaxes(Pt, -1, -2)))


def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True, *, out=None):
    """(P, L, U) from lu_factor's packed output; empty tensors for the parts not asked for."""
    m = LU_data.shape[-2]
    P = _permutation_matrix(LU_pivots, m, LU_data.dtype) if unpack_pivots else LU_data.new_zeros((0,))
    if unpack_data:
        Lf, Uf = L.lu_unpack_factors(LU_data)
    else:
        Lf = Uf = LU_data.new_zeros((0,))
    return _out(_lu_unpack_t(P, Lf, Uf), out)


def lu(A, *, pivot=True, out=None):
    """LU factorization with partial pivoting A = P L U: P a permutation, L unit lower, U upper."""
    _check(A, "linalg.lu", square=False)
    _check_pivot(pivot, "linalg.lu")
    LU, piv, _ = L.lu_factor(A)
    P, Lf, Uf = lu_unpack(LU, piv)
    return _out(_lu_t(P, Lf, Uf), out)


def lu_solve(LU, pivots, B, *, left=True, adjoint=False, out=None):
    """Solve A X = B (or X A = B, or with A^T when `adjoint`) from lu_factor's output."""
    _check(LU, "linalg.lu_solve", name="LU")
    _check(B, "linalg.lu_solve", square=False, name="B")
    _same_dtype(LU, B, "linalg.lu_solve")
    n = LU.shape[-1]
    if (B.shape[-2] if left else B.shape[-1]) != n:
        raise RuntimeError(f"linalg.lu_solve: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({n}x{n} and {B.shape[-2]}x{B.shape[-1]})")
    if not left:
        # X A = B  <=>  A^T X^T = B^T
        return _out(lu_solve(LU, pivots, B.mT, adjoint=not adjoint).mT, out)
    perm = L.lu_permutation(pivots, n)
    batch = _shape.broadcast_shapes(LU.shape[:-2], B.shape[:-2], pivots.shape[:-1])
    B = B.expand(tuple(batch) + tuple(B.shape[-2:]))
    perm = np.broadcast_to(perm, tuple(batch) + (n,))
    if not adjoint:
        # A = P L U: X = U^-1 L^-1 P^T B, and P^T B = B[perm]
        Y = L.solve_triangular(LU, L.permute_rows(B, perm), upper=False, unitriangular=True)
        return _out(L.solve_triangular(LU, Y, upper=True), out)
    # A^T = U^T L^T P^T: X = P L^-T U^-T B
    Y = L.solve_triangular(LU.mT, B, upper=False)
    Y = L.solve_triangular(LU.mT, Y, upper=True, unitriangular=True)
    return _out(L.permute_rows(Y, np.argsort(perm, axis=-1)), out)


# ------------------------------------------------------------------------------------------------ least squares etc.
def solve_ex(A, B, *, left=True, check_errors=False, out=None):
    """linalg.solve through an LU factorization, with `info` (0, or the index of the first zero pivot).

    A singular A gives non-finite entries instead of an error unless ``check_errors=True``.
    """
    _check(A, "linalg.solve_ex")
    _same_dtype(A, B, "linalg.solve_ex")
    LU, piv, info = L.lu_factor(A)
    if check_errors and info.numpy().any():
        raise LinAlgError("torch.linalg.solve_ex: The solver failed because the input matrix is singular.")
    vec = _is_vector_rhs(A, B)
    Bm = B.unsqueeze(-1) if vec else B
    with np.errstate(divide="ignore", invalid="ignore"):
        X = lu_solve(LU, piv, Bm if left or vec else Bm, left=left or vec, adjoint=not left and vec)
    return _out(_solve_ex_t(X.squeeze(-1) if vec else X, info), out)


def lstsq(A, B, rcond=None, *, driver=None):
    """Least-squares solution of A X = B for full-rank A: (solution, residuals, rank, singular_values).

    Tall A: X = R^-1 Q^T B from A = Q R; wide A: the minimum-norm X = Q R^-T B from A^T = Q R. Both are
    differentiable. As in torch, `rank` is computed unless driver="gels", and `singular_values` and `residuals`
    (squared, for tall A) only for the SVD drivers "gelsd" and "gelss".
    """
    _check(A, "linalg.lstsq", square=False)
    _same_dtype(A, B, "linalg.lstsq")
    driver = "gelsy" if driver is None else driver
    if driver not in ("gels", "gelsy", "gelsd", "gelss"):
        raise RuntimeError("torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)")
    vec = B.ndim == A.ndim - 1
    Bm = B.unsqueeze(-1) if vec else B
    if Bm.shape[-2] != A.shape[-2]:
        raise RuntimeError(f"torch.linalg.lstsq: input.size(-2) should match other.size(-2). Got "
                           f"{A.shape[-2]} and {Bm.shape[-2]}")
    m, n = A.shape[-2], A.shape[-1]
    if m >= n:
        Q, R = L.qr(A, mode="reduced")
        X = L.solve_triangular(R, Q.mT @ Bm, upper=True)
    else:
        Q, R = L.qr(A.mT, mode="reduced")
        X = Q @ L.solve_triangular(R.mT, Bm, upper=False)
    empty = A.new_zeros((0,))
    from ._functions.creation import zeros
    rank = zeros(0, dtype=_dtype.int64)
    if driver != "gels":
        rtol = None if rcond is None or rcond < 0 else rcond
        rank = matrix_rank(A, rtol=rtol)
    sv = residuals = empty
    if driver in ("gelsd", "gelss"):
        sv = svdvals(A)
        if m > n:
            residuals = ((A @ X - Bm) ** 2).sum(-2)
            if vec:
                residuals = residuals.squeeze(-1)
    if vec:
        X = X.squeeze(-1)
    return _lstsq_t(X, residuals, rank, sv)


def tensorinv(A, ind=2, *, out=None):
    """The tensor inverse: reshape A to a square matrix by its first `ind` dims, invert, reshape back."""
    lead, trail = tuple(A.shape[:ind]), tuple(A.shape[ind:])
    rows, cols = math.prod(lead), math.prod(trail)
    if rows != cols:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                           f"prod(self.shape[:ind]), but got {cols} != {rows}")
    return _out(inv(A.reshape(rows, cols)).reshape(trail + lead), out)


def tensorsolve(A, B, dims=None, *, out=None):
    """X with tensordot(A, X, X.ndim) = B."""
    if dims is not None:
        dims = [d % A.ndim for d in dims]
        rest = [d for d in range(A.ndim) if d not in dims]
        A = A.permute(*(rest + dims))
    xshape = tuple(A.shape[B.ndim:])
    rows = math.prod(B.shape)
    return _out(solve(A.reshape(rows, math.prod(xshape)), B.reshape(rows)).reshape(xshape), out)


# ------------------------------------------------------------------------------------------------ torch.* spellings
_svd_legacy_t = collections.namedtuple("svd", ["U", "S", "V"])
_qr_legacy_t = collections.namedtuple("qr", ["Q", "R"])


def svd_legacy(input, some=True, compute_uv=True, *, out=None):
    """torch.svd: (U, S, V) with A = U diag(S) V^T; reduced unless ``some=False``.

    With ``compute_uv=False`` U and V are zero matrices of shapes (m, m) and (n, n).
    """
    _check(input, "svd", square=False, name="input")
    if not compute_uv:
        m, n = input.shape[-2], input.shape[-1]
        batch = tuple(input.shape[:-2])
        S = svdvals(input)
        return _out(_svd_legacy_t(input.new_zeros(batch + (m, m)), S, input.new_zeros(batch + (n, n))), out)
    U, S, Vh = L.svd(input, full_matrices=not some)
    return _out(_svd_legacy_t(U, S, Vh.mT), out)


def qr_legacy(input, some=True, *, out=None):
    """torch.qr: reduced QR unless ``some=False``."""
    return _out(_qr_legacy_t(*qr(input, "reduced" if some else "complete")), out)


def pinverse(input, rcond=1e-15):
    """torch.pinverse: the pseudo-inverse, dropping singular values below rcond * s_max."""
    return pinv(input, rtol=rcond)


def lu_solve_legacy(b, LU_data, LU_pivots, *, out=None):
    """torch.lu_solve(b, LU_data, LU_pivots): linalg.lu_solve with the right-hand side first."""
    return lu_solve(LU_data, LU_pivots, b, out=out)


def chain_matmul(*matrices, out=None):
    """torch.chain_matmul: the product of 2-D matrices (linalg.multi_dot)."""
    if len(matrices) == 1:
        return _out(matrices[0].clone(), out)
    return multi_dot(matrices, out=out)


def vdot(input, other, *, out=None):
    """Dot product of two 1-D tensors, conjugating the first."""
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    return _out(dot(input.conj() if input.is_complex() else input, other), out)


def nuclear_norm(input, dim=None, keepdim=False, *, out=None):
    """torch.nuclear_norm: the sum of singular values over `dim` (the last two dims by default)."""
    if isinstance(dim, bool):
        dim, keepdim = None, dim
    return _out(matrix_norm(input, "nuc", (-2, -1) if dim is None else dim, keepdim), out)


def frobenius_norm(input, dim=(-2, -1), keepdim=False, *, out=None):
    """torch.frobenius_norm: the 2-norm of the entries over `dim`."""
    return _out(vector_norm(input, 2, dim, keepdim), out)


def _scaled_sum(input, prod, beta, alpha):
    # beta == 0 ignores input entirely (its NaN and inf do not propagate), as torch does
    res = prod if alpha == 1 else alpha * prod
    if beta == 0:
        from ._functions.math import where
        from ._functions.creation import ones
        # a where() keeps input in the graph (its gradient is zero, as in torch) without reading its values
        keep = ones(_shape.broadcast_shapes(res.shape, input.shape), dtype=_dtype.bool)
        return where(keep, res, input)
    return (input if beta == 1 else beta * input) + res


def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (mat1 @ mat2)."""
    if mat1.ndim != 2 or mat2.ndim != 2:
        raise RuntimeError(f"mat1 must be a matrix, got {mat1.ndim}-D tensor" if mat1.ndim != 2 else
                           f"mat2 must be a matrix, got {mat2.ndim}-D tensor")
    return _out(_scaled_sum(input, matmul(mat1, mat2), beta, alpha), out)


def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (mat @ vec)."""
    if mat.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {input.ndim}, {mat.ndim}, {vec.ndim}")
    return _out(_scaled_sum(input, matmul(mat, vec), beta, alpha), out)


def addr(input, vec1, vec2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * outer(vec1, vec2)."""
    if vec1.ndim != 1 or vec2.ndim != 1:
        raise RuntimeError(f"addr: Expected 1-D argument vec1, but got {vec1.ndim}-D" if vec1.ndim != 1 else
                           f"addr: Expected 1-D argument vec2, but got {vec2.ndim}-D")
    return _out(_scaled_sum(input, vec1.unsqueeze(-1) * vec2, beta, alpha), out)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (batch1 @ batch2) for 3-D batches."""
    if batch1.ndim != 3 or batch2.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor" if batch1.ndim != 3 else "batch2 must be a 3D tensor")
    return _out(_scaled_sum(input, matmul(batch1, batch2), beta, alpha), out)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * sum_b (batch1[b] @ batch2[b])."""
    if batch1.ndim != 3 or batch2.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor" if batch1.ndim != 3 else "batch2 must be a 3D tensor")
    return _out(_scaled_sum(input, matmul(batch1, batch2).sum(0), beta, alpha), out)


# ------------------------------------------------------------------------------------------------ householder, ldl, eig
_geqrf_t = collections.namedtuple("geqrf", ["a", "tau"])
_ldl_factor_t = collections.namedtuple("linalg_ldl_factor", ["LD", "pivots"])
_ldl_factor_ex_t = collections.namedtuple("linalg_ldl_factor_ex", ["LD", "pivots", "info"])
_eig_t = collections.namedtuple("linalg_eig", ["eigenvalues", "eigenvectors"])


def geqrf(input, *, out=None):
    """LAPACK's geqrf: R on and above the diagonal, Householder vectors below it, and their scales `tau`.

    Not differentiable (as in torch); linalg.qr is.
    """
    _check(input, "geqrf", square=False, name="input")
    return _out(_geqrf_t(*L.geqrf(input)), out)


def _householder_q(A, tau, ncols):
    """H_1 H_2 ... H_k restricted to its first `ncols` columns, H_i = I - tau_i v_i v_i^T with v_i from A's column i
    (1 on the diagonal, A's entries below it). Composed of Tensor ops, hence differentiable."""
    m = A.shape[-2]
    from ._functions.creation import eye
    Q = eye(m, dtype=A.dtype)
    below = A.tril(-1) + eye(m, A.shape[-1], dtype=A.dtype)
    for i in reversed(range(tau.shape[-1])):
        v = below[..., :, i:i + 1]
        # applying the reflectors from the last one keeps the product's leading columns exact
        Q = Q - (tau[..., i:i + 1].unsqueeze(-1) * v) @ (v.mH @ Q)
    return Q[..., :, :ncols]


def householder_product(A, tau, *, out=None):
    """The first n columns of the product of the Householder reflectors stored in A (m x n) and tau."""
    _check(A, "linalg.householder_product", square=False)
    m, n = A.shape[-2], A.shape[-1]
    if m < n:
        raise RuntimeError("torch.linalg.householder_product: input.shape[-2] must be greater than or equal to "
                           "input.shape[-1]")
    if tau.shape[-1] > n:
        raise RuntimeError("torch.linalg.householder_product: input.shape[-1] must be greater than or equal to "
                           "tau.shape[-1]")
    _same_dtype(A, tau, "linalg.householder_product")
    return _out(_householder_q(A, tau, n), out)


orgqr = householder_product


def ormqr(input, tau, other, left=True, transpose=False, *, out=None):
    """Multiply `other` by the full orthogonal Q of (input, tau) from geqrf: Q C, Q^T C, C Q or C Q^T."""
    Q = _householder_q(input, tau, input.shape[-2])
    if transpose:
        Q = Q.mT
    return _out(matmul(Q, other) if left else matmul(other, Q), out)


def ldl_factor_ex(A, *, hermitian=False, check_errors=False, out=None):
    """Bunch-Kaufman LDL^T factorization of a symmetric matrix (LAPACK sytrf): (LD, pivots, info).

    Not differentiable (as in torch).
    """
    _check(A, "linalg.ldl_factor_ex")
    LD, piv, info = L.ldl_factor(A, hermitian=hermitian)
    if check_errors and info.numpy().any():
        raise LinAlgError("torch.linalg.ldl_factor_ex: The factorization could not be completed because the input "
                          "is singular.")
    return _out(_ldl_factor_ex_t(LD, piv, info), out)


def ldl_factor(A, *, hermitian=False, out=None):
    """Bunch-Kaufman LDL^T factorization of a symmetric matrix: (LD, pivots). Not differentiable."""
    LD, piv, info = ldl_factor_ex(A, hermitian=hermitian)
    return _out(_ldl_factor_t(LD, piv), out)


def ldl_solve(LD, pivots, B, *, hermitian=False, out=None):
    """Solve A X = B from ldl_factor's output. Not differentiable."""
    _check(LD, "linalg.ldl_solve", name="LD")
    _check(B, "linalg.ldl_solve", square=False, name="B")
    _same_dtype(LD, B, "linalg.ldl_solve")
    return _out(L.ldl_solve(LD, pivots, B, hermitian=hermitian), out)


def eig(A, *, out=None):
    """Eigenvalues and eigenvectors of a general square matrix, as complex tensors (unit-norm eigenvectors).

    Values only: probtorch does not differentiate complex-valued decompositions (backward raises).
    """
    _check(A, "linalg.eig")
    return _out(_eig_t(*L.eig(A)), out)


def eigvals(A, *, out=None):
    """Eigenvalues of a general square matrix, as a complex tensor (values only)."""
    _check(A, "linalg.eigvals")
    return _out(L.eig(A)[0], out)
