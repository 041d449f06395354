r"""The squared Mahalanobis norm :math:`M = |L^{-1}(x - \mu)|^2` of a batch of vectors against a batch of
lower-triangular factors, as one primitive.

Composed from a triangular solve, a square and a sum, the norm of ``1e5`` vectors costs a dozen full-size passes
forward and backward (the broadcast subtraction, the copy into a right-hand side, the square, its two gradient
products, the negation of the subtraction's gradient, the reduction to the mean's shape). Here, with many vectors
per factor, the rows of ``x`` stream through a product with :math:`L^{-T}` in cache-sized steps: one read of ``x``
forward, one more for the gradient w.r.t. :math:`\mu` and :math:`L`, and no full-size temporaries.

Shapes: ``L`` is ``bL + (n, n)`` (only its lower triangle is read), ``x`` and ``loc`` are ``(..., n)``; the result
has the broadcast batch shape ``S`` of the three. ``L`` is never broadcast: the batch dims along which it is shared
(size 1 or absent in ``bL``) are folded into the rows of one ``(ns, n)`` block per distinct factor, so the work is
a single matrix product (or triangular solve) per factor.

Derivatives, with :math:`Y = L^{-1}(x - \mu)` (rows) and :math:`W = 2 g Y`:

* :math:`\partial/\partial x = L^{-T} W = -\partial/\partial\mu`, reduced to each input's shape;
* :math:`\partial/\partial L = -\mathrm{tril}(L^{-T} W^T Y)`, the lower triangle being the part the value reads.

When no input that needs a gradient varies along the folded rows (the usual case: ``loc`` and ``L`` of a
distribution, a batch of fixed values), both need only the per-factor moments :math:`\sum g\, y y^T` and
:math:`\sum g\, y`: a second primitive, ``row_moments``, with its own reverse and forward rules. All rules are
written in Tensor operations, so they are differentiable again; the forward-mode rule of the norm is
:math:`dM = 2 \langle L^{-T} Y, dx - d\mu - \mathrm{tril}(dL)\, Y \rangle`.
"""
import math

import numpy as np

from .._primitive import Primitive
from .._tensor import Tensor
from .linalg import matmul, solve_triangular, _solve_triangular_impl
from .shape import tril as _tril

__all__ = ["mahalanobis"]


class _Fold:
    """How the batch shape ``S`` is arranged as ``(nb, ns)``: one block of ``ns`` rows per distinct factor."""

    __slots__ = ("k", "n", "S", "own", "shared", "nb", "ns", "perm", "inverse", "identity", "folded_shape")

    def __init__(self, bL, S, n):
        k = len(S)
        bLp = (1,) * (k - len(bL)) + tuple(bL)
        self.k, self.n, self.S = k, n, tuple(S)
        self.own = [i for i in range(k) if bLp[i] != 1]
        self.shared = [i for i in range(k) if bLp[i] == 1]
        self.nb = math.prod(S[i] for i in self.own)
        self.ns = math.prod(S[i] for i in self.shared)
        self.perm = tuple(self.own + self.shared)
        self.identity = self.perm == tuple(range(k))
        self.inverse = tuple(self.perm.index(i) for i in range(k))
        self.folded_shape = tuple(S[i] for i in self.perm)

    def rows(self, v):
        """``S + (n,)`` -> ``(nb, ns, n)`` (ndarray or Tensor; broadcast first when ``v`` is smaller)."""
        full = self.S + (self.n,)
        if tuple(v.shape) != full:
            v = np.broadcast_to(v, full) if isinstance(v, np.ndarray) else v.expand(full)
        if not self.identity:
            v = v.transpose(self.perm + (self.k,)) if isinstance(v, np.ndarray) else v.permute(self.perm + (self.k,))
        return v.reshape((self.nb, self.ns, self.n))

    def unrows(self, v, last=()):
        """``(nb, ns) + last`` -> ``S + last``."""
        v = v.reshape(self.folded_shape + last)
        if self.identity:
            return v
        tail = tuple(range(self.k, self.k + len(last)))
        return v.transpose(self.inverse + tail) if isinstance(v, np.ndarray) else v.permute(self.inverse + tail)

    def summed_shape(self):
        """``S`` with the shared dims set to 1: where the per-factor sums over the rows land."""
        return tuple(self.S[i] if i in self.own else 1 for i in range(self.k))

    def shared_only(self, shape):
        """True when an input of batch shape ``shape`` has size 1 along every folded (shared) dim of size > 1."""
        p = (1,) * (self.k - len(shape)) + tuple(shape)
        return all(p[i] == 1 for i in self.shared if self.S[i] != 1)


