"""The Mahalanobis primitive |L^-1 (x - loc)|^2: values, reverse and forward derivatives (to second order) for
every way the factor, the vectors and the mean can share batch dims, against numpy and torch."""
import numpy as np
import pytest

import probtorch
from probtorch.autograd import forward_ad as fwAD
from probtorch.autograd.gradcheck import gradcheck, gradgradcheck
import probtorch.prims.mahalanobis as mh
from probtorch.prims.mahalanobis import mahalanobis, row_moments

N = 3


def _tril_factor(rng, batch):
    A = rng.normal(size=batch + (N, N))
    return np.linalg.cholesky(A @ np.swapaxes(A, -1, -2) + N * np.eye(N))


# (factor batch, x shape, loc shape or None for a scalar 0): one factor for many rows; a factor per row (the
# triangular-solve path, fewer rows than n); factors shared along some dims and not others; a mean that varies along
# dims where the factor is shared (its gradient cannot be summed over the rows first); more factor dims than vectors
CASES = {
    "one factor, many rows": ((), (7, N), (N,)),
    "factor per row": ((4,), (4, N), (4, N)),
    "factor per column, rows shared": ((2, 1), (5, 1, 3, N), (3, N)),
    "loc varies along shared dims": ((2,), (4, 2, N), (4, 1, N)),
    "more factor dims than x": ((2, 3), (N,), (3, N)),
    "zero mean": ((2,), (5, 2, N), None),
}


@pytest.fixture(params=["whole", "streamed"])
def chunk(request, monkeypatch):
    """Run a test as is and again with the row-streaming paths (taken for >= _CHUNK rows per factor) forced."""
    if request.param == "streamed":
        monkeypatch.setattr(mh, "_CHUNK", 4)
    return request.param


def _inputs(case, rng, dtype=probtorch.float64):
    bL, xs, ls = CASES[case]
    L = probtorch.tensor(_tril_factor(rng, bL), dtype=dtype, requires_grad=True)
    x = probtorch.tensor(rng.normal(size=xs), dtype=dtype, requires_grad=True)
    loc = 0.0 if ls is None else probtorch.tensor(rng.normal(size=ls), dtype=dtype, requires_grad=True)
    return L, x, loc


def _reference(L, x, loc):
    d = np.asarray(x) - np.asarray(loc)
    S = np.broadcast_shapes(L.shape[:-2], d.shape[:-1])
    y = np.linalg.solve(np.broadcast_to(np.tril(L), S + (N, N)), np.broadcast_to(d, S + (N,))[..., None])
    return (y[..., 0] ** 2).sum(-1)


def _np(t):
    return t.detach().numpy() if isinstance(t, probtorch.Tensor) else t


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("dtype", [probtorch.float32, probtorch.float64])
def test_values(case, dtype, chunk):
    L, x, loc = _inputs(case, np.random.default_rng(0), dtype)
    M = mahalanobis(L, x, loc)
    assert M.dtype is dtype
    tol = 1e-5 if dtype is probtorch.float32 else 1e-12
    np.testing.assert_allclose(M.detach().numpy(), _reference(_np(L).astype(np.float64), _np(x), _np(loc)), rtol=tol)


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("x_grad", [True, False], ids=["x too", "x constant"])
def test_gradcheck_and_gradgradcheck(case, x_grad, chunk):
    # with x constant (and loc shared by the rows) the rule goes through the row-moments primitive
    L, x, loc = _inputs(case, np.random.default_rng(1))
    has_loc = isinstance(loc, probtorch.Tensor)
    x_const = x.detach()

    def f(L, *rest):
        x_, loc_ = (rest[0], rest[1] if has_loc else 0.0) if x_grad else (x_const, rest[0] if has_loc else 0.0)
        return mahalanobis(L, x_, loc_)

    args = (L,) + ((x,) if x_grad else ()) + ((loc,) if has_loc else ())
    assert gradcheck(f, args, check_forward_ad=True)
    assert gradgradcheck(f, args)


