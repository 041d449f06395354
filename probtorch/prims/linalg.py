"""Linear-algebra primitives. Each rule is written in Tensor ops (and other linalg primitives), so it is
differentiable again.

Conventions: every impl takes stacks of matrices ``(*batch, m, n)``; batch dimensions broadcast where the
operation has two matrix operands. Rules receive the outputs (``out``) of factorizations and reuse them, so the
second derivative goes through the same primitives.
"""
import numpy as np

from .._primitive import Primitive
from .shape import diagonal as _diagonal, diagonal_scatter as _diagonal_scatter, tril as _tril, triu as _triu
from .shape import index as _index, cat as _cat


class _LazySciPyLinalg:
    """scipy.linalg, imported on first use (it is a large part of `import probtorch` otherwise)."""

    def __getattr__(self, name):
        import scipy.linalg
        return getattr(scipy.linalg, name)


sla = _LazySciPyLinalg()


class LinAlgError(RuntimeError):
    """A factorization or solve failed because of the input's values (singular, not positive-definite)."""


def _batch_prefix(batched, k):
    return f"(Batch element {k}): " if batched else ""


def _stack(x):
    """x viewed as a flat stack of matrices (works for empty batches, where reshape(-1, ...) cannot)."""
    return x.reshape((int(np.prod(x.shape[:-2])),) + x.shape[-2:])


def _bcast_batch(a, b):
    """Broadcast the batch dims of two stacks of matrices, keeping each one's matrix dims."""
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    return np.broadcast_to(a, batch + a.shape[-2:]), np.broadcast_to(b, batch + b.shape[-2:])


def _eye_like(x, n):
    from .._functions.creation import eye
    return eye(n, dtype=x.dtype)


def _sym(x):
    return 0.5 * (x + x.mT)


def _diag_embed(v):
    """(*, n) -> (*, n, n) with v on the diagonal."""
    n = v.shape[-1]
    z = v.new_zeros(tuple(v.shape) + (n,))
    return _diagonal_scatter(z, v, offset=0, dim1=-2, dim2=-1)


def _diag(x):
    return _diagonal(x, offset=0, dim1=-2, dim2=-1)


def _sum_outer(G, X, shape):
    """The sum over batch elements of G_b @ X_b^T, reduced to `shape`.

    When `shape` is a single matrix and G and X share their batch shape, the batch is folded into the contracted
    dimension: one matrix product, without materializing a (batch, n, m) intermediate.
    """
    if int(np.prod(shape[:-2])) == 1 and G.ndim > 2 and tuple(G.shape[:-2]) == tuple(X.shape[:-2]):
        Gf = G.movedim(-2, 0).reshape(G.shape[-2], -1)
        Xf = X.movedim(-2, 0).reshape(X.shape[-2], -1)
        return (Gf @ Xf.mT).reshape(shape)
    return (G @ X.mT).sum_to_size(shape)


# ------------------------------------------------------------------------------------------------ matmul
matmul = Primitive("matmul", np.matmul, reads={0: (1,), 1: (0,)})


@matmul.defvjp
def _matmul_vjp(g, out, a, b):
    ga = _sum_outer(g, b, a.shape) if a.requires_grad else None
    gb = _sum_outer(a.mT, g.mT, b.shape) if b.requires_grad else None
    return (ga, gb)


@matmul.defjvp
def _matmul_jvp(tangents, out, a, b):
    ta, tb = tangents  # bilinear: d(ab) = da b + a db
    if ta is None:
        return matmul(a, tb)
    return matmul(ta, b) if tb is None else matmul(ta, b) + matmul(a, tb)


# ------------------------------------------------------------------------------------------------ cholesky
def _cholesky_impl(A, check_errors=True):
    """(L, info): the lower Cholesky factor and, per matrix, the order of the first failing leading minor (0 = ok)."""
    info = np.zeros(A.shape[:-2], np.int32)
    try:
        return np.linalg.cholesky(A), info
    except np.linalg.LinAlgError:
        pass
    L = np.empty_like(A)
    flat_a = _stack(A)
    flat_l = L.reshape(flat_a.shape)
    flat_info = info.reshape(-1)
    potrf = sla.lapack.get_lapack_funcs("potrf", (flat_a,))
    for k in range(flat_a.shape[0]):
        c, inf = potrf(flat_a[k], lower=1, clean=1)
        flat_l[k] = c
        flat_info[k] = inf
    if check_errors:
        k = int(np.flatnonzero(flat_info)[0])
        raise LinAlgError(f"linalg.cholesky: {_batch_prefix(A.ndim > 2, k)}The factorization could not be completed "
                          f"because the input is not positive-definite (the leading minor of order {flat_info[k]} is "
                          "not positive-definite).")
    return L, info