def _fold_for(L, x, loc):
    return _fold_for_batch(tuple(L.shape[:-2]), L.shape[-1], x, loc, L.shape)


def _fold_for_batch(bL, n, x, loc, L_shape):
    lead = [tuple(x.shape[:-1])]
    if loc.__class__ is not float and loc.__class__ is not int:
        lead.append(tuple(loc.shape[:-1]))
    if x.shape[-1:] != (n,) or (len(lead) > 1 and loc.shape[-1:] != (n,)):
        raise RuntimeError(f"mahalanobis: the vectors must have size {n} in their last dim, matching the factor of "
                           f"shape {tuple(L_shape)}; got {tuple(x.shape)}"
                           + ("" if len(lead) == 1 else f" and {tuple(loc.shape)}"))
    try:
        S = tuple(np.broadcast_shapes(bL, *lead))
    except ValueError:
        raise RuntimeError(f"mahalanobis: the batch shapes of the factor {bL} and of the vectors "
                           f"{', '.join(map(str, lead))} do not broadcast") from None
    return _Fold(bL, S, n)


_CHUNK = 4096  # rows per step of the row loops: the (rows, n) temporaries stay in cache


def _inverse_t(L, f):
    """L^-T for each factor, (nb, n, n), reading only L's lower triangle."""
    n = f.n
    Li = _solve_triangular_impl(L.reshape((f.nb, n, n)), np.eye(n, dtype=L.dtype), False)
    return Li.transpose(0, 2, 1)


def _row_steps(f, x, loc, LiT, dtype):
    """Yield ``(b, lo, hi, Y)`` with ``Y = (x - loc) L_b^-T`` for rows ``lo:hi`` of factor ``b`` (a reused buffer).

    When x's rows are already in folded order and loc is shared by them, ``x - loc`` is never formed: each step is
    ``x_rows L^-T - loc L^-T`` in a cache-sized buffer, so the whole pass reads x once and writes nothing large.
    """
    n, nb, ns = f.n, f.nb, f.ns
    direct = f.identity and tuple(x.shape[:-1]) == f.S and (np.ndim(loc) == 0 or f.shared_only(loc.shape[:-1]))
    if direct:
        src = x.reshape((nb, ns, n))
        c = None
        if np.ndim(loc) != 0 or loc != 0:
            loc_b = np.broadcast_to(loc, f.summed_shape() + (n,)).reshape((nb, n)) if np.ndim(loc) else \
                np.full((nb, n), loc, dtype)
            c = np.matmul(loc_b[:, None, :], LiT)[:, 0]
    else:
        src = f.rows(x - loc)
        c = None
    buf = np.empty((min(ns, _CHUNK), n), dtype)
    for b in range(nb):
        for lo in range(0, ns, _CHUNK):
            hi = min(lo + _CHUNK, ns)
            Y = buf[:hi - lo]
            np.matmul(src[b, lo:hi], LiT[b], out=Y)
            if c is not None:
                Y -= c[b]
            yield b, lo, hi, Y


def _mahalanobis_impl(L, x, loc):
    f = _fold_for(L, x, loc)
    n, nb, ns = f.n, f.nb, f.ns
    dtype = np.result_type(L, x)
    if nb * ns == 0 or n == 0:
        return np.zeros(f.S, dtype)
    if ns >= _CHUNK:
        # many rows per factor: invert the (small) factor once and stream the rows through a matrix product with it
        # (far faster than a triangular solve with them), a cache-sized step at a time
        M = np.empty((nb, ns), dtype)
        for b, lo, hi, Y in _row_steps(f, x, loc, _inverse_t(L, f), dtype):
            np.einsum("si,si->s", Y, Y, out=M[b, lo:hi])
        return np.ascontiguousarray(f.unrows(M))
    rows = f.rows(x - loc)
    Lf = L.reshape((nb, n, n))
    if ns >= n:
        Y = rows @ _inverse_t(L, f)
        M = np.einsum("bsi,bsi->bs", Y, Y)
    else:
        Yt = _solve_triangular_impl(Lf, rows.transpose(0, 2, 1), False)
        M = np.einsum("bis,bis->bs", Yt, Yt)
    return np.ascontiguousarray(f.unrows(M))


mahalanobis = Primitive("_batch_mahalanobis", _mahalanobis_impl, dtype_rule="promote")


def _lower(G):
    """The lower triangle of a stack of matrices, as a product with a constant 0/1 mask (numpy's tril builds its
    mask and a select per call, ~10x slower on a stack of 1000 10x10 matrices)."""
    from .._functions.creation import ones
    n = G.shape[-1]
    return G * _tril(ones((n, n), dtype=G.dtype))