@pytest.mark.parametrize("case", list(CASES))
def test_row_moments(case, chunk):
    # (sum g y y^T, sum g y) per factor, and its own derivatives (reverse to second order, forward)
    rng = np.random.default_rng(7)
    L, x, loc = _inputs(case, rng)
    bL = tuple(L.shape[:-2])
    Lf = L.detach().reshape((-1, N, N))
    Li = probtorch.linalg.solve_triangular(Lf, probtorch.eye(N, dtype=Lf.dtype), upper=False).requires_grad_()
    S = tuple(mahalanobis(L, x, loc).shape)
    g = probtorch.tensor(rng.normal(size=S), requires_grad=True)
    C, m1 = row_moments(Li, x, loc, g, batch=bL)
    # reference: y per batch element, summed over the dims where the factor is shared
    y = np.linalg.solve(np.broadcast_to(np.tril(L.detach().numpy()), S + (N, N)),
                        (np.broadcast_to(_np(x) - _np(loc), S + (N,)))[..., None])[..., 0]
    gw = g.detach().numpy()
    bLp = (1,) * (len(S) - len(bL)) + bL
    shared = tuple(i for i in range(len(S)) if bLp[i] == 1)
    C_ref = (gw[..., None, None] * y[..., :, None] * y[..., None, :]).sum(shared).reshape((-1, N, N))
    m_ref = (gw[..., None] * y).sum(shared).reshape((-1, N))
    np.testing.assert_allclose(C.detach().numpy(), C_ref, rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(m1.detach().numpy(), m_ref, rtol=1e-11, atol=1e-12)
    args = (Li, x, g) + ((loc,) if isinstance(loc, probtorch.Tensor) else ())

    def f(Li, x, g, *rest):
        return row_moments(Li, x, rest[0] if rest else 0.0, g, batch=bL)

    assert gradcheck(f, args, check_forward_ad=True)
    assert gradgradcheck(f, args)


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("wrt", ["all", "loc and L", "x"])
def test_gradients_against_torch(case, wrt, chunk):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    L, x, loc = _inputs(case, rng)
    if wrt != "all":
        x.requires_grad_(wrt == "x")
        L.requires_grad_(wrt != "x")
        if isinstance(loc, probtorch.Tensor):
            loc.requires_grad_(wrt != "x")
    M = mahalanobis(L, x, loc)
    w = rng.normal(size=tuple(M.shape))
    wrt_pt = [t for t in (L, x, loc) if isinstance(t, probtorch.Tensor) and t.requires_grad]
    grads = probtorch.autograd.grad((M * probtorch.tensor(w)).sum(), wrt_pt)

    tt = [torch.tensor(_np(t), requires_grad=isinstance(t, probtorch.Tensor) and t.requires_grad)
          if isinstance(t, probtorch.Tensor) else t for t in (L, x, loc)]
    d = tt[1] - tt[2]
    S = torch.broadcast_shapes(tt[0].shape[:-2], d.shape[:-1])
    y = torch.linalg.solve_triangular(tt[0].expand(S + (N, N)), d.expand(S + (N,)).unsqueeze(-1), upper=False)
    Mt = y.squeeze(-1).pow(2).sum(-1)
    np.testing.assert_allclose(M.detach().numpy(), Mt.detach().numpy(), rtol=1e-12)
    ref = torch.autograd.grad((Mt * torch.tensor(w)).sum(), [t for t in tt if torch.is_tensor(t) and t.requires_grad])
    assert len(grads) == len(ref)
    for a, b in zip(grads, ref):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("case", ["one factor, many rows", "factor per row", "loc varies along shared dims"])
def test_forward_mode_against_torch(case, chunk):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    L, x, loc = _inputs(case, rng)
    tangents = [rng.normal(size=tuple(t.shape)) for t in (L, x, loc)]
    with fwAD.dual_level():
        duals = [fwAD.make_dual(t.detach(), probtorch.tensor(v)) for t, v in zip((L, x, loc), tangents)]
        jvp = fwAD.unpack_dual(mahalanobis(*duals)).tangent.numpy()

    def f(L, x, loc):
        d = x - loc
        S = torch.broadcast_shapes(L.shape[:-2], d.shape[:-1])
        y = torch.linalg.solve_triangular(L.expand(S + (N, N)), d.expand(S + (N,)).unsqueeze(-1), upper=False)
        return y.squeeze(-1).pow(2).sum(-1)

    prim = [torch.tensor(_np(t)) for t in (L, x, loc)]
    _, ref = torch.func.jvp(f, tuple(prim), tuple(torch.tensor(v) for v in tangents))
    np.testing.assert_allclose(jvp, ref.numpy(), rtol=1e-10, atol=1e-12)


def test_reads_only_the_lower_triangle():
    rng = np.random.default_rng(4)
    L, x, loc = _inputs("one factor, many rows", rng)
    junk = probtorch.tensor(np.triu(rng.normal(size=(N, N)), 1))
    Lj = (L.detach() + junk).requires_grad_()
    M, Mj = mahalanobis(L, x, loc), mahalanobis(Lj, x, loc)
    np.testing.assert_allclose(Mj.detach().numpy(), M.detach().numpy(), rtol=1e-13)
    (gL,) = probtorch.autograd.grad(Mj.sum(), [Lj])
    assert np.all(np.triu(gL.numpy(), 1) == 0)


def test_same_tensor_as_x_and_loc_has_zero_gradient():
    L, x, _ = _inputs("one factor, many rows", np.random.default_rng(5))
    (gx,) = probtorch.autograd.grad(mahalanobis(L, x, x).sum(), [x])
    assert np.all(gx.numpy() == 0)


def test_empty_and_errors():
    rng = np.random.default_rng(6)
    L = probtorch.tensor(_tril_factor(rng, ()), requires_grad=True)
    x = probtorch.zeros((0, 2, N), dtype=probtorch.float64, requires_grad=True)
    M = mahalanobis(L, x, 0.0)
    assert M.shape == (0, 2)
    gL, gx = probtorch.autograd.grad(M.sum(), [L, x])
    assert gL.shape == (N, N) and gx.shape == (0, 2, N) and not gL.numpy().any()
    with pytest.raises(RuntimeError, match="size 3 in their last dim"):
        mahalanobis(L, probtorch.zeros(2), 0.0)
    with pytest.raises(RuntimeError, match="do not broadcast"):
        mahalanobis(probtorch.tensor(_tril_factor(rng, (2,))), probtorch.zeros((3, N)), 0.0)