# The factorizations of Hermitian / general complex matrices (cholesky, eigh, qr, svd) are not holomorphic: their
# rules are written directly as torch's gradient (adjoint=True), with conjugate transposes; for real matrices
# they reduce to the usual transposes.
cholesky = Primitive("linalg_cholesky", _cholesky_impl, nout=2, saves=(), save_out=True, adjoint=True)


@cholesky.defvjp
def _cholesky_vjp(g, out, A, check_errors=True):
    # A = L L^T  =>  dL = L Phi(L^-1 dA L^-T), Phi = lower triangle with halved diagonal; the adjoint is
    # gA = L^-T Phi(L^T gL) L^-1, symmetrized because A is taken as symmetric.
    gL, _ = g
    L, _ = out
    if L.is_complex():
        # A = L L^H: gA = L^-H Phi L^-1 with Phi the Hermitian matrix from tril(L^H gL) (torch's choice: the
        # diagonal, complex, halved); it agrees with any other choice along Hermitian directions
        P = _tril(L.mH @ _tril(gL))
        P = 0.5 * (P + _tril(P, diagonal=-1).mH)
        X = solve_triangular(L.mH, P, upper=True)
        return (solve_triangular(L.mH, X.mH, upper=True).mH,)
    P = L.mT @ _tril(gL)
    P = _tril(P) - 0.5 * _diag_embed(_diag(P))
    X = solve_triangular(L.mT, P, upper=True)
    X = solve_triangular(L.mT, X.mT, upper=True)
    return (_sym(X),)


@cholesky.defjvp
def _cholesky_jvp(tangents, out, A, check_errors=True):
    # dL = L Phi(L^-1 dA L^-H)
    L = out[0]
    X = solve_triangular(L, tangents[0], upper=False)
    X = solve_triangular(L, X.mH, upper=False).mH
    return (L @ (_tril(X) - 0.5 * _diag_embed(_diag(X))), None)


# ------------------------------------------------------------------------------------------------ triangular solve
def _trsm_loop(A, B, upper, unitriangular):
    A, B = _bcast_batch(A, B)
    dt = np.result_type(A, B)
    out = np.empty(B.shape, dt)
    fa = _stack(A)
    fb = _stack(B)
    fo = out.reshape(fb.shape)
    if fa.shape[0] == 0 or B.shape[-1] == 0 or A.shape[-1] == 0:
        return out
    trsm = sla.blas.get_blas_funcs("trsm", (fa[:1], fb[:1]))
    with np.errstate(divide="ignore", invalid="ignore"):
        for k in range(fa.shape[0]):
            fo[k] = trsm(1.0, fa[k], fb[k], side=0, lower=0 if upper else 1, trans_a=0,
                         diag=1 if unitriangular else 0)
    return out


def _fold_rhs(A, B, solver):
    """One matrix against a batch of right-hand sides: a single solve with the batch folded into the columns."""
    batch = np.broadcast_shapes(A.shape[:-2], B.shape[:-2])
    n, k = B.shape[-2], B.shape[-1]
    Bf = np.moveaxis(np.broadcast_to(B, batch + (n, k)), -2, 0).reshape(n, -1)
    X = solver(A.reshape(A.shape[-2:]), Bf)
    return np.ascontiguousarray(np.moveaxis(X.reshape((n,) + batch + (k,)), 0, -2))


def _single_matrix(A, B):
    return int(np.prod(A.shape[:-2])) == 1 and B.ndim > 2 and int(np.prod(B.shape[:-2])) > 1


def _solve_triangular_impl(A, B, upper, unitriangular=False):
    if _single_matrix(A, B):
        return _fold_rhs(A, B, lambda a, b: _trsm_loop(a, b, upper, unitriangular))
    batch = np.broadcast_shapes(A.shape[:-2], B.shape[:-2])
    nb = int(np.prod(batch)) if batch else 1
    if nb > 16 and 0 < A.shape[-1] <= 64 and B.shape[-1] > 0:
        # many small systems: compiled substitution instead of a Python loop of LAPACK calls
        from .._kernels.triangular import solve_triangular_batched
        Ab, Bb = _bcast_batch(A, B)
        dt = np.result_type(Ab, Bb)
        res = solve_triangular_batched(Ab.astype(dt, copy=False), Bb.astype(dt, copy=False), upper, unitriangular)
        if res is not None:
            return res
    return _trsm_loop(A, B, upper, unitriangular)