def _inverse(Lf):
    from .._functions.creation import eye
    return solve_triangular(Lf, eye(Lf.shape[-1], dtype=Lf.dtype), upper=False)


@mahalanobis.defvjp
def _mahalanobis_vjp(g, out, L, x, loc):
    f = _fold_for(L, x, loc)
    n, nb, ns = f.n, f.nb, f.ns
    inputs = [(x, 1.0), (loc, -1.0)]
    need = [(i, p, s) for i, (p, s) in enumerate(inputs) if isinstance(p, Tensor) and p.requires_grad]
    if nb * ns == 0 or n == 0:
        return tuple(p.new_zeros(tuple(p.shape)) if isinstance(p, Tensor) and p.requires_grad else None
                     for p in (L, x, loc))
    Lf = L.reshape((nb, n, n))
    res = [None, None]
    if ns >= n and all(f.shared_only(tuple(p.shape[:-1])) for _, p, _ in need):
        # every input that needs a gradient is shared by the rows of its block: all the rule needs are the per-factor
        # moments sum g y y^T and sum g y, which one streaming pass over x gives
        Li = _inverse(Lf)
        C, m1 = row_moments(Li, x, loc, g, batch=tuple(L.shape[:-2]))
        gL = _lower(matmul(-2 * Li.mT, C)).reshape(tuple(L.shape)) if L.requires_grad else None
        if need:
            gp = 2 * matmul(m1.unsqueeze(-2), Li).reshape(f.summed_shape() + (n,))
            for i, p, s in need:
                res[i] = (gp if s > 0 else -gp).sum_to_size(tuple(p.shape))
        return (gL, res[0], res[1])
    g2 = 2 * _fold_g(f, g)  # (nb, ns)
    rows = f.rows(x - loc)
    if ns >= n:
        Li = _inverse(Lf)
        Y = matmul(rows, Li.mT)  # (nb, ns, n)
        gL = None
        if L.requires_grad:
            W = Y * g2.unsqueeze(-1)
            gL = _lower(matmul(-Li.mT, matmul(W.mT, Y))).reshape(tuple(L.shape))
        full = None
        for i, p, s in need:
            if f.shared_only(tuple(p.shape[:-1])):
                # the input is shared by all the rows of a block: sum the rows first (a vector-matrix product)
                gp = matmul(matmul(g2.unsqueeze(-2), Y), Li).reshape(f.summed_shape() + (n,))
            else:
                if full is None:
                    full = f.unrows(matmul(Y * g2.unsqueeze(-1), Li), (n,))
                gp = full
            res[i] = (gp if s > 0 else -gp).sum_to_size(tuple(p.shape))
    else:
        Yt = solve_triangular(Lf, rows.mT, upper=False)  # (nb, n, ns)
        Zt = solve_triangular(Lf.mT, Yt * g2.unsqueeze(-2), upper=True)  # L^-T W
        # the sign on the (nb, n, ns) factor, not on the (nb, n, n) product
        gL = _lower(matmul(Zt, -Yt.mT)).reshape(tuple(L.shape)) if L.requires_grad else None
        if need:
            full = f.unrows(Zt.mT, (n,))
            for i, p, s in need:
                res[i] = (full if s > 0 else -full).sum_to_size(tuple(p.shape))
    return (gL, res[0], res[1])


def _fold_g(f, g):
    """The incoming gradient (shape ``S``) as ``(nb, ns)``."""
    if not f.identity:
        g = g.permute(f.perm)
    return g.reshape((f.nb, f.ns))


@mahalanobis.defjvp
def _mahalanobis_jvp(tangents, out, L, x, loc):
    tL, tx, tloc = tangents
    f = _fold_for(L, x, loc)
    n, nb, ns = f.n, f.nb, f.ns
    if nb * ns == 0 or n == 0:
        return out.new_zeros(tuple(out.shape))
    Lf = L.reshape((nb, n, n))
    Li = _inverse(Lf)
    Y = matmul(f.rows(x - loc), Li.mT)  # (nb, ns, n)
    U = matmul(Y, Li)  # rows of Sigma^-1 (x - loc)
    t = None
    if tx is not None or tloc is not None:
        d = tx if tloc is None else (-tloc if tx is None else tx - tloc)
        t = f.rows(d)
    if tL is not None:
        dLY = matmul(Y, _tril(tL).reshape((nb, n, n)).mT)
        t = -dLY if t is None else t - dLY
    return f.unrows(2 * (U * t).sum(-1))