solve_triangular = Primitive("linalg_solve_triangular", _solve_triangular_impl, dtype_rule="promote", saves=(0,),
                             save_out=True)


@solve_triangular.defvjp
def _solve_triangular_vjp(g, out, A, B, upper, unitriangular=False):
    # X = A^-1 B  =>  gB = A^-T g, gA = -gB X^T restricted to the triangle that A's values come from
    gB = solve_triangular(A.mT, g, upper=not upper, unitriangular=unitriangular)
    gA = None
    if A.requires_grad:
        gA = -_sum_outer(gB, out, A.shape)
        off = 1 if unitriangular else 0
        gA = _triu(gA, diagonal=off) if upper else _tril(gA, diagonal=-off)
    return (gA, gB.sum_to_size(B.shape) if B.requires_grad else None)



@solve_triangular.defjvp
def _solve_triangular_jvp(tangents, out, A, B, upper, unitriangular=False):
    # dX = A^-1 (dB - dA X), dA restricted to the triangle that is read
    tA, tB = tangents
    rhs = tB
    if tA is not None:
        off = 1 if unitriangular else 0
        tA = _triu(tA, diagonal=off) if upper else _tril(tA, diagonal=-off)
        rhs = -(tA @ out) if rhs is None else rhs - tA @ out
    return solve_triangular(A, rhs, upper=upper, unitriangular=unitriangular)


# ------------------------------------------------------------------------------------------------ inverse, solve

def _lu_info(A):
    """Per matrix, the 1-based index of the first zero pivot of LU with partial pivoting (0 = nonsingular)."""
    fa = _stack(A)
    info = np.zeros(fa.shape[0], np.int32)
    if fa.shape[0] == 0:
        return info.reshape(A.shape[:-2])
    getrf = sla.lapack.get_lapack_funcs("getrf", (fa[:1],))
    for k in range(fa.shape[0]):
        info[k] = getrf(fa[k])[2]
    return info.reshape(A.shape[:-2])


def _inv_impl(A, check_errors=True):
    """(inverse, info); matrices that are singular get NaN entries and a nonzero info."""
    try:
        return np.linalg.inv(A), np.zeros(A.shape[:-2], np.int32)
    except np.linalg.LinAlgError:
        pass
    info = _lu_info(A)
    flat = info.reshape(-1)
    if check_errors:
        k = int(np.flatnonzero(flat)[0])
        raise LinAlgError(f"linalg.inv: {_batch_prefix(A.ndim > 2, k)}The diagonal element {flat[k]} is zero, the "
                          "inversion could not be completed because the input matrix is singular.")
    fa = _stack(A)
    res = np.full(fa.shape, np.nan, A.dtype)
    ok = flat == 0
    if ok.any():
        res[ok] = np.linalg.inv(fa[ok])
    return res.reshape(A.shape), info


inv = Primitive("linalg_inv", _inv_impl, nout=2, saves=(), save_out=True)


@inv.defvjp
def _inv_vjp(g, out, A, check_errors=True):
    Ai = out[0]
    return (-(Ai.mT @ g[0] @ Ai.mT),)


@inv.defjvp
def _inv_jvp(tangents, out, A, check_errors=True):
    Ai = out[0]
    return (-(Ai @ tangents[0] @ Ai), None)


def _solve_impl(A, B):
    try:
        if _single_matrix(A, B):
            return _fold_rhs(A, B, np.linalg.solve)
        return np.linalg.solve(A, B)
    except np.linalg.LinAlgError:
        raise LinAlgError("torch.linalg.solve: The solver failed because the input matrix is singular.") from None


solve = Primitive("linalg_solve", _solve_impl, saves=(0,), save_out=True)


@solve.defvjp
def _solve_vjp(g, out, A, B):
    gB = solve(A.mT, g)
    gA = -_sum_outer(gB, out, A.shape) if A.requires_grad else None
    return (gA, gB.sum_to_size(B.shape) if B.requires_grad else None)


@solve.defjvp
def _solve_jvp(tangents, out, A, B):
    tA, tB = tangents
    rhs = tB
    if tA is not None:
        rhs = -(tA @ out) if rhs is None else rhs - tA @ out
    return solve(A, rhs)


# ------------------------------------------------------------------------------------------------ determinants
def _inv_nocheck(A):
    return inv(A, check_errors=False)[0]


det = Primitive("linalg_det", lambda A: np.asarray(np.linalg.det(A)), save_out=True)


@det.defvjp
def _det_vjp(g, out, A):
    if not bool((out == 0).any()):
        # d det = det * tr(A^-1 dA)
        return ((g * out).unsqueeze(-1).unsqueeze(-1) * _inv_nocheck(A).mT,)
    # a singular matrix in the batch: the gradient is the transposed adjugate, which the SVD gives everywhere as
    # det(U) det(V^T) U diag(prod_{j != i} s_j) V^T (nonzero at rank n - 1)
    from .reduce import _prod_grad_1d
    U, S, Vh = svd(A, full_matrices=False)
    sign = (det(U) * det(Vh)).detach()
    others = _prod_grad_1d(1.0, S, S.ndim - 1)
    if A.is_complex():  # the transposed adjugate of U S V^H is det(U) det(V^H) conj(U) diag(...) conj(V^H)
        U, Vh = U.conj(), Vh.conj()
    return ((g * sign).unsqueeze(-1).unsqueeze(-1) * ((U * others.unsqueeze(-2)) @ Vh),)


@det.defjvp
def _det_jvp(tangents, out, A):
    # <d det / dA, dA>, with the gradient of det at g = 1 (the transposed adjugate, also at singular A)
    (gA,) = _det_vjp(out.new_ones(tuple(out.shape)), out, A)
    return (gA * tangents[0]).sum((-2, -1))


def _slogdet_impl(A):
    s, la = np.linalg.slogdet(A)
    return np.asarray(s), np.asarray(la)


slogdet = Primitive("linalg_slogdet", _slogdet_impl, nout=2, save_out=True)


@slogdet.defvjp
def _slogdet_vjp(g, out, A):
    # log|det A| = Re log det A, d log det A = tr(A^-1 dA); a complex sign = exp(i Im log det A) moves too:
    # d sign = i sign Im tr(A^-1 dA), whose transpose takes g_sign to i Im(g_sign sign) A^-T
    coef = g[1]
    if A.is_complex():
        coef = coef + 1j * (g[0] * out[0]).imag
    return (coef.unsqueeze(-1).unsqueeze(-1) * _inv_nocheck(A).mT,)


@slogdet.defjvp
def _slogdet_jvp(tangents, out, A):
    t = (_inv_nocheck(A).mT * tangents[0]).sum((-2, -1))  # tr(A^-1 dA) = d log det A
    if not A.is_complex():
        return (None, t)
    return (1j * out[0] * t.imag, t.real)


# ------------------------------------------------------------------------------------------------ eigh
def _eigh_impl(A, UPLO="L"):
    w, v = np.linalg.eigh(A, UPLO=UPLO)
    return w, v


eigh = Primitive("linalg_eigh", _eigh_impl, nout=2, saves=(), save_out=True, adjoint=True)


def _safe_recip(E):
    """1/E off the zero entries (the diagonal and repeated eigen/singular values), 0 on them."""
    from .._functions.math import where
    zero = E == 0
    return where(zero, 0.0, 1.0 / where(zero, 1.0, E))


@eigh.defvjp
def _eigh_vjp(g, out, A, UPLO="L"):
    # gA = V (diag(gL) + skew(V^T gV) / E) V^T with E_ij = L_j - L_i; only the skew part of V^T gV is a
    # gauge-invariant direction, and the result is symmetric.
    # (complex: V^H gV, and the Hermitian part; the phase of each eigenvector is free, so a loss that depends on
    # it, Im diag(V^H gV) != 0, has no gradient, as in torch)
    gL, gV = g
    L, V = out
    E = L.unsqueeze(-2) - L.unsqueeze(-1)
    M = V.mH @ gV
    M = 0.5 * (M - M.mH) * _safe_recip(E) + _diag_embed(gL)
    return (V @ M @ V.mH,)


@eigh.defjvp
def _eigh_jvp(tangents, out, A, UPLO="L"):
    # with M = V^H dA V: dL = diag(M) (real), dV = V (M / E) with E_ij = L_j - L_i off the diagonal
    L, V = out
    M = V.mH @ tangents[0] @ V
    E = L.unsqueeze(-2) - L.unsqueeze(-1)
    d = _diag(M)
    return (d.real if d.is_complex() else d, V @ (M * _safe_recip(E)))