# ------------------------------------------------------------------------------------------------ row moments
def _row_moments_impl(Li, x, loc, g, batch):
    n = Li.shape[-1]
    f = _fold_for_batch(batch, n, x, loc, batch + (n, n))
    nb, ns = f.nb, f.ns
    dtype = np.result_type(Li, x, g)
    C = np.zeros((nb, n, n), dtype)
    m1 = np.zeros((nb, n), dtype)
    if nb * ns == 0 or n == 0:
        return C, m1
    gf = np.broadcast_to(g, f.S)
    gf = (gf if f.identity else gf.transpose(f.perm)).reshape((nb, ns))
    LiT = Li.transpose(0, 2, 1)
    if ns >= _CHUNK:
        W = np.empty((min(ns, _CHUNK), n), dtype)
        for b, lo, hi, Y in _row_steps(f, x, loc, LiT, dtype):
            gb = gf[b, lo:hi]
            Wb = np.multiply(Y, gb[:, None], out=W[:hi - lo])
            C[b] += Wb.T @ Y
            m1[b] += gb @ Y
        return C, m1
    Y = f.rows(x - loc) @ LiT
    C = np.matmul((Y * gf[..., None]).transpose(0, 2, 1), Y)
    m1 = np.matmul(gf[:, None, :], Y)[:, 0]
    return C, m1


# (sum g y y^T, sum g y) over the rows of each factor, y = L^-1 (x - loc), given Li = L^-1 folded to (nb, n, n) and
# the batch shape of L as the static `batch`: what the Mahalanobis rule needs when no full-size gradient is asked for
row_moments = Primitive("_mahalanobis_row_moments", _row_moments_impl, nout=2, dtype_rule="promote")


def _moments_setup(Li, x, loc, g, batch):
    n = Li.shape[-1]
    f = _fold_for_batch(batch, n, x, loc, batch + (n, n))
    D = f.rows(x - loc)
    return f, D, matmul(D, Li.mT), _fold_g(f, g.expand(f.S) if tuple(g.shape) != f.S else g)


@row_moments.defvjp
def _row_moments_vjp(grads, out, Li, x, loc, g, batch):
    gC, gm = grads
    f, D, Y, gf = _moments_setup(Li, x, loc, g, batch)
    n = f.n
    # C = sum g y y^T, m = sum g y: d/dy = g ((gC + gC^T) y + gm), d/dg = y^T gC y + gm . y
    gY = gf.unsqueeze(-1) * (matmul(Y, gC + gC.mT) + gm.unsqueeze(-2))
    gLi = matmul(gY.mT, D) if Li.requires_grad else None
    gx = gloc = gg = None
    if (isinstance(x, Tensor) and x.requires_grad) or (isinstance(loc, Tensor) and loc.requires_grad):
        full = f.unrows(matmul(gY, Li), (n,))
        if isinstance(x, Tensor) and x.requires_grad:
            gx = full.sum_to_size(tuple(x.shape))
        if isinstance(loc, Tensor) and loc.requires_grad:
            gloc = (-full).sum_to_size(tuple(loc.shape))
    if g.requires_grad:
        gg = f.unrows((matmul(Y, gC) * Y).sum(-1) + matmul(Y, gm.unsqueeze(-1)).squeeze(-1)).sum_to_size(
            tuple(g.shape))
    return (gLi, gx, gloc, gg)


@row_moments.defjvp
def _row_moments_jvp(tangents, out, Li, x, loc, g, batch):
    tLi, tx, tloc, tg = tangents
    f, D, Y, gf = _moments_setup(Li, x, loc, g, batch)
    tY = None
    if tx is not None or tloc is not None:
        d = tx if tloc is None else (-tloc if tx is None else tx - tloc)
        tY = matmul(f.rows(d), Li.mT)
    if tLi is not None:
        t = matmul(D, tLi.mT)
        tY = t if tY is None else tY + t
    dC = dm = None
    if tY is not None:
        P = matmul((tY * gf.unsqueeze(-1)).mT, Y)
        dC = P + P.mT
        dm = matmul(gf.unsqueeze(-2), tY).squeeze(-2)
    if tg is not None:
        tgf = _fold_g(f, tg.expand(f.S) if tuple(tg.shape) != f.S else tg)
        c = matmul((Y * tgf.unsqueeze(-1)).mT, Y)
        m = matmul(tgf.unsqueeze(-2), Y).squeeze(-2)
        dC = c if dC is None else dC + c
        dm = m if dm is None else dm + m
    return (dC, dm)