# ------------------------------------------------------------------------------------------------ qr
def _qr_impl(A, mode="reduced"):
    if mode == "r":
        r = np.linalg.qr(A, mode="r")
        return np.zeros((0,), A.dtype), r
    q, r = np.linalg.qr(A, mode=mode)
    return q, r


qr = Primitive("linalg_qr", _qr_impl, nout=2, saves=(), save_out=True, adjoint=True)


def _copyltu(M):
    """The Hermitian matrix with M's strict lower triangle and the real part of its diagonal."""
    d = _diag(M)
    return _tril(M, diagonal=-1) + _tril(M, diagonal=-1).mH + _diag_embed(d.real if d.is_complex() else d)


def _qr_square_or_tall_vjp(gQ, gR, Q, R):
    # Liao, Liu, Wang, Xiang (2019), eq. for m >= n: gA = (gQ + Q copyltu(M)) R^-H, M = R gR^H - gQ^H Q; for
    # complex A, R's diagonal is real (LAPACK's convention), so only Re diag(M) enters
    M = R @ gR.mH - gQ.mH @ Q
    B = gQ + Q @ _copyltu(M)
    return solve_triangular(R, B.mH, upper=True).mH


@qr.defvjp
def _qr_vjp(g, out, A, mode="reduced"):
    gQ, gR = g
    Q, R = out
    if mode == "r":
        raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please "
                           "use linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr.")
    m, n = A.shape[-2], A.shape[-1]
    if mode == "complete" and m > n:
        raise NotImplementedError("The QR decomposition is not differentiable when mode='complete' and nrows > "
                                  "ncols.")
    if m >= n:
        return (_qr_square_or_tall_vjp(gQ, gR, Q, R),)
    # wide: A = [X | Y] with X = Q R1 square and Y = Q R2, so R2 = Q^T Y
    R1 = _index(R, idx=(Ellipsis, slice(None), slice(0, m)))
    gR1 = _index(gR, idx=(Ellipsis, slice(None), slice(0, m)))
    gR2 = _index(gR, idx=(Ellipsis, slice(None), slice(m, None)))
    Y = _index(A, idx=(Ellipsis, slice(None), slice(m, None)))
    gX = _qr_square_or_tall_vjp(gQ + Y @ gR2.mH, gR1, Q, R1)
    gY = Q @ gR2
    return (_cat(gX, gY, dim=A.ndim - 1),)


# ------------------------------------------------------------------------------------------------ svd
def _svd_impl(A, full_matrices=True):
    u, s, vh = np.linalg.svd(A, full_matrices=full_matrices)
    return u, s, vh


svd = Primitive("linalg_svd", _svd_impl, nout=3, saves=(), save_out=True, adjoint=True)


@svd.defvjp
def _svd_vjp(g, out, A, full_matrices=True):
    # Reduced-SVD adjoint (Townsend 2016); with full_matrices the extra columns of U / rows of Vh carry no
    # information about A and their gradients are dropped, as torch does.
    gU, gS, gVh = g
    U, S, Vh = out
    m, n = A.shape[-2], A.shape[-1]
    k = min(m, n)
    if full_matrices and m != n:
        U = _index(U, idx=(Ellipsis, slice(None), slice(0, k)))
        gU = _index(gU, idx=(Ellipsis, slice(None), slice(0, k)))
        Vh = _index(Vh, idx=(Ellipsis, slice(0, k), slice(None)))
        gVh = _index(gVh, idx=(Ellipsis, slice(0, k), slice(None)))
    V, gV = Vh.mH, gVh.mH
    S2 = S * S
    F = _safe_recip(S2.unsqueeze(-2) - S2.unsqueeze(-1))
    UgU = U.mH @ gU
    VgV = V.mH @ gV
    Sr = S.unsqueeze(-2)
    Sc = S.unsqueeze(-1)
    J = F * (UgU - UgU.mH)
    K = F * (VgV - VgV.mH)
    inner = J * Sr + Sc * K + _diag_embed(gS)
    Sinv = _safe_recip(S)
    if A.is_complex():
        # U and V are fixed up to a common phase per singular pair: with that phase put on U, dU's diagonal part
        # is i Im(U^H dA V)_ii / s_i, whose adjoint adds i Im diag(U^H gU) / s (a loss seeing the free phase,
        # Im diag(U^H gU + V^H gV) != 0, has no gradient, as in torch)
        inner = inner + _diag_embed(1j * _diag(UgU).imag * Sinv)
    gA = U @ inner @ Vh
    if m > k:
        gA = gA + (gU - U @ UgU) * Sinv.unsqueeze(-2) @ Vh
    if n > k:
        gA = gA + U @ ((gV - V @ VgV) * Sinv.unsqueeze(-2)).mH
    return (gA,)


# ------------------------------------------------------------------------------------------------ matrix_exp
def _expm_impl(A):
    if A.shape[-1] == 0:
        return A.copy()
    return np.asarray(sla.expm(A), A.dtype)


matrix_exp = Primitive("linalg_matrix_exp", _expm_impl, saves=None)


@matrix_exp.defvjp
def _matrix_exp_vjp(g, out, A):
    # the Frechet derivative's adjoint is the upper-right block of exp([[A^T, g], [0, A^T]])
    n = A.shape[-1]
    At = A.mT
    top = _cat(At, g, dim=A.ndim - 1)
    bottom = _cat(g.new_zeros(tuple(g.shape)), At, dim=A.ndim - 1)
    big = matrix_exp(_cat(top, bottom, dim=A.ndim - 2))
    return (_index(big, idx=(Ellipsis, slice(0, n), slice(n, None))),)


@matrix_exp.defjvp
def _matrix_exp_jvp(tangents, out, A):
    # the Frechet derivative in direction dA is the upper-right block of exp([[A, dA], [0, A]])
    n = A.shape[-1]
    dA = tangents[0]
    top = _cat(A, dA, dim=A.ndim - 1)
    bottom = _cat(dA.new_zeros(tuple(dA.shape)), A, dim=A.ndim - 1)
    big = matrix_exp(_cat(top, bottom, dim=A.ndim - 2))
    return _index(big, idx=(Ellipsis, slice(0, n), slice(n, None)))


# ------------------------------------------------------------------------------------------------ einsum
def _einsum_impl(*arrays, equation):
    res = np.asarray(np.einsum(equation, *arrays, optimize=len(arrays) > 2))
    # the primitive's output owns its memory (numpy may hand back a view of an operand)
    return res.copy() if any(np.may_share_memory(res, a) for a in arrays) else res


einsum = Primitive("einsum", _einsum_impl)


def _fresh_letters(used):
    import string
    for c in string.ascii_letters:
        if c not in used:
            used.add(c)
            yield c


@einsum.defvjp
def _einsum_vjp(g, out, *operands, equation):
    """Each operand's gradient is another einsum of g with the other operands.

    The equation has no ellipsis and every label has one size (the public wrapper arranges both). A label repeated
    inside the operand becomes fresh labels tied by identity matrices; a label that appears only in that operand
    (summed out) is restored by a ones vector.
    """
    lhs, rhs = equation.split("->")
    subs = lhs.split(",")
    sizes = {}
    for s, op in zip(subs, operands):
        for c, d in zip(s, op.shape):
            sizes[c] = d
    res = []
    for k, (sk, xk) in enumerate(zip(subs, operands)):
        if not getattr(xk, "requires_grad", False):
            res.append(None)
            continue
        used = set(equation)
        fresh = _fresh_letters(used)
        terms = [rhs]
        ops = [g]
        for j, (sj, xj) in enumerate(zip(subs, operands)):
            if j != k:
                terms.append(sj)
                ops.append(xj)
        available = set("".join(terms))
        target = []
        seen = set()
        for c in sk:
            if c in seen:
                # a repeated label: a fresh one for this position, tied to the first by an identity matrix
                f = next(fresh)
                terms.append(c + f)
                ops.append(_eye_like(xk, sizes[c]))
                target.append(f)
                continue
            seen.add(c)
            target.append(c)
            if c not in available:
                # summed out of this operand alone: the gradient is constant along it
                terms.append(c)
                ops.append(xk.new_ones((sizes[c],)))
                available.add(c)
        eq = ",".join(terms) + "->" + "".join(target)
        res.append(einsum(*ops, equation=eq))
    return tuple(res)


@einsum.defjvp
def _einsum_jvp(tangents, out, *operands, equation):
    # multilinear: one term per operand with a tangent, that operand replaced by its tangent
    total = None
    for k, t in enumerate(tangents):
        if t is None:
            continue
        ops = list(operands)
        ops[k] = t
        term = einsum(*ops, equation=equation)
        total = term if total is None else total + term
    return total



# ------------------------------------------------------------------------------------------------ lu
def _lu_factor_impl(A):
    """(LU, pivots, info): LAPACK getrf per matrix; pivots 1-based int32 as in torch, info > 0 at a zero pivot."""
    m, n = A.shape[-2], A.shape[-1]
    k = min(m, n)
    fa = _stack(A)
    lu = np.empty_like(fa)
    piv = np.empty((fa.shape[0], k), np.int32)
    info = np.zeros(fa.shape[0], np.int32)
    if fa.shape[0] and m and n:
        getrf = sla.lapack.get_lapack_funcs("getrf", (fa[:1],))
        for b in range(fa.shape[0]):
            lu[b], p, info[b] = getrf(fa[b])
            piv[b] = p[:k] + 1
    else:
        piv[...] = np.arange(1, k + 1, dtype=np.int32)
    return lu.reshape(A.shape), piv.reshape(A.shape[:-2] + (k,)), info.reshape(A.shape[:-2])


lu_factor = Primitive("linalg_lu_factor_ex", _lu_factor_impl, nout=3, saves=(), save_out=True)


def lu_permutation(pivots, m):
    """The row order `perm` (an index ndarray, no derivative) with P^T A = A[perm] for LAPACK's 1-based pivots."""
    piv = pivots.numpy().astype(np.intp) - 1
    batch = piv.shape[:-1]
    fv = piv.reshape(int(np.prod(batch)), piv.shape[-1])
    fp = np.broadcast_to(np.arange(m), (fv.shape[0], m)).copy()
    rows = np.arange(fv.shape[0])
    # LAPACK's row interchanges, applied in order: swap i <-> piv[i], all matrices at once
    for i in range(fv.shape[1]):
        j = fv[:, i]
        fp[rows, i], fp[rows, j] = fp[rows, j], fp[rows, i].copy()
    return fp.reshape(batch + (m,))


def permute_rows(X, perm):
    """X[..., perm, :] per batch element: a gather along the row dimension (differentiable in X)."""
    from .shape import gather
    index = np.broadcast_to(perm[..., :, None], tuple(X.shape[:-2]) + (perm.shape[-1], X.shape[-1]))
    return gather(X, np.ascontiguousarray(index), dim=X.ndim - 2)


def lu_unpack_factors(LU):
    """(L, U) from the packed factor: L unit lower (m x k), U upper (k x n)."""
    m, n = LU.shape[-2], LU.shape[-1]
    k = min(m, n)
    Lk = _index(LU, idx=(Ellipsis, slice(None), slice(0, k))) if n > k else LU
    Uk = _index(LU, idx=(Ellipsis, slice(0, k), slice(None))) if m > k else LU
    eye = _eye_like(LU, m)
    if n < m:
        eye = _index(eye, idx=(slice(None), slice(0, k)))
    return _tril(Lk, diagonal=-1) + eye, _triu(Uk)


@lu_factor.defvjp
def _lu_factor_vjp(g, out, A):
    # With P^T A = L U and X = L^-1 dA' U^-1: dL = L tril(X, -1), dU = triu(X) U, so for a square A
    # gA' = L^-T (tril(L^T gL, -1) + triu(gU U^T)) U^-T. Wide and tall matrices reduce to the square case
    # through the extra block of U (wide) or L (tall).
    gLU = g[0]
    LU, pivots = out[0], out[1]
    m, n = A.shape[-2], A.shape[-1]
    k = min(m, n)
    Lf, Uf = lu_unpack_factors(LU)
    gL = _tril(gLU, diagonal=-1)
    gU = _triu(gLU)
    if n > k:
        gL = _index(gL, idx=(Ellipsis, slice(None), slice(0, k)))
    if m > k:
        gU = _index(gU, idx=(Ellipsis, slice(0, k), slice(None)))
    rows = (Ellipsis, slice(0, k), slice(None))
    cols = (Ellipsis, slice(None), slice(0, k))
    if m < n:
        # A' = L [U1 U2]: U2 = L^-1 A2' gives gA2' = L^-T gU2 and adds -L^-T gU2 U2^T to gL
        U1, U2 = _index(Uf, idx=cols), _index(Uf, idx=(Ellipsis, slice(None), slice(k, None)))
        gU1, gU2 = _index(gU, idx=cols), _index(gU, idx=(Ellipsis, slice(None), slice(k, None)))
        gA2 = solve_triangular(Lf.mT, gU2, upper=True, unitriangular=True)
        gL = gL - gA2 @ U2.mT
        gA1 = _lu_square_grad(Lf, U1, gL, gU1)
        gAp = _cat(gA1, gA2, dim=A.ndim - 1)
    elif m > n:
        # A' = [L1; L2] U: L2 = A2' U^-1 gives gA2' = gL2 U^-T and adds -L2^T gL2 U^-T to gU
        L1, L2 = _index(Lf, idx=rows), _index(Lf, idx=(Ellipsis, slice(k, None), slice(None)))
        gL1, gL2 = _index(gL, idx=rows), _index(gL, idx=(Ellipsis, slice(k, None), slice(None)))
        gA2 = solve_triangular(Uf, gL2.mT, upper=True).mT
        gU = gU - L2.mT @ gA2
        gA1 = _lu_square_grad(L1, Uf, gL1, gU)
        gAp = _cat(gA1, gA2, dim=A.ndim - 2)
    else:
        gAp = _lu_square_grad(Lf, Uf, gL, gU)
    inv_perm = np.argsort(lu_permutation(pivots, m), axis=-1)
    return (permute_rows(gAp, inv_perm),)


def _lu_square_grad(Lf, Uf, gL, gU):
    M = _tril(Lf.mT @ gL, diagonal=-1) + _triu(gU @ Uf.mT)
    X = solve_triangular(Lf.mT, M, upper=True, unitriangular=True)
    return solve_triangular(Uf, X.mT, upper=True).mT


# ------------------------------------------------------------------------------------------------ no derivative
def _not_differentiable(prim, message):
    @prim.defvjp
    def _raise(g, out, *args, **params):
        raise NotImplementedError(message)
    return prim


def _per_matrix(fn, A, nout):
    """Apply an unbatched LAPACK wrapper to each matrix of a stack; outputs stacked back."""
    fa = _stack(A)
    res = [fn(a) for a in fa]
    if not res:
        res = [fn(np.zeros(A.shape[-2:], A.dtype))]
        return tuple(np.empty(A.shape[:-2] + np.shape(r), np.asarray(r).dtype) for r in res[0])
    return tuple(np.stack([r[k] for r in res]).reshape(A.shape[:-2] + np.shape(res[0][k])) for k in range(nout))


def _geqrf_impl(A):
    geqrf = sla.lapack.get_lapack_funcs("geqrf", (A,))
    k = min(A.shape[-2:])
    return _per_matrix(lambda a: geqrf(a)[:2], A, 2) if k else (A.copy(), np.zeros(A.shape[:-2] + (0,), A.dtype))


geqrf = _not_differentiable(Primitive("geqrf", _geqrf_impl, nout=2, saves=()),
                            "the derivative for 'geqrf' is not implemented.")


def _ldl_factor_impl(A, hermitian=False):
    sytrf = sla.lapack.get_lapack_funcs("sytrf", (A,))

    def one(a):
        ld, ipiv, info = sytrf(a, lower=1)
        return np.tril(ld), ipiv.astype(np.int32), np.int32(info)
    return _per_matrix(one, A, 3)


ldl_factor = _not_differentiable(Primitive("linalg_ldl_factor_ex", _ldl_factor_impl, nout=3, saves=()),
                                 "derivative for linalg_ldl_factor_ex is not implemented")


def _ldl_solve_impl(LD, pivots, B, hermitian=False):
    LD, B = _bcast_batch(LD, B)
    piv = np.broadcast_to(pivots, LD.shape[:-2] + pivots.shape[-1:])
    sytrs = sla.lapack.get_lapack_funcs("sytrs", (LD,))
    out = np.empty(B.shape, np.result_type(LD, B))
    fl, fp, fb, fo = (_stack(x) for x in (LD, piv[..., None], B, out))
    for k in range(fl.shape[0]):
        fo[k] = sytrs(fl[k], fp[k][:, 0], fb[k], lower=1)[0]
    return out


ldl_solve = _not_differentiable(Primitive("linalg_ldl_solve", _ldl_solve_impl, saves=()),
                                "derivative for linalg_ldl_solve is not implemented")


def _eig_impl(A):
    w, v = np.linalg.eig(A)
    ct = np.result_type(A.dtype, np.complex64)
    return w.astype(ct, copy=False), v.astype(ct, copy=False)


eig = _not_differentiable(Primitive("linalg_eig", _eig_impl, nout=2, saves=()),
                          "linalg.eig: probtorch does not differentiate complex-valued decompositions; for symmetric "
                          "matrices use linalg.eigh, which is differentiable")
